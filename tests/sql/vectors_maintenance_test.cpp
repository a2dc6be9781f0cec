// Sealing and merging by themselves (search/maintenance.h): the tier policy, in the
// inserting statement and on the background thread, with deletes and updates racing
// it, answers always equal to the exact oracle.
#include <bit>
#include <map>
#include <nlohmann/json.hpp>

#include "search/maintenance.h"
#include "vectors_test_util.h"

namespace hart::test {
namespace {

using search::SegmentRow;

class VectorMaintenanceTest : public StoreTest {
 protected:
  int64_t sealed_segments(const std::string& t) { return scalar(*db, "SELECT count(*) FROM " + t + "_segments WHERE id > 0"); }
  int64_t writable_rows(const std::string& t) { return scalar(*db, "SELECT n_vectors FROM " + t + "_segments WHERE id = 0"); }
  void insert(const std::string& t, int64_t rowid, const std::vector<float>& v) {
    Stmt st = db->prepare("INSERT INTO " + t + "(rowid, embedding) VALUES (?, ?)");
    const std::string blob = f32_blob(v);
    st.bind(1, rowid).bind_blob(2, blob.data(), blob.size());
    st.run();
  }
  // Exact KNN of `t` against the oracle over `live` (rowid -> vector), for a few queries.
  void expect_oracle(const std::string& t, const std::map<int64_t, std::vector<float>>& live, const std::string& what) {
    std::vector<std::vector<float>> rows;
    std::vector<int64_t> ids;
    for (const auto& [id, v] : live) ids.push_back(id), rows.push_back(v);
    const auto queries = random_vectors(5, rows.front().size(), 99);
    for (const auto& q : queries) {
      std::vector<Ranked> want = oracle_knn("l2", rows, q, 10, [](size_t) { return true; });
      for (Ranked& r : want) r.rowid = ids[static_cast<size_t>(r.rowid - 1)];
      for (const char* mode : {"exact", "ann"}) {
        const auto got = knn_rows(*db, "SELECT rowid, distance FROM " + t + " WHERE embedding MATCH ? AND k = 10 AND mode = '" +
                                           mode + "' AND ef_search = 200 ORDER BY distance", q);
        ASSERT_EQ(got.size(), want.size()) << what << " " << mode;
        if (std::string(mode) == "exact")
          for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].rowid, want[i].rowid) << what << " rank " << i;
        else
          EXPECT_GE(recall(got, want), 0.9) << what << " ann";
      }
    }
    EXPECT_EQ(scalar(*db, "SELECT count(*) FROM " + t), static_cast<int64_t>(live.size())) << what;
    db->exec("INSERT INTO " + t + "(" + t + ") VALUES ('check')");
  }
};

SegmentRow seg(int64_t id, int64_t n, int64_t deleted = 0) { return {id, n, deleted, 1, "hnsw", "{}"}; }

TEST_F(VectorMaintenanceTest, MergesBySizeTierAndRewritesHalfDeletedSegments) {
  search::CollectionSpec spec;
  spec.seal_threshold = 100;
  spec.merge_factor = 4;
  using Ids = std::vector<int64_t>;
  auto ids = [](const std::optional<std::vector<SegmentRow>>& due) {
    Ids out;
    if (due)
      for (const SegmentRow& s : *due) out.push_back(s.id);
    return out;
  };
  EXPECT_EQ(ids(search::merge_due({seg(0, 5), seg(1, 100), seg(2, 100), seg(3, 100)}, spec)), Ids{});
  EXPECT_EQ(ids(search::merge_due({seg(0, 5), seg(1, 100), seg(2, 100), seg(3, 100), seg(4, 100)}, spec)), (Ids{1, 2, 3, 4}));
  // Tier 1 (400..1599 live rows) fills up separately from tier 0.
  EXPECT_EQ(ids(search::merge_due({seg(1, 400), seg(2, 100), seg(3, 410), seg(4, 100), seg(5, 400)}, spec)), Ids{});
  EXPECT_EQ(ids(search::merge_due({seg(1, 400), seg(2, 100), seg(3, 410), seg(6, 399), seg(5, 400), seg(7, 1000)}, spec)),
            (Ids{1, 3, 5, 7}));
  // Deleted rows do not count; a segment more than half deleted is rewritten alone.
  EXPECT_EQ(ids(search::merge_due({seg(1, 500, 120), seg(2, 100), seg(3, 100), seg(4, 100)}, spec)), (Ids{1, 2, 3, 4}));
  EXPECT_EQ(ids(search::merge_due({seg(1, 100), seg(2, 100, 51)}, spec)), Ids{2});
  spec.merge_factor = 0;
  EXPECT_EQ(ids(search::merge_due({seg(1, 100), seg(2, 100), seg(3, 100), seg(4, 100)}, spec)), Ids{});
}

TEST_F(VectorMaintenanceTest, InsertsKeepALogarithmicNumberOfSegmentsInTheStatement) {
  db->exec("CREATE VIRTUAL TABLE s USING hart_vectors(embedding float[8], seal_threshold=16, merge_factor=2, background=0)");
  const auto rows = random_vectors(16 * 21, 8, 3);
  std::map<int64_t, std::vector<float>> live;
  for (size_t i = 0; i < rows.size(); ++i) {
    insert("s", static_cast<int64_t>(i + 1), rows[i]);
    live[static_cast<int64_t>(i + 1)] = rows[i];
    const size_t sealed_rows = (i + 1) / 16 * 16;
    // Binary counting: one segment per set bit of the number of seals.
    ASSERT_EQ(sealed_segments("s"), std::popcount(sealed_rows / 16)) << "after " << i + 1 << " rows";
    ASSERT_EQ(writable_rows("s"), static_cast<int64_t>(i + 1 - sealed_rows));
  }
  expect_oracle("s", live, "21 seals");
}

