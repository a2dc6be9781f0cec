// A fresh database in a temporary directory, and row counts that prove an
// operation changed nothing.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sql/register.h"
#include "store/consistency_check.h"
#include "store/database.h"
#include "support/test_support.h"
#include "util/error.h"
#include "util/sha256.h"

namespace hart::test {

struct TableCounts {
  int64_t models, tensors, chunks, chunk_data, tensor_chunks, zones;
  bool operator==(const TableCounts&) const = default;
};

inline int64_t scalar(Database& db, const std::string& sql) {
  Stmt s = db.prepare(sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.int64(0);
}

inline TableCounts counts(Database& db) {
  return {scalar(db, "SELECT count(*) FROM models"), scalar(db, "SELECT count(*) FROM tensors"),
          scalar(db, "SELECT count(*) FROM chunks"), scalar(db, "SELECT count(*) FROM chunk_data"),
          scalar(db, "SELECT count(*) FROM tensor_chunks"), scalar(db, "SELECT count(*) FROM chunk_zones")};
}

// Hex SHA-256 of a file's bytes (to compare an export with its original).
inline std::string file_sha(const std::string& path) {
  std::string b = read_file(path);
  return to_hex(sha256(b.data(), b.size()));
}

inline std::string integrity(Database& db) {
  Stmt s = db.prepare("PRAGMA integrity_check");
  s.step();
  return s.text(0);
}

// Every check of `hart check` passes (store/consistency_check.h): SQLite's integrity
// and foreign keys, reference counts, chunk data, zone maps, tensor and model totals.
inline void expect_check_passes(Database& db) {
  ConsistencyReport r = check_consistency(db);
  std::string found;
  for (const ConsistencyFinding& f : r.findings) found += f.check + ": " + f.problem + "\n";
  EXPECT_TRUE(r.ok()) << found;
}

class StoreTest : public ::testing::Test {
 protected:
  // The SQL surface is registered because several store tests read back through it
  // (`weights`, dequantization in SQL).
  void SetUp() override {
    db = std::make_unique<Database>(dir.file("test.db"), Database::Mode::kCreate);
    register_sql(*db);
  }
  // Runs every row of `sql`; the error it raises, or "" when none.
  std::string error_of(const std::string& sql) {
    try {
      Stmt s = db->prepare(sql);
      while (s.step()) {
      }
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  TempDir dir;
  std::unique_ptr<Database> db;
};

}  // namespace hart::test
