// tensor_stats — statistics of every stored tensor, computed during ingestion, and a
// histogram computed from the stored chunks only when the column is asked for.
//
//   SELECT tensor, count, round(mean, 4), round(std, 4), histogram
//     FROM tensor_stats('stories260K', 8) WHERE kind = 'attn_norm';
//   -- blk.0.attn_norm.weight | 64 | 0.7433 | 0.1797 | {"min":..,"max":..,"counts":[...8 bins]}
//
// Schema: model, tensor, layer, kind, dtype, shape, count, min, max, mean, std,
// mean_abs, max_abs, zero_fraction, nan_count, histogram, and the hidden arguments
// model_filter and bins (default 20). Statistics skip NaNs; std is the population
// standard deviation; histogram bins are equal-width over [min, max].
// Plan: bit 0 = model_filter (or model =) given, bit 1 = bins given.
#include "sql/tensor_stats_vtab.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/database.h"
#include "store/tensor_data.h"

namespace hart {
namespace {

enum Col { kModel, kTensor, kLayer, kKind, kDtype, kShape, kCount, kMin, kMax, kMean, kStd,
           kMeanAbs, kMaxAbs, kZeroFraction, kNanCount, kHistogram, kModelFilter, kBins };
constexpr int kDefaultBins = 20;
constexpr int kMaxBins = 100000;

struct StatsVtab {
  sqlite3_vtab base;
  sqlite3* db;
};

struct StatsCursor {
  sqlite3_vtab_cursor base;
  sqlite3* db;
  std::unique_ptr<Stmt> rows;
  bool eof = true;
  int bins = kDefaultBins;
  std::string model_filter;
  bool filtered = false;
};

int sConnect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char**) {
  int rc = sqlite3_declare_vtab(db,
      "CREATE TABLE x(model TEXT, tensor TEXT, layer INTEGER, kind TEXT, dtype TEXT, shape TEXT,"
      " count INTEGER, min REAL, max REAL, mean REAL, std REAL, mean_abs REAL, max_abs REAL,"
      " zero_fraction REAL, nan_count INTEGER, histogram TEXT, model_filter HIDDEN, bins HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  auto* vt = new StatsVtab{};
  vt->db = db;
  *out = &vt->base;
  return SQLITE_OK;
}

int sDisconnect(sqlite3_vtab* vt) {
  delete reinterpret_cast<StatsVtab*>(vt);
  return SQLITE_OK;
}

int sBestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  int model = -1, bins = -1;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if ((c.iColumn == kModelFilter || c.iColumn == kModel) && model < 0) model = i;
    if (c.iColumn == kBins) bins = i;
  }
  int argc = 0;
  info->idxNum = 0;
  if (model >= 0) {
    info->aConstraintUsage[model].argvIndex = ++argc;
    info->aConstraintUsage[model].omit = info->aConstraint[model].iColumn == kModelFilter;
    info->idxNum |= 1;
  }
  if (bins >= 0) {
    info->aConstraintUsage[bins].argvIndex = ++argc;
    info->aConstraintUsage[bins].omit = 1;
    info->idxNum |= 2;
  }
  info->estimatedCost = model >= 0 ? 100 : 10000;
  return SQLITE_OK;
}

int sOpen(sqlite3_vtab* vt, sqlite3_vtab_cursor** out) {
  auto* c = new StatsCursor{};
  c->db = reinterpret_cast<StatsVtab*>(vt)->db;
  *out = &c->base;
  return SQLITE_OK;
}

int sClose(sqlite3_vtab_cursor* cur) {
  delete reinterpret_cast<StatsCursor*>(cur);
  return SQLITE_OK;
}

int fail(sqlite3_vtab_cursor* cur, const std::string& msg) {
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = sqlite3_mprintf("tensor_stats: %s", msg.c_str());
  return SQLITE_ERROR;
}

