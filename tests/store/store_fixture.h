// A fresh database in a temporary directory, and row counts that prove an
// operation changed nothing.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sql/register.h"
#include "store/database.h"
#include "support/test_support.h"

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

inline std::string integrity(Database& db) {
  Stmt s = db.prepare("PRAGMA integrity_check");
  s.step();
  return s.text(0);
}

// Every stored chunk's refcount equals the references to it, and none is orphaned.
inline void expect_refcounts_consistent(Database& db) {
  EXPECT_EQ(scalar(db,
                   "SELECT count(*) FROM chunks c WHERE refcount <> "
                   "(SELECT count(*) FROM tensor_chunks tc WHERE tc.chunk_id = c.id)"),
            0);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM chunks WHERE refcount = 0"), 0);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM chunk_data WHERE id NOT IN (SELECT id FROM chunks)"), 0);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM tensor_chunks"), scalar(db, "SELECT count(*) FROM chunk_zones"));
}

class StoreTest : public ::testing::Test {
 protected:
  // The SQL surface is registered because several store tests read back through it
  // (`weights`, dequantization in SQL).
  void SetUp() override {
    db = std::make_unique<Database>(dir.file("test.db"), Database::Mode::kCreate);
    register_sql(*db);
  }
  TempDir dir;
  std::unique_ptr<Database> db;
};

}  // namespace hart::test
