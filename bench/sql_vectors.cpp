#include "sql_vectors.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "sql/register.h"
#include "store/database.h"
#include "util/error.h"

namespace hart::bench {

struct SqlVectors::Impl {
  std::string path;
  size_t dim, n, M, ef_construction;
  std::unique_ptr<Database> db;
  std::unique_ptr<Stmt> knn;
  bool in_transaction = false;
};

SqlVectors::SqlVectors(size_t dim, size_t n, size_t M, size_t ef_construction) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.path = (std::filesystem::temp_directory_path() / ("hart-ann-bench-" + std::to_string(getpid()) + ".db")).string();
  s.dim = dim;
  s.n = n;
  s.M = M;
  s.ef_construction = ef_construction;
  std::filesystem::remove(s.path);
  s.db = std::make_unique<Database>(s.path, Database::Mode::kCreate);
  register_sql(*s.db);
  s.db->exec("CREATE VIRTUAL TABLE vectors USING hart_vectors(embedding float[" + std::to_string(dim) +
             "] distance_metric=l2, seal_threshold=" + std::to_string(std::max<size_t>(n + 1, 16)) +
             ", hnsw_m=" + std::to_string(M) + ", ef_construction=" + std::to_string(ef_construction) + ")");
}

SqlVectors::~SqlVectors() {
  if (impl_->in_transaction) impl_->db->exec("COMMIT");
  impl_->knn.reset();
  impl_->db.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(impl_->path + suffix);
}

SqlVectors::BuildSeconds SqlVectors::build(const float* rows, size_t n) {
  using Clock = std::chrono::steady_clock;
  Impl& s = *impl_;
  BuildSeconds out;
  auto t0 = Clock::now();
  {
    Transaction tx(*s.db);
    Stmt insert = s.db->prepare("INSERT INTO vectors(rowid, embedding) VALUES (?, ?)");
    for (size_t i = 0; i < n; ++i) {
      insert.bind(1, int64_t(i) + 1).bind_blob(2, rows + i * s.dim, s.dim * sizeof(float));
      insert.run();
    }
    tx.commit();
  }
  auto t1 = Clock::now();
  s.db->exec("INSERT INTO vectors(vectors) VALUES ('seal')");
  s.db->truncate_wal();
  out.insert = std::chrono::duration<double>(t1 - t0).count();
  out.seal = std::chrono::duration<double>(Clock::now() - t1).count();
  s.knn = std::make_unique<Stmt>(s.db->handle(),
                                 "SELECT rowid, distance FROM vectors WHERE embedding MATCH ?1 AND k = ?2 AND mode = ?3 "
                                 "AND ef_search = ?4");
  return out;
}

size_t SqlVectors::bytes_on_disk() const {
  size_t bytes = 0;
  for (const char* suffix : {"", "-wal"})
    if (std::filesystem::exists(impl_->path + suffix)) bytes += std::filesystem::file_size(impl_->path + suffix);
  return bytes;
}

void SqlVectors::search(const float* query, size_t k, const char* mode, size_t ef, int64_t* out, bool in_transaction) {
  Impl& s = *impl_;
  if (!s.knn) throw Error("SqlVectors::search before build");
  if (in_transaction != s.in_transaction) {
    s.db->exec(in_transaction ? "BEGIN" : "COMMIT");
    s.in_transaction = in_transaction;
  }
  sqlite3_stmt* st = s.knn->raw();
  sqlite3_bind_blob(st, 1, query, static_cast<int>(s.dim * sizeof(float)), SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(k));
  sqlite3_bind_text(st, 3, mode, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, static_cast<sqlite3_int64>(ef));
  size_t j = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (j < k) out[j++] = sqlite3_column_int64(st, 0) - 1;
    (void)sqlite3_column_double(st, 1);
  }
  if (rc != SQLITE_DONE) throw_sqlite(s.db->handle(), "the KNN query");
  sqlite3_reset(st);
  for (; j < k; ++j) out[j] = -1;
}

}  // namespace hart::bench
