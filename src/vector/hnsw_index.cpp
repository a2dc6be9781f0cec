#include "vector/hnsw_index.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <new>
#include <thread>
#include <unordered_set>

#include "util/byte_reader.h"
#include "util/error.h"

// Under AddressSanitizer hnswlib's prefetch hints are compiled out: while linking a new
// element (searchBaseLayer) it reads the slot after a full upper-layer list, up to 3
// bytes past that list's malloc block. glibc's chunk rounding always leaves that much
// slack, so release builds read only their own memory; ASan's exact bounds do not.
#if defined(__SANITIZE_ADDRESS__)
#define NO_MANUAL_VECTORIZATION
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_MANUAL_VECTORIZATION
#endif
#endif

// hnswlib is written to be included by one file of a program: it defines functions and
// function-pointer variables in its namespace, and cpuid(), xgetbv(), AVXCapable() and
// AVX512Capable() at global scope, none inline. Renamed here, namespace and all, so
// another file including hnswlib (the benchmark's raw-hnswlib runner, compiled for
// another instruction set) links beside this library and shares none of its code.
#define hnswlib hart_hnswlib
#define cpuid hart_hnswlib_cpuid
#define xgetbv hart_hnswlib_xgetbv
#define AVXCapable hart_hnswlib_avx_capable
#define AVX512Capable hart_hnswlib_avx512_capable
#include <hnswlib/hnswlib.h>
#undef cpuid
#undef xgetbv
#undef AVXCapable
#undef AVX512Capable
#undef hnswlib

namespace hart::vector {
namespace {

namespace hnswlib = ::hart_hnswlib;
using Hnsw = hnswlib::HierarchicalNSW<float>;
using hnswlib::tableint;

constexpr char kMagic[8] = {'H', 'A', 'R', 'T', 'H', 'N', 'S', 'W'};
constexpr uint32_t kLayoutVersion = 1;      // vectors inline
constexpr uint32_t kGraphOnlyVersion = 2;   // no vectors: the reader is handed them
constexpr uint32_t kNoEntry = 0xFFFFFFFF;
constexpr size_t kMaxEf = size_t{1} << 31;

bool closer(const Neighbor& a, const Neighbor& b) {
  return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
}

// Our Space seen through hnswlib's SpaceInterface: the graph-shaped kernels of the
// Space's path (distance.h), the dimension as their parameter (hnswlib's getDataByLabel
// also reads it there).
class KernelSpace final : public hnswlib::SpaceInterface<float> {
 public:
  explicit KernelSpace(const Space& s) : dim_(s.dim()) {
    const DistanceKernels& k = distance_kernels(s.path());
    func_ = s.metric() == Metric::L2 ? k.l2_squared_graph : k.one_minus_dot_graph;
  }
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return func_; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
  hnswlib::DISTFUNC<float> func_;
};

std::string range_error(const char* what, uint64_t value, uint64_t lo, uint64_t hi) {
  return std::string("hnsw index: ") + what + " " + std::to_string(value) + " is outside " + std::to_string(lo) +
         ".." + std::to_string(hi);
}

void check_id(int64_t id) {
  if (id < 0)
    throw UsageError("hnsw index: id " + std::to_string(id) + " is outside 0.." +
                     std::to_string(std::numeric_limits<int64_t>::max()) + " (ids are hnswlib labels)");
}

}  // namespace

void HnswParams::validate() const {
  if (M < kMinM || M > kMaxM) throw UsageError(range_error("M", M, kMinM, kMaxM));
  if (ef_construction < 1 || ef_construction > kMaxEf)
    throw UsageError(range_error("ef_construction", ef_construction, 1, kMaxEf));
  if (ef_search < 1 || ef_search > kMaxEf) throw UsageError(range_error("ef_search", ef_search, 1, kMaxEf));
}

struct HnswIndex::Graph {
  Space space;
  HnswParams params;
  KernelSpace kernels;  // declared before h: h keeps pointers into it
  std::unique_ptr<Hnsw> h;

