// Shared by the hart_vectors tests: a database with the SQL surface, random vectors
// as BLOBs, and an exact oracle computed in double precision.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../store/store_fixture.h"

namespace hart::test {

inline std::string f32_blob(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

inline std::vector<std::vector<float>> random_vectors(size_t n, size_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<std::vector<float>> out(n, std::vector<float>(dim));
  for (auto& v : out)
    for (float& x : v) x = g(rng);
  return out;
}

// Distances as hart_vectors reports them: Euclidean, 1 - cos, 1 - dot.
inline double oracle_distance(const std::string& metric, const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0, l2 = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
    l2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  }
  if (metric == "l2") return std::sqrt(l2);
  if (metric == "cosine") return 1 - dot / std::sqrt(na * nb);
  return 1 - dot;
}

struct Ranked {
  int64_t rowid;
  double distance;
};

// The k closest of `rows` (rowid = index + 1) among those `keep` accepts.
template <class Keep>
std::vector<Ranked> oracle_knn(const std::string& metric, const std::vector<std::vector<float>>& rows,
                               const std::vector<float>& q, size_t k, Keep keep) {
  std::vector<Ranked> all;
  for (size_t i = 0; i < rows.size(); ++i)
    if (keep(i)) all.push_back({static_cast<int64_t>(i + 1), oracle_distance(metric, rows[i], q)});
  std::sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.rowid < b.rowid);
  });
  if (all.size() > k) all.resize(k);
  return all;
}

// Rows of a KNN query: (rowid, distance) in order. Parameter 1 is the query BLOB.
inline std::vector<Ranked> knn_rows(Database& db, const std::string& sql, const std::vector<float>& q) {
  Stmt st = db.prepare(sql);
  const std::string blob = f32_blob(q);
  st.bind_blob(1, blob.data(), blob.size());
  std::vector<Ranked> out;
  while (st.step()) out.push_back({st.int64(0), st.real(1)});
  return out;
}

// Fraction of `truth`'s rowids found in `got`.
inline double recall(const std::vector<Ranked>& got, const std::vector<Ranked>& truth) {
  if (truth.empty()) return got.empty() ? 1.0 : 0.0;
  size_t found = 0;
  for (const Ranked& t : truth)
    found += std::any_of(got.begin(), got.end(), [&](const Ranked& g) { return g.rowid == t.rowid; });
  return double(found) / double(truth.size());
}

}  // namespace hart::test
