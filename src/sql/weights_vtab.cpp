// weights — one row per weight element of every stored tensor.
//
//   SELECT tensor, idx, value FROM weights
//    WHERE model = 'stories260K' AND layer = 0 AND kind = 'attn_q' AND value > 0.5;
//   -- blk.0.attn_q.weight | 1093 | 0.5261...
//
// Schema (the seeds' LINESTRING ZM as rows: X = idx, Y = value, Z = importance, M = meta):
//   model TEXT, tensor TEXT, layer INTEGER, kind TEXT,
//   idx INTEGER      element index in the flattened tensor (row-major)
//   value REAL       the dequantized weight
//   importance REAL  |value| / max |value| of the tensor (until real scores exist)
//   meta INTEGER     the M coordinate: the layer index, -1 outside the blocks
//   method TEXT HIDDEN  the importance scores shown: 'magnitude' (|value| / max
//                    |value|, the default) or a method whose element scores
//                    `hart importance` stored ('wanda'); NULL importance where the
//                    model has none of that method
//
// How constraints are pushed down (xBestIndex sets one bit per usable constraint;
// xFilter receives their values in this order):
//
//   bit  constraint                  used for
//   0    model = ?                   choosing tensors
//   1    tensor = ?                  choosing tensors
//   2    layer = ?                   choosing tensors
//   3    kind = ?                    choosing tensors
//   4    idx >= ? / idx > ?          chunk skipping (element range) + row skipping
//   5    idx <= ? / idx < ?          "
//   6    value >= ? / value > ?      chunk skipping through the chunk_zones R*Tree
//   7    value <= ? / value < ?      "
//   8    importance >= ? / > ?       "
//   9    importance <= ? / < ?       "
//   10   method = ?                  which scores; their zones in score_zones
//
// Bits 0-3 are exact and omitted from SQLite's per-row check; a text equality is
// used only under the BINARY collation (the comparison run on `tensors`). Range
// bounds are applied inclusively and SQLite re-checks them, so strict comparisons
// stay exact. Only a number bounds the scan (TEXT that reads as one, as SQLite
// compares it with a numeric column): a NULL bound matches no row, and other TEXT
// or BLOB (above every number in SQLite's order) is left to that re-check.
// With any value or importance bound, candidate chunks come
// from one R*Tree search; otherwise each chosen tensor's chunks are read in order.
// Writing `+value` instead of `value` hides a constraint from the planner: that is
// how the benchmark measures the same query without pushdown.
#include "sql/surface.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "sql/scan_stats.h"
#include "sql/vtab.h"
#include <nlohmann/json.hpp>

#include "store/database.h"
#include "store/scores.h"
#include "store/chunk_layout.h"
#include "store/tensor_data.h"
#include "util/error.h"

