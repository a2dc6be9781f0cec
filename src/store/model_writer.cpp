#include "store/model_writer.h"

#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_set>

#include "formats/metadata_json.h"
#include "formats/tensor_names.h"
#include "store/chunk_analyzer.h"
#include "store/chunk_layout.h"
#include "store/chunk_store.h"
#include "store/database.h"
#include "store/model_parts.h"
#include "store/pending_writes.h"
#include "store/value_summary.h"
#include "util/error.h"
#include "util/progress.h"

namespace hart {
namespace {

constexpr size_t kMaxNameLength = 200;
// A batch of chunks commits after this many bytes or this long, whichever comes first,
// so another writer waits at most about that long for the lock; the WAL is checkpointed
// at each commit, so it stays near one batch.
constexpr uint64_t kBatchBytes = 32 << 20;
constexpr auto kBatchTime = std::chrono::milliseconds(250);

std::string shape_json(const std::vector<uint64_t>& shape) {
  ordered_json a = ordered_json::array();
  for (uint64_t d : shape) a.push_back(d);
  return a.dump();
}

// A tensor_chunks row to insert when the model becomes visible. NaN bounds: NULL.
struct PendingRef {
  int64_t chunk_id;
  uint64_t elem_start, elem_count;
  double val_min, val_max, imp_min, imp_max;
};

// tensors.v_min .. zero_fraction (NaN: NULL) and nan_count.
struct TensorStats {
  std::array<double, 7> values;
  int64_t nan_count = 0;
};

// A tensor row to insert when the model becomes visible.
struct PendingTensor {
  std::string name;
  std::vector<uint64_t> shape;
  DType dtype;
  uint64_t n_elements, n_bytes;
  TensorStats stats;
  std::vector<PendingRef> refs;
};

constexpr double kNull = std::numeric_limits<double>::quiet_NaN();

void bind_or_null(Stmt& s, int i, double v) {
  if (std::isnan(v)) s.bind_null(i); else s.bind(i, v);
}
double column_or_nan(const Stmt& s, int col) { return s.is_null(col) ? kNull : s.real(col); }

void check_new_model(Database& db, const NewModel& m) {
  check_model_name(m.name);
  const std::string ctx = "model '" + m.name + "': ";
  if (m.format != "gguf" && m.format != "safetensors")
    throw UsageError(ctx + "format '" + m.format + "' is neither gguf nor safetensors");
  if (!m.metadata.is_object() || !m.metadata_types.is_object())
    throw UsageError(ctx + "metadata and metadata_types must be JSON objects");
  for (const auto& [key, value] : m.metadata.items())
    if (!m.metadata_types.contains(key)) throw UsageError(ctx + "metadata key '" + key + "' has no type tag");
  if (!m.derivation.is_null() && !m.derivation.is_object())
    throw UsageError(ctx + "derivation must be a JSON object, got " + m.derivation.dump());
  if (m.parent_id != 0) {
    Stmt parent = db.prepare("SELECT 1 FROM models WHERE id = ?");
    parent.bind(1, m.parent_id);
    if (!parent.step()) throw UsageError(ctx + "its parent model (id " + std::to_string(m.parent_id) + ") is not stored");
  }
}

// `m` without its metadata, which the writer keeps as text.
NewModel without_metadata(const NewModel& m) {
  NewModel out;
  out.name = m.name;
  out.architecture = m.architecture;
  out.format = m.format;
  out.format_version = m.format_version;
  out.alignment = m.alignment;
  out.config = m.config;
  out.parent_id = m.parent_id;
  out.derivation = m.derivation;
  return out;
}

}  // namespace

void check_model_name(std::string_view name) {
  if (name.empty()) throw UsageError("model name is empty");
  if (name.size() > kMaxNameLength)
    throw UsageError("model name is " + std::to_string(name.size()) + " bytes; at most " +
                     std::to_string(kMaxNameLength) + " allowed");
}

NewModel derived_model(Database& db, const ModelRow& parent, std::string name, ordered_json derivation) {
  NewModel m;
  m.name = std::move(name);
  m.architecture = parent.architecture;
  m.format = parent.format;
  m.format_version = static_cast<uint32_t>(parent.format_version);
  m.alignment = static_cast<uint64_t>(parent.alignment);
  Stmt s = db.prepare("SELECT metadata, metadata_types, config FROM models WHERE id = ?");
  s.bind(1, parent.id);
  if (!s.step()) throw UsageError("model '" + parent.name + "' is no longer stored; cannot derive '" + m.name + "' from it");
  m.metadata_types = ordered_json::parse(s.text_view(1));
  m.metadata = metadata_from_json(s.text_view(0), m.metadata_types);
  m.config = s.text(2);
  m.parent_id = parent.id;
  if (derivation.is_null()) derivation = ordered_json::object();
  if (!derivation.is_object())
    throw UsageError("model '" + m.name + "': derivation must be a JSON object, got " + derivation.dump());
  derivation["parent"] = parent.name;
  m.derivation = std::move(derivation);
  return m;
}

struct ModelWriter::Impl {
  Impl(Database& db, const NewModel& m, ProgressTask* progress)
      : db(db), model((check_new_model(db, m), without_metadata(m))), metadata_text(metadata_to_json(m.metadata)),
        metadata_types_text(m.metadata_types.dump()), progress(progress),
        pending((reclaim_abandoned_writes(db), db), m.name), chunks(db) {}

