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
#include "sql/surface.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/vtab.h"
#include "store/database.h"
#include "store/tensor_data.h"
#include "util/error.h"

namespace hart {
namespace {

enum Col { kModel, kTensor, kLayer, kKind, kDtype, kShape, kCount, kMin, kMax, kMean, kStd,
           kMeanAbs, kMaxAbs, kZeroFraction, kNanCount, kHistogram, kModelFilter, kBins };
constexpr int kDefaultBins = 20;
constexpr int kMaxBins = 100000;

std::string histogram_json(sqlite3* db, int64_t tensor_id, int bins);

struct TensorStatsTable {
  static constexpr const char* kName = "tensor_stats";
  static constexpr const char* kSchema =
      "CREATE TABLE x(model TEXT, tensor TEXT, layer INTEGER, kind TEXT, dtype TEXT, shape TEXT,"
      " count INTEGER, min REAL, max REAL, mean REAL, std REAL, mean_abs REAL, max_abs REAL,"
      " zero_fraction REAL, nan_count INTEGER, histogram TEXT, model_filter HIDDEN, bins HIDDEN)";

  static int best_index(sqlite3_index_info& info) {
    int model = -1, bins = -1;
    for (int i = 0; i < info.nConstraint; ++i) {
      const auto& c = info.aConstraint[i];
      if (!c.usable || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
      if ((c.iColumn == kModelFilter || c.iColumn == kModel) && model < 0) model = i;
      if (c.iColumn == kBins) bins = i;
    }
    int argc = 0;
    info.idxNum = 0;
    if (model >= 0) {
      info.aConstraintUsage[model].argvIndex = ++argc;
      info.aConstraintUsage[model].omit = info.aConstraint[model].iColumn == kModelFilter;
      info.idxNum |= 1;
    }
    if (bins >= 0) {
      info.aConstraintUsage[bins].argvIndex = ++argc;
      info.aConstraintUsage[bins].omit = 1;
      info.idxNum |= 2;
    }
    info.estimatedCost = model >= 0 ? 100 : 10000;
    return SQLITE_OK;
  }

  class Cursor {
   public:
    explicit Cursor(const VtabContext& ctx) : db_(ctx.db) {}
    void filter(int plan, const char*, int, sqlite3_value** argv) {
      int k = 0;
      const bool filtered = plan & 1;
      std::string model_filter;
      if (filtered) model_filter = value_text(argv[k++]);
      bins_ = kDefaultBins;
      if (plan & 2) {
        sqlite3_int64 b = sqlite3_value_int64(argv[k++]);
        if (b < 1 || b > kMaxBins)
          throw UsageError("bins must be between 1 and " + std::to_string(kMaxBins) + ", got " + std::to_string(b));
        bins_ = static_cast<int>(b);
      }
      std::string sql =
          "SELECT m.name, t.name, t.layer, t.kind, t.dtype, t.shape, t.n_elements, t.v_min, t.v_max,"
          " t.v_mean, t.v_std, t.mean_abs, t.max_abs, t.zero_fraction, t.nan_count, t.id"
          " FROM tensors t JOIN models m ON m.id = t.model_id";
      if (filtered) sql += " WHERE m.name = ?1";
      sql += " ORDER BY m.id, t.position";
      rows_ = std::make_unique<Stmt>(db_, sql);
      if (filtered) rows_->bind(1, model_filter);
      eof_ = !rows_->step();
    }
    void next() { eof_ = !rows_->step(); }
    bool eof() const { return eof_; }
    void column(sqlite3_context* ctx, int col) {
      sqlite3_stmt* st = rows_->raw();
      if (col <= kNanCount) {
        sqlite3_result_value(ctx, sqlite3_column_value(st, col));
      } else if (col == kHistogram) {
        std::string h = histogram_json(db_, sqlite3_column_int64(st, 15), bins_);
        sqlite3_result_text(ctx, h.c_str(), -1, SQLITE_TRANSIENT);
      } else if (col == kModelFilter) {
        sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
      } else if (col == kBins) {
        sqlite3_result_int(ctx, bins_);
      }
    }
    sqlite3_int64 rowid() const { return sqlite3_column_int64(rows_->raw(), 15); }

   private:
    sqlite3* db_;
    std::unique_ptr<Stmt> rows_;
    bool eof_ = true;
    int bins_ = kDefaultBins;
  };
};

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

}  // namespace

const sqlite3_module* tensor_stats_module() { return vtab_module<TensorStatsTable>(); }

}  // namespace hart
