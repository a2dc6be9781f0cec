// ExactIndex: small cases checked by hand, agreement with a double-precision sort on
// random data for every kernel path, the shared ANN ground truth, and its file:
// round trip, and damaged copies refused with the problem named.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "support/test_support.h"
#include "util/error.h"
#include "vector/exact_index.h"
#include "vector/vecs_reader.h"
#include "vector/vector_test_util.h"

namespace hart::vector {
namespace {

using hart::test::read_file;
using hart::test::TempDir;
using hart::test::write_file;
using test::runnable_paths;

std::vector<int64_t> ids_of(const std::vector<Neighbor>& r) {
  std::vector<int64_t> ids;
  for (const Neighbor& n : r) ids.push_back(n.id);
  return ids;
}

TEST(ExactIndex, SmallCasesByHand) {
  ExactIndex index(Space(Metric::L2, 2));
  index.add(10, std::vector<float>{0, 0});
  index.add(11, std::vector<float>{1, 0});
  index.add(12, std::vector<float>{0, 1});   // ties with 11 from the origin
  index.add(-5, std::vector<float>{3, 4});
  EXPECT_EQ(index.size(), 4u);
  EXPECT_EQ(index.dim(), 2u);
  std::vector<Neighbor> r = index.search(std::vector<float>{0, 0}, 3);
  EXPECT_EQ(r, (std::vector<Neighbor>{{10, 0}, {11, 1}, {12, 1}}));  // equal distances in id order
  EXPECT_EQ(ids_of(index.search(std::vector<float>{3, 3}, 10)), (std::vector<int64_t>{-5, 11, 12, 10}));
  EXPECT_TRUE(index.search(std::vector<float>{0, 0}, 0).empty());

  EXPECT_TRUE(index.remove(11));
  EXPECT_FALSE(index.remove(11));
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(ids_of(index.search(std::vector<float>{1, 0}, 3)), (std::vector<int64_t>{10, 12, -5}));
  ASSERT_NE(index.find(-5), nullptr);  // moved into the removed row's place
  EXPECT_EQ(index.find(-5)[1], 4.0f);
  EXPECT_EQ(index.find(11), nullptr);

  EXPECT_EQ(test::error_of<Error>([&] { index.add(12, std::vector<float>{5, 5}); }), "vector index: id 12 is already stored");
  EXPECT_EQ(test::error_of<Error>([&] { index.add(13, std::vector<float>{5}); }), "vector 13: has 1 values, the space has 2 dimensions");
  EXPECT_EQ(index.size(), 3u);  // refused adds leave nothing behind
  EXPECT_EQ(test::error_of<Error>([&] { index.search(std::vector<float>{1, 2, 3}, 1); }),
            "query: has 3 values, the space has 2 dimensions");
}

TEST(ExactIndex, InnerProductAndCosineRankBySimilarity) {
  ExactIndex ip(Space(Metric::InnerProduct, 2)), cos(Space(Metric::Cosine, 2));
  for (ExactIndex* ix : {&ip, &cos}) {
    ix->add(1, std::vector<float>{10, 0});
    ix->add(2, std::vector<float>{1, 1});
    ix->add(3, std::vector<float>{-1, 0});
  }
  std::vector<Neighbor> r = ip.search(std::vector<float>{1, 0.5f}, 3);
  EXPECT_EQ(ids_of(r), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_FLOAT_EQ(r[0].distance, 1 - 10.0f);
  r = cos.search(std::vector<float>{0, 2}, 3);  // direction only: (1,1) is closest to (0,1)
  EXPECT_EQ(ids_of(r), (std::vector<int64_t>{2, 1, 3}));
  EXPECT_NEAR(r[0].distance, 1 - std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(r[1].distance, 1.0, 1e-6);
}

TEST(ExactIndex, AgreesWithADoublePrecisionSortOnEveryPath) {
  std::mt19937 rng(11);
  std::normal_distribution<float> nd;
  for (Metric m : {Metric::L2, Metric::InnerProduct, Metric::Cosine}) {
    const size_t dim = 37, n = 700, k = 15;
    std::vector<float> data(n * dim), q(dim);
    for (float& x : data) x = nd(rng);
    for (float& x : q) x = nd(rng);
    // The reference: every distance in double, sorted.
    std::vector<std::pair<double, int64_t>> ref;
    double qn = 0;
    for (float x : q) qn += double(x) * x;
    for (size_t i = 0; i < n; ++i) {
      double l2 = 0, dot = 0, vn = 0;
      for (size_t j = 0; j < dim; ++j) {
        double a = data[i * dim + j];
        l2 += (a - q[j]) * (a - q[j]), dot += a * q[j], vn += a * a;
      }
      ref.push_back({m == Metric::L2 ? l2 : m == Metric::InnerProduct ? 1 - dot : 1 - dot / std::sqrt(vn * qn),
                     int64_t(i) * 3 + 1});
    }
    std::sort(ref.begin(), ref.end());
    for (SimdPath p : runnable_paths()) {
      ExactIndex index(Space(m, dim, ElementType::F32, p));
      for (size_t i = 0; i < n; ++i)
        index.add(int64_t(i) * 3 + 1, std::span<const float>(data.data() + i * dim, dim));
      std::vector<Neighbor> r = index.search(q, k);
      ASSERT_EQ(r.size(), k);
      for (size_t i = 0; i < k; ++i) {
        EXPECT_EQ(r[i].id, ref[i].second) << metric_name(m) << " " << simd_path_name(p) << " rank " << i;
        EXPECT_NEAR(r[i].distance, ref[i].first, 1e-4 * (1 + std::fabs(ref[i].first)));
      }
    }
  }
}

// Recall@10 of ExactIndex against a shared set's published ground truth, per path.
void expect_perfect_recall(const std::vector<float>& base, size_t dim, const std::vector<float>& queries,
                           const VecsData<int32_t>& gt) {
  const size_t n = base.size() / dim, nq = queries.size() / dim, k = 10;
  for (SimdPath p : runnable_paths()) {
    ExactIndex index(Space(Metric::L2, dim, ElementType::F32, p));
    index.reserve(n);
    for (size_t i = 0; i < n; ++i) index.add(int64_t(i), std::span<const float>(base.data() + i * dim, dim));
    size_t hits = 0;
    for (size_t qi = 0; qi < nq; ++qi) {
      std::vector<Neighbor> r = index.search(std::span<const float>(queries.data() + qi * dim, dim), k);
      ASSERT_EQ(r.size(), k);
      for (size_t j = 0; j < k; ++j)
        hits += std::find(gt.row(qi), gt.row(qi) + k, int32_t(r[j].id)) != gt.row(qi) + k;
    }
    double recall = double(hits) / double(nq * k);
    std::printf("%s kernels: recall@10 = %.4f over %zu queries\n", simd_path_name(p), recall, nq);
    EXPECT_EQ(recall, 1.0) << simd_path_name(p);
  }
}

TEST(ExactIndex, RecallOneOnTheBigann10kGroundTruth) {
  HART_REQUIRE_SHARED(base, "ann-bigann10k/bigann10k_base.bvecs");
  HART_REQUIRE_SHARED(query, "ann-bigann10k/bigann10k_query.bvecs");
  HART_REQUIRE_SHARED(gt, "ann-bigann10k/bigann10k_groundtruth.ivecs");
  VecsData<uint8_t> b = read_bvecs(base), q = read_bvecs(query);
  expect_perfect_recall(to_float(b), b.dim, to_float(q), read_ivecs(gt));
}

TEST(ExactIndex, RecallOneOnTheFashionMnistGroundTruth) {
  HART_REQUIRE_SHARED(base, "ann-fmnistsmall/fmnistsmall_base.fvecs");
  HART_REQUIRE_SHARED(query, "ann-fmnistsmall/fmnistsmall_query.fvecs");
  HART_REQUIRE_SHARED(gt, "ann-fmnistsmall/fmnistsmall_groundtruth.ivecs");
  VecsData<float> b = read_fvecs(base), q = read_fvecs(query);
  expect_perfect_recall(b.values, b.dim, q.values, read_ivecs(gt));
}

class ExactIndexFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> ud(-1, 1);
    std::vector<float> v(dim);
    for (int64_t id = 0; id < 50; ++id) {
      for (float& x : v) x = ud(rng);
      index.add(id * 7 - 100, v);
    }
    index.save(path);
    bytes = read_file(path);
  }
  // The error loading `damaged` (written to a file of its own) throws.
  std::string load_error(const std::string& damaged) {
    write_file(dir.file("bad.idx"), damaged);
    return test::error_of<FormatError>([&] { ExactIndex::load(dir.file("bad.idx")); });
  }
  // A file with a correct checksum around a header and payload made here (the
  // header's payload size is the payload's).
  std::string forged(IndexFileHeader h, const std::string& payload) {
    h.payload_bytes = payload.size();
    IndexFileWriter w(dir.file("forged.idx"), h);
    w.write(payload.data(), payload.size());
    w.finish();
    return read_file(dir.file("forged.idx"));
  }

  static constexpr size_t dim = 19;
  TempDir dir;
  std::string path = dir.file("exact.idx");
  ExactIndex index{Space(Metric::Cosine, dim)};
  std::string bytes;
};

TEST_F(ExactIndexFile, RoundTripGivesTheSameAnswers) {
  EXPECT_EQ(bytes.size(), 48 + 50 * (8 + dim * 4) + 32u);
  for (SimdPath p : runnable_paths()) {
    ExactIndex back = ExactIndex::load(path, p);
    EXPECT_EQ(back.size(), 50u);
    EXPECT_TRUE(back.space().same_geometry(index.space()));
    EXPECT_EQ(back.space().path(), p);
    std::vector<float> q(dim, 0.25f);
    q[3] = -1;
    std::vector<Neighbor> a = index.search(q, 8), b = back.search(q, 8);
    EXPECT_EQ(ids_of(a), ids_of(b));
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i].distance, b[i].distance, 1e-6);
    EXPECT_EQ(std::memcmp(back.find(-100), index.find(-100), dim * sizeof(float)), 0);
  }
  std::unique_ptr<VectorIndex> any = load_vector_index(path);
  EXPECT_EQ(any->size(), 50u);
  EXPECT_EQ(any->space().metric(), Metric::Cosine);
  // Saving what was loaded gives the same bytes.
  any->save(dir.file("again.idx"));
  EXPECT_EQ(read_file(dir.file("again.idx")), bytes);
  // An empty index is a valid file too.
  ExactIndex empty(Space(Metric::L2, 4));
  empty.save(dir.file("empty.idx"));
  EXPECT_EQ(ExactIndex::load(dir.file("empty.idx")).size(), 0u);
}

