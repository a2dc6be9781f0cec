#include "store/model_ingest.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "formats/model_reader.h"
#include "formats/tensor_names.h"
#include "store/chunk_analyzer.h"
#include "store/chunk_layout.h"
#include "store/chunk_store.h"
#include "store/database.h"
#include "store/value_summary.h"
#include "util/error.h"
#include "util/mapped_file.h"
#include "util/progress.h"
#include "util/sha256.h"

namespace hart {
namespace {

constexpr size_t kMaxNameLength = 200;

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

// config.json beside a safetensors file, as Hugging Face saves models; empty if none.
std::string sibling_config(const std::string& path, const ModelFile& model) {
  if (model.format != "safetensors") return "";
  std::filesystem::path config = std::filesystem::path(path).parent_path() / "config.json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(config, ec)) return "";
  if (std::filesystem::file_size(config, ec) > kMaxConfigBytes)
    throw FormatError(config.string() + ": larger than " + std::to_string(kMaxConfigBytes) + " bytes; not a model config");
  MappedFile f(config.string());
  auto j = nlohmann::json::parse(f.data(), f.data() + f.size(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw FormatError(config.string() + ": not a JSON object");
  return j.dump();
}

std::string default_name(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

void check_name(const std::string& name, const std::string& path) {
  if (name.empty()) throw UsageError(path + ": model name is empty; pass --name");
  if (name.size() > kMaxNameLength)
    throw UsageError(path + ": model name is " + std::to_string(name.size()) + " bytes; at most " +
                     std::to_string(kMaxNameLength) + " allowed");
}

std::string shape_json(const TensorInfo& t) {
  ordered_json a = ordered_json::array();
  for (uint64_t d : t.shape) a.push_back(d);
  return a.dump();
}

// A chunk's zone map before importance can be normalised by the tensor's max |w|.
struct PendingZone {
  int64_t chunk_id;
  ChunkSpan span;
  ValueSummary summary;
};

class ModelWriter {
 public:
  ModelWriter(Database& db, IngestReport& report, ProgressTask& progress, ChunkAnalyzer& analyzer)
      : db_(db), report_(report), progress_(progress), analyzer_(analyzer), chunks_(db),
        insert_tensor_(db.prepare(
            "INSERT INTO tensors(model_id, position, name, layer, kind, shape, dtype, n_elements, n_bytes)"
            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")),
        insert_ref_(db.prepare(
            "INSERT INTO tensor_chunks(tensor_id, ordinal, chunk_id, elem_start, elem_count,"
            " val_min, val_max, imp_min, imp_max) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")),
        update_stats_(db.prepare(
            "UPDATE tensors SET v_min = ?, v_max = ?, v_mean = ?, v_std = ?, mean_abs = ?,"
            " max_abs = ?, zero_fraction = ?, nan_count = ? WHERE id = ?")) {}

  // Writes tensor `position`, whose chunks are the analyzer's jobs from `next_job` on.
  void write_tensor(int64_t model_id, size_t position, const TensorInfo& t, const uint8_t* bytes) {
    TensorRole role = tensor_role(t.name);
    insert_tensor_.bind(1, model_id).bind(2, static_cast<int64_t>(position)).bind(3, t.name);
    if (role.layer) insert_tensor_.bind(4, *role.layer); else insert_tensor_.bind_null(4);
    insert_tensor_.bind(5, role.kind).bind(6, shape_json(t)).bind(7, dtype_info(t.dtype).name)
        .bind(8, static_cast<int64_t>(t.n_elements)).bind(9, static_cast<int64_t>(t.n_bytes));
    insert_tensor_.run();
    int64_t tensor_id = db_.last_insert_rowid();

    std::vector<PendingZone> zones;
    ValueSummary total;
    const auto& jobs = analyzer_.jobs();
    for (; next_job_ < jobs.size() && jobs[next_job_].tensor == position; ++next_job_) {
      const ChunkSpan& span = jobs[next_job_].span;
      const ChunkAnalysis& a = analyzer_.get(next_job_);
      int64_t chunk_id = store_chunk(a.sha256, bytes + span.byte_offset, span.n_bytes);
      total.merge(a.summary);
      zones.push_back({chunk_id, span, a.summary});
      progress_.advance(span.n_bytes);
    }
    // Importance until real scores exist: |w| normalised by the tensor's max |w|.
    double scale = total.max_abs > 0 ? 1.0 / total.max_abs : 0.0;
    for (size_t i = 0; i < zones.size(); ++i) {
      const PendingZone& z = zones[i];
      insert_ref_.bind(1, tensor_id).bind(2, static_cast<int64_t>(i)).bind(3, z.chunk_id)
          .bind(4, static_cast<int64_t>(z.span.elem_start)).bind(5, static_cast<int64_t>(z.span.elem_count));
      if (z.summary.has_values()) {
        insert_ref_.bind(6, z.summary.min).bind(7, z.summary.max)
            .bind(8, z.summary.min_abs * scale).bind(9, z.summary.max_abs * scale);
      } else {
        for (int c = 6; c <= 9; ++c) insert_ref_.bind_null(c);
      }
      insert_ref_.run();
    }
    if (total.has_values()) {
      uint64_t n = total.count - total.nans;
      update_stats_.bind(1, total.min).bind(2, total.max).bind(3, total.mean()).bind(4, total.stddev())
          .bind(5, total.sum_abs / n).bind(6, total.max_abs)
          .bind(7, static_cast<double>(total.zeros) / total.count);
    } else {
      for (int c = 1; c <= 7; ++c) update_stats_.bind_null(c);
    }
    update_stats_.bind(8, static_cast<int64_t>(total.nans)).bind(9, tensor_id);
    update_stats_.run();
  }

 private:
  int64_t store_chunk(const Sha256Digest& h, const uint8_t* p, uint64_t n) {
    ChunkStore::Put put = chunks_.put(h, p, n);
    (put.is_new ? report_.chunks_new : report_.chunks_shared)++;
    (put.is_new ? report_.bytes_written : report_.bytes_shared) += n;
    return put.id;
  }

  Database& db_;
  IngestReport& report_;
  ProgressTask& progress_;
  ChunkAnalyzer& analyzer_;
  ChunkStore chunks_;
  size_t next_job_ = 0;
  Stmt insert_tensor_, insert_ref_, update_stats_;
};

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
  check_name(name, path);

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
  uint64_t parameters = 0;
  for (const TensorInfo& t : model.tensors) parameters += t.n_elements;

  ProgressTask progress(options.progress, "ingest " + name, report.tensor_bytes);
  Transaction tx(db);
  std::unique_ptr<FileHasher> hasher;
  if (sha.empty()) hasher = std::make_unique<FileHasher>(file.data(), file.size());

  Stmt insert_model = db.prepare(
      "INSERT INTO models(name, architecture, format, format_version, alignment, source_sha256,"
      " source_size, source_path, metadata, metadata_types, parameter_count, n_tensors, n_bytes, config)"
      " VALUES(?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?)");
  insert_model.bind(1, name).bind(2, model.architecture.empty() ? "unknown" : model.architecture)
      .bind(3, model.format).bind(4, static_cast<int64_t>(model.format_version))
      .bind(5, static_cast<int64_t>(model.alignment)).bind(6, static_cast<int64_t>(file.size()))
      .bind(7, std::filesystem::absolute(path).string()).bind(8, model.metadata.dump())
      .bind(9, model.metadata_types.dump()).bind(10, static_cast<int64_t>(parameters))
      .bind(11, static_cast<int64_t>(model.tensors.size())).bind(12, static_cast<int64_t>(report.tensor_bytes));
  if (config.empty()) insert_model.bind_null(13); else insert_model.bind(13, config);
  insert_model.run();
  int64_t model_id = db.last_insert_rowid();

  ChunkAnalyzer analyzer(model, file.data() + model.data_offset);
  ModelWriter writer(db, report, progress, analyzer);
  for (size_t i = 0; i < model.tensors.size(); ++i) {
    const TensorInfo& t = model.tensors[i];
    writer.write_tensor(model_id, i, t, file.data() + model.data_offset + t.offset);
  }

  if (hasher) sha = hasher->hex();
  if (auto existing = find_model_by_sha256(db, sha)) {
    // Another process stored the same file between our check and our transaction.
    report.model = *existing;
    report.already_present = true;
    return report;  // the transaction rolls back
  }
  db.prepare("UPDATE models SET source_sha256 = ? WHERE id = ?").bind(1, sha).bind(2, model_id).run();
  tx.commit();
  progress.finish();
  report.model = *find_model(db, name);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace hart