namespace hart {
namespace {

enum Col { kModel, kTensor, kLayer, kKind, kIdx, kValue, kImportance, kMeta, kMethod };
enum Bit { kBModel, kBTensor, kBLayer, kBKind, kBIdxLo, kBIdxHi, kBValLo, kBValHi, kBImpLo, kBImpHi, kBMethod, kNBits };

struct Chunk {
  size_t tensor;  // index into WeightsCursor::tensors
  int64_t ordinal, chunk_id;
  uint64_t elem_start, elem_count;
};

struct WeightsCursor {
  sqlite3* db = nullptr;
  std::vector<TensorRow> tensors;
  std::vector<std::string> model_names;  // per tensor
  std::vector<Chunk> chunks;
  size_t chunk_pos = 0;
  std::vector<float> values;       // the current chunk, dequantized
  uint64_t pos = 0, end = 0;       // current element and end, relative to the chunk
  double val_lo = -INFINITY, val_hi = INFINITY, imp_lo = -INFINITY, imp_hi = INFINITY;
  bool val_bounded = false, imp_bounded = false;  // NaN rows (NULL) pass only when unbounded
  int64_t idx_lo = 0, idx_hi = std::numeric_limits<int64_t>::max();
  double inv_max_abs = 0;
  // Stored scores (method other than magnitude): the set of each model, the
  // current chunk's scores (empty: none stored, importance NULL).
  std::string method = "magnitude";
  std::unordered_map<int64_t, int64_t> score_set_of_model;
  std::vector<float> scores;
  bool eof = true;
  ScanStats stats;
};

int bit_for(int column, unsigned char op) {
  bool eq = op == SQLITE_INDEX_CONSTRAINT_EQ;
  bool lo = op == SQLITE_INDEX_CONSTRAINT_GT || op == SQLITE_INDEX_CONSTRAINT_GE;
  bool hi = op == SQLITE_INDEX_CONSTRAINT_LT || op == SQLITE_INDEX_CONSTRAINT_LE;
  switch (column) {
    case kModel: return eq ? kBModel : -1;
    case kTensor: return eq ? kBTensor : -1;
    case kLayer: return eq ? kBLayer : -1;
    case kKind: return eq ? kBKind : -1;
    case kIdx: return lo ? kBIdxLo : hi ? kBIdxHi : eq ? -2 : -1;
    case kValue: return lo ? kBValLo : hi ? kBValHi : eq ? -3 : -1;
    case kImportance: return lo ? kBImpLo : hi ? kBImpHi : eq ? -4 : -1;
    case kMethod: return eq ? kBMethod : -1;
    default: return -1;
  }
}

bool is_text_column(int column) { return column == kModel || column == kTensor || column == kKind || column == kMethod; }

int best_index(sqlite3_index_info* info) {
  int chosen[kNBits];
  std::fill(chosen, chosen + kNBits, -1);
  int eq_extra[3] = {-1, -1, -1};  // idx/value/importance equality feeds both bounds
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable) continue;
    if (is_text_column(c.iColumn) && sqlite3_stricmp(sqlite3_vtab_collation(info, i), "BINARY") != 0) continue;
    int b = bit_for(c.iColumn, c.op);
    if (b >= 0 && chosen[b] < 0) chosen[b] = i;
    if (b <= -2 && eq_extra[-b - 2] < 0) eq_extra[-b - 2] = i;
  }
  // x = ? is the range [?, ?].
  const int lo_bits[3] = {kBIdxLo, kBValLo, kBImpLo};
  for (int k = 0; k < 3; ++k)
    if (eq_extra[k] >= 0 && chosen[lo_bits[k]] < 0 && chosen[lo_bits[k] + 1] < 0)
      chosen[lo_bits[k]] = chosen[lo_bits[k] + 1] = eq_extra[k];
  int mask = 0, argc = 0;
  double cost = 1e12;
  for (int b = 0; b < kNBits; ++b) {
    if (chosen[b] < 0) continue;
    mask |= 1 << b;
    auto& use = info->aConstraintUsage[chosen[b]];
    if (use.argvIndex == 0) use.argvIndex = ++argc;
    // Tensor choice is exact (the same comparison, in SQL on `tensors`), so SQLite
    // need not re-check it per row; range bounds are supersets and stay checked.
    if (b <= kBKind || b == kBMethod) use.omit = 1;
    cost /= b <= kBKind ? 20 : 4;
  }
  // An equality used for both bounds has one argv slot; record which bits share it.
  std::string plan;
  for (int b = 0; b < kNBits; ++b)
    if (mask & (1 << b)) plan += static_cast<char>('0' + info->aConstraintUsage[chosen[b]].argvIndex);
  info->idxNum = mask;
  info->idxStr = sqlite3_mprintf("%s", plan.c_str());
  info->needToFreeIdxStr = 1;
  info->estimatedCost = cost;
  info->estimatedRows = static_cast<sqlite3_int64>(cost);
  return SQLITE_OK;
}

