// HnswIndex: parameters checked, small cases against ExactIndex, recall@10 against
// the ExactIndex oracle for every metric and kernel path and on the shared ANN sets,
// remove(), parallel builds and concurrent searches, and its bytes: round trip, and
// damaged copies refused with the problem named.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

#include "support/test_support.h"
#include "util/error.h"
#include "vector/exact_index.h"
#include "vector/hnsw_index.h"
#include "vector/vecs_reader.h"
#include "vector/vector_test_util.h"

namespace hart::vector {
namespace {

using hart::test::TempDir;
using test::error_of;
using test::runnable_paths;

std::vector<int64_t> ids_of(const std::vector<Neighbor>& r) {
  std::vector<int64_t> ids;
  for (const Neighbor& n : r) ids.push_back(n.id);
  return ids;
}

// n vectors of `dim` around `centres` Gaussian centres: clustered, as real embeddings are.
std::vector<float> clustered(size_t n, size_t dim, size_t centres, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd;
  std::vector<float> c(centres * dim), out(n * dim);
  for (float& x : c) x = nd(rng) * 4;
  for (size_t i = 0; i < n; ++i) {
    const size_t at = rng() % centres;
    for (size_t d = 0; d < dim; ++d) out[i * dim + d] = c[at * dim + d] + nd(rng);
  }
  return out;
}

std::span<const float> row(const std::vector<float>& v, size_t dim, size_t i) {
  return std::span<const float>(v.data() + i * dim, dim);
}

// Recall@k of `index` against the ExactIndex `oracle` over the queries, at ef.
double recall_against(const HnswIndex& index, const ExactIndex& oracle, const std::vector<float>& queries,
                      size_t k, size_t ef) {
  const size_t dim = index.dim(), nq = queries.size() / dim;
  size_t hits = 0, wanted = 0;
  for (size_t q = 0; q < nq; ++q) {
    std::vector<int64_t> truth = ids_of(oracle.search(row(queries, dim, q), k));
    std::vector<int64_t> got = ids_of(index.search(row(queries, dim, q), k, ef));
    for (int64_t id : got) hits += std::find(truth.begin(), truth.end(), id) != truth.end();
    wanted += truth.size();
  }
  return double(hits) / double(wanted);
}

TEST(HnswParams, OutOfRangeValuesAreNamedWithTheirRange) {
  HnswParams p;
  EXPECT_NO_THROW(p.validate());
  p.M = 1;
  EXPECT_EQ(error_of<UsageError>([&] { p.validate(); }), "hnsw index: M 1 is outside 2..256");
  p.M = 257;
  EXPECT_EQ(error_of<UsageError>([&] { HnswIndex(Space(Metric::L2, 4), p); }), "hnsw index: M 257 is outside 2..256");
  p = {};
  p.ef_construction = 0;
  EXPECT_EQ(error_of<UsageError>([&] { p.validate(); }), "hnsw index: ef_construction 0 is outside 1..2147483648");
  p = {};
  p.ef_search = 0;
  EXPECT_EQ(error_of<UsageError>([&] { p.validate(); }), "hnsw index: ef_search 0 is outside 1..2147483648");
  HnswIndex index(Space(Metric::L2, 2));
  EXPECT_EQ(error_of<UsageError>([&] { index.search(std::vector<float>{0, 0}, 1, 0); }),
            "hnsw index: ef 0 is outside 1..2147483648");
  EXPECT_EQ(error_of<UsageError>([&] { index.set_ef_search(0); }), "hnsw index: ef_search 0 is outside 1..2147483648");
}

TEST(HnswIndex, SmallCasesByHand) {
  HnswIndex index(Space(Metric::L2, 2));
  EXPECT_TRUE(index.search(std::vector<float>{0, 0}, 3).empty());
  index.add(10, std::vector<float>{0, 0});
  index.add(11, std::vector<float>{1, 0});
  index.add(12, std::vector<float>{0, 1});  // ties with 11 from the origin
  index.add(5, std::vector<float>{3, 4});
  EXPECT_EQ(index.size(), 4u);
  EXPECT_EQ(index.dim(), 2u);
  EXPECT_EQ(index.search(std::vector<float>{0, 0}, 3), (std::vector<Neighbor>{{10, 0}, {11, 1}, {12, 1}}));
  EXPECT_EQ(ids_of(index.search(std::vector<float>{3, 3}, 10)), (std::vector<int64_t>{5, 11, 12, 10}));
  EXPECT_TRUE(index.search(std::vector<float>{0, 0}, 0).empty());

  EXPECT_TRUE(index.remove(11));
  EXPECT_FALSE(index.remove(11));
  EXPECT_FALSE(index.remove(99));
  EXPECT_FALSE(index.contains(11));
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.elements(), 4u);
  EXPECT_EQ(ids_of(index.search(std::vector<float>{1, 0}, 3)), (std::vector<int64_t>{10, 12, 5}));
  index.add(11, std::vector<float>{9, 9});  // a removed id comes back with its new vector
  EXPECT_EQ(index.size(), 4u);
  EXPECT_EQ(index.search(std::vector<float>{9, 9}, 1), (std::vector<Neighbor>{{11, 0}}));

