// hart_vectors from SQL: sqlite-vec's DDL and queries, answers held to an exact
// oracle computed in double precision, across the writable segment and sealed ones.
#include <set>

#include "vectors_test_util.h"

namespace hart::test {
namespace {

class VectorsTest : public StoreTest {
 protected:
  // n random rows of `dim` dims (rowid i+1), category 'c<i % 20>', year 2000 + i % 25.
  void fill(const std::string& table, const std::vector<std::vector<float>>& rows) {
    db->exec("BEGIN");
    Stmt st = db->prepare("INSERT INTO " + table + "(rowid, embedding, category, year) VALUES (?, ?, ?, ?)");
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string blob = f32_blob(rows[i]);
      st.bind(1, static_cast<int64_t>(i + 1)).bind_blob(2, blob.data(), blob.size());
      st.bind(3, "c" + std::to_string(i % 20)).bind(4, static_cast<int64_t>(2000 + i % 25));
      st.run();
    }
    db->exec("COMMIT");
  }
  // The error `sql` raises, from "hart_vectors: " on ("" when none).
  std::string vectors_error(const std::string& sql) {
    const std::string e = error_of(sql);
    const size_t at = e.find("hart_vectors: ");
    return at == std::string::npos ? e : e.substr(at);
  }
  void expect_same(const std::vector<Ranked>& got, const std::vector<Ranked>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].rowid, want[i].rowid) << what << " rank " << i;
      EXPECT_NEAR(got[i].distance, want[i].distance, 1e-4 * (1 + std::abs(want[i].distance))) << what << " rank " << i;
    }
  }
};

TEST_F(VectorsTest, KnnMatchesTheOracleForEveryMetricAcrossSealedAndWritableSegments) {
  const auto rows = random_vectors(700, 24, 1);
  const auto queries = random_vectors(5, 24, 2);
  for (std::string metric : {"l2", "cosine", "dot"}) {
    const std::string t = "items_" + metric;
    db->exec("CREATE VIRTUAL TABLE " + t + " USING hart_vectors(embedding float[24] distance_metric=" + metric +
             ", category text, year integer, seal_threshold=256, background=0)");
    fill(t, rows);
    // 700 rows with a threshold of 256: two sealed segments and 188 writable rows.
    EXPECT_EQ(scalar(*db, "SELECT count(*) FROM " + t + "_segments WHERE id > 0"), 2);
    EXPECT_EQ(scalar(*db, "SELECT n_vectors FROM " + t + "_segments WHERE id = 0"), 188);
    for (const auto& q : queries)
      expect_same(knn_rows(*db, "SELECT rowid, distance FROM " + t + " WHERE embedding MATCH ? AND k = 10 ORDER BY distance", q),
                  oracle_knn(metric, rows, q, 10, [](size_t) { return true; }), metric);
  }
}

TEST_F(VectorsTest, VectorsComeInAsBlobOrJsonAndGoOutAsStored) {
  db->exec("CREATE VIRTUAL TABLE v USING hart_vectors(embedding float[3] distance_metric=cosine, category text, year integer)");
  db->exec("INSERT INTO v(rowid, embedding, category) VALUES (1, '[3, 4, 0]', 'a')");
  const std::string blob = f32_blob({1.5f, -2, 0.25f});
  Stmt ins = db->prepare("INSERT INTO v(rowid, embedding) VALUES (2, ?)");
  ins.bind_blob(1, blob.data(), blob.size()).run();
  // Stored as given (cosine scales only the copy it searches).
  Stmt st = db->prepare("SELECT embedding FROM v WHERE rowid = 1");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(std::string(static_cast<const char*>(st.blob(0)), st.bytes(0)), f32_blob({3, 4, 0}));
  db->exec("INSERT INTO v(v) VALUES ('seal')");
  Stmt sealed = db->prepare("SELECT embedding FROM v WHERE rowid = 2");
  ASSERT_TRUE(sealed.step());
  EXPECT_EQ(std::string(static_cast<const char*>(sealed.blob(0)), sealed.bytes(0)), blob);
  // An automatic rowid follows the largest.
  db->exec("INSERT INTO v(embedding) VALUES ('[1,1,1]')");
  EXPECT_EQ(scalar(*db, "SELECT max(rowid) FROM v"), 3);
}

