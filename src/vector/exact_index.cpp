#include "vector/exact_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "util/error.h"
#include "vector/top_k.h"

namespace hart::vector {
namespace {

// Ascending distance, then ascending id: a strict order, so results are deterministic.
bool closer(const Neighbor& a, const Neighbor& b) {
  return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
}

constexpr size_t kBlockRows = 256;  // distances computed per kernel call

}  // namespace

ExactIndex::ExactIndex(const Space& space) : space_(space) {}

void ExactIndex::reserve(size_t n) {
  ids_.reserve(n);
  data_.reserve(n * space_.dim());
  row_of_.reserve(n);
}

void ExactIndex::add(int64_t id, std::span<const float> v) {
  if (row_of_.count(id)) throw UsageError("vector index: id " + std::to_string(id) + " is already stored");
  const size_t dim = space_.dim();
  data_.resize(data_.size() + dim);
  try {
    space_.prepare(v, data_.data() + data_.size() - dim, "vector " + std::to_string(id));
  } catch (...) {
    data_.resize(data_.size() - dim);
    throw;
  }
  row_of_.emplace(id, ids_.size());
  ids_.push_back(id);
}

bool ExactIndex::remove(int64_t id) {
  auto it = row_of_.find(id);
  if (it == row_of_.end()) return false;
  const size_t row = it->second, last = ids_.size() - 1, dim = space_.dim();
  row_of_.erase(it);
  if (row != last) {
    std::memcpy(data_.data() + row * dim, data_.data() + last * dim, dim * sizeof(float));
    ids_[row] = ids_[last];
    row_of_[ids_[row]] = row;
  }
  ids_.pop_back();
  data_.resize(last * dim);
  return true;
}

const float* ExactIndex::find(int64_t id) const {
  auto it = row_of_.find(id);
  return it == row_of_.end() ? nullptr : data_.data() + it->second * space_.dim();
}

std::vector<Neighbor> ExactIndex::search(std::span<const float> query, size_t k) const {
  const size_t dim = space_.dim(), n = ids_.size();
  std::vector<float> q(dim);
  space_.prepare(query, q.data(), "query");
  TopK<Neighbor, decltype(&closer)> best(std::min(k, n), &closer);
  float dist[kBlockRows];
  for (size_t start = 0; start < n; start += kBlockRows) {
    const size_t rows = std::min(kBlockRows, n - start);
    space_.distances(q.data(), data_.data() + start * dim, rows, dist);
    for (size_t i = 0; i < rows; ++i) best.offer({ids_[start + i], dist[i]});
  }
  return std::move(best).sorted();
}

void ExactIndex::save(const std::string& path) const {
  IndexFileHeader h;
  h.kind = IndexKind::Exact;
  h.metric = space_.metric();
  h.element_type = space_.element_type();
  h.dim = space_.dim();
  h.count = ids_.size();
  h.payload_bytes = ids_.size() * sizeof(int64_t) + data_.size() * sizeof(float);
  IndexFileWriter w(path, h);
  w.write(ids_.data(), ids_.size() * sizeof(int64_t));
  w.write(data_.data(), data_.size() * sizeof(float));
  w.finish();
}

ExactIndex ExactIndex::load(const std::string& path, SimdPath kernels) {
  return load(IndexFileReader(path), kernels);
}

ExactIndex ExactIndex::load(const IndexFileReader& file, SimdPath kernels) {
  const IndexFileHeader& h = file.header();
  const std::string& p = file.path();
  if (h.kind != IndexKind::Exact)
    throw FormatError(p + ": holds index kind " + std::to_string(static_cast<uint32_t>(h.kind)) + ", not an exact index");
  // Overflow-free: count rows of (8 + 4 dim) bytes must fill the payload exactly.
  const uint64_t row_bytes = sizeof(int64_t) + h.dim * sizeof(float);
  if (h.count > h.payload_bytes / row_bytes || h.count * row_bytes != h.payload_bytes)
    throw FormatError(p + ": the header says " + std::to_string(h.count) + " vectors of " + std::to_string(h.dim) +
                      " dimensions (" + std::to_string(row_bytes) + " bytes each with its id) but the payload is " +
                      std::to_string(h.payload_bytes) + " bytes");
  ExactIndex index(Space(h.metric, h.dim, h.element_type, kernels));
  const size_t n = h.count, dim = h.dim;
  index.ids_.resize(n);
  std::memcpy(index.ids_.data(), file.payload(), n * sizeof(int64_t));
  index.data_.resize(n * dim);
  std::memcpy(index.data_.data(), file.payload() + n * sizeof(int64_t), n * dim * sizeof(float));
  index.row_of_.reserve(n);
  for (size_t i = 0; i < n; ++i)
    if (!index.row_of_.emplace(index.ids_[i], i).second)
      throw FormatError(p + ": id " + std::to_string(index.ids_[i]) + " appears twice (vectors " +
                        std::to_string(index.row_of_[index.ids_[i]]) + " and " + std::to_string(i) + ")");
  for (size_t i = 0; i < n * dim; ++i)
    if (!std::isfinite(index.data_[i]))
      throw FormatError(p + ": vector " + std::to_string(i / dim) + " (id " + std::to_string(index.ids_[i / dim]) +
                        ") value " + std::to_string(i % dim) + " is not finite");
  return index;
}

}  // namespace hart::vector
