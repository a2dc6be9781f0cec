#include "search/collection.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "util/error.h"
#include "search/ann_segment.h"
#include "search/maintenance.h"
#include "vector/projection.h"

namespace hart::search {
namespace {

const char* sqlite_type_name(int t) {
  switch (t) {
    case SQLITE_INTEGER: return "INTEGER";
    case SQLITE_FLOAT: return "REAL";
    case SQLITE_TEXT: return "TEXT";
    case SQLITE_BLOB: return "BLOB";
    default: return "NULL";
  }
}

}  // namespace

Collection::Collection(sqlite3* db, std::string schema, std::string table, const CollectionSpec& spec)
    : store_(db, std::move(schema), std::move(table), spec), scorer_(spec) {}

void Collection::check_metadata(std::span<sqlite3_value* const> metadata) const {
  const auto& columns = spec().columns;
  for (size_t i = 0; i < columns.size(); ++i) {
    const MetadataColumn& c = columns[i];
    const int t = sqlite3_value_type(metadata[i]);
    if (c.auxiliary || t == SQLITE_NULL) continue;
    bool ok = false;
    switch (c.kind) {
      case ColumnKind::Text: ok = t == SQLITE_TEXT; break;
      case ColumnKind::Integer: ok = t == SQLITE_INTEGER; break;
      case ColumnKind::Float: ok = t == SQLITE_FLOAT || t == SQLITE_INTEGER; break;
      case ColumnKind::Boolean: {
        const int64_t v = sqlite3_value_int64(metadata[i]);
        ok = t == SQLITE_INTEGER && (v == 0 || v == 1);
        break;
      }
    }
    if (!ok)
      throw UsageError("metadata column '" + c.name + "' is " + column_kind_name(c.kind) + (c.kind == ColumnKind::Boolean ? " (0 or 1)" : "") +
                       "; received " + sqlite_type_name(t) + (t == SQLITE_TEXT ? " '" + std::string(reinterpret_cast<const char*>(sqlite3_value_text(metadata[i]))).substr(0, 40) + "'" : ""));
  }
}

std::optional<Collection::Location> Collection::locate(int64_t rowid) {
  Prepared st = store_.prepared("SELECT segment, slot FROM " + store_.shadow("rows") + " WHERE rowid = ?");
  st.bind(1, rowid);
  if (!st.step()) return std::nullopt;
  return Location{st.int64(0), st.is_null(1) ? -1 : st.int64(1)};
}

int64_t Collection::insert(std::optional<int64_t> rowid, const vector::VectorValue& v,
                           std::span<sqlite3_value* const> metadata) {
  scorer_.prepare_query(v);  // the same checks as a query: type, dimension
  check_metadata(metadata);
  const int64_t id = rowid ? *rowid : store_.next_rowid();
  if (rowid && locate(id))
    throw UsageError("UNIQUE constraint failed: " + store_.table() + " primary key (rowid " + std::to_string(id) +
                     " is already stored)");
  std::string sql = "INSERT INTO " + store_.shadow("rows") + "(rowid, segment, slot";
  std::string values = ") VALUES (?, 0, NULL";
  for (size_t i = 0; i < metadata.size(); ++i) {
    sql += ", m" + std::to_string(i);
    values += ", ?";
  }
  Prepared rows = store_.prepared(sql + values + ")");
  rows.bind(1, id);
  for (size_t i = 0; i < metadata.size(); ++i) sqlite3_bind_value(rows.raw(), static_cast<int>(i) + 2, metadata[i]);
  rows.run();
  store_.prepared("INSERT INTO " + store_.shadow("fresh") + "(rowid, vector) VALUES (?, ?)")
      .bind(1, id)
      .bind_blob(2, v.bytes.data(), v.bytes.size())
      .run();
  store_.touch_segment(kWritableSegment, 1, 0);
  after_write(*this, static_cast<size_t>(store_.segment(kWritableSegment).n_vectors));
  return id;
}

bool Collection::remove(int64_t rowid) {
  const auto at = locate(rowid);
  if (!at) return false;
  store_.prepared("DELETE FROM " + store_.shadow("rows") + " WHERE rowid = ?").bind(1, rowid).run();
  if (at->segment == kWritableSegment) {
    store_.prepared("DELETE FROM " + store_.shadow("fresh") + " WHERE rowid = ?").bind(1, rowid).run();
    store_.touch_segment(kWritableSegment, -1, 0);
  } else {
    store_.prepared("INSERT INTO " + store_.shadow("tombstones") + "(segment, slot) VALUES (?, ?)")
        .bind(1, at->segment)
        .bind(2, at->slot)
        .run();
    store_.touch_segment(at->segment, 0, 1);
  }
  return true;
}

void Collection::update(int64_t rowid, int64_t new_rowid, const std::optional<vector::VectorValue>& v,
                        std::span<sqlite3_value* const> metadata) {
  check_metadata(metadata);
  if (!v && new_rowid == rowid) {
    std::string sql = "UPDATE " + store_.shadow("rows") + " SET ";
    for (size_t i = 0; i < metadata.size(); ++i) sql += (i ? ", m" : "m") + std::to_string(i) + " = ?";
    if (metadata.empty()) return;
    Stmt st(store_.db(), sql + " WHERE rowid = ?");
    for (size_t i = 0; i < metadata.size(); ++i) sqlite3_bind_value(st.raw(), static_cast<int>(i) + 1, metadata[i]);
    st.bind(static_cast<int>(metadata.size()) + 1, rowid).run();
    return;
  }
  std::optional<vector::VectorValue> vec = v;
  if (!vec) vec = vector_of(rowid);
  if (!vec) throw UsageError("no row " + std::to_string(rowid) + " in " + store_.table());
  if (new_rowid != rowid && locate(new_rowid))
    throw UsageError("UNIQUE constraint failed: " + store_.table() + " primary key (rowid " + std::to_string(new_rowid) +
                     " is already stored)");
  remove(rowid);
  insert(new_rowid, *vec, metadata);
}

std::optional<vector::VectorValue> Collection::vector_of(int64_t rowid) {
  const auto at = locate(rowid);
  if (!at) return std::nullopt;
  const CollectionSpec& s = spec();
  const size_t packed = vector::vector_bytes(s.type, s.dim);
  vector::VectorValue out{s.type, s.dim, std::vector<uint8_t>(packed)};
  if (at->segment == kWritableSegment) {
    Prepared st = store_.prepared("SELECT vector FROM " + store_.shadow("fresh") + " WHERE rowid = ?");
    st.bind(1, rowid);
    if (!st.step() || st.bytes(0) != packed)
      throw FormatError("vector collection " + store_.table() + ": row " + std::to_string(rowid) +
                        " has no stored vector of " + std::to_string(packed) + " bytes");
    std::memcpy(out.bytes.data(), st.blob(0), packed);
    return out;
  }
  // The chunks that hold bytes [slot × packed, +packed) of the segment's vectors.
  const uint64_t begin = static_cast<uint64_t>(at->slot) * packed;
  const std::vector<uint8_t> part = store_.read_part_range(at->segment, "vectors", begin, packed);
  std::memcpy(out.bytes.data(), part.data(), packed);
  return out;
}

SegmentPlan Collection::plan_seal(size_t limit) {
  SegmentPlan plan;
  read_fresh(plan, limit);
  return plan;
}

void Collection::read_fresh(SegmentPlan& plan, size_t limit) {
  const size_t packed = vector::vector_bytes(spec().type, spec().dim);
  Stmt st(store_.db(), "SELECT rowid, vector FROM " + store_.shadow("fresh") + " ORDER BY rowid LIMIT ?");
  st.bind(1, limit ? static_cast<int64_t>(limit) : int64_t{-1});
  std::vector<int64_t> ids;
  std::vector<uint8_t> vectors;
  while (st.step()) {
    if (st.bytes(1) != packed)
      throw FormatError("vector collection " + store_.table() + ": row " + std::to_string(st.int64(0)) +
                        "'s stored vector has " + std::to_string(st.bytes(1)) + " bytes, not " + std::to_string(packed));
    ids.push_back(st.int64(0));
    const auto* p = static_cast<const uint8_t*>(st.blob(1));
    vectors.insert(vectors.end(), p, p + packed);
  }
  // Called before any sealed rows are added: the writable segment's rows come first.
  plan.from_fresh = ids.size();
  plan.ids = std::move(ids);
  plan.vectors = std::move(vectors);
}

SegmentPlan Collection::plan_merge(const std::vector<SegmentRow>& sealed, bool with_fresh) {
  const size_t packed = vector::vector_bytes(spec().type, spec().dim);
  SegmentPlan plan;
  if (with_fresh) read_fresh(plan, 0);
  for (const SegmentRow& seg : sealed) {
    const size_t n = static_cast<size_t>(seg.n_vectors);
    const std::vector<uint8_t> seg_ids = store_.read_part(seg.id, "ids", n * sizeof(int64_t));
    const std::vector<uint8_t> seg_vectors = store_.read_part(seg.id, "vectors", n * packed);
    const std::vector<int64_t> dead = store_.tombstones(seg.id);
    const std::unordered_set<int64_t> deleted(dead.begin(), dead.end());
    for (size_t slot = 0; slot < n; ++slot) {
      if (deleted.count(static_cast<int64_t>(slot))) continue;
      int64_t id;
      std::memcpy(&id, seg_ids.data() + slot * sizeof(int64_t), sizeof id);
      plan.ids.push_back(id);
      plan.old_slots.push_back(static_cast<int64_t>(slot));
      plan.vectors.insert(plan.vectors.end(), seg_vectors.begin() + static_cast<ptrdiff_t>(slot * packed),
                          seg_vectors.begin() + static_cast<ptrdiff_t>((slot + 1) * packed));
    }
    plan.sealed.push_back(seg);
  }
  return plan;
}

std::optional<SegmentIndexes> Collection::build(const SegmentPlan& plan, const std::atomic<bool>* cancel) const {
  SegmentIndexes out;
  const size_t n = plan.ids.size(), dim = spec().dim;
  if (scorer_.bits() || n == 0) return out;
  const size_t packed_bytes = plan.vectors.size() / n;
  std::vector<float> rows(n * dim);
  for (size_t i = 0; i < n; ++i)
    scorer_.prepare(plan.vectors.data() + i * packed_bytes, reinterpret_cast<uint8_t*>(rows.data() + i * dim));
  if (spec().has_spatial())
    for (bool pca : {false, true}) {
      const vector::Projection3 p = pca ? vector::Projection3::pca(rows.data(), n, dim)
                                        : vector::Projection3::anchors(rows.data(), n, dim);
      SegmentIndexes::Projected& out_p = out.projections.emplace_back();
      out_p.basis = p.to_bytes();
      out_p.coords.resize(n);
      for (size_t i = 0; i < n; ++i) out_p.coords[i] = p.project(rows.data() + i * dim);
    }
  auto graph = build_hnsw(*scorer_.space(), spec().ann, rows.data(), n, cancel);
  if (!graph) return std::nullopt;
  graph->write(out.graph, /*with_vectors=*/false);
  return out;
}

std::optional<SealReport> Collection::commit(const SegmentPlan& plan, const SegmentIndexes& indexes) {
  // Which of the plan's rows are still where it read them, as it read them.
  const size_t n = plan.ids.size();
  std::vector<bool> gone(n, false);
  const size_t packed = n ? plan.vectors.size() / n : 0;
  Prepared fresh = store_.prepared("SELECT vector FROM " + store_.shadow("fresh") + " WHERE rowid = ?");
  for (size_t i = 0; i < plan.from_fresh; ++i) {
    fresh.bind(1, plan.ids[i]);
    gone[i] = !fresh.step() || fresh.bytes(0) != packed ||
              std::memcmp(fresh.blob(0), plan.vectors.data() + i * packed, packed) != 0;
    fresh.reset();
  }
  size_t at = plan.from_fresh;
  for (const SegmentRow& was : plan.sealed) {
    Prepared st = store_.prepared("SELECT n_deleted FROM " + store_.shadow("segments") + " WHERE id = ?");
    st.bind(1, was.id);
    if (!st.step()) return std::nullopt;
    const size_t live = static_cast<size_t>(was.n_vectors - was.n_deleted);
    if (st.int64(0) != was.n_deleted) {
      const std::vector<int64_t> dead = store_.tombstones(was.id);
      const std::unordered_set<int64_t> deleted(dead.begin(), dead.end());
      for (size_t i = at; i < at + live; ++i) gone[i] = deleted.count(plan.old_slots[i - plan.from_fresh]) != 0;
    }
    at += live;
  }

  SealReport report;
  report.vectors = n;
  report.changed_meanwhile = static_cast<size_t>(std::count(gone.begin(), gone.end(), true));
  if (n) {
    Stmt next(store_.db(), "SELECT coalesce(max(id), 0) + 1 FROM " + store_.shadow("segments"));
    next.step();
    report.segment = next.int64(0);
    Stmt(store_.db(), "INSERT INTO " + store_.shadow("segments") + "(id, n_vectors, n_deleted, stamp) VALUES (?, ?, ?, ?)")
        .bind(1, report.segment)
        .bind(2, static_cast<int64_t>(n))
        .bind(3, static_cast<int64_t>(report.changed_meanwhile))
        .bind(4, random_stamp())
        .run();
    store_.write_part(report.segment, "ids", {reinterpret_cast<const uint8_t*>(plan.ids.data()), n * sizeof(int64_t)});
    store_.write_part(report.segment, "vectors", plan.vectors);
    Stmt move(store_.db(), "UPDATE " + store_.shadow("rows") + " SET segment = ?, slot = ? WHERE rowid = ?");
    Stmt tomb(store_.db(), "INSERT INTO " + store_.shadow("tombstones") + "(segment, slot) VALUES (?, ?)");
    for (size_t slot = 0; slot < n; ++slot)
      if (gone[slot]) tomb.bind(1, report.segment).bind(2, static_cast<int64_t>(slot)).run();
      else move.bind(1, report.segment).bind(2, static_cast<int64_t>(slot)).bind(3, plan.ids[slot]).run();
    write_indexes(report.segment, indexes);
  }
  for (const SegmentRow& seg : plan.sealed) {
    report.tombstones_dropped += static_cast<size_t>(seg.n_deleted);
    store_.delete_segment_data(seg.id);
    ++report.segments_merged;
  }
  Prepared del = store_.prepared("DELETE FROM " + store_.shadow("fresh") + " WHERE rowid = ?");
  int64_t moved = 0;
  for (size_t i = 0; i < plan.from_fresh; ++i)
    if (!gone[i]) del.bind(1, plan.ids[i]).run(), ++moved;
  if (moved) store_.touch_segment(kWritableSegment, -moved, 0);
  return report;
}

void Collection::write_indexes(int64_t segment, const SegmentIndexes& indexes) {
  if (scorer_.bits()) return;
  for (size_t p = 0; p < indexes.projections.size(); ++p) {
    const bool pca = p == 1;
    store_.write_part(segment, CollectionStore::spatial_table(pca), indexes.projections[p].basis);
    Stmt box(store_.db(), "INSERT INTO " + store_.shadow(CollectionStore::spatial_table(pca)) +
                              " VALUES (?1, ?2, ?2, ?3, ?3, ?4, ?4, ?5, ?5)");
    const auto& coords = indexes.projections[p].coords;
    for (size_t i = 0; i < coords.size(); ++i) {
      const auto& c = coords[i];
      box.bind(1, spatial_id(segment, i)).bind(2, segment).bind(3, double{c[0]}).bind(4, double{c[1]}).bind(5, double{c[2]}).run();
    }
  }
  store_.write_part(segment, kHnswPart, indexes.graph);
  Stmt(store_.db(), "UPDATE " + store_.shadow("segments") + " SET index_kind = 'hnsw', index_params = ? WHERE id = ?")
      .bind(1, std::string_view(hnsw_params_json(spec().ann, indexes.graph.size())))
      .bind(2, segment)
      .run();
}

SealReport Collection::seal() {
  const SegmentPlan plan = plan_seal();
  if (plan.empty()) return {};
  return *commit(plan, *build(plan));  // nothing changes between plan and commit here
}

std::vector<std::string> Collection::check() {
  std::vector<std::string> problems;
  const size_t packed = vector::vector_bytes(spec().type, spec().dim);
  for (const SegmentRow& seg : store_.segments()) {
    Stmt rows(store_.db(), "SELECT count(*) FROM " + store_.shadow("rows") + " WHERE segment = ?");
    rows.bind(1, seg.id).step();
    const int64_t expected = seg.n_vectors - seg.n_deleted;
    if (rows.int64(0) != expected)
      problems.push_back("segment " + std::to_string(seg.id) + " holds " + std::to_string(expected) + " live vectors, " +
                         std::to_string(rows.int64(0)) + " rows point at it");
    if (seg.id == kWritableSegment) continue;
    const size_t n = static_cast<size_t>(seg.n_vectors);
    auto check_part = [&](auto&& read) {
      try {
        read();
      } catch (const Error& e) {
        problems.push_back(e.what());
      }
    };
    check_part([&] { store_.read_part(seg.id, "ids", n * sizeof(int64_t)); });
    check_part([&] { store_.read_part(seg.id, "vectors", n * packed); });
    if (scorer_.bits()) continue;
    for (bool pca : {false, true})
      if (spec().has_spatial()) check_part([&] {
        vector::Projection3::from_bytes(
            store_.read_part(seg.id, CollectionStore::spatial_table(pca), 8 + (pca ? 4 : 3) * spec().dim * sizeof(float)),
            spec().dim);
      });
    check_part([&] {
      // The graph stores no vectors; any in place of the segment's suit a structure check.
      const std::vector<float> stand_in(n * spec().dim, 0.0f);
      vector::HnswIndex::read(store_.read_part(seg.id, kHnswPart, hnsw_bytes_of(seg.index_params)), *scorer_.space(),
                              "segment " + std::to_string(seg.id) + "'s HNSW graph", stand_in);
    });
  }
  return problems;
}

size_t Collection::rebuild() {
  const size_t packed = vector::vector_bytes(spec().type, spec().dim);
  size_t rebuilt = 0;
  for (const SegmentRow& seg : store_.segments()) {
    if (seg.id == kWritableSegment || scorer_.bits()) continue;
    // Every slot, the deleted ones included: slots are what the graph and R*Tree name.
    const size_t n = static_cast<size_t>(seg.n_vectors);
    SegmentPlan all;
    all.ids.resize(n);
    const std::vector<uint8_t> id_bytes = store_.read_part(seg.id, "ids", n * sizeof(int64_t));
    std::memcpy(all.ids.data(), id_bytes.data(), id_bytes.size());
    all.vectors = store_.read_part(seg.id, "vectors", n * packed);
    Stmt(store_.db(), "DELETE FROM " + store_.shadow("chunks") + " WHERE segment = ? AND part NOT IN ('ids', 'vectors')")
        .bind(1, seg.id)
        .run();
    for (bool pca : {false, true})
      if (spec().has_spatial())
        Stmt(store_.db(), "DELETE FROM " + store_.shadow(CollectionStore::spatial_table(pca)) + " WHERE s0 >= ?1 AND s1 <= ?1")
            .bind(1, seg.id)
            .run();
    write_indexes(seg.id, *build(all));
    // New content: a new stamp, so no cache serves the old indexes.
    Stmt(store_.db(), "UPDATE " + store_.shadow("segments") + " SET stamp = ? WHERE id = ?")
        .bind(1, random_stamp())
        .bind(2, seg.id)
        .run();
    ++rebuilt;
  }
  return rebuilt;
}

SealReport Collection::merge() {
  std::vector<SegmentRow> sealed = store_.segments();
  std::erase_if(sealed, [](const SegmentRow& s) { return s.id == kWritableSegment; });
  // One sealed segment without deletions is merged already: only the writable one is left.
  if (sealed.size() == 1 && sealed[0].n_deleted == 0) {
    SealReport report = seal();
    if (!report.segment) report.segment = sealed[0].id;
    return report;
  }
  const SegmentPlan plan = plan_merge(sealed, /*with_fresh=*/true);
  if (plan.empty()) return {};
  return *commit(plan, *build(plan));
}

}  // namespace hart::search