  // Checks that a tensor can be added under `tensor_name`.
  void check_addable(const std::string& tensor_name) const {
    if (failed) throw Error("model '" + model.name + "': an earlier tensor failed part way; the model cannot be completed");
    if (committed) throw Error("model '" + model.name + "': already committed; tensors cannot be added");
    if (tensor_name.empty()) throw UsageError("model '" + model.name + "': a tensor name is empty");
    if (names.count(tensor_name))
      throw UsageError("model '" + model.name + "': a tensor named '" + tensor_name + "' was already added");
  }

  // Runs `write`; a failure inside it rolls the open batch back and leaves the model
  // incomplete, so commit() refuses it.
  template <typename Fn>
  void add(const std::string& tensor_name, Fn&& write) {
    check_addable(tensor_name);
    try {
      write();
    } catch (...) {
      failed = true;
      batch.reset();
      throw;
    }
    names.insert(tensor_name);
  }

  void open_batch() {
    if (batch) return;
    batch.emplace(db);
    batch_bytes = 0;
    batch_start = std::chrono::steady_clock::now();
  }
  void commit_batch_if_due() {
    auto held = std::chrono::steady_clock::now() - batch_start;
    if (batch && (batch_bytes >= kBatchBytes || held >= kBatchTime)) {
      batch->commit();
      batch.reset();
      let_waiting_writers_in(held);
    }
  }

  PendingTensor& new_tensor(const std::string& tensor_name, const std::vector<uint64_t>& shape, DType dtype,
                            uint64_t n_elements, uint64_t n_bytes) {
    parameters += n_elements;
    counters.tensor_bytes += n_bytes;
    return tensors.emplace_back(PendingTensor{tensor_name, shape, dtype, n_elements, n_bytes, {}, {}});
  }