// Loads chunk c->chunk_pos and positions on its first element inside the bounds.
void load_chunk(WeightsCursor* c) {
  const Chunk& ch = c->chunks[c->chunk_pos];
  const TensorRow& t = c->tensors[ch.tensor];
  Stmt s(c->db, "SELECT data FROM chunk_data WHERE id = ?");
  s.bind(1, ch.chunk_id);
  if (!s.step()) throw Error("tensor '" + t.name + "': chunk " + std::to_string(ch.ordinal) + " is missing (the database is damaged)");
  auto expect = dtype_row_bytes(t.dtype, ch.elem_count);
  if (!expect || *expect != s.bytes(0))
    throw Error("tensor '" + t.name + "': chunk " + std::to_string(ch.ordinal) + " has the wrong size (the database is damaged)");
  c->values.resize(ch.elem_count);
  dequantize(t.dtype, s.blob(0), c->values.data(), ch.elem_count);
  c->inv_max_abs = t.max_abs > 0 ? 1.0 / t.max_abs : 0.0;
  c->scores.clear();
  if (c->method != "magnitude") {
    auto set = c->score_set_of_model.find(t.model_id);
    if (set != c->score_set_of_model.end()) {
      Stmt sc(c->db, "SELECT scores FROM score_chunks WHERE score_set_id = ? AND tensor_id = ? AND ordinal = ? "
                     "AND elem_start = ? AND elem_count = ?");
      sc.bind(1, set->second).bind(2, t.id).bind(3, ch.ordinal).bind(4, static_cast<int64_t>(ch.elem_start));
      sc.bind(5, static_cast<int64_t>(ch.elem_count));
      if (sc.step()) {
        if (sc.bytes(0) != ch.elem_count * sizeof(float))
          throw Error("tensor '" + t.name + "': the " + c->method + " scores of chunk " + std::to_string(ch.ordinal) +
                      " have the wrong size (the database is damaged)");
        c->scores.resize(ch.elem_count);
        std::memcpy(c->scores.data(), sc.blob(0), ch.elem_count * sizeof(float));
      }
    }
  }
  int64_t start = static_cast<int64_t>(ch.elem_start);
  c->pos = c->idx_lo > start ? static_cast<uint64_t>(c->idx_lo - start) : 0;
  int64_t last = std::min<int64_t>(c->idx_hi, start + static_cast<int64_t>(ch.elem_count) - 1);
  c->end = last >= start ? static_cast<uint64_t>(last - start + 1) : 0;
  c->stats.chunks_read++;
}

// The current row's importance under the cursor's method; NaN when it has none.
double importance(const WeightsCursor* c) {
  if (c->method == "magnitude") return std::fabs(static_cast<double>(c->values[c->pos])) * c->inv_max_abs;
  return c->scores.empty() ? NAN : c->scores[c->pos];
}

bool row_matches(const WeightsCursor* c) {
  double v = c->values[c->pos];
  if (c->val_bounded && !(v >= c->val_lo && v <= c->val_hi)) return false;
  if (!c->imp_bounded) return true;
  double imp = importance(c);
  return imp >= c->imp_lo && imp <= c->imp_hi;
}

// Advances to the next element that can satisfy the bounds, loading chunks as needed.
void settle(WeightsCursor* c) {
  bool filter = c->val_bounded || c->imp_bounded;
  while (c->chunk_pos < c->chunks.size()) {
    if (filter)
      while (c->pos < c->end && !row_matches(c)) ++c->pos;
    if (c->pos < c->end) return;
    if (++c->chunk_pos < c->chunks.size()) load_chunk(c);
  }
  c->eof = true;
}

void choose_tensors(WeightsCursor* c, int mask, sqlite3_value** arg) {
  std::string sql =
      "SELECT t.id, m.name FROM tensors t JOIN models m ON m.id = t.model_id WHERE 1";
  if (mask & (1 << kBModel)) sql += " AND m.name = ?1";
  if (mask & (1 << kBTensor)) sql += " AND t.name = ?2";
  if (mask & (1 << kBLayer)) sql += " AND t.layer = ?3";
  if (mask & (1 << kBKind)) sql += " AND t.kind = ?4";
  sql += " ORDER BY m.id, t.position";
  Stmt s(c->db, sql);
  for (int b = kBModel; b <= kBKind; ++b)
    if (mask & (1 << b)) sqlite3_bind_value(s.raw(), b + 1, arg[b]);
  std::vector<int64_t> ids;
  while (s.step()) {
    ids.push_back(s.int64(0));
    c->model_names.push_back(s.text(1));
  }
  for (int64_t id : ids) c->tensors.push_back(*tensor_by_id(c->db, id));
}

