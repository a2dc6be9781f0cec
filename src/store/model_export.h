// Writing a stored model back out as GGUF or safetensors.
#pragma once
#include <string>

namespace hart {

class Database;

enum class ExportFormat { kGguf, kSafetensors };

struct ExportReport {
  std::string path;
  uint64_t bytes = 0;
  int64_t tensors = 0;
};

// Reproduces the stored tensor bytes exactly (each chunk's hash is verified) and the
// metadata with its original types. Exporting a model to the format it came from
// gives back the original file byte for byte when that file was canonically laid out.
// Across formats: safetensors cannot hold quantized types (an Error names the tensor);
// GGUF metadata becomes safetensors strings (JSON text for non-strings).
ExportReport export_model(Database& db, const std::string& model_name, ExportFormat format,
                          const std::string& out_path);

}  // namespace hart