  // Tensor `index` of the analyzer's model, whose chunks are its jobs from `next_job` on.
  void write_tensor(ChunkAnalyzer& analyzer, size_t& next_job, size_t index, const TensorInfo& t,
                    const uint8_t* bytes) {
    PendingTensor& tensor = new_tensor(t.name, t.shape, t.dtype, t.n_elements, t.n_bytes);
    std::vector<ValueSummary> summaries;
    ValueSummary total;
    const auto& jobs = analyzer.jobs();
    for (; next_job < jobs.size() && jobs[next_job].tensor == index; ++next_job) {
      const ChunkSpan& span = jobs[next_job].span;
      const ChunkAnalysis& a = analyzer.get(next_job);
      open_batch();
      ChunkStore::Put put = chunks.put(a.sha256, bytes + span.byte_offset, span.n_bytes);
      pending.pin(put.id);
      (put.is_new ? counters.chunks_new : counters.chunks_shared)++;
      (put.is_new ? counters.bytes_written : counters.bytes_shared) += span.n_bytes;
      if (put.is_new) batch_bytes += span.n_bytes;
      total.merge(a.summary);
      summaries.push_back(a.summary);
      tensor.refs.push_back({put.id, span.elem_start, span.elem_count, kNull, kNull, kNull, kNull});
      if (progress) progress->advance(span.n_bytes);
      commit_batch_if_due();
    }
    // Importance until real scores exist: |w| normalised by the tensor's max |w|.
    double scale = total.max_abs > 0 ? 1.0 / total.max_abs : 0.0;
    for (size_t i = 0; i < summaries.size(); ++i) {
      const ValueSummary& z = summaries[i];
      if (!z.has_values()) continue;
      tensor.refs[i].val_min = z.min;
      tensor.refs[i].val_max = z.max;
      tensor.refs[i].imp_min = z.min_abs * scale;
      tensor.refs[i].imp_max = z.max_abs * scale;
    }
    tensor.stats.values.fill(kNull);
    if (total.has_values()) {
      uint64_t n = total.count - total.nans;
      tensor.stats.values = {total.min,         total.max,          total.mean(),
                             total.stddev(),    total.sum_abs / n,  total.max_abs,
                             static_cast<double>(total.zeros) / total.count};
    }
    tensor.stats.nan_count = static_cast<int64_t>(total.nans);
  }

  // The models, tensors and tensor_chunks rows, inside the final transaction.
  int64_t insert_rows(const std::optional<ModelSource>& source) {
    Stmt insert = db.prepare(
        "INSERT INTO models(name, architecture, format, format_version, alignment, metadata, metadata_types,"
        " parameter_count, n_tensors, n_bytes, config, parent_id, derivation, source_sha256, source_size, source_path)"
        " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM models WHERE id = ?), ?, ?, ?, ?)");
    const NewModel& m = model;
    insert.bind(1, m.name).bind(2, m.architecture.empty() ? "unknown" : m.architecture).bind(3, m.format)
        .bind(4, static_cast<int64_t>(m.format_version)).bind(5, static_cast<int64_t>(m.alignment))
        .bind_static(6, metadata_text).bind(7, metadata_types_text).bind(8, static_cast<int64_t>(parameters))
        .bind(9, static_cast<int64_t>(tensors.size())).bind(10, static_cast<int64_t>(counters.tensor_bytes));
    if (m.config.empty()) insert.bind_null(11); else insert.bind(11, m.config);
    insert.bind(12, m.parent_id);  // a parent removed meanwhile leaves NULL, as a later removal would
    if (m.derivation.is_null()) insert.bind_null(13); else insert.bind(13, m.derivation.dump());
    if (source) {
      insert.bind(14, source->sha256).bind(15, static_cast<int64_t>(source->size)).bind(16, source->path);
    } else {
      for (int c = 14; c <= 16; ++c) insert.bind_null(c);
    }
    {
      SmallPageCache small_cache(db.handle());  // a large metadata text would stay cached
      // The CHECKs of models are json_valid() of texts written by our own serializers
      // and a format check_new_model made: SQLite 3.40's json_valid() would parse the
      // metadata into 16-byte nodes per element (134 MB for 8.4M array elements).
      db.exec("PRAGMA ignore_check_constraints = ON");
      try {
        insert.run();
      } catch (...) {
        db.exec("PRAGMA ignore_check_constraints = OFF");
        throw;
      }
      db.exec("PRAGMA ignore_check_constraints = OFF");
    }
    int64_t model_id = db.last_insert_rowid();

    Stmt insert_tensor = db.prepare(
        "INSERT INTO tensors(model_id, position, name, layer, kind, shape, dtype, n_elements, n_bytes,"
        " v_min, v_max, v_mean, v_std, mean_abs, max_abs, zero_fraction, nan_count)"
        " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Stmt insert_ref = db.prepare(
        "INSERT INTO tensor_chunks(tensor_id, ordinal, chunk_id, elem_start, elem_count,"
        " val_min, val_max, imp_min, imp_max) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (size_t position = 0; position < tensors.size(); ++position) {
      const PendingTensor& t = tensors[position];
      TensorRole role = tensor_role(t.name);
      insert_tensor.bind(1, model_id).bind(2, static_cast<int64_t>(position)).bind(3, t.name);
      if (role.layer) insert_tensor.bind(4, *role.layer); else insert_tensor.bind_null(4);
      insert_tensor.bind(5, role.kind).bind(6, shape_json(t.shape)).bind(7, dtype_info(t.dtype).name)
          .bind(8, static_cast<int64_t>(t.n_elements)).bind(9, static_cast<int64_t>(t.n_bytes));
      for (int c = 0; c < 7; ++c) bind_or_null(insert_tensor, 10 + c, t.stats.values[c]);
      insert_tensor.bind(17, t.stats.nan_count);
      insert_tensor.run();
      int64_t tensor_id = db.last_insert_rowid();
      for (size_t i = 0; i < t.refs.size(); ++i) {
        const PendingRef& r = t.refs[i];
        insert_ref.bind(1, tensor_id).bind(2, static_cast<int64_t>(i)).bind(3, r.chunk_id)
            .bind(4, static_cast<int64_t>(r.elem_start)).bind(5, static_cast<int64_t>(r.elem_count));
        bind_or_null(insert_ref, 6, r.val_min);
        bind_or_null(insert_ref, 7, r.val_max);
        bind_or_null(insert_ref, 8, r.imp_min);
        bind_or_null(insert_ref, 9, r.imp_max);
        insert_ref.run();
      }
    }
    return model_id;
  }

