// HnswIndex::read over arbitrary bytes (the payload SQLite rows hold). The space is
// taken from the bytes' own metric and dimension fields when they are sane, so the
// fuzzer reaches past those checks. What read accepts must search without fault and
// write back to exactly the input.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "util/error.h"
#include "vector/hnsw_index.h"

using namespace hart::vector;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint32_t metric = 1;
  uint64_t dim = 4;
  if (size >= 24) {
    std::memcpy(&metric, data + 12, 4);
    std::memcpy(&dim, data + 16, 8);
  }
  if (metric < 1 || metric > 3) metric = 1;
  if (dim < 1 || dim > 64) dim = 4;
  Space space(static_cast<Metric>(metric), dim, ElementType::F32, hart::SimdPath::Scalar);
  std::unique_ptr<HnswIndex> index;
  try {
    index = HnswIndex::read(std::span<const uint8_t>(data, size), space, "fuzz");
  } catch (const hart::FormatError&) {
    return 0;
  }
  std::vector<uint8_t> back;
  index->write(back);
  if (back.size() != size || std::memcmp(back.data(), data, size) != 0) {
    std::fprintf(stderr, "read accepted %zu bytes but writes back %zu different ones\n", size, back.size());
    std::abort();
  }
  std::vector<float> q(dim, 0.5f);
  std::vector<Neighbor> r = index->search(q, 5, 8);
  if (r.size() > 5 || r.size() > index->size()) std::abort();
  for (const Neighbor& n : r)
    if (!index->contains(n.id)) std::abort();
  return 0;
}