void choose_chunks(WeightsCursor* c, bool zone_search, bool all_tensors) {
  if (!zone_search) {
    Stmt s(c->db,
           "SELECT ordinal, chunk_id, elem_start, elem_count FROM tensor_chunks WHERE tensor_id = ?"
           " AND elem_start <= ? AND elem_start + elem_count > ? ORDER BY ordinal");
    for (size_t i = 0; i < c->tensors.size(); ++i) {
      s.reset();
      s.bind(1, c->tensors[i].id).bind(2, c->idx_hi).bind(3, c->idx_lo);
      while (s.step()) {
        c->chunks.push_back({i, s.int64(0), s.int64(1), static_cast<uint64_t>(s.int64(2)),
                             static_cast<uint64_t>(s.int64(3))});
      }
    }
    return;
  }
  // One R*Tree search over every chunk's zone map; keep the chosen tensors' chunks.
  std::unordered_map<int64_t, size_t> position;
  nlohmann::json ids = nlohmann::json::array();
  for (size_t i = 0; i < c->tensors.size(); ++i) {
    position[c->tensors[i].id] = i;
    ids.push_back(c->tensors[i].id);
  }
  std::string sql =
      "SELECT tc.tensor_id, tc.ordinal, tc.chunk_id, tc.elem_start, tc.elem_count"
      " FROM chunk_zones z CROSS JOIN tensor_chunks tc ON tc.id = z.id"
      " WHERE z.val_max >= ?1 AND z.val_min <= ?2 AND z.imp_max >= ?3 AND z.imp_min <= ?4"
      " AND z.idx_max >= ?5 AND z.idx_min <= ?6";
  if (!all_tensors) sql += " AND tc.tensor_id IN (SELECT value FROM json_each(?7))";
  Stmt s(c->db, sql);
  // An open side stays infinite: clamped to a finite number it would skip a zone of infinities.
  const bool magnitude = c->method == "magnitude";
  s.bind(1, c->val_lo).bind(2, c->val_hi).bind(3, magnitude ? c->imp_lo : -INFINITY).bind(4, magnitude ? c->imp_hi : INFINITY)
      .bind(5, static_cast<double>(c->idx_lo)).bind(6, static_cast<double>(c->idx_hi));
  if (!all_tensors) s.bind(7, ids.dump());
  while (s.step()) {
    auto it = position.find(s.int64(0));
    if (it == position.end()) continue;
    c->chunks.push_back({it->second, s.int64(1), s.int64(2), static_cast<uint64_t>(s.int64(3)),
                         static_cast<uint64_t>(s.int64(4))});
  }
  std::sort(c->chunks.begin(), c->chunks.end(), [](const Chunk& a, const Chunk& b) {
    return a.tensor != b.tensor ? a.tensor < b.tensor : a.ordinal < b.ordinal;
  });
  if (magnitude || !c->imp_bounded) return;
  // Stored scores: keep the chunks whose score zone meets the importance bounds.
  std::set<std::pair<int64_t, int64_t>> meets;  // (tensor id, ordinal)
  Stmt z(c->db, "SELECT sc.tensor_id, sc.ordinal FROM score_zones z CROSS JOIN score_chunks sc ON sc.id = z.id"
                " WHERE z.imp_max >= ?1 AND z.imp_min <= ?2 AND z.idx_max >= ?3 AND z.idx_min <= ?4"
                " AND sc.score_set_id IN (SELECT value FROM json_each(?5))");
  nlohmann::json sets = nlohmann::json::array();
  for (auto& [model, set] : c->score_set_of_model) sets.push_back(set);
  z.bind(1, c->imp_lo).bind(2, c->imp_hi).bind(3, static_cast<double>(c->idx_lo)).bind(4, static_cast<double>(c->idx_hi));
  z.bind(5, sets.dump());
  while (z.step()) meets.insert({z.int64(0), z.int64(1)});
  std::erase_if(c->chunks, [&](const Chunk& ch) { return !meets.count({c->tensors[ch.tensor].id, ch.ordinal}); });
}