// At 50 %, 5 % and 0.1 % selectivity, and with every way a filter can run (applied
// first, a mask over the scan, a check of the graph's candidates), the answer has k
// rows and they are the oracle's.
TEST_F(VectorsTest, FiltersKeepKAtEverySelectivity) {
  const size_t n = 10000;
  const auto rows = random_vectors(n, 16, 3);
  const auto queries = random_vectors(4, 16, 4);
  // f applies filters first (the default cap, 16,384 rows, covers every case here);
  // g never does (prefilter_cap=0): masks and graph post-filtering.
  for (std::string options : {"", ", prefilter_cap=0"}) {
    const std::string t = options.empty() ? "f" : "g";
    db->exec("CREATE VIRTUAL TABLE " + t + " USING hart_vectors(embedding float[16], bucket integer, half text, seal_threshold=3000, background=0" +
             options + ")");
    db->exec("BEGIN");
    Stmt st = db->prepare("INSERT INTO " + t + "(rowid, embedding, bucket, half) VALUES (?, ?, ?, ?)");
    for (size_t i = 0; i < n; ++i) {
      const std::string blob = f32_blob(rows[i]);
      st.bind(1, static_cast<int64_t>(i + 1)).bind_blob(2, blob.data(), blob.size());
      st.bind(3, static_cast<int64_t>(i % 1000)).bind(4, i % 2 ? "odd" : "even").run();
    }
    db->exec("COMMIT");
  }
  struct Case {
    std::string where;
    std::function<bool(size_t)> keep;
  };
  const std::vector<Case> cases = {
      {"half = 'odd'", [](size_t i) { return i % 2 == 1; }},                          // 50 %
      {"bucket < 50", [](size_t i) { return i % 1000 < 50; }},                        // 5 %
      {"bucket = 7", [](size_t i) { return i % 1000 == 7; }},                         // 0.1 %: 10 rows
      {"bucket >= 998 AND half = 'even'", [](size_t i) { return i % 1000 == 998; }},  // 10 rows
  };
  std::set<std::string> strategies;
  for (const std::string t : {"f", "g"})
    for (const Case& c : cases)
      for (const auto& q : queries)
        for (const char* mode : {"exact", "auto", "int8"}) {
          const auto want = oracle_knn("l2", rows, q, 20, c.keep);
          const auto got = knn_rows(*db, "SELECT rowid, distance FROM " + t + " WHERE embedding MATCH ? AND k = 20 AND " +
                                             c.where + " AND mode = '" + mode + "' AND oversample = 1000 ORDER BY distance", q);
          Stmt last = db->prepare("SELECT json_extract(hart_vectors_last_search(), '$.strategy')");
          last.step();
          strategies.insert(last.text(0));
          const std::string what = t + ": " + c.where + " (" + mode + ", " + last.text(0) + ")";
          if (std::string(mode) == "auto") {  // the graph is approximate: every row passes, most are the oracle's
            ASSERT_EQ(got.size(), want.size()) << what;
            for (const Ranked& r : got) EXPECT_TRUE(c.keep(static_cast<size_t>(r.rowid - 1))) << what;
            EXPECT_GE(recall(got, want), 0.8) << what;
          } else {
            expect_same(got, want, what);
          }
        }
  EXPECT_EQ(strategies, (std::set<std::string>{"prefilter", "mask", "postfilter", "exact fallback"}));
}

