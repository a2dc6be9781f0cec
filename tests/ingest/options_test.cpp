// Option validation lives in ContentRunOptions, so every front end (CLI, SQL, HTTP)
// refuses the same combinations with the same words, before anything is written.
#include <limits>
#include <tuple>

#include "ingest_fixture.h"

namespace hart::test {
namespace {

TEST_F(IngestTest, OptionsThatCannotWorkTogetherAreRefusedBeforeAnythingIsWritten) {
  write("a.txt", "some text\n");
  write("b.txt", "other text\n");
  options.model_name = "m";
  EXPECT_NO_THROW(options.validate(1));
  try {
    ingest({path("a.txt"), path("b.txt")});
    FAIL() << "a model name with two paths was accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("single path"));
  }
  options.model_name.clear();
  options.content.passages.overlap_bytes = options.content.passages.max_bytes;
  try {
    ingest({path("a.txt")});
    FAIL() << "an overlap as large as the passage was accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("passage overlap"));
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM sources"), 0);
}

// `--audio-frame-seconds nan` once passed CLI11's range check and reached the audio
// extractor; every number is checked here, NaN and out-of-range alike.
TEST_F(IngestTest, AudioSecondsOutOfRangeOrNanAreRefusedNamingTheFlag) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (auto [frame, transcript, phrase] : std::vector<std::tuple<double, double, std::string>>{
           {nan, 600, "(--audio-frame-seconds) must be from 0.01 to 3600 seconds, got nan"},
           {0, 600, "(--audio-frame-seconds) must be from 0.01 to 3600 seconds, got 0"},
           {1, nan, "(--max-transcript-seconds) must be 0 or more seconds, got nan"},
           {1, -1, "(--max-transcript-seconds) must be 0 or more seconds, got -1"}}) {
    ContentRunOptions o;
    o.content.audio.frame_seconds = frame;
    o.content.audio.max_transcript_seconds = transcript;
    try {
      o.validate(1);
      ADD_FAILURE() << phrase;
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(phrase));
    }
  }
}

}  // namespace
}  // namespace hart::test