struct ValueFree {
  void operator()(sqlite3_value* v) const { sqlite3_value_free(v); }
};
using OwnedValue = std::unique_ptr<sqlite3_value, ValueFree>;

// A range bound as SQLite compares it with a numeric column: numeric affinity turns
// TEXT that reads as a number into that number (on a copy: the argument is SQLite's).
// Null unless it is then a number; TEXT and BLOB sort above every number.
OwnedValue numeric_bound(sqlite3_value* v) {
  if (!v) return nullptr;
  OwnedValue copy(sqlite3_value_dup(v));
  if (!copy) throw std::bad_alloc();
  int t = sqlite3_value_numeric_type(copy.get());
  return t == SQLITE_INTEGER || t == SQLITE_FLOAT ? std::move(copy) : nullptr;
}

// The first element index at or above the number v; none when v is past every int64.
std::optional<int64_t> first_index_from(sqlite3_value* v) {
  if (sqlite3_value_type(v) == SQLITE_INTEGER) return std::max<int64_t>(0, sqlite3_value_int64(v));
  double d = std::ceil(sqlite3_value_double(v));
  if (d >= 0x1p63) return std::nullopt;
  return d <= 0 ? 0 : static_cast<int64_t>(d);
}

// The last element index at or below the number v; none when v is negative.
std::optional<int64_t> last_index_to(sqlite3_value* v) {
  if (sqlite3_value_type(v) == SQLITE_INTEGER) {
    int64_t i = sqlite3_value_int64(v);
    return i < 0 ? std::nullopt : std::optional<int64_t>(i);
  }
  double d = std::floor(sqlite3_value_double(v));
  if (d < 0) return std::nullopt;
  return d >= 0x1p63 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(d);
}

// Sets the cursor's bounds from the pushed constraints; false when no row can match.
bool set_bounds(WeightsCursor* c, sqlite3_value* const* arg) {
  for (int b = 0; b < kNBits; ++b)  // a NULL bound matches nothing
    if (arg[b] && sqlite3_value_type(arg[b]) == SQLITE_NULL) return false;
  OwnedValue num[kNBits];
  for (int b = kBIdxLo; b < kNBits; ++b) num[b] = numeric_bound(arg[b]);
  if (num[kBValLo]) c->val_lo = sqlite3_value_double(num[kBValLo].get());
  if (num[kBValHi]) c->val_hi = sqlite3_value_double(num[kBValHi].get());
  if (num[kBImpLo]) c->imp_lo = sqlite3_value_double(num[kBImpLo].get());
  if (num[kBImpHi]) c->imp_hi = sqlite3_value_double(num[kBImpHi].get());
  c->val_bounded = num[kBValLo] || num[kBValHi];
  c->imp_bounded = num[kBImpLo] || num[kBImpHi];
  if (num[kBIdxLo]) {
    std::optional<int64_t> lo = first_index_from(num[kBIdxLo].get());
    if (!lo) return false;
    c->idx_lo = *lo;
  }
  if (num[kBIdxHi]) {
    std::optional<int64_t> hi = last_index_to(num[kBIdxHi].get());
    if (!hi) return false;
    c->idx_hi = *hi;
  }
  return true;
}