TEST_F(VectorsTest, DeletesAndUpdatesAreHonouredBeforeAndAfterSealingAndMerging) {
  const auto rows = random_vectors(300, 8, 5);
  db->exec("CREATE VIRTUAL TABLE d USING hart_vectors(embedding float[8], category text, year integer, seal_threshold=100, background=0)");
  fill("d", rows);
  std::vector<bool> alive(rows.size(), true);
  // Delete every third row: sealed rows become tombstones, writable ones go.
  db->exec("DELETE FROM d WHERE rowid % 3 = 0");
  for (size_t i = 0; i < rows.size(); ++i)
    if ((i + 1) % 3 == 0) alive[i] = false;
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM d"), 200);
  EXPECT_GT(scalar(*db, "SELECT count(*) FROM d_tombstones"), 0);
  const auto q = random_vectors(1, 8, 6)[0];
  auto keep = [&](size_t i) { return static_cast<bool>(alive[i]); };
  const std::string knn = "SELECT rowid, distance FROM d WHERE embedding MATCH ? AND k = 15 ORDER BY distance";
  expect_same(knn_rows(*db, knn, q), oracle_knn("l2", rows, q, 15, keep), "after deletes");
  // Move row 1 onto the query: it must come first.
  auto moved = rows;
  moved[0] = q;
  Stmt up = db->prepare("UPDATE d SET embedding = ?, year = 1990 WHERE rowid = 1");
  const std::string blob = f32_blob(q);
  up.bind_blob(1, blob.data(), blob.size()).run();
  expect_same(knn_rows(*db, knn, q), oracle_knn("l2", moved, q, 15, keep), "after an update");
  EXPECT_EQ(scalar(*db, "SELECT year FROM d WHERE rowid = 1"), 1990);
  // Metadata alone: the vector stays where it is.
  db->exec("UPDATE d SET category = 'changed' WHERE rowid = 2");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM d WHERE category = 'changed'"), 1);
  db->exec("INSERT INTO d(d) VALUES ('merge')");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM d_tombstones"), 0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM d_segments WHERE id > 0"), 1);
  EXPECT_EQ(scalar(*db, "SELECT n_vectors FROM d_segments WHERE id = 0"), 0);
  expect_same(knn_rows(*db, knn, q), oracle_knn("l2", moved, q, 15, keep), "after merging");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM d"), 200);
}

TEST_F(VectorsTest, Int8AndBitVectors) {
  db->exec("CREATE VIRTUAL TABLE i8 USING hart_vectors(embedding int8[4])");
  db->exec("INSERT INTO i8(rowid, embedding) VALUES (1, '[1, 2, 3, 4]'), (2, '[-128, 0, 127, 5]'), (3, '[1, 2, 3, 5]')");
  Stmt st = db->prepare("SELECT rowid, distance FROM i8 WHERE embedding MATCH '[1, 2, 3, 4]' AND k = 3 ORDER BY distance");
  std::vector<std::pair<int64_t, double>> got;
  while (st.step()) got.push_back({st.int64(0), st.real(1)});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], std::make_pair(int64_t{1}, 0.0));
  EXPECT_EQ(got[1], std::make_pair(int64_t{3}, 1.0));
  EXPECT_NEAR(got[2].second, std::sqrt(129.0 * 129 + 4 + 124.0 * 124 + 1), 1e-3);
  EXPECT_EQ(vectors_error("INSERT INTO i8(rowid, embedding) VALUES (4, '[1, 2, 3, 200]')"),
            "hart_vectors: column 'embedding': element 3 (200) is not an integer in -128..127");

  db->exec("CREATE VIRTUAL TABLE b USING hart_vectors(embedding bit[16])");
  db->exec("INSERT INTO b(rowid, embedding) VALUES (1, x'0000'), (2, x'FF00'), (3, x'0F0F')");
  db->exec("INSERT INTO b(b) VALUES ('seal')");
  db->exec("INSERT INTO b(rowid, embedding) VALUES (4, x'0100')");
  Stmt bits = db->prepare("SELECT rowid, distance FROM b WHERE embedding MATCH x'0300' AND k = 4 ORDER BY distance");
  std::vector<std::pair<int64_t, double>> hamming;
  while (bits.step()) hamming.push_back({bits.int64(0), bits.real(1)});
  // 4: one bit differs; 1: two; 2 and 3: six each (ties by rowid).
  EXPECT_EQ(hamming, (std::vector<std::pair<int64_t, double>>{{4, 1}, {1, 2}, {2, 6}, {3, 6}}));
  EXPECT_EQ(vectors_error("CREATE VIRTUAL TABLE b2 USING hart_vectors(embedding bit[12])"),
            "hart_vectors: column 'embedding': a bit vector's dimension is a multiple of 8; received 12");
}

TEST_F(VectorsTest, EightThousandDimensions) {
  db->exec("CREATE VIRTUAL TABLE wide USING hart_vectors(embedding float[8192] distance_metric=cosine)");
  const auto rows = random_vectors(40, 8192, 7);
  db->exec("BEGIN");
  Stmt st = db->prepare("INSERT INTO wide(rowid, embedding) VALUES (?, ?)");
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string blob = f32_blob(rows[i]);
    st.bind(1, static_cast<int64_t>(i + 1)).bind_blob(2, blob.data(), blob.size()).run();
  }
  db->exec("COMMIT");
  db->exec("INSERT INTO wide(wide) VALUES ('seal')");
  // A sealed 8192-d vector spans chunks: it reads back whole.
  Stmt back = db->prepare("SELECT embedding FROM wide WHERE rowid = 17");
  ASSERT_TRUE(back.step());
  EXPECT_EQ(std::string(static_cast<const char*>(back.blob(0)), back.bytes(0)), f32_blob(rows[16]));
  const auto got = knn_rows(*db, "SELECT rowid, distance FROM wide WHERE embedding MATCH ? AND k = 3", rows[16]);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].rowid, 17);
  EXPECT_NEAR(got[0].distance, 0, 1e-5);
  EXPECT_NE(error_of("CREATE VIRTUAL TABLE wider USING hart_vectors(embedding float[8193])"), "");
}