TEST_F(VectorMaintenanceTest, TheBackgroundThreadSealsAndMergesWhileRowsComeAndGo) {
  db->exec("CREATE VIRTUAL TABLE b USING hart_vectors(embedding float[16], seal_threshold=64, merge_factor=3, background=1)");
  const search::MaintenanceStatus before = search::maintenance_status();
  const auto rows = random_vectors(3000, 16, 5);
  std::map<int64_t, std::vector<float>> live;
  std::mt19937 rng(7);
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t id = static_cast<int64_t>(i + 1);
    insert("b", id, rows[i]);  // each its own transaction, as an application would
    live[id] = rows[i];
    if (i % 7 == 6) {  // a delete and a moved vector now and then, wherever the rows are
      auto victim = std::next(live.begin(), static_cast<ptrdiff_t>(rng() % live.size()));
      db->exec("DELETE FROM b WHERE rowid = " + std::to_string(victim->first));
      live.erase(victim);
      auto moved = std::next(live.begin(), static_cast<ptrdiff_t>(rng() % live.size()));
      moved->second = random_vectors(1, 16, static_cast<uint32_t>(i))[0];
      Stmt up = db->prepare("UPDATE b SET embedding = ? WHERE rowid = ?");
      const std::string blob = f32_blob(moved->second);
      up.bind_blob(1, blob.data(), blob.size()).bind(2, moved->first);
      up.run();
    }
    if (i % 500 == 499) expect_oracle("b", live, "while the thread works, after " + std::to_string(i + 1));
  }
  ASSERT_TRUE(search::wait_for_maintenance(std::chrono::seconds(60)));
  const search::MaintenanceStatus after = search::maintenance_status();
  EXPECT_GT(after.steps, before.steps);
  EXPECT_EQ(after.failures, before.failures) << after.last_error;
  EXPECT_LT(writable_rows("b"), 64);
  // At most merge_factor - 1 segments per tier: tiers 0..3 at 3,000 rows.
  EXPECT_LE(sealed_segments("b"), 2 * 4);
  expect_oracle("b", live, "once the thread is done");
  Stmt st = db->prepare("SELECT hart_vectors_maintenance(1000)");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(nlohmann::json::parse(st.text(0))["queued"], 0);
}

// What the thread does between its two transactions, done by hand: rows deleted,
// changed or sealed elsewhere after the plan was read stay out of the new segment.
TEST_F(VectorMaintenanceTest, AStepReconcilesRowsChangedAfterItsPlanWasRead) {
  db->exec("CREATE VIRTUAL TABLE u USING hart_vectors(embedding float[4], seal_threshold=16, background=0)");
  const auto rows = random_vectors(40, 4, 9);
  std::map<int64_t, std::vector<float>> live;
  auto put = [&](size_t i) {
    insert("u", static_cast<int64_t>(i + 1), rows[i]);
    live[static_cast<int64_t>(i + 1)] = rows[i];
  };
  for (size_t i = 0; i < 12; ++i) put(i);
  search::Collection c(db->handle(), "main", "u",
                       search::parse_collection_spec({"embedding float[4]", "seal_threshold=16", "background=0"}));
  search::SegmentPlan plan = c.plan_seal();
  ASSERT_EQ(plan.from_fresh, 12u);
  db->exec("DELETE FROM u WHERE rowid = 3");
  live.erase(3);
  Stmt up = db->prepare("UPDATE u SET embedding = ? WHERE rowid = 4");
  const std::string blob = f32_blob(rows[30]);
  up.bind_blob(1, blob.data(), blob.size());
  up.run();
  live[4] = rows[30];
  put(12);  // not in the plan: stays in the writable segment
  std::optional<search::SealReport> done = c.commit(plan, *c.build(plan));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->changed_meanwhile, 2u);
  EXPECT_EQ(writable_rows("u"), 2);  // row 4's new vector and row 13
  expect_oracle("u", live, "after a reconciled seal");

  // A merge whose segment lost a row, and one whose segment is gone.
  for (size_t i = 13; i < 24; ++i) put(i);
  db->exec("INSERT INTO u(u) VALUES ('seal')");
  std::vector<search::SegmentRow> sealed = c.store().segments();
  sealed.erase(sealed.begin());  // the writable one
  ASSERT_EQ(sealed.size(), 2u);
  plan = c.plan_merge(sealed, false);
  db->exec("DELETE FROM u WHERE rowid = 15");
  live.erase(15);
  done = c.commit(plan, *c.build(plan));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->changed_meanwhile, 1u);
  EXPECT_EQ(sealed_segments("u"), 1);
  expect_oracle("u", live, "after a reconciled merge");
  for (size_t i = 24; i < 30; ++i) put(i);
  db->exec("INSERT INTO u(u) VALUES ('seal')");
  sealed = c.store().segments();
  sealed.erase(sealed.begin());
  plan = c.plan_merge(sealed, false);
  db->exec("INSERT INTO u(u) VALUES ('merge')");  // merged elsewhere before this plan commits
  EXPECT_FALSE(c.commit(plan, *c.build(plan)));
  expect_oracle("u", live, "after a stale merge");
}

}  // namespace
}  // namespace hart::test
