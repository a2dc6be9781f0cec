// dequantize() against goldens computed independently in NumPy
// (tests/reference/dequant_reference.py), compared bit for bit: GGML's decoders are
// single float32 operations in a fixed order, so there is no room for tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "formats/half.h"
#include "support/test_support.h"
#include "util/error.h"

namespace hart {
namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint32_t u32_at(const std::string& s, size_t off) {
  uint32_t v;
  std::memcpy(&v, s.data() + off, 4);
  return v;
}

std::string golden_path(const std::string& file) {
  return std::string(HART_SOURCE_DIR) + "/tests/golden/dequant/" + file;
}

struct Golden {
  DType type = DType::F32;
  uint32_t n_elems = 0;
  std::string data;          // encoded bytes
  std::vector<float> other;  // expected floats (dequant) or inputs (quantize)
};

// "HDQ1" files: header, encoded bytes, then floats. "HQZ1": header, floats, bytes.
Golden load(const std::string& file, const char* magic) {
  std::string raw = test::read_file(golden_path(file));
  EXPECT_GE(raw.size(), 16u) << "missing or truncated golden " << file;
  if (raw.size() < 16) return {};
  EXPECT_EQ(raw.substr(0, 4), magic) << file;
  Golden g;
  g.type = static_cast<DType>(u32_at(raw, 4));
  g.n_elems = u32_at(raw, 8);
  uint32_t n_bytes = u32_at(raw, 12);
  EXPECT_EQ(raw.size(), 16 + n_bytes + 4ull * g.n_elems) << file;
  g.other.resize(g.n_elems);
  bool floats_first = std::string(magic) == "HQZ1";
  size_t data_off = floats_first ? 16 + 4ull * g.n_elems : 16;
  size_t float_off = floats_first ? 16 : 16 + n_bytes;
  g.data = raw.substr(data_off, n_bytes);
  std::memcpy(g.other.data(), raw.data() + float_off, 4ull * g.n_elems);
  return g;
}

class DequantGolden : public testing::TestWithParam<const char*> {};

TEST_P(DequantGolden, MatchesNumpyReferenceBitForBit) {
  std::string name = GetParam();
  Golden g = load(name + ".bin", "HDQ1");
  ASSERT_EQ(std::string(dtype_info(g.type).name), name);
  ASSERT_EQ(dtype_row_bytes(g.type, g.n_elems), g.data.size());

  auto check = [&](const std::vector<float>& got, size_t shift, const char* how) {
    int bad = 0;
    for (uint32_t i = 0; i < g.n_elems && bad < 10; ++i)
      if (bits(got[i]) != bits(g.other[i]))
        ADD_FAILURE() << name << " " << how << " element " << i << " (shift " << shift << "): got " << got[i]
                      << " (0x" << std::hex << bits(got[i]) << ") want " << g.other[i] << " (0x"
                      << bits(g.other[i]) << std::dec << ")",
            ++bad;
  };
  // Also from an odd address: files put tensors at any offset.
  for (size_t shift : {0, 1}) {
    std::string buf(shift, '\0');
    buf += g.data;
    std::vector<float> got(g.n_elems);
    dequantize(g.type, buf.data() + shift, got.data(), g.n_elems);
    check(got, shift, "dequantize");
    // dequantize() takes the fastest half path; the portable one must agree too.
    if (g.type == DType::F16 || g.type == DType::BF16) {
      std::fill(got.begin(), got.end(), 0.0f);
      if (g.type == DType::F16)
        half::f16_to_f32_row(half::Path::Scalar, buf.data() + shift, got.data(), g.n_elems);
      else
        half::bf16_to_f32_row(half::Path::Scalar, buf.data() + shift, got.data(), g.n_elems);
      check(got, shift, "scalar");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Dequant, DequantGolden,
                         testing::Values("F32", "F16", "BF16", "F64", "I8", "I16", "I32", "I64", "U8",
                                         "BOOL", "U16", "U32", "U64", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                                         "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K",
                                         "IQ4_NL", "IQ4_XS"),
                         [](const auto& info) { return std::string(info.param); });

TEST(DequantErrors, PartialBlockAndUnknownType) {
  std::vector<unsigned char> src(64);
  std::vector<float> dst(64);
  try {
    dequantize(DType::Q4_0, src.data(), dst.data(), 31);
    FAIL() << "no error for a partial Q4_0 block";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Q4_0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dequantize(static_cast<DType>(4), src.data(), dst.data(), 1), Error);
}

// ---------------------------------------------------------------- F16 / BF16

std::vector<uint16_t> all_patterns() {
  std::vector<uint16_t> v(65536);
  for (uint32_t i = 0; i < 65536; ++i) v[i] = static_cast<uint16_t>(i);
  return v;
}

TEST(F16Paths, EveryPathMatchesScalarOnAllPatterns) {
  auto pat = all_patterns();
  std::vector<float> want(65536), got(65536 + 1);
  for (auto p : {half::Path::Scalar, half::Path::Avx2, half::Path::Avx512}) {
    if (!half::path_supported(p)) {
      std::printf("  [F16Paths] %s not supported by this CPU, not tested\n", half::path_name(p));
      continue;
    }
    for (bool bf : {false, true}) {
      for (uint32_t i = 0; i < 65536; ++i) want[i] = bf ? bf16_to_f32(pat[i]) : f16_to_f32(pat[i]);
      bf ? half::bf16_to_f32_row(p, pat.data(), got.data(), 65536)
         : half::f16_to_f32_row(p, pat.data(), got.data(), 65536);
      for (uint32_t i = 0; i < 65536; ++i)
        ASSERT_EQ(bits(got[i]), bits(want[i])) << half::path_name(p) << (bf ? " bf16 " : " f16 ") << std::hex << i;
      // Odd source address and every tail length up to two vectors.
      std::vector<unsigned char> odd(2 * 100 + 1);
      std::memcpy(odd.data() + 1, pat.data() + 0x3bf0, 200);
      for (size_t n = 0; n <= 100; ++n) {
        std::fill(got.begin(), got.end(), -1.0f);
        bf ? half::bf16_to_f32_row(p, odd.data() + 1, got.data(), n)
           : half::f16_to_f32_row(p, odd.data() + 1, got.data(), n);
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(bits(got[i]), bits(want[0x3bf0 + i])) << n << " " << i;
        ASSERT_EQ(got[n], -1.0f) << "wrote past the end, n=" << n;
      }
    }
  }
  std::printf("  [F16Paths] bulk conversions use %s\n", half::path_name(half::best_path()));
}

TEST(F16Convert, RoundTripsEveryHalf) {
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = f16_to_f32(uint16_t(h));
    bool nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
    if (nan) {
      EXPECT_TRUE(std::isnan(f));
      EXPECT_EQ(f32_to_f16(f), h | 0x200) << std::hex << h;  // comes back quiet
    } else {
      ASSERT_EQ(f32_to_f16(f), h) << std::hex << h;
    }
  }
}

// Between every two adjacent finite halves: the midpoint goes to the even one, and
// one float step either side goes to the nearer one.
TEST(F16Convert, RoundsToNearestEven) {
  for (uint32_t sign : {0u, 0x8000u}) {
    for (uint32_t h = 0; h < 0x7bff; ++h) {
      double a = f16_to_f32(uint16_t(h)), b = f16_to_f32(uint16_t(h + 1));
      float mid = static_cast<float>((a + b) / 2);  // exact: halves have 11 significant bits
      if (sign) mid = -mid;
      uint16_t even = (h & 1) ? uint16_t(h + 1) : uint16_t(h);
      ASSERT_EQ(f32_to_f16(mid), even | sign) << std::hex << h;
      ASSERT_EQ(f32_to_f16(std::nextafter(mid, 0.0f)), h | sign) << std::hex << h;
      ASSERT_EQ(f32_to_f16(std::nextafter(mid, sign ? -1e9f : 1e9f)), (h + 1) | sign) << std::hex << h;
    }
  }
  EXPECT_EQ(f32_to_f16(65519.996f), 0x7bff);  // just under the tie with 65536
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);    // ties to even = inf
  EXPECT_EQ(f32_to_f16(-1e10f), 0xfc00);
  EXPECT_EQ(f32_to_f16(INFINITY), 0x7c00);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);  // half the smallest subnormal
  EXPECT_EQ(f32_to_f16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(f32_to_f16(-std::ldexp(1.0f, -140)), 0x8000);  // float subnormal -> -0
  EXPECT_EQ(f32_to_f16(from_bits(0x7f800001)), 0x7e00);   // NaN whose payload is all shifted out
  EXPECT_EQ(f32_to_f16(from_bits(0xffc02000)), 0xfe01);
}

TEST(BF16Convert, RoundTripsAndRoundsToNearestEven) {
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = bf16_to_f32(uint16_t(h));
    ASSERT_EQ(bits(f), h << 16);
    bool nan = (h & 0x7f80) == 0x7f80 && (h & 0x7f);
    ASSERT_EQ(f32_to_bf16(f), nan ? (h | 0x40) : h) << std::hex << h;
    if ((h & 0x7f80) == 0x7f80) continue;  // inf / NaN have no midpoint above
    uint32_t mid = (h << 16) | 0x8000;
    uint16_t up = uint16_t(h + 1), even = (h & 1) ? up : uint16_t(h);
    ASSERT_EQ(f32_to_bf16(from_bits(mid)), even) << std::hex << h;
    ASSERT_EQ(f32_to_bf16(from_bits(mid - 1)), h) << std::hex << h;
    ASSERT_EQ(f32_to_bf16(from_bits(mid + 1)), up) << std::hex << h;  // may carry into inf: right
  }
  EXPECT_EQ(f32_to_bf16(from_bits(0x7f800001)), 0x7fc0);  // NaN stays NaN, not inf
  EXPECT_EQ(f32_to_bf16(from_bits(0xff800001)), 0xffc0);
}

