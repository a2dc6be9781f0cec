#include "search/knn.h"

#include <algorithm>
#include <cmath>

#include "search/ann_segment.h"
#include "search/maintenance.h"
#include "search/segment_cache.h"
#include "vector/top_k.h"
#include "util/error.h"

namespace hart::search {
namespace {

constexpr size_t kBlockRows = 256;
constexpr SearchMode kModes[] = {SearchMode::Auto,    SearchMode::Exact,      SearchMode::Ann,
                                 SearchMode::Int8,    SearchMode::Binary,     SearchMode::Spatial,
                                 SearchMode::SpatialPca, SearchMode::Hybrid, SearchMode::HybridPca};

// Ascending distance, then ascending rowid: a strict order, so answers are deterministic.
bool closer(const Hit& a, const Hit& b) {
  return a.distance < b.distance || (a.distance == b.distance && a.rowid < b.rowid);
}

// The k closest (distance, rowid) pairs offered.
class TopK {
 public:
  explicit TopK(size_t k) : best_(k, &closer) {}
  void offer(float d, int64_t id) { best_.offer({id, d}); }
  std::vector<Hit> sorted() && { return std::move(best_).sorted(); }

 private:
  vector::TopK<Hit, decltype(&closer)> best_;
};

// The filters as SQL over X_rows (aliased r) and their bindings.
struct FilterSql {
  std::string where;  // " AND r.m0 = ? AND ..."
  std::vector<sqlite3_value*> values;

  explicit FilterSql(const std::vector<MetadataFilter>& filters) {
    for (const MetadataFilter& f : filters) {
      where += " AND r.m" + std::to_string(f.column) + " " + f.op;
      if (f.op != "IS NULL" && f.op != "IS NOT NULL") {
        where += " ?";
        values.push_back(f.value);
      }
    }
  }
  void bind(sqlite3_stmt* st, int first) const {
    for (size_t i = 0; i < values.size(); ++i) sqlite3_bind_value(st, first + static_cast<int>(i), values[i]);
  }
};

// Which slots of each sealed segment may be returned: tombstones out, and when a
// filter applies, only passing rows in.
class SlotMask {
 public:
  void allow_only(std::vector<uint8_t> allowed) { allowed_ = std::move(allowed); }
  void tombstone(const std::vector<int64_t>& slots, size_t n) {
    if (slots.empty()) return;
    dead_.assign(n, 0);
    for (int64_t s : slots)
      if (s >= 0 && static_cast<size_t>(s) < n) dead_[static_cast<size_t>(s)] = 1;
  }
  bool ok(size_t slot) const {
    return (dead_.empty() || !dead_[slot]) && (allowed_.empty() || allowed_[slot]);
  }
  bool restricted() const { return !allowed_.empty(); }
  size_t dead_count() const { return static_cast<size_t>(std::count(dead_.begin(), dead_.end(), uint8_t{1})); }

