// GGUF writer: the exact inverse of read_gguf for files laid out the way ggml and
// gguf-py lay them out (tensors in header order, each padded to the alignment).
#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_set>

#include "formats/compact_array.h"
#include "formats/gguf.h"
#include "formats/gguf_types.h"
#include "formats/json_util.h"
#include "util/error.h"

namespace hart {
namespace {

using namespace gguf;

class Writer {
 public:
  explicit Writer(OutputFile& out) : out_(out) {}

  void key_value(const std::string& key, const ordered_json& value, const ordered_json& tag_json) {
    key_ = key;
    if (!tag_json.is_string()) fail("has no type tag in metadata_types");
    const std::string& tag = tag_json.get_ref<const std::string&>();
    auto t = parse_tag(tag);
    if (!t) fail("has an unknown type tag '" + tag + "'");
    string(key);
    out_.put<uint32_t>(t->type);
    payload(value, *t, tag);
  }

  void string(std::string_view s) {
    out_.put<uint64_t>(s.size());
    out_.write(s.data(), s.size());
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const {
    throw Error("GGUF writer: metadata key '" + key_ + "' " + msg);
  }

  template <typename T>
  void integer(const ordered_json& v, const std::string& tag) {
    if (!json_integer_fits<T>(v)) fail("value " + v.dump() + " is not a " + tag);
    out_.put<T>(json_integer_as<T>(v));
  }

  void payload(const ordered_json& v, const Tag& t, const std::string& tag) {
    switch (t.type) {
      case kU8: return integer<uint8_t>(v, tag);
      case kI8: return integer<int8_t>(v, tag);
      case kU16: return integer<uint16_t>(v, tag);
      case kI16: return integer<int16_t>(v, tag);
      case kU32: return integer<uint32_t>(v, tag);
      case kI32: return integer<int32_t>(v, tag);
      case kU64: return integer<uint64_t>(v, tag);
      case kI64: return integer<int64_t>(v, tag);
      case kF32:
      case kF64: {
        if (!v.is_number()) fail("value " + v.dump() + " is not a number (" + tag + ")");
        double d = v.get<double>();
        if (t.type == kF32) out_.put<float>(static_cast<float>(d));
        else out_.put<double>(d);
        return;
      }
      case kBool:
        if (!v.is_boolean()) fail("value " + v.dump() + " is not a bool");
        out_.put<uint8_t>(v.get<bool>() ? 1 : 0);
        return;
      case kStr: {
        if (!v.is_string()) fail("value " + v.dump() + " is not a string (" + tag + ")");
        const std::string& s = v.get_ref<const std::string&>();
        if (!t.hex) return string(s);
        auto bytes = from_hex(s);
        if (!bytes) fail("value is not an even-length hex string (hexstr)");
        return string(*bytes);
      }
      case kArr: {
        if (v.is_binary()) return compact(v, t, tag);
        if (!v.is_array()) fail("value is not an array (" + tag + ")");
        if (t.element == "arr") {
          if (!v.empty()) fail("tag arr[arr] is only valid for an empty array");
          out_.put<uint32_t>(kArr);
          out_.put<uint64_t>(0);
          return;
        }
        Tag et = *parse_tag(t.element);  // parse_tag validated the whole tag
        out_.put<uint32_t>(et.type);
        out_.put<uint64_t>(v.size());
        for (const auto& e : v) payload(e, et, t.element);
        return;
      }
    }
  }

  // A compact array (compact_array.h) holds the element bytes as the file has them.
  void compact(const ordered_json& v, const Tag& t, const std::string& tag) {
    auto et = parse_tag(t.element);
    if (!et || !is_compactable_type(et->type) || compact_type(v) != et->type ||
        v.get_binary().size() % scalar_size(et->type))
      fail("holds a compact array that is not " + tag);
    out_.put<uint32_t>(et->type);
    out_.put<uint64_t>(compact_size(v));
    out_.write(v.get_binary().data(), v.get_binary().size());
  }

  OutputFile& out_;
  std::string key_;
};

// The alignment a reader will use: general.alignment, else the GGUF default.
uint64_t file_alignment(const ModelFile& model) {
  auto it = model.metadata.find("general.alignment");
  if (it == model.metadata.end()) return kGgufDefaultAlignment;
  auto tag = model.metadata_types.find("general.alignment");
  if (tag == model.metadata_types.end() || *tag != "u32" || !it->is_number_integer() ||
      it->get<int64_t>() <= 0 || it->get<int64_t>() > UINT32_MAX ||
      (it->get<int64_t>() & (it->get<int64_t>() - 1)) != 0)
    throw Error("GGUF writer: general.alignment must be a u32 power of two, got " + it->dump());
  return it->get<uint64_t>();
}

}  // namespace

void write_gguf(const ModelFile& model, const TensorDataWriter& write_data, OutputFile& out) {
  uint32_t version = model.format_version ? model.format_version : 3;
  if (version != 2 && version != 3)
    throw Error("GGUF writer: cannot write GGUF version " + std::to_string(version) + " (only 2 and 3)");
  const uint64_t alignment = file_alignment(model);

  out.write("GGUF", 4);
  out.put<uint32_t>(version);
  out.put<uint64_t>(model.tensors.size());
  out.put<uint64_t>(model.metadata.size());
  Writer w(out);
  if (!model.metadata.is_object() || !model.metadata_types.is_object())
    throw Error("GGUF writer: metadata and metadata_types must be JSON objects");
  InOrderLookup tags(model.metadata_types);
  for (auto it = model.metadata.begin(); it != model.metadata.end(); ++it) {
    const ordered_json* tag = tags.find(it.key());
    w.key_value(it.key(), *it, tag ? *tag : ordered_json());
  }

  uint64_t offset = 0;
  std::unordered_set<std::string_view> names;
  for (const TensorInfo& t : model.tensors) {
    const std::string ctx = "GGUF writer: tensor '" + t.name + "' ";
    if (!names.insert(t.name).second) throw Error(ctx + "appears twice");
    const DTypeInfo& info = dtype_info(t.dtype);
    if (!info.in_gguf) throw Error(ctx + "has type " + info.name + ", which GGUF cannot store");
    if (t.shape.size() > kGgufMaxDims)
      throw Error(ctx + "has " + std::to_string(t.shape.size()) + " dimensions (GGUF allows 4)");
    uint64_t n = 1;
    for (uint64_t d : t.shape) n = d && n > UINT64_MAX / d ? 0 : n * d;  // overflow shows as a mismatch below
    auto bytes = dtype_row_bytes(t.dtype, n);
    if (n != t.n_elements || !bytes || *bytes != t.n_bytes)
      throw Error(ctx + "has n_elements/n_bytes inconsistent with its shape and type");
    w.string(t.name);
    out.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
    for (auto d = t.shape.rbegin(); d != t.shape.rend(); ++d) out.put<uint64_t>(*d);
    out.put<uint32_t>(static_cast<uint32_t>(t.dtype));
    out.put<uint64_t>(offset);
    offset += (t.n_bytes + alignment - 1) / alignment * alignment;
  }

  // ggml pads before the data section even with no tensors; gguf-py's vocab-only
  // files do not. Keep whichever the source had (data_offset tells), else skip it.
  bool pad = !model.tensors.empty() ||
             (model.data_offset > out.offset() && model.data_offset % alignment == 0 &&
              model.data_offset - out.offset() < alignment);
  if (pad) out.pad_to(alignment);
  for (size_t i = 0; i < model.tensors.size(); ++i) {
    uint64_t start = out.offset();
    write_data(i, out);
    if (out.offset() - start != model.tensors[i].n_bytes)
      throw Error("GGUF writer: tensor '" + model.tensors[i].name + "': data writer wrote " +
                  std::to_string(out.offset() - start) + " bytes, expected " +
                  std::to_string(model.tensors[i].n_bytes));
    out.pad_to(alignment);
  }
}

}  // namespace hart
