// The `weights` table answers every WHERE clause as a plain table holding the same
// rows does: pushdown may skip work, never rows. Each model's rows are copied into
// a real table and every predicate is counted and checksummed on both.
#include <cfloat>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "../store/store_fixture.h"
#include "store/model_ingest.h"
#include "support/model_builder.h"

namespace hart::test {
namespace {

// Order-independent and exact: integer sums over each row's columns (a value is
// scaled and truncated; NULL, NaN's stored form, is skipped by sum and counted apart).
const char* const kChecksum =
    "SELECT count(*), count(layer), count(value), count(importance), sum(idx), sum(layer), sum(meta),"
    " sum(length(tensor)), sum(length(kind)), sum(CAST(value * 1e6 AS INTEGER) % 1000000007),"
    " sum(CAST(importance * 1e9 AS INTEGER) % 1000000007) FROM ";

// Every column, every comparison operator; numbers of both types, out-of-range ones,
// TEXT, BLOB and NULL operands, collations, IN, BETWEEN and combinations.
const std::vector<std::string> kPredicates = {
    // model, tensor, kind: equality is pushed down
    "model = '{m}'", "model = 'nope'", "model = 1", "model = NULL", "model = x'00'",
    "model IN ('{m}', 'nope')", "model > 'a'", "upper(model) = upper('{m}')",
    "model = upper('{m}') COLLATE NOCASE", "model = '{m}' COLLATE RTRIM",
    "tensor = 'blk.0.attn_q.weight'", "tensor = 'BLK.0.ATTN_Q.WEIGHT' COLLATE NOCASE", "tensor = 5",
    "tensor IN ('token_embd.weight', 'output.weight', 'nope')", "tensor = NULL", "tensor < 'blk.1'",
    "kind = 'attn_q'", "kind = 'ATTN_Q' COLLATE NOCASE", "kind = 'nope'", "kind = NULL", "kind = 0",
    "kind IN ('attn_q', 'ffn_up')", "kind = x'61747472'",
    // layer: equality pushed, INTEGER affinity
    "layer = 0", "layer = 1", "layer = '1'", "layer = 1.0", "layer = 1.5", "layer = 'abc'", "layer = x'00'",
    "layer = NULL", "layer IS NULL", "layer IN (0, 2, NULL)", "layer > 2", "layer = 9223372036854775807",
    "layer = 1e300",
    // idx: bounds pushed down (chunk and row skipping)
    "idx = 5", "idx = 5.0", "idx = 5.5", "idx = '5'", "idx = -1", "idx = 'abc'", "idx = x'00'",
    "idx > 100", "idx >= 100", "idx < 100", "idx <= 100", "idx > 100.5", "idx < 100.5", "idx >= 99.5",
    "idx <= 100.5", "idx > '100'", "idx < ' 1e2 '", "idx <= '100.5'", "idx >= '9223372036854775808'",
    "idx < '-5'", "idx BETWEEN 10 AND 20", "idx BETWEEN 20 AND 10",
    "idx BETWEEN 1.5 AND 3.5", "idx > 1e300", "idx < 1e300", "idx >= -1e300", "idx < -1e300",
    "idx > 9223372036854775807", "idx <= 9223372036854775807", "idx < -9223372036854775808",
    "idx >= -9223372036854775808", "idx > 9.3e18", "idx < 9.3e18", "idx > -9.3e18", "idx < -9.3e18",
    "idx > 4611686018427387904", "idx < 'abc'", "idx > 'abc'", "idx <= 'abc'", "idx >= 'abc'",
    "idx < x'00'", "idx > x'00'", "idx > NULL", "idx < NULL", "idx IN (1, 3, 1000000, 'abc', NULL)",
    "idx > 'abc' OR idx < 5", "idx > 10 AND idx < 'abc'", "idx < 'abc' AND idx > 10",
    // value: bounds pushed down (zone maps)
    "value > 0", "value >= 0", "value < 0", "value <= 0", "value = 0", "value <> 0", "value = -0.0",
    "value > 0.1", "value < -0.1", "value >= 0.1 AND value <= 0.2", "value BETWEEN -0.01 AND 0.01",
    "value BETWEEN 0.01 AND -0.01", "value = 1", "value = 1.0", "value IN (0, 1, 'abc', NULL)",
    "value < 'abc'", "value > 'abc'", "value <= 'abc'", "value >= 'abc'", "value = 'abc'", "value < '0.5'",
    "value > '0.5'", "value < ' 0.5 '", "value >= '1e400'", "value > '-1e400'", "value < '0.5abc'",
    "value > '0x10'", "value < x'00'", "value > x'00'", "value > NULL", "value = NULL", "value IS NULL",
    "value IS NOT NULL", "value > 1e300", "value < 1e300", "value > -1e300", "value < -1e300",
    "value >= 3.2e38", "value <= -3.2e38", "value > 3.5e38", "value < -3.5e38",
    "value > 9223372036854775807", "value < -9223372036854775808", "value > 1 AND value < 'abc'",
    "value > 'abc' AND value > 0", "value < 'abc' AND value < 0",
    // importance: bounds pushed down (zone maps)
    "importance > 0.5", "importance >= 1", "importance = 1", "importance = 0", "importance < 0.001",
    "importance <= 0", "importance > 'abc'", "importance < 'abc'", "importance >= x'00'", "importance > '0.5'",
    "importance < x'00'", "importance BETWEEN 0.2 AND 0.3", "importance > 2", "importance < -1",
    "importance >= 1e300", "importance <= 1e300", "importance > NULL", "importance IS NULL",
    // meta: not pushed down
    "meta = -1", "meta = 0", "meta > 2", "meta < 'abc'", "meta = NULL",
    // combinations
    "model = '{m}' AND layer = 1 AND kind = 'ffn_up' AND value > 0 AND idx < 1000",
    "tensor = 'blk.0.attn_q.weight' AND idx BETWEEN 10 AND 2000 AND importance > 0.1",
    "layer = 0 AND value < 'abc'", "kind = 'attn_norm' AND value BETWEEN 0.5 AND 1.5 AND idx > 5",
    "layer = 1 AND idx > 1e300", "value > 0 AND value < 0", "idx >= 50 AND idx < 50",
    "importance > 0.5 AND importance < 'abc' AND idx < 9.3e18",
};

std::string with_model(std::string predicate, const std::string& model) {
  for (size_t p; (p = predicate.find("{m}")) != std::string::npos;) predicate.replace(p, 3, model);
  return predicate;
}

std::string row_text(Database& db, const std::string& sql) {
  Stmt s = db.prepare(sql);
  EXPECT_TRUE(s.step()) << sql;
  std::string out;
  for (int i = 0; i < sqlite3_column_count(s.raw()); ++i) out += s.text(i) + "|";
  return out;
}

nlohmann::json scan_stats(Database& db) {
  Stmt s = db.prepare("SELECT weights_scan_stats()");
  s.step();
  return nlohmann::json::parse(s.text(0));
}

class WeightsPredicatesTest : public StoreTest {
 protected:
  // Copies the weights rows of `model` (the only one stored) into the table `copy`.
  void ingest(const std::string& path, const std::string& model) {
    ingest_model(*db, path, {model});
    db->exec("CREATE TABLE copy AS SELECT * FROM weights WHERE model = '" + model + "'");
    ASSERT_EQ(scalar(*db, "SELECT count(*) FROM copy"), scalar(*db, "SELECT count(*) FROM weights"));
  }

