// Option validation lives in ContentRunOptions, so every front end (CLI, SQL, HTTP)
// refuses the same combinations with the same words, before anything is written.
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

}  // namespace
}  // namespace hart::test