TEST_F(VectorsTest, BadInputIsRefusedByNameAndChangesNothing) {
  db->exec("CREATE VIRTUAL TABLE items USING hart_vectors(embedding float[4], category text, year integer)");
  db->exec("INSERT INTO items(rowid, embedding, category, year) VALUES (1, '[1,2,3,4]', 'a', 2020)");
  const std::string before = "SELECT count(*) FROM items_rows";
  struct Case {
    std::string sql, error;
  };
  const std::vector<Case> cases = {
      {"INSERT INTO items(rowid, embedding) VALUES (2, '[1,2,3]')",
       "hart_vectors: column 'embedding': dimension mismatch: expected 4 dimensions but received 3"},
      {"INSERT INTO items(rowid, embedding) VALUES (2, x'00000000')",
       "hart_vectors: column 'embedding': dimension mismatch: expected 4 dimensions (16 bytes of float32) but received 4 bytes"},
      {"INSERT INTO items(rowid, embedding) VALUES (2, x'000000000000')",
       "hart_vectors: column 'embedding': a float32 vector BLOB has a multiple of 4 bytes; received 6 bytes"},
      {"INSERT INTO items(rowid, embedding) VALUES (2, x'0000c07f000000000000000000000000')",
       "hart_vectors: column 'embedding': element 0 is NaN; vectors hold finite numbers only"},
      {"INSERT INTO items(rowid, embedding) VALUES (2, '[1e39, 0, 0, 0]')",
       "hart_vectors: column 'embedding': element 0 (1e+39) is not a finite float32"},
      {"INSERT INTO items(rowid, embedding) VALUES (2, '[1, 2, 3, x]')",
       "hart_vectors: column 'embedding': not a JSON array of numbers (element 3 at offset 10 is not a number)"},
      {"INSERT INTO items(rowid, embedding) VALUES (2, NULL)", "hart_vectors: column 'embedding': the vector is NULL"},
      {"INSERT INTO items(rowid, embedding) VALUES (1, '[1,2,3,4]')",
       "hart_vectors: UNIQUE constraint failed: items primary key (rowid 1 is already stored)"},
      {"INSERT INTO items(rowid, embedding, year) VALUES (2, '[1,2,3,4]', 'soon')",
       "hart_vectors: metadata column 'year' is integer; received TEXT 'soon'"},
      {"INSERT INTO items(rowid, embedding, distance) VALUES (2, '[1,2,3,4]', 0.5)",
       "hart_vectors: distance, k, mode, ef_search and oversample are parts of a KNN query; they cannot be stored"},
      {"INSERT INTO items(items) VALUES ('vacuum')", "hart_vectors: command 'vacuum' is unknown (known: seal, merge, optimize, rebuild, check)"},
      {"SELECT rowid FROM items WHERE embedding MATCH '[1,2,3,4]' AND k = 0", "hart_vectors: k is 0; it must be 1..100000"},
      {"SELECT rowid FROM items WHERE embedding MATCH '[1,2,3,4]' AND k = 100001",
       "hart_vectors: k is 100001; it must be 1..100000"},
      {"SELECT rowid FROM items WHERE embedding MATCH '[1,2,3,4]' AND k = 'ten'",
       "hart_vectors: k must be an integer in 1..100000; received 'ten'"},
      {"SELECT rowid FROM items WHERE embedding MATCH '[1,2,3,4]' AND k = 3 AND mode = 'fast'",
       "hart_vectors: mode 'fast' is unknown (known: auto, exact, ann, int8, binary, spatial, spatial_pca, hybrid, "
       "hybrid_pca)"},
      {"SELECT rowid FROM items WHERE embedding MATCH '[1,2,3,4]' AND k = 3 AND mode = 'spatial'",
       "hart_vectors: mode 'spatial' needs the 3-D projections, which items was created without: add spatial=1 to its "
       "CREATE VIRTUAL TABLE"},
      {"SELECT rowid FROM items WHERE embedding MATCH '[1,2]' AND k = 3",
       "hart_vectors: dimension mismatch: the column 'embedding' has 4 dimensions, the query vector 2"},
      {"SELECT rowid FROM items WHERE embedding MATCH '[]' AND k = 3",
       "hart_vectors: the MATCH vector: the vector is empty (zero dimensions)"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(vectors_error(c.sql), c.error) << c.sql;
    EXPECT_EQ(scalar(*db, before), 1) << c.sql;
  }
  EXPECT_EQ(scalar(*db, "SELECT year FROM items WHERE rowid = 1"), 2020);
}

TEST_F(VectorsTest, MalformedDdlIsRefusedWithTheReason) {
  struct Case {
    std::string args, error;
  };
  const std::vector<Case> cases = {
      {"", "no vector column: declare one such as 'embedding float[384]'"},
      {"category text", "no vector column: declare one such as 'embedding float[384]'"},
      {"embedding float[0]", "column 'embedding': the dimension is '0'; expected an integer in 1..8192"},
      {"embedding float[9000]", "column 'embedding': the dimension is '9000'; expected an integer in 1..8192"},
      {"embedding float[x]", "column 'embedding': the dimension is 'x'; expected an integer in 1..8192"},
      {"embedding float[4 ]", "column 'embedding': 'float[4' should read type[dimensions], e.g. float[384]"},
      {"embedding double[4]", "unknown vector element type 'double' (known: float32 or float, int8, bit)"},
      {"embedding float[4] distance_metric=manhattan", "distance_metric 'manhattan' is unknown (known: l2, cosine, dot, hamming)"},
      {"embedding float[4] distance_metric=hamming", "column 'embedding': hamming distance is for bit vectors; use l2, cosine or dot"},
      {"embedding bit[8] distance_metric=l2", "column 'embedding': bit vectors are compared by hamming distance only"},
      {"embedding bit[12]", "column 'embedding': a bit vector's dimension is a multiple of 8; received 12"},
      {"a float[4], b float[4]", "a second vector column 'b': a collection has one vector column"},
      {"embedding float[4], year date", "column 'year': type 'date' is not a metadata type (text, integer, float, boolean) nor a vector type such as float[384]"},
      {"embedding float[4], year", "column 'year' has no type"},
      {"embedding float[4], distance float", "column 'distance' is declared twice or is a name the table uses itself (rowid, distance, k, mode, ef_search, oversample)"},
      {"embedding float[4], \"odd name\" text", "'\"odd' is not a column name (letters, digits and _, not starting with a digit, at most 64)"},
      {"embedding float[4], seal_threshold=3", "seal_threshold is '3'; expected an integer in 16..10000000"},
      {"embedding float[4], spatial=maybe", "spatial is 'maybe'; expected 1 or 0 (on/off, true/false)"},
      {"embedding float[4], background=later", "background is 'later'; expected 1 or 0 (on/off, true/false)"},
      {"embedding float[4], merge_factor=1", "merge_factor is '1'; expected 0 (never merge by itself) or 2..64"},
      {"embedding float[4], merge_factor=65", "merge_factor is '65'; expected an integer in 0..64"},
      {"embedding float[4], colour=blue", "option 'colour' is unknown (known: seal_threshold, merge_factor, background, prefilter_cap, spatial, hnsw_m, ef_construction, ef_search)"},
      {"embedding float[4], vt text", "column 'vt' has the table's own name, which takes commands"},
  };
  for (const Case& c : cases) {
    const std::string sql = "CREATE VIRTUAL TABLE vt USING hart_vectors(" + c.args + ")";
    try {
      db->exec(sql);
      ADD_FAILURE() << sql << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("hart_vectors: " + c.error), std::string::npos) << sql << "\n" << e.what();
    }
    EXPECT_EQ(scalar(*db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'vt%'"), 0) << sql;
  }
}

TEST_F(VectorsTest, ARolledBackSealLeavesTheCollectionAsItWas) {
  const auto rows = random_vectors(100, 8, 9);
  db->exec("CREATE VIRTUAL TABLE r USING hart_vectors(embedding float[8], category text, year integer, seal_threshold=120, background=0)");
  fill("r", rows);
  const auto q = rows[5];
  const std::string knn = "SELECT rowid, distance FROM r WHERE embedding MATCH ? AND k = 5 ORDER BY distance";
  const auto before = knn_rows(*db, knn, q);
  db->exec("BEGIN");
  auto more = random_vectors(30, 8, 10);
  Stmt st = db->prepare("INSERT INTO r(rowid, embedding) VALUES (?, ?)");
  for (size_t i = 0; i < more.size(); ++i) {
    const std::string blob = f32_blob(more[i]);
    st.bind(1, static_cast<int64_t>(1000 + i)).bind_blob(2, blob.data(), blob.size()).run();
  }
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM r_segments WHERE id > 0"), 1);  // sealed inside the transaction
  db->exec("ROLLBACK");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM r_segments WHERE id > 0"), 0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM r"), 100);
  expect_same(knn_rows(*db, knn, q), before, "after the rollback");
}