int sFilter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv) {
  auto* c = reinterpret_cast<StatsCursor*>(cur);
  int k = 0;
  try {
    c->filtered = plan & 1;
    if (c->filtered) {
      const unsigned char* m = sqlite3_value_text(argv[k++]);
      c->model_filter = m ? reinterpret_cast<const char*>(m) : "";
    }
    c->bins = kDefaultBins;
    if (plan & 2) {
      sqlite3_int64 b = sqlite3_value_int64(argv[k++]);
      if (b < 1 || b > kMaxBins)
        return fail(cur, "bins must be between 1 and " + std::to_string(kMaxBins) + ", got " + std::to_string(b));
      c->bins = static_cast<int>(b);
    }
    std::string sql =
        "SELECT m.name, t.name, t.layer, t.kind, t.dtype, t.shape, t.n_elements, t.v_min, t.v_max,"
        " t.v_mean, t.v_std, t.mean_abs, t.max_abs, t.zero_fraction, t.nan_count, t.id"
        " FROM tensors t JOIN models m ON m.id = t.model_id";
    if (c->filtered) sql += " WHERE m.name = ?1";
    sql += " ORDER BY m.id, t.position";
    c->rows = std::make_unique<Stmt>(c->db, sql);
    if (c->filtered) c->rows->bind(1, c->model_filter);
    c->eof = !c->rows->step();
    return SQLITE_OK;
  } catch (const std::exception& e) {
    return fail(cur, e.what());
  }
}

int sNext(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<StatsCursor*>(cur);
  try {
    c->eof = !c->rows->step();
    return SQLITE_OK;
  } catch (const std::exception& e) {
    return fail(cur, e.what());
  }
}

int sEof(sqlite3_vtab_cursor* cur) { return reinterpret_cast<StatsCursor*>(cur)->eof; }

std::string histogram_json(sqlite3* db, int64_t tensor_id, int bins) {
  std::optional<TensorRow> t = tensor_by_id(db, tensor_id);
  Stmt s(db, "SELECT v_min, v_max FROM tensors WHERE id = ?");
  s.bind(1, tensor_id);
  s.step();
  std::vector<int64_t> counts(bins, 0);
  double lo = s.real(0), hi = s.real(1);
  if (t && !s.is_null(0)) {
    double width = (hi - lo) / bins;
    read_tensor_values(db, *t, 0, t->n_elements, [&](uint64_t, const float* v, size_t n) {
      for (size_t i = 0; i < n; ++i) {
        if (v[i] != v[i]) continue;
        int b = width > 0 ? static_cast<int>((v[i] - lo) / width) : 0;
        counts[std::clamp(b, 0, bins - 1)]++;
      }
    });
  }
  nlohmann::ordered_json j = {{"min", lo}, {"max", hi}, {"counts", counts}};
  return j.dump();
}

int sColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = reinterpret_cast<StatsCursor*>(cur);
  sqlite3_stmt* st = c->rows->raw();
  try {
    if (col <= kNanCount) {
      sqlite3_result_value(ctx, sqlite3_column_value(st, col));
    } else if (col == kHistogram) {
      std::string h = histogram_json(c->db, sqlite3_column_int64(st, 15), c->bins);
      sqlite3_result_text(ctx, h.c_str(), -1, SQLITE_TRANSIENT);
    } else if (col == kModelFilter) {
      sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
    } else if (col == kBins) {
      sqlite3_result_int(ctx, c->bins);
    }
    return SQLITE_OK;
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, e.what(), -1);
    return SQLITE_ERROR;
  }
}

int sRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = sqlite3_column_int64(reinterpret_cast<StatsCursor*>(cur)->rows->raw(), 15);
  return SQLITE_OK;
}

sqlite3_module kStatsModule = {
    .iVersion = 0, .xCreate = nullptr, .xConnect = sConnect, .xBestIndex = sBestIndex,
    .xDisconnect = sDisconnect, .xDestroy = nullptr, .xOpen = sOpen, .xClose = sClose,
    .xFilter = sFilter, .xNext = sNext, .xEof = sEof, .xColumn = sColumn, .xRowid = sRowid,
};

}  // namespace

int register_tensor_stats_vtab(sqlite3* db) {
  return sqlite3_create_module(db, "tensor_stats", &kStatsModule, nullptr);
}

}  // namespace hart