  EXPECT_EQ(error_of<UsageError>([&] { index.add(12, std::vector<float>{5, 5}); }), "vector index: id 12 is already stored");
  EXPECT_EQ(error_of<UsageError>([&] { index.add(-1, std::vector<float>{5, 5}); }),
            "hnsw index: id -1 is outside 0..9223372036854775807 (ids are hnswlib labels)");
  EXPECT_EQ(error_of<UsageError>([&] { index.add(13, std::vector<float>{5}); }),
            "vector 13: has 1 values, the space has 2 dimensions");
  EXPECT_EQ(index.size(), 4u);  // refused adds leave nothing behind
  EXPECT_EQ(error_of<UsageError>([&] { index.search(std::vector<float>{1, 2, 3}, 1); }),
            "query: has 3 values, the space has 2 dimensions");
}

// Every metric on every kernel path, against ExactIndex in the same space: recall@10
// at ef 64 (inner product: 400), and the distances reported are the space's.
TEST(HnswIndex, RecallAgainstExactForEveryMetricAndPath) {
  const size_t dim = 48, n = 3000, nq = 100, k = 10, ef = 64, ef_ip = 400;
  std::vector<float> base = clustered(n, dim, 30, 1), queries = clustered(nq, dim, 30, 2);
  for (SimdPath p : runnable_paths())
    for (Metric m : {Metric::L2, Metric::InnerProduct, Metric::Cosine}) {
      Space space(m, dim, ElementType::F32, p);
      HnswIndex index(space);
      ExactIndex oracle(space);
      for (size_t i = 0; i < n; ++i) {
        index.add(int64_t(i), row(base, dim, i));
        oracle.add(int64_t(i), row(base, dim, i));
      }
      // Inner product is not a metric (a vector need not be its own nearest): HNSW's graph
      // serves it worse, and it needs a wider search for the same recall.
      const size_t width = m == Metric::InnerProduct ? ef_ip : ef;
      const double r = recall_against(index, oracle, queries, k, width);
      std::printf("%s, %s kernels: recall@10 = %.4f at ef %zu\n", metric_name(m), simd_path_name(p), r, width);
      EXPECT_GE(r, 0.95) << metric_name(m) << " " << simd_path_name(p);
      // Each distance reported is the space's own between the query and that vector.
      std::vector<float> q(dim);
      space.prepare(row(queries, dim, 0), q.data(), "query");
      std::vector<Neighbor> a = index.search(row(queries, dim, 0), k);
      ASSERT_EQ(a.size(), k);
      for (const Neighbor& nb : a) EXPECT_EQ(nb.distance, space.distance(q.data(), oracle.find(nb.id))) << nb.id;
    }
}

// Recall@10 on a shared set against the ExactIndex oracle at ef 64: built one vector at
// a time, and with add_batch on two threads.
void expect_recall_on_shared_set(const std::vector<float>& base, size_t dim, const std::vector<float>& queries) {
  const size_t n = base.size() / dim, k = 10, ef = 64;
  Space space(Metric::L2, dim);
  ExactIndex oracle(space);
  for (size_t i = 0; i < n; ++i) oracle.add(int64_t(i), row(base, dim, i));
  HnswIndex serial(space), parallel(space);
  for (size_t i = 0; i < n; ++i) serial.add(int64_t(i), row(base, dim, i));
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = int64_t(i);
  parallel.add_batch(ids, base, 2);
  EXPECT_EQ(parallel.size(), n);
  for (const HnswIndex* index : {&serial, &parallel}) {
    const double r = recall_against(*index, oracle, queries, k, ef);
    std::printf("%s build: recall@10 = %.4f at ef %zu over %zu queries\n", index == &serial ? "serial" : "2-thread", r,
                ef, queries.size() / dim);
    EXPECT_GE(r, 0.95);
  }
}

TEST(HnswIndex, RecallOnBigann10k) {
  HART_REQUIRE_SHARED(base, "ann-bigann10k/bigann10k_base.bvecs");
  HART_REQUIRE_SHARED(query, "ann-bigann10k/bigann10k_query.bvecs");
  VecsData<uint8_t> b = read_bvecs(base), q = read_bvecs(query);
  expect_recall_on_shared_set(to_float(b), b.dim, to_float(q));
}

TEST(HnswIndex, RecallOnFashionMnistSmall) {
  HART_REQUIRE_SHARED(base, "ann-fmnistsmall/fmnistsmall_base.fvecs");
  HART_REQUIRE_SHARED(query, "ann-fmnistsmall/fmnistsmall_query.fvecs");
  VecsData<float> b = read_fvecs(base), q = read_fvecs(query);
  expect_recall_on_shared_set(b.values, b.dim, q.values);
}

TEST(HnswIndex, RemovedIdsAreNeverReturned) {
  const size_t dim = 16, n = 2000, k = 10;
  std::vector<float> base = clustered(n, dim, 20, 3), queries = clustered(50, dim, 20, 4);
  Space space(Metric::L2, dim);
  HnswIndex index(space);
  ExactIndex oracle(space);
  for (size_t i = 0; i < n; ++i) {
    index.add(int64_t(i), row(base, dim, i));
    oracle.add(int64_t(i), row(base, dim, i));
  }
  for (int64_t id = 0; id < int64_t(n); id += 3) {
    EXPECT_TRUE(index.remove(id));
    EXPECT_TRUE(oracle.remove(id));
  }
  EXPECT_FALSE(index.remove(0));
  EXPECT_EQ(index.size(), oracle.size());
  for (size_t q = 0; q < 50; ++q)
    for (int64_t id : ids_of(index.search(row(queries, dim, q), k))) EXPECT_NE(id % 3, 0) << id;
  EXPECT_GE(recall_against(index, oracle, queries, k, 64), 0.95);
}

TEST(HnswIndex, AddBatchChecksEverythingFirst) {
  const size_t dim = 8;
  HnswIndex index(Space(Metric::Cosine, dim));
  std::vector<float> rows = clustered(100, dim, 4, 5);
  std::vector<int64_t> ids(100);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = int64_t(i) * 2;
  ids[70] = ids[10];
  EXPECT_EQ(error_of<UsageError>([&] { index.add_batch(ids, rows, 2); }), "hnsw index: id 20 appears twice in the batch");
  ids[70] = 140;
  rows[55 * dim + 3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(error_of<UsageError>([&] { index.add_batch(ids, rows, 2); }), "vector 110: value 3 is not finite (nan)");
  rows[55 * dim + 3] = 0;
  EXPECT_EQ(error_of<UsageError>([&] { index.add_batch(ids, std::span<const float>(rows).first(99 * dim), 2); }),
            "hnsw index: add_batch got 792 values for 100 ids of 8 dimensions (800 expected)");
  EXPECT_EQ(index.size(), 0u);
  index.add_batch(ids, rows, 2);
  EXPECT_EQ(index.size(), 100u);
  EXPECT_EQ(error_of<UsageError>([&] { index.add_batch(std::vector<int64_t>{4}, row(rows, dim, 0), 1); }),
            "vector index: id 4 is already stored");
  EXPECT_EQ(index.search(row(rows, dim, 33), 1)[0].id, 66);
}

TEST(HnswIndex, ConcurrentSearchesGiveTheSerialAnswers) {
  const size_t dim = 32, n = 3000, nq = 200;
  std::vector<float> base = clustered(n, dim, 20, 6), queries = clustered(nq, dim, 20, 7);
  HnswIndex index(Space(Metric::L2, dim));
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = int64_t(i);
  index.add_batch(ids, base, 2);
  std::vector<std::vector<Neighbor>> serial(nq), threaded(nq);
  for (size_t q = 0; q < nq; ++q) serial[q] = index.search(row(queries, dim, q), 10, 16 + q % 64);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      for (size_t q = t; q < nq; q += 4) threaded[q] = index.search(row(queries, dim, q), 10, 16 + q % 64);
    });
  for (std::thread& th : pool) th.join();
  EXPECT_EQ(serial, threaded);
}