// ---------------------------------------------------------------- quantize

TEST(Quantize, MatchesNumpyReferenceQuantizer) {
  for (const char* name : {"Q8_0", "Q4_0"}) {
    Golden g = load(std::string("quantize_") + name + ".bin", "HQZ1");
    ASSERT_EQ(std::string(dtype_info(g.type).name), name);
    std::string out(g.data.size(), '\0');
    quantize(g.type, g.other.data(), out.data(), g.n_elems);
    for (size_t i = 0; i < out.size(); ++i)
      ASSERT_EQ(uint8_t(out[i]), uint8_t(g.data[i])) << name << " byte " << i;
  }
}

// GGML's Q8_0: q = round(x / d), d = amax / 127, stored as a half. Error <= d/2 plus
// 127 times the half's rounding of d. Q4_0: d = peak / -8 and values past +7.5 d clamp
// to 7, so the error reaches |d| (plus 8 times the half's rounding).
TEST(Quantize, RoundTripWithinFormatErrorBound) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  const size_t n = 32 * 64;
  std::vector<float> x(n), y(n);
  for (size_t i = 0; i < n; ++i) x[i] = nd(rng) * (1.0f + float(i / 32));
  for (DType t : {DType::Q8_0, DType::Q4_0}) {
    std::vector<unsigned char> q(*dtype_row_bytes(t, n));
    quantize(t, x.data(), q.data(), n);
    dequantize(t, q.data(), y.data(), n);
    for (size_t b = 0; b < n / 32; ++b) {
      float amax = 0;
      for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
      float d = t == DType::Q8_0 ? amax / 127 : amax / 8;
      float bound = t == DType::Q8_0 ? d * (0.5f + 127.0f / 2048) : d * (1.0f + 8.0f / 2048);
      for (int j = 0; j < 32; ++j)
        ASSERT_LE(std::fabs(x[b * 32 + j] - y[b * 32 + j]), bound * 1.0001f)
            << dtype_info(t).name << " block " << b << " elem " << j;
    }
  }
}

TEST(Quantize, PlainTypesAndMissingQuantizers) {
  std::vector<float> x = {0.0f, -0.0f, 1.0f / 3, 65520.0f, -1e-8f, 3.0e38f, NAN, -INFINITY};
  std::vector<uint16_t> h(x.size());
  quantize(DType::F16, x.data(), h.data(), x.size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(h[i], f32_to_f16(x[i])) << i;
  quantize(DType::BF16, x.data(), h.data(), x.size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(h[i], f32_to_bf16(x[i])) << i;
  std::vector<float> f(x.size());
  quantize(DType::F32, x.data(), f.data(), x.size());
  EXPECT_EQ(std::memcmp(f.data(), x.data(), 4 * x.size()), 0);

  std::vector<unsigned char> out(1024);
  std::vector<float> in(256);
  try {
    quantize(DType::Q4_K, in.data(), out.data(), 256);
    FAIL() << "no error for Q4_K";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Q4_K"), std::string::npos) << e.what();
  }
  EXPECT_THROW(quantize(DType::Q8_0, in.data(), out.data(), 33), Error);
}

}  // namespace
}  // namespace hart