 private:
  std::vector<uint8_t> dead_, allowed_;
};

void scan_fresh(Collection& c, const std::vector<uint8_t>& q, const FilterSql* filter, TopK& top, size_t& scored) {
  CollectionStore& store = c.store();
  std::string sql = "SELECT f.rowid, f.vector FROM " + store.shadow("fresh") + " f";
  // CROSS JOIN keeps the writable segment outermost: left to itself SQLite may walk a
  // wide filter's index over every row and probe the (small) writable segment for each.
  if (filter) sql += " CROSS JOIN " + store.shadow("rows") + " r ON r.rowid = f.rowid WHERE 1" + filter->where;
  Prepared st = store.prepared(sql);
  if (filter) filter->bind(st.raw(), 1);
  const Scorer& scorer = c.scorer();
  const size_t packed = vector::vector_bytes(c.spec().type, c.spec().dim);
  std::vector<uint8_t> row(scorer.row_bytes());
  while (st.step()) {
    if (st.bytes(1) != packed)
      throw FormatError("vector collection " + store.table() + ": row " + std::to_string(st.int64(0)) +
                        "'s stored vector has " + std::to_string(st.bytes(1)) + " bytes, not " + std::to_string(packed));
    scorer.prepare(static_cast<const uint8_t*>(st.blob(1)), row.data());
    top.offer(scorer.distance(q.data(), row.data()), st.int64(0));
    ++scored;
  }
}

void scan_segment(const SegmentData& seg, const Scorer& scorer, const std::vector<uint8_t>& q, const SlotMask& mask,
                  TopK& top, size_t& scored) {
  float dist[kBlockRows];
  if (mask.restricted()) {  // few rows: score them one by one
    for (size_t slot = 0; slot < seg.n; ++slot)
      if (mask.ok(slot)) {
        top.offer(scorer.distance(q.data(), seg.row(slot)), seg.ids[slot]);
        ++scored;
      }
    return;
  }
  for (size_t start = 0; start < seg.n; start += kBlockRows) {
    const size_t rows = std::min(kBlockRows, seg.n - start);
    scorer.distances(q.data(), seg.row(start), rows, dist);
    scored += rows;
    for (size_t i = 0; i < rows; ++i)
      if (mask.ok(start + i)) top.offer(dist[i], seg.ids[start + i]);
  }
}

// The quantized modes: the codes of every allowed slot ranked, the best `keep`
// re-scored exactly.
void scan_segment_codes(const SegmentData& seg, const Scorer& scorer, const std::vector<uint8_t>& q, const SlotMask& mask,
                        SearchMode mode, size_t keep, TopK& top, size_t& scored) {
  const auto* qf = reinterpret_cast<const float*>(q.data());
  const bool l2 = scorer.space()->metric() == vector::Metric::L2;
  vector::TopK<std::pair<int64_t, uint32_t>> best(keep);  // (code distance, slot)
  auto offer = [&](int64_t d, size_t slot) { best.offer({d, static_cast<uint32_t>(slot)}); };
  if (mode == SearchMode::Int8) {
    const vector::Int8Codes& codes = seg.int8_codes();
    std::vector<int8_t> qc(codes.dim);
    vector::quantize_int8_query(codes, qf, qc.data());
    for (size_t slot = 0; slot < seg.n; ++slot)
      if (mask.ok(slot))
        offer(l2 ? vector::int8_l2_squared(qc.data(), codes.row(slot), codes.dim)
                 : -int64_t{vector::int8_dot(qc.data(), codes.row(slot), codes.dim)},
              slot);
  } else {
    const vector::BinaryCodes& codes = seg.binary_codes();
    std::vector<uint64_t> qc(codes.words);
    vector::binarize_query(codes, qf, qc.data());
    for (size_t slot = 0; slot < seg.n; ++slot)
      if (mask.ok(slot)) offer(static_cast<int64_t>(vector::hamming(qc.data(), codes.row(slot), codes.words * 8)), slot);
  }
  for (const auto& [code_distance, slot] : best.kept()) {
    top.offer(scorer.distance(q.data(), seg.row(slot)), seg.ids[slot]);
    ++scored;
  }
}

// The spatial modes: the `keep` allowed rows nearest the query in the segment's 3-D
// projection, by boxes around it in the R*Tree that double in size until they hold
// that many, then scored exactly.
void scan_segment_spatial(CollectionStore& store, const SegmentData& seg, const Scorer& scorer,
                          const std::vector<uint8_t>& q, const SlotMask& mask, bool pca, size_t keep, TopK& top,
                          size_t& scored) {
  const auto qc = seg.projection[pca].project(reinterpret_cast<const float*>(q.data()));
  const SegmentData::Box& box = seg.extent(pca);
  double volume = 1, widest = 0;
  for (int a = 0; a < 3; ++a) {
    const double side = std::max<double>(box.hi[a] - box.lo[a], 1e-6);
    volume *= side;
    widest = std::max(widest, side);
  }
  // Start with the cube that would hold `keep` rows if they were spread evenly.
  double r = 0.5 * std::cbrt(volume * double(keep) / double(std::max<size_t>(seg.n, 1)));
  Prepared st = store.prepared("SELECT id, x0, y0, z0 FROM " + store.shadow(CollectionStore::spatial_table(pca)) +
                          " WHERE s0 >= ?1 AND s1 <= ?1 AND x1 >= ?2 AND x0 <= ?3 AND y1 >= ?4 AND y0 <= ?5"
                          " AND z1 >= ?6 AND z0 <= ?7");
  std::vector<std::pair<double, size_t>> found;  // (3-D distance², slot)
  for (;;) {
    found.clear();
    st.reset();
    st.bind(1, seg.id);
    for (int a = 0; a < 3; ++a) st.bind(2 + 2 * a, double{qc[a]} - r).bind(3 + 2 * a, double{qc[a]} + r);
    while (st.step()) {
      const int64_t slot = st.int64(0) - spatial_id(seg.id, 0);
      if (slot < 0 || static_cast<size_t>(slot) >= seg.n || !mask.ok(static_cast<size_t>(slot))) continue;
      double d2 = 0;
      for (int a = 0; a < 3; ++a) d2 += (st.real(1 + a) - qc[a]) * (st.real(1 + a) - qc[a]);
      found.push_back({d2, static_cast<size_t>(slot)});
    }
    if (found.size() >= keep || r > 2 * widest + 1) break;
    r *= 2;
  }
  const size_t m = std::min(keep, found.size());
  std::partial_sort(found.begin(), found.begin() + static_cast<ptrdiff_t>(m), found.end());
  for (size_t i = 0; i < m; ++i) {
    top.offer(scorer.distance(q.data(), seg.row(found[i].second)), seg.ids[found[i].second]);
    ++scored;
  }
}

// Whether one row passes the filter, asked of SQLite per candidate.
class RowCheck {
 public:
  RowCheck(CollectionStore& store, const FilterSql& filter)
      : filter_(filter), st_(store.prepared("SELECT 1 FROM " + store.shadow("rows") + " r WHERE r.rowid = ?" + filter.where)) {}
  bool passes(int64_t rowid) {
    st_.reset();
    st_.bind(1, rowid);
    filter_.bind(st_.raw(), 2);
    return st_.step();
  }

