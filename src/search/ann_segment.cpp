#include "search/ann_segment.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <numeric>

#include "util/error.h"

namespace hart::search {

std::unique_ptr<vector::HnswIndex> build_hnsw(const vector::Space& space, const AnnParams& params, const float* rows,
                                              size_t n, const std::atomic<bool>* cancel) {
  vector::HnswParams p;
  p.M = params.m;
  p.ef_construction = params.ef_construction;
  p.ef_search = params.ef_search;
  auto index = std::make_unique<vector::HnswIndex>(space, p, n);
  std::vector<int64_t> slots(n);
  std::iota(slots.begin(), slots.end(), int64_t{0});
  // Slices, so that a cancel is seen within a fraction of a second.
  constexpr size_t kSlice = 4096;
  for (size_t at = 0; at < n; at += kSlice) {
    if (cancel && cancel->load()) return nullptr;
    const size_t count = std::min(kSlice, n - at);
    index->add_batch(std::span<const int64_t>(slots).subspan(at, count), {rows + at * space.dim(), count * space.dim()}, 0);
  }
  return index;
}

std::string hnsw_params_json(const AnnParams& params, size_t bytes) {
  return nlohmann::json{{"m", params.m}, {"ef_construction", params.ef_construction}, {"ef_search", params.ef_search},
                        {"bytes", bytes}}
      .dump();
}

size_t hnsw_bytes_of(const std::string& params_json) {
  const auto j = nlohmann::json::parse(params_json, nullptr, false);
  if (!j.is_object() || !j.contains("bytes") || !j["bytes"].is_number_unsigned())
    throw FormatError("an HNSW segment's index_params '" + params_json.substr(0, 80) + "' give no byte count");
  return j["bytes"].get<size_t>();
}

}  // namespace hart::search
