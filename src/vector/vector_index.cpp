#include "vector/vector_index.h"

#include "util/error.h"
#include "vector/exact_index.h"
#include "vector/hnsw_index.h"

namespace hart::vector {

std::unique_ptr<VectorIndex> load_vector_index(const std::string& path) {
  IndexFileReader file(path);
  switch (file.header().kind) {
    case IndexKind::Exact: return std::make_unique<ExactIndex>(ExactIndex::load(file, best_kernel()));
    case IndexKind::Hnsw: return HnswIndex::load(file, best_kernel());
  }
  throw FormatError(path + ": unknown vector index kind");
}

}  // namespace hart::vector
