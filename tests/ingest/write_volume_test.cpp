// Issue 10, "costs proportional to the data": a folder of small files once wrote 111x
// the final database to disk (one transaction per file on 64 KiB pages) and left a
// 66 MB WAL behind. Bytes written stay a small multiple of the data, and the WAL is
// folded back when the run ends.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ingest_fixture.h"

namespace hart::test {
namespace {

// A counter of /proc/self/io (wchar, write_bytes), or -1 when the file is missing.
int64_t proc_io(const std::string& name) {
  std::ifstream in("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (in >> key >> value)
    if (key == name + ":") return value;
  return -1;
}

int64_t size_or_zero(const std::string& path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

TEST(IngestWriteVolume, SmallFilesWriteASmallMultipleOfTheDatabase) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("corpus"));
  static const char* const kWords[] = {"the", "cat", "sat", "on", "a", "mat", "river", "stone", "quietly",
                                       "history", "of", "engine", "green", "market", "under", "seven"};
  uint32_t x = 11;
  for (int i = 0; i < 300; ++i) {  // ~4.3 KB each, ~1.3 MB in all: wikitext-sized files
    std::ostringstream text;
    while (text.tellp() < 4300) {
      x = x * 1664525u + 1013904223u;
      text << kWords[x >> 28] << ((x >> 8) % 9 ? " " : ". ");
      if ((x >> 12) % 97 == 0) text << "\n\n";
    }
    write_file(dir.file("corpus/f" + std::to_string(1000 + i) + ".txt"), text.str());
  }
  std::string db_path = dir.file("volume.db");
  Database db(db_path, Database::Mode::kCreate);

  int64_t written_before = proc_io("write_bytes");
  ContentRunReport r = ingest_paths(db, {dir.file("corpus")}, ContentRunOptions{});
  int64_t written_after = proc_io("write_bytes");
  ASSERT_EQ(r.files_ingested, 300u);
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);

  // The connection is still open (as in a long-running process): the WAL must not be.
  int64_t wal = size_or_zero(db_path + "-wal");
  EXPECT_LE(wal, 1 << 20) << "the WAL stayed at " << wal << " bytes after the run";

  if (written_before < 0) GTEST_SKIP() << "/proc/self/io is missing here: the write volume is not measured";
  int64_t written = written_after - written_before, db_size = size_or_zero(db_path);
  // tmpfs and some containers count no storage writes: then only the WAL is checked.
  if (written == 0) GTEST_SKIP() << "write_bytes stays 0 on this file system: the write volume is not measured";
  EXPECT_LE(written, 4 * db_size) << written << " bytes written for a database of " << db_size;
}

}  // namespace
}  // namespace hart::test