void filter(WeightsCursor* c, int mask, const char* plan, sqlite3_value** argv) {
  sqlite3* db = c->db;
  *c = WeightsCursor{};
  c->db = db;
  sqlite3_value* arg[kNBits] = {};
  for (int b = 0, k = 0; b < kNBits; ++b)
    if (mask & (1 << b)) arg[b] = argv[plan[k++] - '1'];
  if (!set_bounds(c, arg)) return publish_scan_stats(c->db, c->stats);
  if (arg[kBMethod]) {
    const unsigned char* m = sqlite3_value_text(arg[kBMethod]);
    c->method = m ? reinterpret_cast<const char*>(m) : "";
    require_score_method(c->method);
  }
  choose_tensors(c, mask, arg);
  if (c->method != "magnitude") {
    Stmt s(c->db, "SELECT model_id, id FROM score_sets WHERE method = ?");
    s.bind(1, c->method);
    while (s.step()) c->score_set_of_model[s.int64(0)] = s.int64(1);
  }
  bool zone_search = mask & ((1 << kBValLo) | (1 << kBValHi) | (1 << kBImpLo) | (1 << kBImpHi));
  if (c->method != "magnitude" && c->imp_bounded && c->score_set_of_model.empty()) return publish_scan_stats(c->db, c->stats);
  bool all_tensors = !(mask & 0xF);
  if (!c->tensors.empty()) choose_chunks(c, zone_search, all_tensors);
  for (const TensorRow& t : c->tensors)
    c->stats.chunks_total += static_cast<int64_t>(chunk_spans(t.dtype, t.n_elements).size());
  c->stats.chunks_skipped = c->stats.chunks_total - static_cast<int64_t>(c->chunks.size());
  c->eof = false;
  c->chunk_pos = 0;
  if (c->chunks.empty()) {
    c->eof = true;
  } else {
    load_chunk(c);
    settle(c);
  }
  publish_scan_stats(c->db, c->stats);
}

void next(WeightsCursor* c) {
  ++c->pos;
  ++c->stats.rows;
  settle(c);
  if (c->eof) publish_scan_stats(c->db, c->stats);
}

void column(const WeightsCursor* c, sqlite3_context* ctx, int col) {
  const Chunk& ch = c->chunks[c->chunk_pos];
  const TensorRow& t = c->tensors[ch.tensor];
  switch (col) {
    // The strings live in the cursor until the next xFilter or xClose.
    case kModel: sqlite3_result_text(ctx, c->model_names[ch.tensor].c_str(), -1, SQLITE_STATIC); break;
    case kTensor: sqlite3_result_text(ctx, t.name.c_str(), -1, SQLITE_STATIC); break;
    case kLayer: if (t.layer) sqlite3_result_int64(ctx, *t.layer); else sqlite3_result_null(ctx); break;
    case kKind: sqlite3_result_text(ctx, t.kind.c_str(), -1, SQLITE_STATIC); break;
    case kIdx: sqlite3_result_int64(ctx, static_cast<int64_t>(ch.elem_start + c->pos)); break;
    case kValue: sqlite3_result_double(ctx, c->values[c->pos]); break;
    case kImportance: {
      double imp = importance(c);
      if (std::isnan(imp)) sqlite3_result_null(ctx); else sqlite3_result_double(ctx, imp);
      break;
    }
    case kMeta: sqlite3_result_int64(ctx, t.layer ? *t.layer : -1); break;
    case kMethod: sqlite3_result_text(ctx, c->method.c_str(), -1, SQLITE_TRANSIENT); break;
  }
}

sqlite3_int64 rowid(const WeightsCursor* c) {
  const Chunk& ch = c->chunks[c->chunk_pos];
  // Unique within one scan: tensor id in the high bits, element index in the low 40.
  return (c->tensors[ch.tensor].id << 40) | static_cast<int64_t>(ch.elem_start + c->pos);
}

struct WeightsTable {
  static constexpr const char* kName = "weights";
  static constexpr const char* kSchema =
      "CREATE TABLE x(model TEXT, tensor TEXT, layer INTEGER, kind TEXT, idx INTEGER,"
      " value REAL, importance REAL, meta INTEGER, method TEXT HIDDEN)";
  static int best_index(sqlite3_index_info& info) { return hart::best_index(&info); }
  class Cursor {
   public:
    explicit Cursor(const VtabContext& ctx) { c_.db = ctx.db; }
    void filter(int mask, const char* plan, int, sqlite3_value** argv) { hart::filter(&c_, mask, plan, argv); }
    void next() { hart::next(&c_); }
    bool eof() const { return c_.eof; }
    void column(sqlite3_context* ctx, int col) const { hart::column(&c_, ctx, col); }
    sqlite3_int64 rowid() const { return hart::rowid(&c_); }

   private:
    WeightsCursor c_;
  };
};

}  // namespace

const sqlite3_module* weights_module() { return vtab_module<WeightsTable>(); }

}  // namespace hart