  Graph(const Space& s, const HnswParams& p, size_t capacity) : space(s), params(p), kernels(s) {
    params.validate();
    if (capacity > kMaxElements) throw UsageError(range_error("capacity", capacity, 0, kMaxElements));
    h = std::make_unique<Hnsw>(&kernels, std::max<size_t>(capacity, 1), p.M, p.ef_construction, p.seed);
  }
};

HnswIndex::HnswIndex(const Space& space, HnswParams params, size_t capacity)
    : g_(std::make_unique<Graph>(space, params, capacity)) {}
HnswIndex::HnswIndex(std::unique_ptr<Graph> g) : g_(std::move(g)) {}
HnswIndex::~HnswIndex() = default;

const Space& HnswIndex::space() const { return g_->space; }
const HnswParams& HnswIndex::params() const { return g_->params; }
size_t HnswIndex::size() const { return g_->h->cur_element_count - g_->h->num_deleted_; }
size_t HnswIndex::elements() const { return g_->h->cur_element_count; }
size_t HnswIndex::capacity() const { return g_->h->max_elements_; }

void HnswIndex::reserve(size_t n) {
  if (n > kMaxElements) throw UsageError(range_error("capacity", n, 0, kMaxElements));
  if (n > g_->h->max_elements_) g_->h->resizeIndex(n);
}

void HnswIndex::set_ef_search(size_t ef) {
  if (ef < 1 || ef > kMaxEf) throw UsageError(range_error("ef_search", ef, 1, kMaxEf));
  g_->params.ef_search = ef;
}

bool HnswIndex::contains(int64_t id) const {
  if (id < 0) return false;
  const Hnsw& h = *g_->h;
  auto it = h.label_lookup_.find(static_cast<hnswlib::labeltype>(id));
  return it != h.label_lookup_.end() && !h.isMarkedDeleted(it->second);
}

void HnswIndex::add(int64_t id, std::span<const float> v) {
  check_id(id);
  Hnsw& h = *g_->h;
  const auto label = static_cast<hnswlib::labeltype>(id);
  auto it = h.label_lookup_.find(label);
  if (it != h.label_lookup_.end() && !h.isMarkedDeleted(it->second))
    throw UsageError("vector index: id " + std::to_string(id) + " is already stored");
  std::vector<float> row(g_->space.dim());
  g_->space.prepare(v, row.data(), "vector " + std::to_string(id));
  // A removed id comes back through hnswlib's update path and needs no new element.
  if (it == h.label_lookup_.end() && h.cur_element_count == h.max_elements_)
    reserve(std::min(kMaxElements, std::max<size_t>(1024, h.max_elements_ * 2)));
  h.addPoint(row.data(), label);
}

void HnswIndex::add_batch(std::span<const int64_t> ids, std::span<const float> rows, unsigned threads) {
  const size_t dim = g_->space.dim(), n = ids.size();
  if (rows.size() / dim != n || rows.size() % dim != 0)
    throw UsageError("hnsw index: add_batch got " + std::to_string(rows.size()) + " values for " + std::to_string(n) +
                     " ids of " + std::to_string(dim) + " dimensions (" + std::to_string(n * dim) + " expected)");
  Hnsw& h = *g_->h;
  // Everything checked first, so a refused batch leaves the index as it was.
  std::unordered_set<int64_t> seen;
  seen.reserve(n);
  size_t fresh = 0;
  std::vector<float> scratch(dim);
  for (size_t i = 0; i < n; ++i) {
    check_id(ids[i]);
    if (!seen.insert(ids[i]).second)
      throw UsageError("hnsw index: id " + std::to_string(ids[i]) + " appears twice in the batch");
    if (contains(ids[i])) throw UsageError("vector index: id " + std::to_string(ids[i]) + " is already stored");
    if (!h.label_lookup_.count(static_cast<hnswlib::labeltype>(ids[i]))) ++fresh;
    g_->space.prepare(rows.subspan(i * dim, dim), scratch.data(), "vector " + std::to_string(ids[i]));
  }
  if (h.cur_element_count + fresh > h.max_elements_) reserve(h.cur_element_count + fresh);

  auto insert = [&](size_t i, float* buf) {
    g_->space.prepare(rows.subspan(i * dim, dim), buf, "vector");
    h.addPoint(buf, static_cast<hnswlib::labeltype>(ids[i]));
  };
  size_t start = 0;
  if (h.cur_element_count == 0 && n > 0) insert(start++, scratch.data());  // the entry point, alone
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, n - start));
  if (threads <= 1) {
    for (size_t i = start; i < n; ++i) insert(i, scratch.data());
    return;
  }
  // hnswlib's addPoint is safe from several threads for distinct labels.
  std::atomic<size_t> next{start};
  std::exception_ptr error;
  std::mutex error_mutex;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      std::vector<float> buf(dim);
      try {
        for (size_t i = next++; i < n; i = next++) insert(i, buf.data());
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    });
  for (std::thread& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

bool HnswIndex::remove(int64_t id) {
  if (!contains(id)) return false;
  Hnsw& h = *g_->h;
  h.markDeletedInternal(h.label_lookup_.at(static_cast<hnswlib::labeltype>(id)));
  return true;
}

std::vector<Neighbor> HnswIndex::search(std::span<const float> query, size_t k) const {
  return search(query, k, g_->params.ef_search);
}

std::vector<Neighbor> HnswIndex::search(std::span<const float> query, size_t k, size_t ef) const {
  if (ef < 1 || ef > kMaxEf) throw UsageError(range_error("ef", ef, 1, kMaxEf));
  const Hnsw& h = *g_->h;
  // The prepared query on the stack when it fits: no allocation per search.
  constexpr size_t kStackDims = 1024;
  float stack[kStackDims];
  std::vector<float> heap(g_->space.dim() > kStackDims ? g_->space.dim() : 0);
  float* q = heap.empty() ? stack : heap.data();
  g_->space.prepare(query, q, "query");
  std::vector<Neighbor> out;
  if (k == 0 || size() == 0) return out;

  // hnswlib's searchKnn with ef as an argument rather than the shared setEf() value, so
  // concurrent searches may differ in ef: greedy descent through the upper layers, then
  // hnswlib's layer-0 beam search.
  tableint cur = h.enterpoint_node_;
  float cur_dist = h.fstdistfunc_(q, h.getDataByInternalId(cur), h.dist_func_param_);
  for (int level = h.maxlevel_; level > 0; --level) {
    for (bool moved = true; moved;) {
      moved = false;
      hnswlib::linklistsizeint* list = h.get_linklist(cur, level);
      const tableint* links = list + 1;
      for (size_t i = 0, count = h.getListCount(list); i < count; ++i) {
        float d = h.fstdistfunc_(q, h.getDataByInternalId(links[i]), h.dist_func_param_);
        if (d < cur_dist) {
          cur_dist = d;
          cur = links[i];
          moved = true;
        }
      }
    }
  }
  const size_t width = std::max(ef, k);
  auto top = h.num_deleted_ ? h.searchBaseLayerST<true>(cur, q, width)
                            : h.searchBaseLayerST<false>(cur, q, width);
  out.reserve(top.size());
  for (; !top.empty(); top.pop())
    out.push_back({static_cast<int64_t>(h.getExternalLabel(top.top().second)), top.top().first});
  std::sort(out.begin(), out.end(), closer);  // all width candidates first, so ties at k break by id
  if (out.size() > k) out.resize(k);
  return out;
}

// ---- bytes ------------------------------------------------------------------------

namespace {

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
  const size_t at = out.size();
  out.resize(at + sizeof v);
  std::memcpy(out.data() + at, &v, sizeof v);
}

constexpr size_t kFixedBytes = 72;

}  // namespace