 private:
  const FilterSql& filter_;
  Prepared st_;
};

// Slots of one sealed segment that pass the filter.
std::vector<uint8_t> segment_passing_slots(CollectionStore& store, const FilterSql& filter, int64_t segment, size_t n) {
  Prepared st = store.prepared("SELECT r.slot FROM " + store.shadow("rows") + " r WHERE r.segment = ?" + filter.where);
  st.bind(1, segment);
  filter.bind(st.raw(), 2);
  std::vector<uint8_t> out(n, 0);
  while (st.step()) {
    const int64_t slot = st.int64(0);
    if (slot >= 0 && static_cast<size_t>(slot) < n) out[static_cast<size_t>(slot)] = 1;
  }
  return out;
}

// The graph's k best allowed rows: candidates in growing numbers (twice as many each
// round) until k of them pass the mask and the check. A segment that would need more
// than a quarter of its rows as candidates is scanned exactly instead; returns false then.
bool search_segment_graph(CollectionStore& store, const SegmentData& seg, const vector::HnswIndex& index,
                          const std::vector<uint8_t>& q, SlotMask& mask, RowCheck* check, const FilterSql& filter,
                          size_t k, size_t ef, TopK& top, size_t& scored) {
  const std::span<const float> query(reinterpret_cast<const float*>(q.data()), seg.row_bytes / sizeof(float));
  size_t want = std::min(seg.n, k + mask.dead_count());
  for (;;) {
    const std::vector<vector::Neighbor> found = index.search(query, want, std::max(ef, want));
    scored += found.size();
    std::vector<vector::Neighbor> passing;
    for (const vector::Neighbor& nb : found) {
      const auto slot = static_cast<size_t>(nb.id);
      if (slot < seg.n && mask.ok(slot) && (!check || check->passes(seg.ids[slot]))) passing.push_back(nb);
    }
    if (passing.size() >= k || found.size() < want || want >= seg.n) {
      for (const vector::Neighbor& nb : passing) top.offer(nb.distance, seg.ids[static_cast<size_t>(nb.id)]);
      return true;
    }
    if (want * 2 > seg.n / 4 + k) break;
    want *= 2;
  }
  if (check) mask.allow_only(segment_passing_slots(store, filter, seg.id, seg.n));
  return false;
}

constexpr size_t kAllRows = SIZE_MAX;
constexpr size_t kSelectivitySample = 256;

// An estimate of how many live sealed rows pass the filter, from kSelectivitySample of
// them spread evenly over the sealed segments (0 when there are too few to tell).
double sampled_passing_rows(CollectionStore& store, const Scorer& scorer, const FilterSql& filter,
                            const std::vector<SegmentRow>& segments) {
  size_t total = 0;
  for (const SegmentRow& row : segments)
    if (row.id != kWritableSegment) total += static_cast<size_t>(row.n_vectors);
  if (total < 4 * kSelectivitySample) return 0;
  std::string ids;
  size_t taken = 0, base = 0;
  for (const SegmentRow& row : segments) {
    if (row.id == kWritableSegment || row.n_vectors == 0) continue;
    const auto seg = cached_segment(store, scorer, row);
    for (; taken < kSelectivitySample; ++taken) {
      const size_t at = taken * total / kSelectivitySample;
      if (at >= base + seg->n) break;
      ids += (ids.empty() ? "" : ",") + std::to_string(seg->ids[at - base]);
    }
    base += seg->n;
  }
  // Tombstoned rows are gone from X_rows, so they count as not passing.
  Stmt st(store.db(), "SELECT count(*) FROM " + store.shadow("rows") + " r WHERE r.rowid IN (" + ids + ")" + filter.where);
  filter.bind(st.raw(), 1);
  st.step();
  return double(st.int64(0)) / double(taken) * double(total);
}

// Passing slots per sealed segment, reading at most `cap` rows (kAllRows: all). Returns
// false when the cap was reached before the end.
bool passing_slots(CollectionStore& store, const FilterSql& filter, size_t cap,
                   std::vector<std::pair<int64_t, std::vector<uint8_t>>>& out,
                   const std::vector<SegmentRow>& segments) {
  std::string sql = "SELECT r.segment, r.slot FROM " + store.shadow("rows") + " r WHERE 1" + filter.where;
  if (cap != kAllRows) sql += " LIMIT " + std::to_string(cap + 1);
  Prepared st = store.prepared(sql);
  filter.bind(st.raw(), 1);
  out.clear();
  for (const SegmentRow& s : segments)
    if (s.id != kWritableSegment) out.push_back({s.id, std::vector<uint8_t>(static_cast<size_t>(s.n_vectors), 0)});
  size_t n = 0;
  while (st.step()) {
    if (cap != kAllRows && ++n > cap) return false;
    const int64_t segment = st.int64(0);
    if (segment == kWritableSegment) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == segment; });
    const int64_t slot = st.int64(1);
    if (it == out.end() || slot < 0 || static_cast<size_t>(slot) >= it->second.size())
      throw FormatError("vector collection " + store.table() + ": a row points at slot " + std::to_string(slot) +
                        " of segment " + std::to_string(segment) + ", which does not exist");
    it->second[static_cast<size_t>(slot)] = 1;
  }
  return true;
}

}  // namespace

