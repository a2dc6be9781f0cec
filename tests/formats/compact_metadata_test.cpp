// Large metadata arrays of numbers and bools: held compactly (compact_array.h),
// written back byte for byte, rendered as JSON text exactly as dump() renders the
// plain array, parsed back compact; and the limit on metadata array elements.
#include <cstring>

#include "formats/compact_array.h"
#include "formats/gguf.h"
#include "formats/gguf_types.h"
#include "formats/metadata_json.h"
#include "model_bytes.h"

namespace hart::test {
namespace {

using namespace gguf;

const std::string kPath = "/models/meta.gguf";
constexpr uint64_t kN = kCompactArrayMinElements;

// n elements of `type` with varied values (extremes included), little-endian.
std::string element_bytes(uint32_t type, uint64_t n) {
  std::string out(n * scalar_size(type), '\0');
  for (uint64_t i = 0; i < n; ++i) {
    char* p = out.data() + i * scalar_size(type);
    uint64_t x = i * 0x9E3779B97F4A7C15ull;
    if (type == kF32) {
      float f = static_cast<float>(static_cast<int64_t>(x)) * 1e-12f;
      std::memcpy(p, &f, 4);
    } else if (type == kF64) {
      double d = static_cast<double>(static_cast<int64_t>(x)) * 1e-9;
      std::memcpy(p, &d, 8);
    } else if (type == kBool) {
      *p = static_cast<char>(x >> 63);
    } else {
      std::memcpy(p, &x, scalar_size(type));
    }
  }
  return out;
}

// A GGUF with one small key, then an array of n elements of `type` under "big".
std::string file_with_array(uint32_t type, uint64_t n) {
  Bytes b;
  b.gguf_header(3, 0, 2).str("general.architecture").u32(kStr).str("llama");
  b.str("big").u32(kArr).u32(type).u64(n).raw(element_bytes(type, n));
  return b.b;
}

ModelFile parse(const std::string& bytes) { return read_gguf(u8p(bytes), bytes.size(), kPath); }

class CompactArray : public ::testing::TestWithParam<uint32_t> {};

TEST_P(CompactArray, IsCompactAndWritesBackByteForByte) {
  const uint32_t type = GetParam();
  const std::string bytes = file_with_array(type, kN);
  ModelFile m = parse(bytes);
  const ordered_json& big = m.metadata["big"];
  ASSERT_TRUE(is_compact_array(big));
  EXPECT_EQ(big.get_binary().size(), kN * scalar_size(type));  // 1 byte per u8, not 16
  EXPECT_EQ(m.metadata_types["big"], std::string("arr[") + scalar_tag(type) + "]");
  EXPECT_EQ(gguf_bytes(m), bytes);
}

TEST_P(CompactArray, JsonTextIsWhatDumpGivesAndParsesBackCompact) {
  ModelFile m = parse(file_with_array(GetParam(), kN));
  ordered_json plain = m.metadata;
  plain["big"] = expand_compact(m.metadata["big"]);
  ASSERT_EQ(plain["big"].size(), kN);
  const std::string text = metadata_to_json(m.metadata);
  EXPECT_EQ(text, plain.dump());
  ordered_json back = metadata_from_json(text, m.metadata_types);
  EXPECT_EQ(back, m.metadata);  // compact again, same bytes and type
  EXPECT_EQ(metadata_from_json(text, ordered_json::object()), ordered_json::parse(text));  // no tags: plain
}

INSTANTIATE_TEST_SUITE_P(EveryType, CompactArray,
                         ::testing::Values(kU8, kI8, kU16, kI16, kU32, kI32, kU64, kI64, kF32, kF64, kBool),
                         [](const auto& info) { return std::string(scalar_tag(info.param)); });

TEST(CompactMetadata, SmallArraysAndStringArraysStayPlain) {
  ModelFile m = parse(file_with_array(kI32, kN - 1));
  EXPECT_TRUE(m.metadata["big"].is_array());
  EXPECT_EQ(metadata_from_json(metadata_to_json(m.metadata), m.metadata_types), m.metadata);
  EXPECT_EQ(metadata_to_json(m.metadata), m.metadata.dump());
}

TEST(CompactMetadata, NestedArraysAreCompactInside) {
  Bytes b;
  b.gguf_header(3, 0, 1).str("nested").u32(kArr).u32(kArr).u64(2);
  b.u32(kU16).u64(kN).raw(element_bytes(kU16, kN));
  b.u32(kU16).u64(3).raw(element_bytes(kU16, 3));
  ModelFile m = parse(b.b);
  EXPECT_EQ(m.metadata_types["nested"], "arr[arr[u16]]");
  EXPECT_TRUE(is_compact_array(m.metadata["nested"][0]));
  EXPECT_TRUE(m.metadata["nested"][1].is_array());
  EXPECT_EQ(gguf_bytes(m), b.b);
  EXPECT_EQ(metadata_from_json(metadata_to_json(m.metadata), m.metadata_types), m.metadata);
}

TEST(CompactMetadata, TextThatDoesNotFitItsTagStaysPlain) {
  // An element out of range late in the array (say, edited in SQL): the whole array
  // comes back as ordered_json::parse gives it, so the writer names the bad value.
  ordered_json big = ordered_json::array();
  for (uint64_t i = 0; i < kN + 10; ++i) big.push_back(i % 100);
  big.push_back(300);
  ordered_json md = {{"big", big}};
  ordered_json back = metadata_from_json(md.dump(), {{"big", "arr[u8]"}});
  EXPECT_TRUE(back["big"].is_array());
  EXPECT_EQ(back, md);
}

TEST(CompactMetadata, NumbersReadBothForms) {
  ModelFile m = parse(file_with_array(kF32, kN));
  auto compact = metadata_numbers(m.metadata["big"]);
  auto plain = metadata_numbers(expand_compact(m.metadata["big"]));
  ASSERT_TRUE(compact && plain);
  EXPECT_EQ(*compact, *plain);
  EXPECT_FALSE(metadata_numbers(parse(file_with_array(kBool, kN)).metadata["big"]));
  EXPECT_FALSE(metadata_numbers(ordered_json::array({1, "x"})));
}

TEST(CompactMetadata, BadBoolInACompactArrayIsNamed) {
  std::string bytes = file_with_array(kBool, kN);
  bytes[bytes.size() - 5] = 2;
  expect_format_error([&] { parse(bytes); }, {kPath, "metadata key 'big'", "bool value is 2"});
}

TEST(CompactMetadata, ArrayElementsOverTheLimitAreRefusedBeforeReading) {
  Bytes b;
  b.gguf_header(3, 0, 2).str("first").u32(kArr).u32(kU8).u64(10).raw(std::string(10, '\0'));
  b.str("second").u32(kArr).u32(kU8).u64(kMaxMetadataArrayElements - 9);
  b.raw(std::string(kMaxMetadataArrayElements - 9, '\0'));
  expect_format_error([&] { parse(b.b); },
                      {kPath, "metadata key 'second'", std::to_string(kMaxMetadataArrayElements),
                       std::to_string(kMaxMetadataArrayElements + 1)});
}

}  // namespace
}  // namespace hart::test