// ---- bytes ------------------------------------------------------------------------

class HnswIndexBytes : public ::testing::Test {
 protected:
  void SetUp() override {
    base = clustered(n, dim, 10, 8);
    for (size_t i = 0; i < n; ++i) index.add(int64_t(i) * 5 + 1, row(base, dim, i));
    index.remove(6);
    index.remove(51);
    index.write(bytes);
  }
  std::string read_error(const std::vector<uint8_t>& damaged) {
    return error_of<FormatError>([&] { HnswIndex::read(damaged, space, "test bytes"); });
  }
  template <typename T>
  void poke(std::vector<uint8_t>& b, size_t at, T v) {
    std::memcpy(b.data() + at, &v, sizeof v);
  }
  template <typename T>
  T peek(size_t at) const {
    T v;
    std::memcpy(&v, bytes.data() + at, sizeof v);
    return v;
  }

  static constexpr size_t dim = 12, n = 300;
  // Element 0 starts after the 72 fixed bytes: id, level, flag, then its layer-0 links.
  static constexpr size_t kCountAt = 56, kMaxLevelAt = 64, kEntryAt = 68, kElement0 = 72;
  static constexpr size_t kLevel0At = kElement0 + 8, kLinks0At = kElement0 + 17;
  Space space{Metric::Cosine, dim};
  HnswIndex index{space, HnswParams{.M = 6, .ef_construction = 50, .ef_search = 20, .seed = 9}};
  std::vector<float> base;
  std::vector<uint8_t> bytes;
};