size_t HnswIndex::serialized_bytes() const {
  const Hnsw& h = *g_->h;
  size_t bytes = kFixedBytes;
  for (tableint i = 0; i < h.cur_element_count; ++i) {
    bytes += 8 + 4 + 1 + g_->space.vector_bytes();
    for (int l = 0; l <= h.element_levels_[i]; ++l) bytes += 4 + 4 * size_t{h.getListCount(h.get_linklist_at_level(i, l))};
  }
  return bytes;
}

void HnswIndex::write(std::vector<uint8_t>& out, bool with_vectors) const {
  const Hnsw& h = *g_->h;
  const HnswParams& p = g_->params;
  const size_t n = h.cur_element_count, dim = g_->space.dim();
  out.reserve(out.size() + serialized_bytes());
  out.insert(out.end(), kMagic, kMagic + sizeof kMagic);
  put<uint32_t>(out, with_vectors ? kLayoutVersion : kGraphOnlyVersion);
  put<uint32_t>(out, static_cast<uint32_t>(g_->space.metric()));
  put<uint64_t>(out, dim);
  put<uint64_t>(out, p.M);
  put<uint64_t>(out, p.ef_construction);
  put<uint64_t>(out, p.ef_search);
  put<uint64_t>(out, p.seed);
  put<uint64_t>(out, n);
  put<int32_t>(out, n ? h.maxlevel_ : -1);
  put<uint32_t>(out, n ? h.enterpoint_node_ : kNoEntry);
  for (tableint i = 0; i < n; ++i) {
    put<int64_t>(out, static_cast<int64_t>(h.getExternalLabel(i)));
    put<uint32_t>(out, static_cast<uint32_t>(h.element_levels_[i]));
    put<uint8_t>(out, h.isMarkedDeleted(i) ? 1 : 0);
    for (int l = 0; l <= h.element_levels_[i]; ++l) {
      hnswlib::linklistsizeint* list = h.get_linklist_at_level(i, l);
      const uint32_t count = h.getListCount(list);
      put<uint32_t>(out, count);
      const size_t at = out.size();
      out.resize(at + 4 * size_t{count});
      std::memcpy(out.data() + at, list + 1, 4 * size_t{count});
    }
    if (!with_vectors) continue;
    const size_t at = out.size();
    out.resize(at + dim * sizeof(float));
    std::memcpy(out.data() + at, h.getDataByInternalId(i), dim * sizeof(float));
  }
}

