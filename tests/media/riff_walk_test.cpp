#include "media/riff_walk.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace hart {
namespace {

std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

std::string chunk(const std::string& tag, const std::string& body) {
  return tag + le32(static_cast<uint32_t>(body.size())) + body + (body.size() % 2 ? std::string(1, '\0') : "");
}

std::string wav(const std::string& chunks) { return "RIFF" + le32(static_cast<uint32_t>(4 + chunks.size())) + "WAVE" + chunks; }

std::optional<WavDataChunk> walk(const std::string& bytes, int* reads = nullptr) {
  return find_wav_data_chunk(bytes.size(), [&](uint64_t offset, unsigned char* out, size_t n) {
    if (reads) ++*reads;
    if (offset > bytes.size() || n > bytes.size() - offset) return false;
    std::memcpy(out, bytes.data() + offset, n);
    return true;
  });
}

const std::string kFmt = chunk("fmt ", std::string(16, 'f'));

TEST(RiffWalk, FindsTheDataChunkAfterOtherChunks) {
  std::string w = wav(kFmt + chunk("data", "abcd"));
  auto d = walk(w);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->payload_offset, 12u + 24u + 8u);
  EXPECT_EQ(d->declared_size, 4u);
  EXPECT_EQ(w.substr(d->payload_offset, 4), "abcd");
}

TEST(RiffWalk, SkipsOddChunksWithTheirPadByte) {
  std::string w = wav(kFmt + chunk("LIST", "odd") + chunk("data", "pcm!"));
  auto d = walk(w);
  ASSERT_TRUE(d);
  EXPECT_EQ(w.substr(d->payload_offset, 4), "pcm!");
}

TEST(RiffWalk, ReportsTheDeclaredSizeEvenPastTheEnd) {
  auto d = walk(wav(kFmt + "data" + le32(1000) + "ab"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->declared_size, 1000u);
  d = walk(wav(kFmt + "data" + le32(0xFFFFFFFFu)));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->declared_size, 0xFFFFFFFFu);
}

TEST(RiffWalk, NotAWaveOrNoDataChunkIsNothing) {
  EXPECT_FALSE(walk(""));
  EXPECT_FALSE(walk("RIFF" + le32(4) + "AVI "));
  EXPECT_FALSE(walk("RIFX" + le32(4) + "WAVE" + chunk("data", "x")));
  EXPECT_FALSE(walk(wav(kFmt)));
  EXPECT_FALSE(walk(wav(kFmt + "dat")));  // a header cut short
  // A chunk claiming 4 GiB jumps past the end instead of reading on.
  EXPECT_FALSE(walk(wav("junk" + le32(0xFFFFFFF0u) + chunk("data", "x"))));
}

TEST(RiffWalk, StopsAfterAThousandChunks) {
  std::string many;
  for (int i = 0; i < 1000; ++i) many += chunk("pad ", "");
  int reads = 0;
  EXPECT_FALSE(walk(wav(many + chunk("data", "x")), &reads));
  EXPECT_EQ(reads, 1 + 1000);
  EXPECT_TRUE(walk(wav(many.substr(8) + chunk("data", "x"))));
}

TEST(RiffWalk, AFailedReadEndsTheWalk) {
  std::string w = wav(kFmt + chunk("data", "x"));
  int calls = 0;
  auto d = find_wav_data_chunk(w.size(), [&](uint64_t offset, unsigned char* out, size_t n) {
    if (++calls == 2) return false;
    std::memcpy(out, w.data() + offset, n);
    return true;
  });
  EXPECT_FALSE(d);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace hart
