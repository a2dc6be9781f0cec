#include "store/model_ingest.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "formats/model_reader.h"
#include "store/database.h"
#include "store/model_parts.h"
#include "store/model_writer.h"
#include "util/error.h"
#include "util/mapped_file.h"
#include "util/progress.h"
#include "util/sha256.h"

namespace hart {
namespace {

// Hashes the whole file on a second core while the main thread stores chunks.
class FileHasher {
 public:
  FileHasher(const uint8_t* data, size_t size) {
    thread_ = std::thread([this, data, size] {
      Sha256Stream h;
      constexpr size_t kPiece = 4 << 20;
      for (size_t off = 0; off < size && !cancel_; off += kPiece)
        h.update(data + off, std::min(kPiece, size - off));
      digest_ = h.finish();
    });
  }
  ~FileHasher() {
    cancel_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::string hex() {
    thread_.join();
    return to_hex(digest_);
  }

 private:
  std::thread thread_;
  std::atomic<bool> cancel_{false};
  Sha256Digest digest_{};
};

constexpr uintmax_t kMaxConfigBytes = 1 << 20;
constexpr uintmax_t kMaxTokenizerBytes = 64u << 20;  // Llama 3's tokenizer.json is 9 MB, Gemma 3's 33 MB

// The JSON object in `file`, or null when there is no such file.
nlohmann::json sibling_json(const std::filesystem::path& file, uintmax_t max_bytes, const char* what) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return nullptr;
  if (std::filesystem::file_size(file, ec) > max_bytes)
    throw FormatError(file.string() + ": larger than " + std::to_string(max_bytes) + " bytes; not " + what);
  MappedFile f(file.string());
  auto j = nlohmann::json::parse(f.data(), f.data() + f.size(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw FormatError(file.string() + ": not a JSON object");
  return j;
}

// config.json beside a safetensors file, as Hugging Face saves models, with the
// folder's tokenizer.json and tokenizer_config.json under kHfTokenizerKey (the engine
// reads them as the model's tokenizer; export writes only the model file, so it stays
// byte-identical); empty if there is none of them.
std::string sibling_config(const std::string& path, const ModelFile& model) {
  if (model.format != "safetensors") return "";
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  nlohmann::json config = sibling_json(dir / "config.json", kMaxConfigBytes, "a model config");
  nlohmann::json tokenizer = sibling_json(dir / "tokenizer.json", kMaxTokenizerBytes, "a tokenizer");
  if (!tokenizer.is_null()) {
    nlohmann::json files = {{"tokenizer.json", std::move(tokenizer)}};
    nlohmann::json tc = sibling_json(dir / "tokenizer_config.json", kMaxTokenizerBytes, "a tokenizer config");
    if (!tc.is_null()) files["tokenizer_config.json"] = std::move(tc);
    if (config.is_null()) config = nlohmann::json::object();
    config[kHfTokenizerKey] = std::move(files);
  }
  return config.is_null() ? "" : config.dump();
}

std::string default_name(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

}  // namespace

IngestReport ingest_model(Database& db, const std::string& path, const IngestOptions& options) {
  auto start = std::chrono::steady_clock::now();
  IngestReport report;
  MappedFile file(path);
  ModelFile model = read_model_file(file.data(), file.size(), path);  // validates before any write
  file.advise_sequential();
  std::string config = sibling_config(path, model);
  if (!config.empty()) {  // its model_type names the architecture better than tensor names do
    auto type = nlohmann::json::parse(config).value("model_type", "");
    if (type == "llama" || type == "gpt2" || type == "bert") model.architecture = type;
  }
  std::string name = options.name.empty() ? default_name(path) : options.name;
  try {
    check_model_name(name);
  } catch (const UsageError& e) {
    throw UsageError(path + ": " + e.what() + "; pass --name");
  }

  // A file of a size already stored might be a repeat: hash it first and write nothing if so.
  std::string sha;
  {
    Stmt same_size = db.prepare("SELECT 1 FROM models WHERE source_size = ? LIMIT 1");
    same_size.bind(1, static_cast<int64_t>(file.size()));
    if (same_size.step()) {
      sha = to_hex(sha256(file.data(), file.size()));
      if (auto existing = find_model_by_sha256(db, sha)) {
        report.model = *existing;
        report.already_present = true;
        return report;
      }
    }
  }
  if (find_model(db, name))
    throw UsageError(path + ": a model named '" + name + "' is already stored (from a different file); "
                     "choose another with --name");

  for (const TensorInfo& t : model.tensors) report.tensor_bytes += t.n_bytes;

  NewModel spec;
  spec.name = name;
  spec.architecture = model.architecture;
  spec.format = model.format;
  spec.format_version = model.format_version;
  spec.alignment = model.alignment;
  spec.metadata = std::move(model.metadata);
  spec.metadata_types = std::move(model.metadata_types);
  spec.config = config;

  ProgressTask progress(options.progress, "ingest " + name, report.tensor_bytes);
  ModelWriter writer(db, spec, &progress);
  std::unique_ptr<FileHasher> hasher;
  if (sha.empty()) hasher = std::make_unique<FileHasher>(file.data(), file.size());
  writer.add_tensors(model, file.data() + model.data_offset);

  if (hasher) sha = hasher->hex();
  report.model = writer.commit(ModelSource{std::filesystem::absolute(path).string(), sha, file.size()});
  if (writer.already_stored()) {  // another process stored the same file meanwhile
    report.already_present = true;
    return report;
  }
  progress.finish();
  const WriteCounters& c = writer.counters();
  report.bytes_written = c.bytes_written;
  report.bytes_shared = c.bytes_shared;
  report.chunks_new = c.chunks_new;
  report.chunks_shared = c.chunks_shared;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace hart
