// Shared by the ingest tests: a fresh database, archives written with libarchive,
// and short queries.
#pragma once
#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ingest/run/ingest_run.h"
#include "sql/register.h"
#include "store/consistency_check.h"
#include "store/database.h"
#include "util/error.h"
#include "support/test_support.h"

namespace hart::test {

using Members = std::vector<std::pair<std::string, std::string>>;  // name, bytes

// Writes an archive: format "zip" or "gnutar", filter "none" or "gzip". A zip's first
// member is stored uncompressed when `store_first` (an ODF package's `mimetype`).
inline void write_archive(const std::string& path, const std::string& format, const std::string& filter,
                          const Members& members, bool store_first = false) {
  struct archive* a = archive_write_new();
  ASSERT_EQ(archive_write_set_format_by_name(a, format.c_str()), ARCHIVE_OK);
  if (filter == "gzip") {
    ASSERT_EQ(archive_write_add_filter_gzip(a), ARCHIVE_OK);
  }
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  bool first = true;
  for (const auto& [name, bytes] : members) {
    if (format == "zip") {
      if (first && store_first) archive_write_zip_set_compression_store(a);
      else archive_write_zip_set_compression_deflate(a);
    }
    first = false;
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
    ASSERT_EQ(archive_write_data(a, bytes.data(), bytes.size()), static_cast<la_ssize_t>(bytes.size()));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db = std::make_unique<Database>(dir.file("t.db"), Database::Mode::kCreate);
    register_sql(*db);  // the tests read atoms back through atom_text and friends
  }
  ContentRunReport ingest(const std::vector<std::string>& paths) { return ingest_paths(*db, paths, options); }
  int64_t scalar(const std::string& sql) {
    Stmt s = db->prepare(sql);
    EXPECT_TRUE(s.step()) << sql;
    return s.is_null(0) ? -1 : s.int64(0);
  }
  std::string text(const std::string& sql) {
    Stmt s = db->prepare(sql);
    EXPECT_TRUE(s.step()) << sql;
    return s.is_null(0) ? "<null>" : s.text(0);
  }
  std::string path(const std::string& name) { return dir.file(name); }
  void write(const std::string& name, const std::string& bytes) { write_file(dir.file(name), bytes); }

  TempDir dir;
  std::unique_ptr<Database> db;
  ContentRunOptions options;
};

// `n` damaged copies of `good` written as dir/stem<i>.ext: every third one cut short,
// the others with one byte changed at a spread-out place. Returns their paths.
inline std::vector<std::string> write_damaged_copies(const TempDir& dir, const std::string& good,
                                                     const std::string& stem, const std::string& ext, size_t n) {
  std::vector<std::string> paths;
  for (size_t i = 0; i < n; ++i) {
    std::string bad = good;
    if (i % 3 == 2) {
      bad.resize(good.size() * i / n);  // truncated
    } else {
      size_t at = (i * 7919) % bad.size();
      bad[at] = static_cast<char>(bad[at] ^ (0x5a + i));  // one byte changed
    }
    paths.push_back(dir.file(stem + std::to_string(i) + "." + ext));
    write_file(paths.back(), bad);
  }
  return paths;
}

inline int64_t count(Database& db, const std::string& sql) {
  Stmt s = db.prepare(sql);
  return s.step() ? s.int64(0) : -1;
}

// `hart check`'s invariants (store/consistency_check.h), and what a folder run adds:
// no atom left unused, every payload complete.
inline void expect_consistent(Database& db) {
  ConsistencyReport report = check_consistency(db);
  for (const ConsistencyFinding& f : report.findings) ADD_FAILURE() << f.check << ": " << f.problem;
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(count(db, "SELECT count(*) FROM atoms WHERE refcount = 0"), 0);
  // Every payload complete: as many chunks as its size needs.
  EXPECT_EQ(count(db, "SELECT count(*) FROM atoms a WHERE subtype = 'file' AND"
                      " (SELECT count(*) FROM atom_chunks WHERE atom_id = a.id) != (a.size + 65535) / 65536"), 0);
}

// Joined failure messages, for assertions that read well.
inline std::string all_errors(const std::vector<ContentIssue>& issues) {
  std::string s;
  for (const ContentIssue& i : issues) s += i.where + ": " + i.error + "\n";
  return s;
}

}  // namespace hart::test
