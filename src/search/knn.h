// k-nearest-neighbour search over a collection: the writable segment (always scanned
// exactly) and every sealed segment (exactly, or through its ANN index), with
// tombstones honoured and metadata filters that keep k.
//
// Filters are SQL predicates on the collection's metadata, evaluated by SQLite on
// X_rows (collection_store.h), so they mean exactly what they mean in SQL. How a
// filtered search runs depends on how many rows pass, estimated from a sample of the
// sealed rows or found by reading at most the collection's prefilter_cap of them
// (collection_spec.h):
//   - fewer than that pass ("prefilter"): only those rows are scored, exactly;
//   - more pass, exact and the code and spatial modes: the passing rows are a mask over
//     the scan ("mask");
//   - more pass, ANN mode ("postfilter"): each segment's index is asked for more and
//     more candidates until k of them pass, each checked by SQL; a segment that would
//     need more than a quarter of its rows is scanned exactly ("exact fallback").
// Whichever way, the answer has min(k, rows passing) rows.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "search/collection.h"

namespace hart::search {

// exact: every distance computed; ann: each sealed segment's HNSW graph; int8 and
// binary: a scan of compact codes (vector/quantize.h) keeping k × oversample
// candidates per segment, re-scored exactly; spatial (anchors) and spatial_pca: the
// k rows nearest in the segment's 3-D projection (vector/projection.h), found with
// its R*Tree — the seeds' design, approximate by construction; hybrid and hybrid_pca:
// the k × oversample nearest in 3-D, re-scored exactly. The writable segment is
// always exact.
enum class SearchMode { Auto, Exact, Ann, Int8, Binary, Spatial, SpatialPca, Hybrid, HybridPca };
const char* search_mode_name(SearchMode m);
// The names above; a UsageError listing them otherwise.
SearchMode parse_search_mode(std::string_view name);

// One predicate on a metadata column: `m<column> <op> value`, op as SQL writes it
// ("=", "!=", "<", "<=", ">", ">=", "LIKE", "GLOB", "IS", "IS NOT", "IS NULL", "IS NOT NULL").
struct MetadataFilter {
  size_t column = 0;
  std::string op;
  sqlite3_value* value = nullptr;  // owned by the caller; unused by IS [NOT] NULL
};

constexpr size_t kMaxK = 100000;      // named in errors: k must be 1..kMaxK
constexpr double kDefaultOversample = 4, kMaxOversample = 1000;

struct KnnRequest {
  vector::VectorValue query;
  size_t k = 10;
  SearchMode mode = SearchMode::Auto;
  size_t ef_search = 0;  // 0: the collection's
  double oversample = 0;  // candidates kept per k by the quantized modes; 0: kDefaultOversample
  std::vector<MetadataFilter> filters;
};

struct Hit {
  int64_t rowid;
  float distance;  // as SQL reports it (scorer.h)
};

struct KnnResult {
  std::vector<Hit> hits;     // closest first, ties by rowid
  std::string mode;          // the mode that ran: "exact" or "ann"
  std::string strategy;      // "" without filters; else prefilter, mask, postfilter, exact fallback
  std::string note;          // what went wrong and was mended (a damaged index rebuilt)
  size_t scored = 0;         // distances computed
};

KnnResult knn(Collection& c, const KnnRequest& request);

}  // namespace hart::search