std::unique_ptr<HnswIndex> HnswIndex::read(std::span<const uint8_t> bytes, const Space& space, std::string_view what,
                                           std::span<const float> vectors_by_id) {
  const std::string w(what);
  auto fail = [&](const std::string& msg) { return FormatError(w + ": " + msg); };
  ByteReader r(bytes.data(), bytes.size(), w);
  if (std::memcmp(r.bytes(sizeof kMagic, "magic").data(), kMagic, sizeof kMagic) != 0)
    throw fail("not an HNSW index (its first 8 bytes are not \"HARTHNSW\")");
  const uint32_t version = r.read<uint32_t>("layout version");
  if (version != kLayoutVersion && version != kGraphOnlyVersion)
    throw fail("HNSW layout version " + std::to_string(version) + " is not supported (this build reads " +
               std::to_string(kLayoutVersion) + " and " + std::to_string(kGraphOnlyVersion) + ")");
  const bool inline_vectors = version == kLayoutVersion;
  if (inline_vectors != vectors_by_id.empty())
    throw fail(inline_vectors ? "the graph holds its vectors, but vectors were given too"
                              : "the graph holds no vectors (layout 2) and none were given");
  const uint32_t metric = r.read<uint32_t>("metric");
  if (metric != static_cast<uint32_t>(space.metric()))
    throw fail("metric code " + std::to_string(metric) + " does not match the space's (" +
               std::to_string(static_cast<uint32_t>(space.metric())) + ", " + metric_name(space.metric()) + ")");
  const uint64_t dim = r.read<uint64_t>("dimension");
  if (dim != space.dim())
    throw fail("dimension " + std::to_string(dim) + " does not match the space's " + std::to_string(space.dim()));
  HnswParams p;
  p.M = r.read<uint64_t>("M");
  p.ef_construction = r.read<uint64_t>("ef_construction");
  p.ef_search = r.read<uint64_t>("ef_search");
  p.seed = r.read<uint64_t>("seed");
  try {
    p.validate();
  } catch (const UsageError& e) {
    throw fail(e.what());
  }
  const uint64_t n = r.read<uint64_t>("element count");
  const int32_t max_level = r.read<int32_t>("max level");
  const uint32_t entry = r.read<uint32_t>("entry point");
  // Each element takes at least its id, level, flag, one link count and its vector.
  const uint64_t min_element_bytes = 8 + 4 + 1 + 4 + (inline_vectors ? dim * sizeof(float) : 0);
  if (n > kMaxElements || n > r.remaining() / min_element_bytes)
    throw fail("element count " + std::to_string(n) + " is more than the " + std::to_string(r.remaining()) +
               " bytes left can hold (at least " + std::to_string(min_element_bytes) + " each; at most " +
               std::to_string(kMaxElements) + ")");
  if (n == 0 ? (max_level != -1 || entry != kNoEntry)
             : (max_level < 0 || max_level > kMaxLevel || entry >= n))
    throw fail("max level " + std::to_string(max_level) + " and entry point " + std::to_string(entry) +
               " are invalid for " + std::to_string(n) + " elements (level 0.." + std::to_string(kMaxLevel) +
               ", entry below the element count; -1 and 0xFFFFFFFF when empty)");

  auto g = std::make_unique<Graph>(space, p, static_cast<size_t>(n));
  Hnsw& h = *g->h;
  for (tableint i = 0; i < n; ++i) {
    const std::string el = "element " + std::to_string(i);
    const int64_t id = r.read<int64_t>("id");
    if (id < 0) throw fail(el + ": id " + std::to_string(id) + " is negative");
    if (!h.label_lookup_.emplace(static_cast<hnswlib::labeltype>(id), i).second)
      throw fail(el + ": id " + std::to_string(id) + " appears twice (first at element " +
                 std::to_string(h.label_lookup_[static_cast<hnswlib::labeltype>(id)]) + ")");
    const uint32_t level = r.read<uint32_t>("level");
    if (level > static_cast<uint32_t>(max_level))
      throw fail(el + ": level " + std::to_string(level) + " is above the max level " + std::to_string(max_level));
    const uint8_t deleted = r.read<uint8_t>("deleted flag");
    if (deleted > 1) throw fail(el + ": deleted flag " + std::to_string(deleted) + " is neither 0 nor 1");

    // Counted in only once its memory is set, so the destructor frees exactly what exists.
    std::memset(h.data_level0_memory_ + size_t{i} * h.size_data_per_element_, 0, h.size_data_per_element_);
    h.element_levels_[i] = 0;
    h.cur_element_count = size_t{i} + 1;
    if (level > 0) {
      const size_t list_bytes = h.size_links_per_element_ * level + 1;
      h.linkLists_[i] = static_cast<char*>(std::malloc(list_bytes));
      if (!h.linkLists_[i]) throw std::bad_alloc();
      std::memset(h.linkLists_[i], 0, list_bytes);
      h.element_levels_[i] = static_cast<int>(level);
    }
    for (uint32_t l = 0; l <= level; ++l) {
      const uint32_t count = r.read<uint32_t>("link count");
      const size_t limit = l == 0 ? h.maxM0_ : h.maxM_;
      if (count > limit)
        throw fail(el + ": layer " + std::to_string(l) + " has " + std::to_string(count) + " links, at most " +
                   std::to_string(limit) + (l == 0 ? " (2M)" : " (M)") + " allowed");
      std::string_view raw = r.bytes(4 * uint64_t{count}, "links");
      hnswlib::linklistsizeint* list = h.get_linklist_at_level(i, static_cast<int>(l));
      h.setListCount(list, static_cast<unsigned short>(count));
      std::memcpy(list + 1, raw.data(), raw.size());
      for (uint32_t j = 0; j < count; ++j)
        if (list[1 + j] >= n)
          throw fail(el + ": layer " + std::to_string(l) + " link " + std::to_string(j) + " names element " +
                     std::to_string(list[1 + j]) + ", outside 0.." + std::to_string(n - 1));
    }
    h.setExternalLabel(i, static_cast<hnswlib::labeltype>(id));
    if (deleted) h.markDeletedInternal(i);
    float* row = reinterpret_cast<float*>(h.getDataByInternalId(i));
    if (inline_vectors) {
      std::string_view values = r.bytes(dim * sizeof(float), "vector");
      std::memcpy(row, values.data(), values.size());
    } else {
      if (static_cast<uint64_t>(id) >= vectors_by_id.size() / dim)
        throw fail(el + ": id " + std::to_string(id) + " has no vector (" + std::to_string(vectors_by_id.size() / dim) +
                   " were given)");
      std::memcpy(row, vectors_by_id.data() + static_cast<size_t>(id) * dim, dim * sizeof(float));
    }
    for (size_t d = 0; d < dim; ++d)
      if (!std::isfinite(row[d])) throw fail(el + " (id " + std::to_string(id) + "): value " + std::to_string(d) + " is not finite");
  }
  if (r.remaining() != 0) throw fail(std::to_string(r.remaining()) + " trailing bytes after the last element");

  // Links may point forward, so levels are checked once all are known: a link on layer l
  // must reach an element that has layer l, or search would read past its lists.
  int top = -1;
  for (tableint i = 0; i < n; ++i) {
    top = std::max(top, h.element_levels_[i]);
    for (int l = 1; l <= h.element_levels_[i]; ++l) {
      hnswlib::linklistsizeint* list = h.get_linklist(i, l);
      for (size_t j = 0, count = h.getListCount(list); j < count; ++j)
        if (h.element_levels_[list[1 + j]] < l)
          throw fail("element " + std::to_string(i) + ": layer " + std::to_string(l) + " links to element " +
                     std::to_string(list[1 + j]) + ", whose level is " + std::to_string(h.element_levels_[list[1 + j]]));
    }
  }
  if (n > 0 && (top != max_level || h.element_levels_[entry] != max_level))
    throw fail("max level " + std::to_string(max_level) + " does not match the elements' (highest " +
               std::to_string(top) + ", entry point " + std::to_string(entry) + " at level " +
               std::to_string(h.element_levels_[entry]) + ")");
  if (n > 0) {
    h.maxlevel_ = max_level;
    h.enterpoint_node_ = entry;
  }
  return std::unique_ptr<HnswIndex>(new HnswIndex(std::move(g)));
}

