// A sealed segment's ANN index: an HNSW graph (vector/hnsw_index.h) over its prepared
// rows, labelled by slot, stored as the segment's part 'hnsw' without its vectors (the
// segment's 'vectors' part has them; they are handed to the reader). Its parameters and byte
// count are kept in the segment row's index_params as JSON, e.g.
// {"m":16,"ef_construction":200,"ef_search":64,"bytes":123456}.
#pragma once
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "search/collection_spec.h"
#include "vector/hnsw_index.h"

namespace hart::search {

constexpr const char* kHnswPart = "hnsw";

// The graph over n prepared rows (slot i = row i), built on every core. When `cancel`
// turns true the build stops early and returns null (a process leaving mid-merge).
std::unique_ptr<vector::HnswIndex> build_hnsw(const vector::Space& space, const AnnParams& params, const float* rows,
                                              size_t n, const std::atomic<bool>* cancel = nullptr);
std::string hnsw_params_json(const AnnParams& params, size_t bytes);
// The byte count recorded by hnsw_params_json; a FormatError naming the text otherwise.
size_t hnsw_bytes_of(const std::string& params_json);

}  // namespace hart::search