TEST_F(HnswIndexBytes, RoundTripGivesIdenticalSearches) {
  EXPECT_EQ(bytes.size(), index.serialized_bytes());
  for (SimdPath p : runnable_paths()) {
    std::unique_ptr<HnswIndex> back = HnswIndex::read(bytes, Space(Metric::Cosine, dim, ElementType::F32, p));
    EXPECT_EQ(back->size(), n - 2);
    EXPECT_EQ(back->params().M, 6u);
    EXPECT_EQ(back->params().ef_search, 20u);
    EXPECT_FALSE(back->contains(6));
    EXPECT_TRUE(back->contains(11));
    for (size_t q = 0; q < n; q += 7) {
      std::vector<Neighbor> a = index.search(row(base, dim, q), 10), b = back->search(row(base, dim, q), 10);
      if (p == index.space().path()) EXPECT_EQ(a, b);  // the same kernels: bit for bit
      else EXPECT_EQ(ids_of(a), ids_of(b));
    }
    std::vector<uint8_t> again;
    back->write(again);
    EXPECT_EQ(again, bytes);
    back->add(100000, row(base, dim, 3));  // and it keeps growing
    EXPECT_EQ(back->search(row(base, dim, 3), 2).size(), 2u);
  }
  HnswIndex empty(space);
  std::vector<uint8_t> none;
  empty.write(none);
  EXPECT_EQ(HnswIndex::read(none, space)->size(), 0u);
}

