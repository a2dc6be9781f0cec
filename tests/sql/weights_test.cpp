#include <nlohmann/json.hpp>

#include "util/error.h"

#include "sql_fixture.h"

namespace hart::test {
namespace {

// Rows of `sql` as text, in order.
std::vector<std::string> rows(Database& db, const std::string& sql) {
  Stmt s = db.prepare(sql);
  std::vector<std::string> out;
  int n = sqlite3_column_count(s.raw());
  while (s.step()) {
    std::string r;
    for (int i = 0; i < n; ++i) r += s.text(i) + "|";
    out.push_back(r);
  }
  return out;
}

nlohmann::json scan_stats(Database& db) {
  Stmt s = db.prepare("SELECT weights_scan_stats()");
  s.step();
  return nlohmann::json::parse(s.text(0));
}

// `+col` hides a constraint from xBestIndex, so SQLite filters every row itself.
std::string without_pushdown(std::string where) {
  for (const char* col : {"model", "tensor", "layer", "kind", "idx", "value", "importance"}) {
    std::string c = col;
    for (size_t p = 0; (p = where.find(c + " ", p)) != std::string::npos; p += c.size() + 2) {
      bool word_start = p == 0 || where[p - 1] == ' ' || where[p - 1] == '(';
      if (word_start) where.insert(p, "+");
    }
  }
  return where;
}

class WeightsTest : public SqlTest {};

TEST_F(WeightsTest, CountEqualsParameterCount) {
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE model = 'm'"),
            scalar(*db, "SELECT parameter_count FROM models WHERE name = 'm'"));
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights"), 2 * (256 + 65536 + 131072) + 300 * 256);
}

TEST_F(WeightsTest, PushdownReturnsExactlyWhatAFullScanReturns) {
  const std::vector<std::string> filters = {
      "value > 0.9",
      "value >= 0.95 AND value < 1.05",
      "value BETWEEN -0.001 AND 0.001 AND layer = 1",
      "importance >= 0.99",
      "importance > 0.5 AND value < 0",
      "importance < 0.001 AND kind = 'ffn_up'",
      "idx BETWEEN 100 AND 40000 AND tensor = 'blk.0.ffn_up.weight'",
      "idx >= 32767 AND idx <= 32769",
      "idx = 5",
      "idx > 65530 AND model = 'm' AND layer = 0",
      "value = 0",
      "value > 1e30",
      "value < -1e30",
      "model = 'nope'",
      "model = 'm' AND tensor = 'token_embd.weight' AND idx < 10",
      "kind = 'attn_norm' AND value > 1.1",
      "layer = 1 AND importance BETWEEN 0.2 AND 0.3",
      "value > NULL",
      "idx < 0",
  };
  for (const std::string& f : filters) {
    std::string cols = "SELECT model, tensor, layer, kind, idx, value, importance, meta FROM weights WHERE ";
    auto with = rows(*db, cols + f);
    auto without = rows(*db, cols + without_pushdown(f));
    EXPECT_EQ(with, without) << f << "  vs  " << without_pushdown(f);
  }
}

TEST_F(WeightsTest, SelectiveValueRangeSkipsChunksThroughZoneMaps) {
  int64_t n = scalar(*db, "SELECT count(*) FROM weights WHERE value BETWEEN 0.9 AND 1.1");
  nlohmann::json st = scan_stats(*db);
  EXPECT_GT(n, 400);  // the two norms, near 1.0
  EXPECT_EQ(st["chunks_read"], 2) << st.dump();
  EXPECT_EQ(st["chunks_total"], scalar(*db, "SELECT count(*) FROM tensor_chunks"));
  EXPECT_EQ(st["chunks_skipped"].get<int64_t>(), st["chunks_total"].get<int64_t>() - 2);

  scalar(*db, "SELECT count(*) FROM weights WHERE +value BETWEEN 0.9 AND 1.1");
  EXPECT_EQ(scan_stats(*db)["chunks_skipped"], 0);
}

TEST_F(WeightsTest, TensorAndIndexRangeReadOneChunk) {
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE tensor = 'blk.1.ffn_up.weight' AND idx BETWEEN 40000 AND 40009"), 10);
  EXPECT_EQ(scan_stats(*db)["chunks_read"], 1);
}

TEST_F(WeightsTest, ColumnsDescribeEachElement) {
  Stmt s = db->prepare("SELECT model, tensor, layer, kind, idx, value, importance, meta FROM weights"
                       " WHERE tensor = 'blk.1.attn_norm.weight' AND idx = 7");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "m");
  EXPECT_EQ(s.int64(2), 1);
  EXPECT_EQ(s.text(3), "attn_norm");
  EXPECT_EQ(s.int64(4), 7);
  float expect;
  std::memcpy(&expect, model.tensors[3].bytes.data() + 7 * 4, 4);
  EXPECT_EQ(static_cast<float>(s.real(5)), expect);
  EXPECT_EQ(s.int64(7), 1);
  Stmt e = db->prepare("SELECT layer IS NULL, meta FROM weights WHERE tensor = 'token_embd.weight' AND idx = 0");
  ASSERT_TRUE(e.step());
  EXPECT_EQ(e.int64(0), 1);
  EXPECT_EQ(e.int64(1), -1);
}

