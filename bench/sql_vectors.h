// A hart_vectors collection searched through SQL as an application would, for
// hart-ann-bench to set beside the libraries it is built on: a new Hartonomous database
// in a temporary file (so its size on disk is real), every SQL function registered on
// the plain connection, the base inserted in one transaction by one prepared statement,
// sealed into one segment, and each query one prepared KNN statement stepped to its end.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace hart::bench {

class SqlVectors {
 public:
  // `n`: the rows build() will insert; the seal threshold is set above it so that
  // nothing seals before the explicit 'seal'.
  SqlVectors(size_t dim, size_t n, size_t M, size_t ef_construction);
  ~SqlVectors();  // closes the database and removes its files

  struct BuildSeconds {
    double insert = 0, seal = 0;
  };
  BuildSeconds build(const float* rows, size_t n);
  // The database file and its WAL, in bytes.
  size_t bytes_on_disk() const;
  // The k nearest rows (0-based, as given to build) into out[0, k), -1 past the end;
  // `mode` is 'ann' or 'exact'. Each query is its own read transaction (autocommit)
  // unless `in_transaction`: then one read transaction, begun by the first such query,
  // stays open until a query without it (what an application gets from BEGIN ... COMMIT
  // around a batch of queries: no locking per statement).
  void search(const float* query, size_t k, const char* mode, size_t ef, int64_t* out, bool in_transaction = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hart::bench
