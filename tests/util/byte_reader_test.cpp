#include "util/byte_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace hart {
namespace {

const uint8_t kBytes[] = {0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 'a', 'b', 'c', 0xff};

TEST(ByteReader, ReadsLittleEndianValuesInOrder) {
  ByteReader r(kBytes, sizeof kBytes, "buf");
  EXPECT_EQ(r.read<uint8_t>("u8"), 0x01);
  EXPECT_EQ(r.read<uint16_t>("u16"), 0x1234);
  EXPECT_EQ(r.read<uint32_t>("u32"), 0x12345678u);
  EXPECT_EQ(r.offset(), 7u);
  EXPECT_EQ(r.bytes(3, "name"), "abc");
  EXPECT_EQ(r.remaining(), 1u);
  EXPECT_EQ(r.read<int8_t>("i8"), -1);
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(r.size(), sizeof kBytes);
}

TEST(ByteReader, BytesViewTheInputInPlace) {
  ByteReader r(kBytes, sizeof kBytes, "buf");
  r.skip(7, "header");
  std::string_view v = r.bytes(3, "name");
  EXPECT_EQ(static_cast<const void*>(v.data()), static_cast<const void*>(kBytes + 7));
}

TEST(ByteReader, ReadingPastTheEndThrowsAndNamesTheFieldAndOffset) {
  ByteReader r(kBytes, sizeof kBytes, "model.gguf");
  r.skip(9, "header");
  try {
    r.read<uint32_t>("tensor count");
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("model.gguf"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("tensor count needs 4 bytes at offset 9 but only 2 remain"));
  }
  EXPECT_EQ(r.offset(), 9u);  // a failed read consumes nothing
  EXPECT_EQ(r.read<uint16_t>("last"), 0xff63);
}

// Sizes come from files: one near 2^64 must not wrap around the bounds check.
TEST(ByteReader, HugeLengthsAreRefusedNotWrapped) {
  ByteReader r(kBytes, sizeof kBytes, "buf");
  r.skip(1, "x");
  EXPECT_THROW(r.bytes(std::numeric_limits<uint64_t>::max(), "blob"), FormatError);
  EXPECT_THROW(r.skip(std::numeric_limits<uint64_t>::max() - 5, "pad"), FormatError);
  EXPECT_THROW(r.need(sizeof kBytes, "all"), FormatError);
  EXPECT_NO_THROW(r.need(sizeof kBytes - 1, "rest"));
}

TEST(ByteReader, EmptyInput) {
  ByteReader r(nullptr, 0, "empty");
  EXPECT_EQ(r.bytes(0, "nothing"), "");
  EXPECT_THROW(r.read<uint8_t>("byte"), FormatError);
}

TEST(Errors, FormatAndUsageErrorsAreHartErrors) {
  EXPECT_THROW(throw FormatError("f"), Error);
  EXPECT_THROW(throw UsageError("u"), Error);
  EXPECT_THROW(throw Error("e"), std::runtime_error);
  EXPECT_STREQ(UsageError("model x: unknown").what(), "model x: unknown");
}

}  // namespace
}  // namespace hart
