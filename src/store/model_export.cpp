#include "store/model_export.h"

#include "formats/gguf.h"
#include "formats/metadata_json.h"
#include "formats/safetensors.h"
#include "store/database.h"
#include "store/models.h"
#include "store/tensor_data.h"
#include "util/error.h"

namespace hart {
namespace {

ModelFile describe(Database& db, const ModelRow& m, const std::vector<TensorRow>& tensors, ExportFormat format) {
  ModelFile f;
  f.format = format == ExportFormat::kGguf ? "gguf" : "safetensors";
  Stmt s = db.prepare("SELECT metadata, metadata_types FROM models WHERE id = ?");
  s.bind(1, m.id);
  s.step();
  f.metadata_types = ordered_json::parse(s.text_view(1));
  f.metadata = metadata_from_json(s.text_view(0), f.metadata_types);
  f.architecture = m.architecture;
  bool same_format = f.format == m.format;
  if (format == ExportFormat::kGguf) {
    f.format_version = same_format ? static_cast<uint32_t>(m.format_version) : 3;
    f.alignment = same_format ? static_cast<uint64_t>(m.alignment) : kGgufDefaultAlignment;
  } else {
    f.alignment = 8;
    if (!same_format) {  // safetensors metadata is string -> string
      ordered_json types = ordered_json::object();
      for (auto& [k, v] : f.metadata.items()) {
        if (!v.is_string()) v = metadata_to_json(v);
        types[k] = "str";
      }
      f.metadata_types = types;
    }
  }
  for (const TensorRow& t : tensors) {
    if (format == ExportFormat::kSafetensors && !dtype_safetensors_name(t.dtype))
      throw UsageError("model '" + m.name + "': tensor '" + t.name + "' is " + dtype_info(t.dtype).name +
                       ", which safetensors cannot hold; export as gguf instead");
    if (format == ExportFormat::kGguf && !dtype_info(t.dtype).in_gguf)
      throw UsageError("model '" + m.name + "': tensor '" + t.name + "' is " + dtype_info(t.dtype).name +
                       ", which GGUF cannot hold; export as safetensors instead");
    f.tensors.push_back({t.name, t.shape, t.dtype, 0, t.n_elements, t.n_bytes});
  }
  return f;
}

}  // namespace

ExportReport export_model(Database& db, const std::string& model_name, ExportFormat format,
                          const std::string& out_path) {
  ModelRow m = require_model(db, model_name);
  std::vector<TensorRow> tensors = model_tensors(db.handle(), m.id);
  ModelFile f = describe(db, m, tensors, format);
  // A read transaction gives one consistent snapshot even while others write.
  db.exec("BEGIN");
  try {
    OutputFile out(out_path);
    auto write_data = [&](size_t i, OutputFile& o) {
      for_each_chunk(db.handle(), tensors[i], [&](const ChunkRef&, const uint8_t* p, size_t n) { o.write(p, n); });
    };
    if (format == ExportFormat::kGguf)
      write_gguf(f, write_data, out);
    else
      write_safetensors(f, write_data, out);
    uint64_t bytes = out.offset();
    out.commit();
    db.exec("COMMIT");
    return {out_path, bytes, static_cast<int64_t>(tensors.size())};
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace hart
