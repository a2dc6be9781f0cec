#include "util/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace hart {
namespace {

std::string hex_of(const std::string& s) { return to_hex(sha256(s.data(), s.size())); }

// FIPS 180-2 test vectors.
TEST(Sha256, MatchesTheStandardVectors) {
  EXPECT_EQ(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, StreamEqualsOneShotForAnySplit) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  const Sha256Digest whole = sha256(data.data(), data.size());
  for (size_t split : {0u, 1u, 63u, 64u, 65u, 999u, 1000u}) {
    Sha256Stream s;
    s.update(data.data(), split);
    s.update(data.data() + split, data.size() - split);
    EXPECT_EQ(s.finish(), whole) << split;
  }
}

TEST(Sha256, StreamOfAMillionAs) {
  Sha256Stream s;
  const std::string block(1000, 'a');
  for (int i = 0; i < 1000; ++i) s.update(block.data(), block.size());
  EXPECT_EQ(to_hex(s.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, HexIsLowercaseTwoDigitsPerByte) {
  Sha256Digest d{};
  d[0] = 0x00;
  d[1] = 0x0f;
  d[2] = 0xa0;
  d[31] = 0xff;
  std::string h = to_hex(d);
  ASSERT_EQ(h.size(), 64u);
  EXPECT_EQ(h.substr(0, 6), "000fa0");
  EXPECT_EQ(h.substr(62), "ff");
}

}  // namespace
}  // namespace hart