const char* search_mode_name(SearchMode m) {
  switch (m) {
    case SearchMode::Auto: return "auto";
    case SearchMode::Exact: return "exact";
    case SearchMode::Ann: return "ann";
    case SearchMode::Int8: return "int8";
    case SearchMode::Binary: return "binary";
    case SearchMode::Spatial: return "spatial";
    case SearchMode::SpatialPca: return "spatial_pca";
    case SearchMode::Hybrid: return "hybrid";
    case SearchMode::HybridPca: return "hybrid_pca";
  }
  return "?";
}

SearchMode parse_search_mode(std::string_view name) {
  std::string known;
  for (SearchMode m : kModes) {
    if (name == search_mode_name(m)) return m;
    known += std::string(known.empty() ? "" : ", ") + search_mode_name(m);
  }
  throw UsageError("mode '" + std::string(name) + "' is unknown (known: " + known + ")");
}

KnnResult knn(Collection& c, const KnnRequest& request) {
  if (request.k < 1 || request.k > kMaxK)
    throw UsageError("k is " + std::to_string(request.k) + "; it must be 1.." + std::to_string(kMaxK));
  const Scorer& scorer = c.scorer();
  const std::vector<uint8_t> q = scorer.prepare_query(request.query);
  const SearchMode mode = request.mode;
  const bool quantized = mode == SearchMode::Int8 || mode == SearchMode::Binary;
  const bool spatial = mode == SearchMode::Spatial || mode == SearchMode::SpatialPca || mode == SearchMode::Hybrid ||
                       mode == SearchMode::HybridPca;
  const bool pca = mode == SearchMode::SpatialPca || mode == SearchMode::HybridPca;
  const bool graph = mode == SearchMode::Ann || mode == SearchMode::Auto;
  if ((quantized || spatial) && scorer.bits())
    throw UsageError(std::string("mode '") + search_mode_name(mode) +
                     "' is for float32 and int8 collections; a bit collection is searched exactly");
  if (spatial && !c.spec().has_spatial())
    throw UsageError(std::string("mode '") + search_mode_name(mode) + "' needs the 3-D projections, which " +
                     c.store().table() + " was created without: add spatial=1 to its CREATE VIRTUAL TABLE");
  const double oversample = request.oversample > 0 ? request.oversample : kDefaultOversample;
  if (oversample < 1 || oversample > kMaxOversample)
    throw UsageError("oversample is " + std::to_string(oversample) + "; it must be 1.." + std::to_string(int(kMaxOversample)));
  const size_t keep = static_cast<size_t>(std::ceil(double(request.k) * oversample));
  const size_t ef = request.ef_search ? request.ef_search : c.spec().ann.ef_search;
  CollectionStore& store = c.store();
  const std::vector<SegmentRow> segments = store.segments();
  if (!segments.empty() && segments.front().id == kWritableSegment)
    before_read(c, static_cast<size_t>(segments.front().n_vectors));

  KnnResult result;
  result.mode = quantized || spatial ? search_mode_name(mode) : "exact";
  const size_t spatial_keep = mode == SearchMode::Spatial || mode == SearchMode::SpatialPca ? request.k : keep;
  TopK top(request.k);
  const bool filtered = !request.filters.empty();
  const FilterSql filter(request.filters);

  // A filter that passes few rows is applied first, whatever the mode: those rows
  // are scored exactly. A wide one is a mask over the scan, or for the graph a check
  // of each candidate.
  std::vector<std::pair<int64_t, std::vector<uint8_t>>> allowed;
  bool prefiltered = false;
  std::unique_ptr<RowCheck> check;
  if (filtered) {
    // Reading up to prefilter_cap passing rows to learn whether fewer pass costs
    // milliseconds; a sample of the sealed rows says first whether that can be so.
    const size_t cap = c.spec().prefilter_cap;
    const bool surely_wide = cap > 0 && sampled_passing_rows(store, scorer, filter, segments) > 2.0 * double(cap);
    prefiltered = !surely_wide && passing_slots(store, filter, cap, allowed, segments);
    if (prefiltered) {
      result.strategy = "prefilter";
      result.mode = "exact";
    } else if (graph) {
      result.strategy = "postfilter";
      check = std::make_unique<RowCheck>(store, filter);
    } else {
      result.strategy = "mask";
      passing_slots(store, filter, kAllRows, allowed, segments);
    }
  }
  scan_fresh(c, q, filtered ? &filter : nullptr, top, result.scored);
  for (const SegmentRow& row : segments) {
    if (row.id == kWritableSegment || row.n_vectors == 0) continue;
    const auto seg = cached_segment(store, scorer, row);
    SlotMask mask;
    if (row.n_deleted > 0) mask.tombstone(store.tombstones(row.id), seg->n);
    if (filtered && !check) {
      auto it = std::find_if(allowed.begin(), allowed.end(), [&](const auto& p) { return p.first == row.id; });
      std::vector<uint8_t> slots = it == allowed.end() ? std::vector<uint8_t>(seg->n, 0) : std::move(it->second);
      slots.resize(seg->n, 0);
      if (std::find(slots.begin(), slots.end(), 1) == slots.end()) continue;  // nothing passes here
      mask.allow_only(std::move(slots));
    }
    const vector::HnswIndex* index = graph && !prefiltered ? seg->hnsw(store, row, scorer) : nullptr;
    if (index) {
      result.mode = "ann";
      if (!seg->index_note().empty()) result.note = "segment " + std::to_string(row.id) + ": " + seg->index_note();
      if (!search_segment_graph(store, *seg, *index, q, mask, check.get(), filter, request.k, ef, top, result.scored)) {
        result.strategy = "exact fallback";
        scan_segment(*seg, scorer, q, mask, top, result.scored);
      }
    } else if (quantized && !prefiltered) {
      scan_segment_codes(*seg, scorer, q, mask, mode, keep, top, result.scored);
    } else if (spatial && !prefiltered) {
      scan_segment_spatial(store, *seg, scorer, q, mask, pca, spatial_keep, top, result.scored);
    } else {
      if (check) {  // no graph here: the filter becomes this segment's mask
        mask.allow_only(segment_passing_slots(store, filter, row.id, seg->n));
      }
      scan_segment(*seg, scorer, q, mask, top, result.scored);
    }
  }
  result.hits = std::move(top).sorted();
  for (Hit& h : result.hits) h.distance = scorer.reported(h.distance);
  return result;
}

}  // namespace hart::search