// Layout 2 leaves the vectors out for a caller that stores them anyway (a collection's
// segment): the reader takes them by id and checks there is one for every element.
TEST_F(HnswIndexBytes, GraphOnlyBytesTakeTheirVectorsFromTheCaller) {
  std::vector<uint8_t> graph;
  index.write(graph, /*with_vectors=*/false);
  EXPECT_EQ(graph.size(), bytes.size() - n * dim * sizeof(float));
  const size_t ids = (n - 1) * 5 + 2;  // ids are i * 5 + 1
  std::vector<float> by_id(ids * dim, 0.0f);
  for (size_t i = 0; i < n; ++i) space.prepare(row(base, dim, i), by_id.data() + (i * 5 + 1) * dim, "row");
  std::unique_ptr<HnswIndex> back = HnswIndex::read(graph, space, "graph", by_id);
  for (size_t q = 0; q < n; q += 7) EXPECT_EQ(index.search(row(base, dim, q), 10), back->search(row(base, dim, q), 10));
  EXPECT_THAT(read_error(graph), testing::HasSubstr("test bytes: the graph holds no vectors (layout 2) and none were given"));
  EXPECT_THAT(error_of<FormatError>([&] { HnswIndex::read(bytes, space, "v1", by_id); }),
              testing::HasSubstr("v1: the graph holds its vectors, but vectors were given too"));
  const std::vector<float> too_few(by_id.begin(), by_id.begin() + 100 * dim);
  EXPECT_THAT(error_of<FormatError>([&] { HnswIndex::read(graph, space, "short", too_few); }),
              testing::HasSubstr("has no vector (100 were given)"));
}

TEST_F(HnswIndexBytes, IndexFileRoundTrip) {
  TempDir dir;
  index.save(dir.file("h.idx"));
  std::unique_ptr<VectorIndex> any = load_vector_index(dir.file("h.idx"));
  EXPECT_EQ(any->size(), n - 2);
  EXPECT_EQ(any->space().metric(), Metric::Cosine);
  EXPECT_EQ(any->search(row(base, dim, 40), 5), index.search(row(base, dim, 40), 5));
  EXPECT_NE(dynamic_cast<HnswIndex*>(any.get()), nullptr);
  EXPECT_NE(error_of<FormatError>([&] { ExactIndex::load(dir.file("h.idx")); }).find("not an exact index"),
            std::string::npos);
  ExactIndex exact(space);
  exact.save(dir.file("e.idx"));
  EXPECT_NE(error_of<FormatError>([&] { HnswIndex::load(dir.file("e.idx")); }).find("not an HNSW index"),
            std::string::npos);
}

TEST_F(HnswIndexBytes, EveryTruncationIsRefused) {
  for (size_t keep = 0; keep < bytes.size(); keep += (keep < 200 ? 1 : 97)) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + keep);
    EXPECT_FALSE(read_error(cut).empty()) << keep;
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(read_error(longer), "test bytes: 1 trailing bytes after the last element");
}