  void expect_same_answers(const std::string& model) {
    for (const std::string& p : kPredicates) {
      std::string where = " WHERE " + with_model(p, model);
      EXPECT_EQ(row_text(*db, kChecksum + std::string("weights") + where), row_text(*db, kChecksum + std::string("copy") + where))
          << where;
    }
  }

  void expect_out_of_range_index_reads_nothing() {
    EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE idx > 1e300"), 0);
    EXPECT_EQ(scan_stats(*db)["chunks_read"], 0);
    EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE idx >= 9.3e18"), 0);
    EXPECT_EQ(scan_stats(*db)["chunks_read"], 0);
    EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE idx < 1e300"), scalar(*db, "SELECT count(*) FROM copy"));
  }

  // TEXT that reads as a number is that number to SQLite, so it bounds the scan too.
  void expect_number_as_text_skips_chunks() {
    scalar(*db, "SELECT count(*) FROM weights WHERE idx < '10'");
    nlohmann::json st = scan_stats(*db);
    EXPECT_EQ(st["chunks_read"], scalar(*db, "SELECT count(*) FROM tensors")) << st.dump();
  }
};

TEST_F(WeightsPredicatesTest, Stories260KAnswersAsAPlainTable) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  ingest(path, "stories260K");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE value < 'abc'"), 292800);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE value > 'abc'"), 0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE idx < 'abc'"), 292800);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE importance < x'00'"), 292800);
  expect_same_answers("stories260K");
  expect_out_of_range_index_reads_nothing();
  expect_number_as_text_skips_chunks();
}

// NaN (stored as NULL), infinities, the largest floats, signed zeros and denormals;
// chunks holding only values below -3e38, only NaNs, only -inf, only +inf.
TEST_F(WeightsPredicatesTest, ExtremeValuesAnswerAsAPlainTable) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  BuiltModel m;
  m.add_f32("blk.0.attn_norm.weight", {16},
            {nan, 1, -1, inf, -inf, 0, -0.0f, FLT_MAX, -FLT_MAX, 1e-45f, -1e-45f, 0.5f, 2, nan, 3, -3});
  m.add_f32("blk.0.attn_q.weight", {4}, {-3.3e38f, -3.2e38f, -FLT_MAX, -3.1e38f});
  m.add_f32("blk.1.attn_q.weight", {4}, {nan, nan, nan, nan});
  m.add_f32("blk.1.attn_k.weight", {4}, {-inf, -inf, -inf, -inf});
  m.add_f32("blk.1.attn_v.weight", {4}, {inf, inf, inf, inf});
  m.add_f32("blk.1.attn_norm.weight", {8}, {0.9f, 1.0f, 1.1f, 0.95f, 1.05f, 0.5f, 1.5f, 1});
  m.add_normal("blk.1.ffn_up.weight", {64, 64}, DType::Q8_0, 0.02f, 7);
  m.add_normal("token_embd.weight", {300, 64}, DType::F32, 0.5f, 8);
  m.add_normal("output.weight", {100, 64}, DType::F16, 0.02f, 9);
  m.write_gguf(dir.file("x.gguf"));
  ingest(dir.file("x.gguf"), "x");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE value >= -1e300 AND tensor = 'blk.0.attn_q.weight'"), 4);
  expect_same_answers("x");
  expect_out_of_range_index_reads_nothing();
  expect_number_as_text_skips_chunks();
}

}  // namespace
}  // namespace hart::test