TEST_F(VectorsTest, ADamagedVectorChunkIsReportedNotTrusted) {
  const auto rows = random_vectors(50, 8, 11);
  db->exec("CREATE VIRTUAL TABLE x USING hart_vectors(embedding float[8], category text, year integer)");
  fill("x", rows);
  db->exec("INSERT INTO x(x) VALUES ('seal')");
  db->exec("UPDATE x_chunks SET data = zeroblob(length(data)) WHERE part = 'vectors'");
  const std::string err = error_of("SELECT rowid FROM x WHERE embedding MATCH '[1,2,3,4,5,6,7,8]' AND k = 3");
  EXPECT_NE(err.find("segment 1's vectors are damaged: chunk 0 does not match its SHA-256"), std::string::npos) << err;
}

TEST_F(VectorsTest, RenamingKeepsTheCollectionAndFreesTheOldName) {
  db->exec("CREATE VIRTUAL TABLE a USING hart_vectors(embedding float[2], category text)");
  db->exec("INSERT INTO a(rowid, embedding, category) VALUES (1, '[1, 0]', 'x')");
  db->exec("ALTER TABLE a RENAME TO b");
  db->exec("CREATE VIRTUAL TABLE a USING hart_vectors(embedding float[2], category text)");
  EXPECT_EQ(scalar(*db, "SELECT rowid FROM b WHERE embedding MATCH '[1, 0]' AND k = 1 AND category = 'x'"), 1);
  db->exec("DROP TABLE b");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'b\\_%' ESCAPE '\\'"), 0);
}

}  // namespace
}  // namespace hart::test