TEST_F(HnswIndexBytes, DamagedFieldsAreNamed) {
  auto damaged = [&](auto&& change) {
    std::vector<uint8_t> b = bytes;
    change(b);
    return read_error(b);
  };
  EXPECT_EQ(damaged([&](auto& b) { b[0] = 'X'; }), "test bytes: not an HNSW index (its first 8 bytes are not \"HARTHNSW\")");
  EXPECT_EQ(error_of<FormatError>([&] { HnswIndex::read(bytes, Space(Metric::L2, dim)); }),
            "hnsw index: metric code 3 does not match the space's (1, l2)");
  EXPECT_EQ(error_of<FormatError>([&] { HnswIndex::read(bytes, Space(Metric::Cosine, dim + 1)); }),
            "hnsw index: dimension 12 does not match the space's 13");
  EXPECT_EQ(damaged([&](auto& b) { poke<uint64_t>(b, 24, 0); }), "test bytes: hnsw index: M 0 is outside 2..256");
  // A flipped element count: far more than the bytes can hold, refused before allocating.
  EXPECT_NE(damaged([&](auto& b) { poke<uint64_t>(b, kCountAt, uint64_t{1} << 40); }).find("element count 1099511627776 is more than"),
            std::string::npos);
  EXPECT_NE(damaged([&](auto& b) { poke<uint64_t>(b, kCountAt, n + 1); }).find("truncated"), std::string::npos);
  EXPECT_NE(damaged([&](auto& b) { poke<uint32_t>(b, kEntryAt, n); }).find("entry point 300 are invalid"), std::string::npos);
  EXPECT_NE(damaged([&](auto& b) { poke<int32_t>(b, kMaxLevelAt, 65); }).find("max level 65"), std::string::npos);
  // An out-of-range neighbour on element 0's layer 0.
  ASSERT_GT(peek<uint32_t>(kLinks0At - 4), 0u);
  EXPECT_EQ(damaged([&](auto& b) { poke<uint32_t>(b, kLinks0At, 5000); }),
            "test bytes: element 0: layer 0 link 0 names element 5000, outside 0..299");
  EXPECT_EQ(damaged([&](auto& b) { poke<uint32_t>(b, kLinks0At - 4, 13); }),
            "test bytes: element 0: layer 0 has 13 links, at most 12 (2M) allowed");
  EXPECT_NE(damaged([&](auto& b) { poke<uint32_t>(b, kLevel0At, 60); }).find("element 0: level 60 is above the max level"),
            std::string::npos);
  EXPECT_EQ(damaged([&](auto& b) { b[kElement0 + 12] = 7; }), "test bytes: element 0: deleted flag 7 is neither 0 nor 1");
  EXPECT_EQ(damaged([&](auto& b) { poke<int64_t>(b, kElement0, -3); }), "test bytes: element 0: id -3 is negative");
  // Element 1's id made element 0's.
  const size_t e1 = kLinks0At + 4 * peek<uint32_t>(kLinks0At - 4) + 4 * dim;
  ASSERT_EQ(peek<uint32_t>(kLevel0At), 0u);  // element 0 has layer 0 only (checked: the offset above assumes it)
  EXPECT_EQ(damaged([&](auto& b) { poke<int64_t>(b, e1, 1); }), "test bytes: element 1: id 1 appears twice (first at element 0)");
  EXPECT_NE(damaged([&](auto& b) { poke<float>(b, e1 - 4, std::numeric_limits<float>::infinity()); }).find("value 11 is not finite"),
            std::string::npos);
}

// An upper-layer link to an element whose level does not reach that layer would make
// search read past that element's lists: refused.
TEST_F(HnswIndexBytes, LinksMustReachElementsOnTheirLayer) {
  // Walk the bytes to the entry point (the highest element) and point its top layer's
  // first link at an element of level 0.
  const uint32_t entry = peek<uint32_t>(kEntryAt);
  const int32_t top = peek<int32_t>(kMaxLevelAt);
  ASSERT_GT(top, 0);
  size_t at = kElement0, level0_element = n, link_at = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t level = peek<uint32_t>(at + 8);
    if (level == 0 && level0_element == n) level0_element = i;
    at += 13;
    for (uint32_t l = 0; l <= level; ++l) {
      const uint32_t count = peek<uint32_t>(at);
      if (i == entry && l == level && count > 0) link_at = at + 4;
      at += 4 + 4 * size_t{count};
    }
    at += 4 * dim;
  }
  ASSERT_EQ(at, bytes.size());
  ASSERT_NE(link_at, 0u);
  std::vector<uint8_t> b = bytes;
  poke<uint32_t>(b, link_at, static_cast<uint32_t>(level0_element));
  EXPECT_EQ(read_error(b), "test bytes: element " + std::to_string(entry) + ": layer " + std::to_string(top) +
                               " links to element " + std::to_string(level0_element) + ", whose level is 0");
}

}  // namespace
}  // namespace hart::vector
