#include "store/model_writer.h"

#include <unordered_set>

#include "formats/metadata_json.h"
#include "formats/tensor_names.h"
#include "store/chunk_analyzer.h"
#include "store/chunk_layout.h"
#include "store/chunk_store.h"
#include "store/database.h"
#include "store/model_parts.h"
#include "store/value_summary.h"
#include "util/error.h"
#include "util/progress.h"

namespace hart {
namespace {

constexpr size_t kMaxNameLength = 200;

std::string shape_json(const std::vector<uint64_t>& shape) {
  ordered_json a = ordered_json::array();
  for (uint64_t d : shape) a.push_back(d);
  return a.dump();
}

// A chunk's zone map before importance can be normalised by the tensor's max |w|.
struct PendingZone {
  int64_t chunk_id;
  ChunkSpan span;
  ValueSummary summary;
};

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
      : db(db), name(m.name), progress(progress), tx((check_new_model(db, m), db)), chunks(db),
        insert_tensor(db.prepare(
            "INSERT INTO tensors(model_id, position, name, layer, kind, shape, dtype, n_elements, n_bytes)"
            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")),
        insert_ref(db.prepare(
            "INSERT INTO tensor_chunks(tensor_id, ordinal, chunk_id, elem_start, elem_count,"
            " val_min, val_max, imp_min, imp_max) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")),
        update_stats(db.prepare(
            "UPDATE tensors SET v_min = ?, v_max = ?, v_mean = ?, v_std = ?, mean_abs = ?,"
            " max_abs = ?, zero_fraction = ?, nan_count = ? WHERE id = ?")) {
    // Under the write lock, so no other writer can take the name before the insert.
    if (find_model(db, m.name))
      throw UsageError("model '" + m.name + "': a model with this name is already stored; choose another name");
    const std::string metadata = metadata_to_json(m.metadata);  // bound, not copied
    Stmt insert = db.prepare(
        "INSERT INTO models(name, architecture, format, format_version, alignment, metadata, metadata_types,"
        " parameter_count, n_tensors, n_bytes, config, parent_id, derivation)"
        " VALUES(?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?)");
    insert.bind(1, m.name).bind(2, m.architecture.empty() ? "unknown" : m.architecture).bind(3, m.format)
        .bind(4, static_cast<int64_t>(m.format_version)).bind(5, static_cast<int64_t>(m.alignment))
        .bind_static(6, metadata).bind(7, m.metadata_types.dump());
    if (m.config.empty()) insert.bind_null(8); else insert.bind(8, m.config);
    if (m.parent_id) insert.bind(9, m.parent_id); else insert.bind_null(9);
    if (m.derivation.is_null()) insert.bind_null(10); else insert.bind(10, m.derivation.dump());
    {
      SmallPageCache small_cache(db.handle());  // a large metadata text would stay cached
      insert.run();
    }
    model_id = db.last_insert_rowid();
  }

  // Checks that a tensor can be added under `tensor_name`, then runs `write`; a failure
  // inside `write` leaves the model incomplete, so commit() refuses it.
  void check_addable(const std::string& tensor_name) const {
    if (failed) throw Error("model '" + name + "': an earlier tensor failed part way; the model cannot be completed");
    if (committed) throw Error("model '" + name + "': already committed; tensors cannot be added");
    if (tensor_name.empty()) throw UsageError("model '" + name + "': a tensor name is empty");
    if (names.count(tensor_name))
      throw UsageError("model '" + name + "': a tensor named '" + tensor_name + "' was already added");
  }

  template <typename Fn>
  void add(const std::string& tensor_name, Fn&& write) {
    check_addable(tensor_name);
    try {
      write();
    } catch (...) {
      failed = true;
      throw;
    }
    names.insert(tensor_name);
  }

  // Inserts a tensor row (statistics come later or are copied); returns its id.
  int64_t insert_tensor_row(const std::string& tensor_name, const std::vector<uint64_t>& shape, DType dtype,
                            uint64_t n_elements, uint64_t n_bytes) {
    TensorRole role = tensor_role(tensor_name);
    insert_tensor.bind(1, model_id).bind(2, static_cast<int64_t>(position)).bind(3, tensor_name);
    if (role.layer) insert_tensor.bind(4, *role.layer); else insert_tensor.bind_null(4);
    insert_tensor.bind(5, role.kind).bind(6, shape_json(shape)).bind(7, dtype_info(dtype).name)
        .bind(8, static_cast<int64_t>(n_elements)).bind(9, static_cast<int64_t>(n_bytes));
    insert_tensor.run();
    ++position;
    parameters += n_elements;
    counters.tensor_bytes += n_bytes;
    return db.last_insert_rowid();
  }

  // Tensor `index` of the analyzer's model, whose chunks are its jobs from `next_job` on.
  void write_tensor(ChunkAnalyzer& analyzer, size_t& next_job, size_t index, const TensorInfo& t,
                    const uint8_t* bytes) {
    int64_t tensor_id = insert_tensor_row(t.name, t.shape, t.dtype, t.n_elements, t.n_bytes);
    std::vector<PendingZone> zones;
    ValueSummary total;
    const auto& jobs = analyzer.jobs();
    for (; next_job < jobs.size() && jobs[next_job].tensor == index; ++next_job) {
      const ChunkSpan& span = jobs[next_job].span;
      const ChunkAnalysis& a = analyzer.get(next_job);
      ChunkStore::Put put = chunks.put(a.sha256, bytes + span.byte_offset, span.n_bytes);
      (put.is_new ? counters.chunks_new : counters.chunks_shared)++;
      (put.is_new ? counters.bytes_written : counters.bytes_shared) += span.n_bytes;
      total.merge(a.summary);
      zones.push_back({put.id, span, a.summary});
      if (progress) progress->advance(span.n_bytes);
    }
    // Importance until real scores exist: |w| normalised by the tensor's max |w|.
    double scale = total.max_abs > 0 ? 1.0 / total.max_abs : 0.0;
    for (size_t i = 0; i < zones.size(); ++i) {
      const PendingZone& z = zones[i];
      insert_ref.bind(1, tensor_id).bind(2, static_cast<int64_t>(i)).bind(3, z.chunk_id)
          .bind(4, static_cast<int64_t>(z.span.elem_start)).bind(5, static_cast<int64_t>(z.span.elem_count));
      if (z.summary.has_values()) {
        insert_ref.bind(6, z.summary.min).bind(7, z.summary.max)
            .bind(8, z.summary.min_abs * scale).bind(9, z.summary.max_abs * scale);
      } else {
        for (int c = 6; c <= 9; ++c) insert_ref.bind_null(c);
      }
      insert_ref.run();
    }
    if (total.has_values()) {
      uint64_t n = total.count - total.nans;
      update_stats.bind(1, total.min).bind(2, total.max).bind(3, total.mean()).bind(4, total.stddev())
          .bind(5, total.sum_abs / n).bind(6, total.max_abs)
          .bind(7, static_cast<double>(total.zeros) / total.count);
    } else {
      for (int c = 1; c <= 7; ++c) update_stats.bind_null(c);
    }
    update_stats.bind(8, static_cast<int64_t>(total.nans)).bind(9, tensor_id);
    update_stats.run();
  }

  Database& db;
  std::string name;
  ProgressTask* progress;
  Transaction tx;
  ChunkStore chunks;
  Stmt insert_tensor, insert_ref, update_stats;
  int64_t model_id = 0;
  size_t position = 0;
  uint64_t parameters = 0;
  std::unordered_set<std::string> names;
  WriteCounters counters;
  bool failed = false, committed = false;
};

ModelWriter::ModelWriter(Database& db, const NewModel& model, ProgressTask* progress)
    : impl_(std::make_unique<Impl>(db, model, progress)) {}

ModelWriter::~ModelWriter() = default;

int64_t ModelWriter::model_id() const { return impl_->model_id; }
const WriteCounters& ModelWriter::counters() const { return impl_->counters; }

void ModelWriter::add_tensors(const ModelFile& layout, const uint8_t* data) {
  std::unordered_set<std::string_view> seen;  // every name first: nothing written for a repeated one
  for (const TensorInfo& t : layout.tensors) {
    impl_->check_addable(t.name);
    if (!seen.insert(t.name).second)
      throw UsageError("model '" + impl_->name + "': tensor '" + t.name + "' appears twice");
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
  const std::string ctx = "model '" + impl_->name + "': tensor '" + name + "': ";
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
  Database& db = impl_->db;
  {  // the row as described, before anything is written
    Stmt source = db.prepare("SELECT dtype, n_elements, n_bytes FROM tensors WHERE id = ?");
    source.bind(1, tensor.id);
    if (!source.step() || source.text(0) != dtype_info(tensor.dtype).name ||
        static_cast<uint64_t>(source.int64(1)) != tensor.n_elements ||
        static_cast<uint64_t>(source.int64(2)) != tensor.n_bytes)
      throw UsageError("model '" + impl_->name + "': tensor '" + tensor.name + "' (id " + std::to_string(tensor.id) +
                       ") is no longer stored as described");
  }
  impl_->add(new_name, [&] {
    int64_t tensor_id = impl_->insert_tensor_row(new_name, tensor.shape, tensor.dtype, tensor.n_elements,
                                                 tensor.n_bytes);
    db.prepare(
          "UPDATE tensors SET (v_min, v_max, v_mean, v_std, mean_abs, max_abs, zero_fraction, nan_count) ="
          " (SELECT v_min, v_max, v_mean, v_std, mean_abs, max_abs, zero_fraction, nan_count FROM tensors WHERE id = ?1)"
          " WHERE id = ?2")
        .bind(1, tensor.id).bind(2, tensor_id).run();
    // Same chunks, same zone maps: the insert trigger counts each reference.
    db.prepare(
          "INSERT INTO tensor_chunks(tensor_id, ordinal, chunk_id, elem_start, elem_count,"
          " val_min, val_max, imp_min, imp_max)"
          " SELECT ?1, ordinal, chunk_id, elem_start, elem_count, val_min, val_max, imp_min, imp_max"
          " FROM tensor_chunks WHERE tensor_id = ?2 ORDER BY ordinal")
        .bind(1, tensor_id).bind(2, tensor.id).run();
    Stmt shared = db.prepare(
        "SELECT count(*), coalesce(sum(c.n_bytes), 0) FROM tensor_chunks tc JOIN chunks c ON c.id = tc.chunk_id"
        " WHERE tc.tensor_id = ?");
    shared.bind(1, tensor_id).step();
    impl_->counters.chunks_shared += static_cast<uint64_t>(shared.int64(0));
    impl_->counters.bytes_shared += static_cast<uint64_t>(shared.int64(1));
    if (static_cast<uint64_t>(shared.int64(1)) != tensor.n_bytes)
      throw Error("model '" + impl_->name + "': tensor '" + tensor.name + "' has chunks of " +
                  std::to_string(shared.int64(1)) + " bytes for its " + std::to_string(tensor.n_bytes));
    if (impl_->progress) impl_->progress->advance(tensor.n_bytes);
  });
}

ModelRow ModelWriter::commit(const std::optional<ModelSource>& source) {
  Impl& w = *impl_;
  if (w.failed) throw Error("model '" + w.name + "': an earlier tensor failed part way; nothing was written");
  if (w.committed) throw Error("model '" + w.name + "': already committed");
  Stmt totals = w.db.prepare(
      "UPDATE models SET parameter_count = ?, n_tensors = ?, n_bytes = ?, source_sha256 = ?, source_size = ?,"
      " source_path = ? WHERE id = ?");
  totals.bind(1, static_cast<int64_t>(w.parameters)).bind(2, static_cast<int64_t>(w.position))
      .bind(3, static_cast<int64_t>(w.counters.tensor_bytes)).bind(7, w.model_id);
  if (source) {
    totals.bind(4, source->sha256).bind(5, static_cast<int64_t>(source->size)).bind(6, source->path);
  } else {
    for (int c = 4; c <= 6; ++c) totals.bind_null(c);
  }
  totals.run();
  w.tx.commit();
  w.committed = true;
  return *find_model(w.db, w.name);
}

}  // namespace hart