void HnswIndex::save(const std::string& path) const {
  std::vector<uint8_t> bytes;
  write(bytes);
  IndexFileHeader h;
  h.kind = IndexKind::Hnsw;
  h.metric = g_->space.metric();
  h.element_type = g_->space.element_type();
  h.dim = g_->space.dim();
  h.count = size();
  h.payload_bytes = bytes.size();
  IndexFileWriter w(path, h);
  w.write(bytes.data(), bytes.size());
  w.finish();
}

std::unique_ptr<HnswIndex> HnswIndex::load(const std::string& path, SimdPath kernels) {
  return load(IndexFileReader(path), kernels);
}

std::unique_ptr<HnswIndex> HnswIndex::load(const IndexFileReader& file, SimdPath kernels) {
  const IndexFileHeader& h = file.header();
  if (h.kind != IndexKind::Hnsw)
    throw FormatError(file.path() + ": holds index kind " + std::to_string(static_cast<uint32_t>(h.kind)) +
                      ", not an HNSW index");
  auto index = read(std::span<const uint8_t>(file.payload(), h.payload_bytes),
                    Space(h.metric, h.dim, h.element_type, kernels), file.path());
  if (index->size() != h.count)
    throw FormatError(file.path() + ": the header says " + std::to_string(h.count) + " vectors, the index holds " +
                      std::to_string(index->size()));
  return index;
}

}  // namespace hart::vector
