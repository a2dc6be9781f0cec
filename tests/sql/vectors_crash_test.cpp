// A writer killed with SIGKILL at any moment — inserting, sealing, merging — leaves
// a collection that opens, passes SQLite's integrity check, holds every committed
// row, and answers KNN queries exactly.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <random>

#include "vectors_test_util.h"

namespace hart::test {
namespace {

constexpr int kDim = 8, kBatch = 37;

// The vector of a row, as the writer computes it (double sin, stored as float32).
std::vector<float> vector_of_row(int64_t rowid) {
  std::vector<float> v(kDim);
  for (int j = 0; j < kDim; ++j) v[static_cast<size_t>(j)] = static_cast<float>(std::sin(double(rowid) * (j + 1) * 0.37));
  return v;
}

// Inserts batches of kBatch rows, one transaction each, printing the row count after
// each commit; every fifth batch also merges. A threshold of 64 seals often.
const char* kWriter =
    "import sqlite3, struct, sys, math\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.enable_load_extension(True)\n"
    "c.load_extension(sys.argv[2])\n"
    "c.execute('PRAGMA journal_mode=WAL')\n"
    "n = c.execute('SELECT count(*) FROM v').fetchone()[0]\n"
    "batch = 0\n"
    "while True:\n"
    "    c.execute('BEGIN')\n"
    "    for i in range(37):\n"
    "        n += 1\n"
    "        vec = struct.pack('8f', *[math.sin(n * (j + 1) * 0.37) for j in range(8)])\n"
    "        c.execute('INSERT INTO v(rowid, embedding, tag) VALUES (?, ?, ?)', (n, vec, n % 3))\n"
    "    c.execute('COMMIT')\n"
    "    batch += 1\n"
    "    if batch % 5 == 0:\n"
    "        c.execute(\"INSERT INTO v(v) VALUES ('merge')\")\n"
    "    print(n, flush=True)\n";

TEST(VectorsCrash, KilledWriterLosesNothingCommittedAndLeavesASearchableCollection) {
  TempDir dir;
  const std::string path = dir.file("crash.db");
  {
    Database db(path, Database::Mode::kCreate);
    register_sql(db);
    db.exec("CREATE VIRTUAL TABLE v USING hart_vectors(embedding float[8], tag integer, seal_threshold=64)");
  }
  write_file(dir.file("writer.py"), kWriter);
  std::mt19937 rng(1234);
  int killed_while_writing = 0;
  int64_t rows_before = 0;  // what earlier rounds left: a writer killed before its first print adds nothing
  for (int round = 0; round < 8; ++round) {
    int out_pipe[2];
    ASSERT_EQ(pipe(out_pipe), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      dup2(out_pipe[1], 1);
      close(out_pipe[0]);
      const std::string ext = binary_dir() + "/src/hartonomous";
      execl("/usr/bin/python3", "python3", dir.file("writer.py").c_str(), path.c_str(), ext.c_str(), nullptr);
      _exit(127);
    }
    close(out_pipe[1]);
    usleep(std::uniform_int_distribution<int>(150, 700)(rng) * 1000);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    killed_while_writing += WIFSIGNALED(status);
    std::string printed;
    char buf[4096];
    for (ssize_t n; (n = read(out_pipe[0], buf, sizeof buf)) > 0;) printed.append(buf, static_cast<size_t>(n));
    close(out_pipe[0]);
    int64_t committed = rows_before;
    for (size_t at = 0; at < printed.size();) {
      const size_t end = printed.find('\n', at);
      if (end == std::string::npos) break;
      committed = std::stoll(printed.substr(at, end - at));
      at = end + 1;
    }

    Database db(path, Database::Mode::kOpenExisting);
    register_sql(db);
    EXPECT_EQ(integrity(db), "ok") << "round " << round;
    const int64_t rows = scalar(db, "SELECT count(*) FROM v");
    // The kill may land between a commit and its print: one more batch at most.
    EXPECT_TRUE(rows == committed || rows == committed + kBatch) << "round " << round << ": " << rows << " rows, "
                                                                  << committed << " reported committed";
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM v_rows WHERE rowid BETWEEN 1 AND " + std::to_string(rows)), rows);
    std::vector<std::vector<float>> all;
    for (int64_t r = 1; r <= rows; ++r) all.push_back(vector_of_row(r));
    for (int64_t probe : {int64_t{1}, rows / 2 + 1, rows}) {
      const auto q = vector_of_row(probe * 7 + 3);
      const auto got = knn_rows(db, "SELECT rowid, distance FROM v WHERE embedding MATCH ? AND k = 10 ORDER BY distance", q);
      const auto want = oracle_knn("l2", all, q, 10, [](size_t) { return true; });
      ASSERT_EQ(got.size(), want.size()) << "round " << round;
      for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].rowid, want[i].rowid) << "round " << round << " rank " << i;
    }
    rows_before = rows;
  }
  EXPECT_GE(killed_while_writing, 6) << "the writer ended on its own; it should run until killed";
  Database db(path, Database::Mode::kOpenExisting);
  EXPECT_GT(scalar(db, "SELECT count(*) FROM v_segments WHERE id > 0"), 0) << "no seal happened before the kills";
}

}  // namespace
}  // namespace hart::test