  Database& db;
  NewModel model;  // metadata as text below
  std::string metadata_text, metadata_types_text;
  ProgressTask* progress;
  PendingWrite pending;                // declared before `batch`: rolled back first, then released
  ChunkStore chunks;
  std::optional<Transaction> batch;
  uint64_t batch_bytes = 0;
  std::chrono::steady_clock::time_point batch_start;
  std::vector<PendingTensor> tensors;  // in order
  uint64_t parameters = 0;
  std::unordered_set<std::string> names;
  WriteCounters counters;
  bool failed = false, committed = false, already_stored = false;
};

ModelWriter::ModelWriter(Database& db, const NewModel& model, ProgressTask* progress)
    : impl_(std::make_unique<Impl>(db, model, progress)) {}

ModelWriter::~ModelWriter() = default;

const WriteCounters& ModelWriter::counters() const { return impl_->counters; }
bool ModelWriter::already_stored() const { return impl_->already_stored; }

void ModelWriter::add_tensors(const ModelFile& layout, const uint8_t* data) {
  std::unordered_set<std::string_view> seen;  // every name first: nothing written for a repeated one
  for (const TensorInfo& t : layout.tensors) {
    impl_->check_addable(t.name);
    if (!seen.insert(t.name).second)
      throw UsageError("model '" + impl_->model.name + "': tensor '" + t.name + "' appears twice");
  }
  ChunkAnalyzer analyzer(layout, data);
  size_t next_job = 0;
  for (size_t i = 0; i < layout.tensors.size(); ++i) {
    const TensorInfo& t = layout.tensors[i];
    impl_->add(t.name, [&] { impl_->write_tensor(analyzer, next_job, i, t, data + t.offset); });
  }
}

void ModelWriter::add_tensor(const std::string& name, const std::vector<uint64_t>& shape, DType dtype,
                             const void* bytes, size_t n) {
  const std::string ctx = "model '" + impl_->model.name + "': tensor '" + name + "': ";
  uint64_t n_elements = 1;
  for (uint64_t d : shape)
    if (__builtin_mul_overflow(n_elements, d, &n_elements))
      throw UsageError(ctx + "shape " + shape_json(shape) + " has more elements than 64 bits count");
  std::optional<uint64_t> expected = dtype_row_bytes(dtype, n_elements);
  if (!expected)
    throw UsageError(ctx + std::to_string(n_elements) + " elements are not whole " + dtype_info(dtype).name +
                     " blocks of " + std::to_string(dtype_info(dtype).block_elems));
  if (*expected != n)
    throw UsageError(ctx + "shape " + shape_json(shape) + " of " + dtype_info(dtype).name + " takes " +
                     std::to_string(*expected) + " bytes, given " + std::to_string(n));
  ModelFile one;
  one.tensors.push_back({name, shape, dtype, 0, n_elements, n});
  add_tensors(one, static_cast<const uint8_t*>(bytes));
}

void ModelWriter::add_tensor_from(const TensorRow& tensor, const std::string& name) {
  const std::string& new_name = name.empty() ? tensor.name : name;
  Impl& w = *impl_;
  Database& db = w.db;
  w.check_addable(new_name);
  w.open_batch();  // the source is read and its chunks pinned in one transaction
  Stmt source = db.prepare(
      "SELECT dtype, n_elements, n_bytes, v_min, v_max, v_mean, v_std, mean_abs, max_abs, zero_fraction, nan_count"
      " FROM tensors WHERE id = ?");
  source.bind(1, tensor.id);
  if (!source.step() || source.text(0) != dtype_info(tensor.dtype).name ||
      static_cast<uint64_t>(source.int64(1)) != tensor.n_elements ||
      static_cast<uint64_t>(source.int64(2)) != tensor.n_bytes)
    throw UsageError("model '" + w.model.name + "': tensor '" + tensor.name + "' (id " + std::to_string(tensor.id) +
                     ") is no longer stored as described");
  w.add(new_name, [&] {
    PendingTensor& t = w.new_tensor(new_name, tensor.shape, tensor.dtype, tensor.n_elements, tensor.n_bytes);
    for (int c = 0; c < 7; ++c) t.stats.values[c] = column_or_nan(source, 3 + c);
    t.stats.nan_count = source.is_null(10) ? 0 : source.int64(10);
    // Same chunks, same zone maps: counted as used by this write until the model is visible.
    w.pending.pin_tensor_chunks(tensor.id);
    Stmt refs = db.prepare(
        "SELECT tc.chunk_id, tc.elem_start, tc.elem_count, tc.val_min, tc.val_max, tc.imp_min, tc.imp_max, c.n_bytes"
        " FROM tensor_chunks tc JOIN chunks c ON c.id = tc.chunk_id WHERE tc.tensor_id = ? ORDER BY tc.ordinal");
    refs.bind(1, tensor.id);
    uint64_t bytes = 0;
    while (refs.step()) {
      t.refs.push_back({refs.int64(0), static_cast<uint64_t>(refs.int64(1)), static_cast<uint64_t>(refs.int64(2)),
                        column_or_nan(refs, 3), column_or_nan(refs, 4), column_or_nan(refs, 5),
                        column_or_nan(refs, 6)});
      bytes += static_cast<uint64_t>(refs.int64(7));
    }
    w.counters.chunks_shared += t.refs.size();
    w.counters.bytes_shared += bytes;
    if (bytes != tensor.n_bytes)
      throw Error("model '" + w.model.name + "': tensor '" + tensor.name + "' has chunks of " +
                  std::to_string(bytes) + " bytes for its " + std::to_string(tensor.n_bytes));
    if (w.progress) w.progress->advance(tensor.n_bytes);
    w.commit_batch_if_due();
  });
}

ModelRow ModelWriter::commit(const std::optional<ModelSource>& source) {
  Impl& w = *impl_;
  if (w.failed) throw Error("model '" + w.model.name + "': an earlier tensor failed part way; nothing was written");
  if (w.committed) throw Error("model '" + w.model.name + "': already committed");
  if (w.batch) {
    w.batch->commit();
    w.batch.reset();
  }
  Transaction visible(w.db);
  if (source) {
    if (auto existing = find_model_by_sha256(w.db, source->sha256)) {
      // Another writer stored the same file meanwhile; ours is released unseen.
      w.already_stored = w.committed = true;
      return *existing;
    }
  }
  w.insert_rows(source);
  w.pending.finish();
  visible.commit();
  w.committed = true;
  return *find_model(w.db, w.model.name);
}

}  // namespace hart