TEST_F(WeightsTest, WorksInJoinsAndAggregates) {
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM tensors t JOIN weights w ON w.tensor = t.name AND w.model = 'm'"
                        " WHERE t.kind = 'attn_norm' AND w.value > 1.0"),
            scalar(*db, "SELECT count(*) FROM weights WHERE kind = 'attn_norm' AND value > 1.0"));
}

class TensorStatsTest : public SqlTest {};

TEST_F(TensorStatsTest, StatsAgreeWithTheRows) {
  Stmt s = db->prepare("SELECT tensor, count, min, max, mean, std, mean_abs, zero_fraction, histogram"
                       " FROM tensor_stats('m', 10)");
  int seen = 0;
  while (s.step()) {
    ++seen;
    std::string t = s.text(0);
    Stmt w = db->prepare("SELECT count(*), min(value), max(value), avg(value), avg(abs(value)),"
                         " sum(value = 0) * 1.0 / count(*), avg(value * value) FROM weights WHERE tensor = ?");
    w.bind(1, t);
    ASSERT_TRUE(w.step());
    EXPECT_EQ(s.int64(1), w.int64(0)) << t;
    EXPECT_EQ(s.real(2), w.real(1)) << t;
    EXPECT_EQ(s.real(3), w.real(2)) << t;
    EXPECT_NEAR(s.real(4), w.real(3), 1e-5) << t;
    EXPECT_NEAR(s.real(6), w.real(4), 1e-5) << t;
    EXPECT_DOUBLE_EQ(s.real(7), w.real(5)) << t;
    double var = w.real(6) - w.real(3) * w.real(3);
    EXPECT_NEAR(s.real(5), std::sqrt(std::max(0.0, var)), 1e-4) << t;
    auto h = nlohmann::json::parse(s.text(8));
    ASSERT_EQ(h["counts"].size(), 10u);
    int64_t total = 0;
    for (auto& c : h["counts"]) total += c.get<int64_t>();
    EXPECT_EQ(total, s.int64(1)) << t;
    EXPECT_EQ(h["min"].get<double>(), s.real(2));
  }
  EXPECT_EQ(seen, 7);
  // Only the embedding holds exact zeros (set by the fixture; Q8_0 rounds some to zero too).
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM tensor_stats WHERE zero_fraction > 0 AND kind = 'token_embd'"), 1);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM tensor_stats WHERE zero_fraction > 0 AND dtype IN ('F16', 'F32') AND kind <> 'token_embd'"), 0);
}

TEST_F(TensorStatsTest, BadBinsIsAClearError) {
  try {
    scalar(*db, "SELECT count(histogram) FROM tensor_stats('m', 0)");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("bins must be between 1 and"));
  }
}

}  // namespace
}  // namespace hart::test