TEST_F(ExactIndexFile, TruncatedCopiesAreRefused) {
  for (size_t keep : {size_t(0), size_t(10), size_t(47), size_t(79), size_t(200), bytes.size() - 1}) {
    std::string e = load_error(bytes.substr(0, keep));
    EXPECT_NE(e.find("truncated"), std::string::npos) << keep << ": " << e;
    EXPECT_NE(e.find(dir.file("bad.idx")), std::string::npos) << e;
  }
  EXPECT_NE(load_error(bytes + "x").find("trailing bytes: the header says 4200 payload bytes"), std::string::npos);
}

TEST_F(ExactIndexFile, AFlippedByteAnywhereIsRefused) {
  // Every byte of a small file, one at a time: each damaged copy must be refused.
  for (size_t at = 0; at < bytes.size(); at += (at < 48 ? 1 : 37)) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    std::string e = load_error(damaged);
    if (at < 8) EXPECT_NE(e.find("not a Hartonomous vector index file"), std::string::npos) << at << ": " << e;
    else if (at < 12) EXPECT_NE(e.find("format version"), std::string::npos) << at << ": " << e;
    else if (at >= 40 && at < 48) EXPECT_NE(e.find("payload bytes"), std::string::npos) << at << ": " << e;
    else EXPECT_NE(e.find("checksum mismatch: the file is damaged"), std::string::npos) << at << ": " << e;
  }
}