namespace hart::test {
namespace {

// Tombstones and filters bind every mode: no deleted or filtered-out row comes back,
// the answer still has k rows, and with candidates enough for all rows the
// approximate modes give the exact answer.
TEST_F(VectorsTest, EveryModeHonoursTombstonesAndFilters) {
  const auto rows = random_vectors(600, 12, 21);
  db->exec("CREATE VIRTUAL TABLE m USING hart_vectors(embedding float[12] distance_metric=cosine, category text, year integer, seal_threshold=200, spatial=1)");
  fill("m", rows);
  db->exec("DELETE FROM m WHERE rowid % 4 = 0");
  // category < 'c1:' compares text: c0, c1 and c10..c19 pass, c2..c9 do not.
  auto keep = [](size_t i) { return (i + 1) % 4 != 0 && (i % 20 < 2 || i % 20 >= 10); };
  const auto q = random_vectors(1, 12, 22)[0];
  const auto want = oracle_knn("cosine", rows, q, 25, keep);
  for (const char* mode : {"auto", "exact", "int8", "binary", "spatial", "spatial_pca", "hybrid", "hybrid_pca"}) {
    const std::string sql = std::string("SELECT rowid, distance FROM m WHERE embedding MATCH ? AND k = 25 AND category < 'c1:'") +
                            " AND mode = '" + mode + "' AND oversample = 1000 ORDER BY distance";
    const auto got = knn_rows(*db, sql, q);
    ASSERT_EQ(got.size(), 25u) << mode;
    for (const Ranked& r : got) EXPECT_TRUE(keep(static_cast<size_t>(r.rowid - 1))) << mode << ": row " << r.rowid;
    if (std::string(mode).rfind("spatial", 0) != 0) expect_same(got, want, mode);
  }
}

}  // namespace
}  // namespace hart::test
