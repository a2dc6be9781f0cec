// safetensors writer: "__metadata__" first, tensors in model order with their data
// back to back, header padded with spaces so the data starts 8-byte aligned.
#include <unordered_set>

#include "formats/gguf_types.h"  // is_valid_utf8
#include "formats/json_util.h"
#include "formats/safetensors.h"
#include "util/error.h"

namespace hart {

void write_safetensors(const ModelFile& model, const TensorDataWriter& write_data, OutputFile& out) {
  const std::string prefix = "safetensors writer: ";
  ordered_json header = ordered_json::object();
  if (!model.metadata.empty()) {
    if (!model.metadata.is_object() || !model.metadata_types.is_object())
      throw Error(prefix + "metadata and metadata_types must be JSON objects");
    ordered_json meta = ordered_json::object();
    InOrderLookup tags(model.metadata_types);
    for (const auto& [key, value] : model.metadata.items()) {
      const ordered_json* tag = tags.find(key);
      if (!tag || *tag != "str" || !value.is_string())
        throw Error(prefix + "metadata key '" + key +
                    "' is not a string (safetensors metadata holds strings only)");
      if (!gguf::is_valid_utf8(key) || !gguf::is_valid_utf8(value.get_ref<const std::string&>()))
        throw Error(prefix + "metadata key '" + key + "' is not valid UTF-8");
      append_new_key(meta, key, value);
    }
    append_new_key(header, "__metadata__", std::move(meta));
  }
  uint64_t offset = 0;
  std::unordered_set<std::string> names;
  for (const TensorInfo& t : model.tensors) {
    const std::string ctx = prefix + "tensor '" + t.name + "' ";
    const char* dtype = dtype_safetensors_name(t.dtype);
    if (!dtype) throw Error(ctx + "has type " + dtype_info(t.dtype).name + ", which safetensors cannot store");
    if (t.name == "__metadata__" || !names.insert(t.name).second)
      throw Error(ctx + "is a duplicate or reserved name");
    if (!gguf::is_valid_utf8(t.name)) throw Error(ctx + "name is not valid UTF-8");
    uint64_t n = 1;
    for (uint64_t d : t.shape) n = d && n > UINT64_MAX / d ? 0 : n * d;  // overflow shows as a mismatch
    auto bytes = dtype_row_bytes(t.dtype, n);
    if (n != t.n_elements || !bytes || *bytes != t.n_bytes)
      throw Error(ctx + "has n_elements/n_bytes inconsistent with its shape and type");
    append_new_key(header, t.name,
                   {{"dtype", dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.n_bytes}}});
    offset += t.n_bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  out.put<uint64_t>(text.size());
  out.write(text.data(), text.size());
  for (size_t i = 0; i < model.tensors.size(); ++i) {
    uint64_t start = out.offset();
    write_data(i, out);
    if (out.offset() - start != model.tensors[i].n_bytes)
      throw Error(prefix + "tensor '" + model.tensors[i].name + "': data writer wrote " +
                  std::to_string(out.offset() - start) + " bytes, expected " +
                  std::to_string(model.tensors[i].n_bytes));
  }
}

}  // namespace hart
