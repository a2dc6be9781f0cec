// Files whose stat size is 0 but which hold bytes (Linux /proc files are sized only
// by reading them) are stored with their content, within the stated limits.
#include "ingest/extract/input_file.h"

#include "ingest_fixture.h"

namespace hart::test {
namespace {

class UnsizedFileTest : public IngestTest {};

TEST_F(UnsizedFileTest, AProcFileIsStoredWithItsContent) {
  ContentRunReport r = ingest({"/proc/self/status", "/proc/cpuinfo"});
  EXPECT_TRUE(r.failures.empty()) << r.failures.front().where << ": " << r.failures.front().error;
  EXPECT_EQ(r.files_ingested, 2u);
  const std::string status = "(SELECT atom_id FROM sources WHERE path = '/proc/self/status')";
  EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + status), "text");
  EXPECT_EQ(text("SELECT coalesce(error, 'no error') FROM atoms WHERE id = " + status), "no error");
  EXPECT_GT(scalar("SELECT size FROM atoms WHERE id = " + status), 100);
  EXPECT_EQ(scalar("SELECT size FROM sources WHERE path = '/proc/self/status'"),
            scalar("SELECT size FROM atoms WHERE id = " + status));
  EXPECT_EQ(text("SELECT substr(atom_text(" + status + "), 1, 5)"), "Name:");
  EXPECT_GT(scalar("SELECT count(*) FROM atom_children(" + status + ") WHERE relation = 'passage'"), 0);
  EXPECT_GT(scalar("SELECT size FROM atoms WHERE id = (SELECT atom_id FROM sources WHERE path = '/proc/cpuinfo')"), 0);
}

TEST_F(UnsizedFileTest, TheTextLimitAppliesToItsContent) {
  options.content.limits.max_text_bytes = 64;
  ingest({"/proc/self/status"});
  const std::string status = "(SELECT atom_id FROM sources WHERE path = '/proc/self/status')";
  EXPECT_GT(scalar("SELECT size FROM atoms WHERE id = " + status), 64);
  EXPECT_EQ(text("SELECT json_extract(metadata, '$.note') FROM atoms WHERE id = " + status),
            "text larger than 64 bytes is stored but not decoded");
}

TEST_F(UnsizedFileTest, ReadingToTheEndStopsAtALimit) {
  try {
    InputFile file("/proc/self/status", "/proc/self/status", 16);
    FAIL() << "read " << file.size() << " bytes";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("/proc/self/status: its size reads as 0 bytes but it holds more than 16 bytes"));
  }
}

TEST_F(UnsizedFileTest, AnEmptyFileStaysEmpty) {
  write("empty.txt", "");
  ContentRunReport r = ingest({path("empty.txt")});
  EXPECT_TRUE(r.failures.empty());
  EXPECT_EQ(scalar("SELECT size FROM atoms WHERE id = (SELECT atom_id FROM sources WHERE path LIKE '%empty.txt')"), 0);
}

}  // namespace
}  // namespace hart::test