TEST_F(ExactIndexFile, ConsistentlyChecksummedNonsenseIsRefused) {
  IndexFileHeader h;
  h.metric = Metric::L2;
  h.dim = 2;
  h.count = 3;  // but a payload for 2
  std::string two_rows(2 * (8 + 8), '\0');
  EXPECT_NE(load_error(forged(h, two_rows)).find("the header says 3 vectors of 2 dimensions (16 bytes each with its id) "
                                                 "but the payload is 32 bytes"),
            std::string::npos);
  h.count = 2;
  std::string dup = two_rows;  // both ids 0
  EXPECT_NE(load_error(forged(h, dup)).find("id 0 appears twice (vectors 0 and 1)"), std::string::npos);
  std::string nan = two_rows;
  nan[0] = 1;
  float bad = NAN;
  std::memcpy(&nan[16 + 12], &bad, 4);  // vector 1, value 1
  EXPECT_NE(load_error(forged(h, nan)).find("vector 1 (id 0) value 1 is not finite"), std::string::npos);
  h.dim = 0;
  h.count = 0;
  EXPECT_NE(load_error(forged(h, "")).find("dimension 0 is outside 1..65536"), std::string::npos);
  h.dim = 2;
  h.metric = static_cast<Metric>(7);
  EXPECT_NE(load_error(forged(h, "")).find("unknown metric code 7"), std::string::npos);
  h.metric = Metric::L2;
  h.kind = static_cast<IndexKind>(4);
  EXPECT_NE(load_error(forged(h, "")).find("unknown vector index kind 4"), std::string::npos);
  // A huge count whose product with the row size would overflow 64 bits.
  h.kind = IndexKind::Exact;
  h.count = (uint64_t(1) << 62);
  EXPECT_NE(load_error(forged(h, "")).find("the header says 4611686018427387904 vectors"), std::string::npos);
}

}  // namespace
}  // namespace hart::vector
