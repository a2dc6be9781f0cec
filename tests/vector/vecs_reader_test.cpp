// The TEXMEX readers on files written here and on the shared ANN sets, and their
// refusals of damaged files.
#include <gtest/gtest.h>

#include <cmath>

#include "support/test_support.h"
#include "util/error.h"
#include "vector/vecs_reader.h"
#include "vector/vector_test_util.h"

namespace hart::vector {
namespace {

using hart::test::TempDir;
using hart::test::write_file;
using test::vecs_bytes;

TEST(VecsReader, ReadsWhatWasWritten) {
  TempDir dir;
  std::vector<float> f{1.5f, -2, 3, 4, 5, 6.25f};
  std::vector<int32_t> i{7, 8, 9, 10};
  std::vector<uint8_t> b{0, 255, 17, 3, 4, 5, 6, 7, 8};
  write_file(dir.file("a.fvecs"), vecs_bytes(f, 3));
  write_file(dir.file("a.ivecs"), vecs_bytes(i, 2));
  write_file(dir.file("a.bvecs"), vecs_bytes(b, 3));
  VecsData<float> rf = read_fvecs(dir.file("a.fvecs"));
  EXPECT_EQ(rf.dim, 3u);
  EXPECT_EQ(rf.count, 2u);
  EXPECT_EQ(rf.values, f);
  EXPECT_EQ(rf.row(1)[2], 6.25f);
  VecsData<int32_t> ri = read_ivecs(dir.file("a.ivecs"));
  EXPECT_EQ(ri.count, 2u);
  EXPECT_EQ(ri.values, i);
  VecsData<uint8_t> rb = read_bvecs(dir.file("a.bvecs"), 2);  // bounded: the first two of three
  EXPECT_EQ(rb.count, 2u);
  EXPECT_EQ(rb.values, std::vector<uint8_t>(b.begin(), b.begin() + 6));
  EXPECT_EQ(to_float(rb)[1], 255.0f);
}

TEST(VecsReader, DamagedFilesAreRefusedWithTheProblemNamed) {
  TempDir dir;
  std::string good = vecs_bytes(std::vector<float>{1, 2, 3, 4, 5, 6}, 3);
  write_file(dir.file("cut.fvecs"), good.substr(0, good.size() - 1));
  std::string e = test::error_of<FormatError>([&] { read_fvecs(dir.file("cut.fvecs")); });
  EXPECT_NE(e.find("truncated or not a .fvecs file: 31 bytes is not a whole number of 16-byte records"),
            std::string::npos) << e;

  std::string mixed = good;
  mixed[16] = 2;  // the second record claims dimension 2 (the file size still divides)
  write_file(dir.file("mixed.fvecs"), mixed);
  e = test::error_of<FormatError>([&] { read_fvecs(dir.file("mixed.fvecs")); });
  EXPECT_NE(e.find("record 1 declares dimension 2, the first record 3"), std::string::npos) << e;

  write_file(dir.file("zero.ivecs"), std::string(8, '\0'));
  e = test::error_of<FormatError>([&] { read_ivecs(dir.file("zero.ivecs")); });
  EXPECT_NE(e.find("the first record declares dimension 0, outside 1..65536"), std::string::npos) << e;

  write_file(dir.file("huge.bvecs"), std::string("\xff\xff\xff\x7f", 4));
  e = test::error_of<FormatError>([&] { read_bvecs(dir.file("huge.bvecs")); });
  EXPECT_NE(e.find("dimension 2147483647, outside"), std::string::npos) << e;

  write_file(dir.file("short.fvecs"), "ab");
  e = test::error_of<FormatError>([&] { read_fvecs(dir.file("short.fvecs")); });
  EXPECT_NE(e.find("2 bytes, too short"), std::string::npos) << e;

  write_file(dir.file("nan.fvecs"), vecs_bytes(std::vector<float>{1, 2, NAN, 4}, 2));
  e = test::error_of<FormatError>([&] { read_fvecs(dir.file("nan.fvecs")); });
  EXPECT_NE(e.find("record 1 value 0 is not finite"), std::string::npos) << e;

  EXPECT_THROW(read_fvecs(dir.file("missing.fvecs")), Error);
}

TEST(VecsReader, ReadsTheSharedAnnSets) {
  HART_REQUIRE_SHARED(base, "ann-bigann10k/bigann10k_base.bvecs");
  HART_REQUIRE_SHARED(gt, "ann-bigann10k/bigann10k_groundtruth.ivecs");
  HART_REQUIRE_SHARED(fm, "ann-fmnistsmall/fmnistsmall_base.fvecs");
  VecsData<uint8_t> b = read_bvecs(base);
  EXPECT_EQ(b.dim, 128u);
  EXPECT_EQ(b.count, 10000u);
  VecsData<int32_t> g = read_ivecs(gt);
  EXPECT_EQ(g.dim, 100u);
  EXPECT_EQ(g.count, 100u);
  EXPECT_EQ(g.row(5)[0], 5);  // self-queries: query i's nearest is base i
  VecsData<float> f = read_fvecs(fm);
  EXPECT_EQ(f.dim, 784u);
  EXPECT_EQ(f.count, 1000u);
}

}  // namespace
}  // namespace hart::vector
