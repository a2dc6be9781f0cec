// hart-vector-bench: ExactIndex query time per distance kernel path (scalar, AVX2,
// AVX-512) on a TEXMEX ANN set with ground truth, and FAISS's IndexFlatL2 beside it
// when the build found FAISS (libfaiss-dev), with the same number of threads.
//
//   hart-vector-bench [--base F] [--queries F] [--truth F] [-k 10] [--threads 1] [--min-seconds 1]
//
// Defaults: ../shared/data/ann-bigann10k (10,000 SIFT vectors, 100 queries).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "util/error.h"
#include "vector/exact_index.h"
#include "vector/vecs_reader.h"

#ifdef HART_HAVE_FAISS
#include <faiss/IndexFlat.h>
#include <omp.h>
#endif

namespace {

using namespace hart::vector;

struct Data {
  size_t dim = 0, n = 0, nq = 0;
  std::vector<float> base, queries;
  VecsData<int32_t> truth;
};

std::string ext_of(const std::string& p) { return p.substr(p.find_last_of('.') + 1); }

std::vector<float> read_any(const std::string& path, size_t& dim) {
  if (ext_of(path) == "bvecs") {
    VecsData<uint8_t> d = read_bvecs(path);
    dim = d.dim;
    return to_float(d);
  }
  VecsData<float> d = read_fvecs(path);
  dim = d.dim;
  return std::move(d.values);
}

// Recall@k: the share of the true k nearest found in the k returned.
double recall(const Data& d, const std::vector<int64_t>& ids, size_t k) {
  size_t hits = 0;
  for (size_t q = 0; q < d.nq; ++q)
    for (size_t j = 0; j < k; ++j)
      hits += std::find(d.truth.row(q), d.truth.row(q) + k, static_cast<int32_t>(ids[q * k + j])) != d.truth.row(q) + k;
  return static_cast<double>(hits) / static_cast<double>(d.nq * k);
}

// Runs `pass` (all queries once) until min_seconds have passed; ms per query.
double time_per_query(size_t nq, double min_seconds, const std::function<void()>& pass) {
  pass();  // warm-up
  size_t passes = 0;
  auto start = std::chrono::steady_clock::now();
  double secs = 0;
  do {
    pass();
    ++passes;
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (secs < min_seconds);
  return secs * 1000.0 / static_cast<double>(passes * nq);
}

// Queries [0, nq) split into `threads` contiguous ranges, each run on its own thread.
void parallel_queries(size_t nq, unsigned threads, const std::function<void(size_t)>& one) {
  if (threads <= 1) {
    for (size_t q = 0; q < nq; ++q) one(q);
    return;
  }
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (size_t q = nq * t / threads; q < nq * (t + 1) / threads; ++q) one(q);
    });
  for (std::thread& th : pool) th.join();
}

void report(const char* what, double ms, double rec, size_t k) {
  std::printf("%-46s %9.4f ms/query  %9.1f queries/s  recall@%zu %.4f\n", what, ms, 1000.0 / ms, k, rec);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ExactIndex query time per kernel path, with FAISS IndexFlatL2 as the anchor"};
  std::string dir = HART_DEFAULT_ANN_DIR;
  std::string base = dir + "/bigann10k_base.bvecs", queries = dir + "/bigann10k_query.bvecs",
              truth = dir + "/bigann10k_groundtruth.ivecs";
  size_t k = 10;
  unsigned threads = 1;
  double min_seconds = 1.0;
  app.add_option("--base", base, "Base vectors (.fvecs or .bvecs)")->capture_default_str();
  app.add_option("--queries", queries, "Query vectors (.fvecs or .bvecs)")->capture_default_str();
  app.add_option("--truth", truth, "Ground truth ids (.ivecs), nearest first")->capture_default_str();
  app.add_option("-k", k, "Neighbours per query")->check(CLI::Range(1, 100))->capture_default_str();
  app.add_option("--threads", threads, "Threads for both engines")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--min-seconds", min_seconds, "Time each engine at least this long")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    Data d;
    size_t qdim = 0;
    d.base = read_any(base, d.dim);
    d.queries = read_any(queries, qdim);
    d.truth = read_ivecs(truth);
    if (qdim != d.dim) throw hart::Error("queries have " + std::to_string(qdim) + " dims, the base " + std::to_string(d.dim));
    d.n = d.base.size() / d.dim;
    d.nq = d.queries.size() / d.dim;
    if (d.truth.count < d.nq || d.truth.dim < k)
      throw hart::Error(truth + ": " + std::to_string(d.truth.count) + " rows of " + std::to_string(d.truth.dim) +
                        " ids, need " + std::to_string(d.nq) + " of at least " + std::to_string(k));
    std::printf("base %s: %zu x %zu; %zu queries; k=%zu; threads=%u\n", base.c_str(), d.n, d.dim, d.nq, k, threads);

    ExactIndex index(Space(Metric::L2, d.dim));
    index.reserve(d.n);
    for (size_t i = 0; i < d.n; ++i)
      index.add(static_cast<int64_t>(i), std::span<const float>(d.base.data() + i * d.dim, d.dim));
    std::vector<int64_t> ids(d.nq * k);
    for (hart::SimdPath p : {hart::SimdPath::Scalar, hart::SimdPath::Avx2, hart::SimdPath::Avx512}) {
      std::string name = std::string("hart ExactIndex, ") + hart::simd_path_name(p) + " kernels";
      if (!kernel_supported(p)) {
        std::printf("%-46s not run: this CPU lacks it\n", name.c_str());
        continue;
      }
      index.use_kernels(p);
      double ms = time_per_query(d.nq, min_seconds, [&] {
        parallel_queries(d.nq, threads, [&](size_t q) {
          std::vector<Neighbor> r = index.search(std::span<const float>(d.queries.data() + q * d.dim, d.dim), k);
          for (size_t j = 0; j < k; ++j) ids[q * k + j] = j < r.size() ? r[j].id : -1;
        });
      });
      report(name.c_str(), ms, recall(d, ids, k), k);
    }

#ifdef HART_HAVE_FAISS
    omp_set_num_threads(static_cast<int>(threads));
    faiss::IndexFlatL2 flat(static_cast<faiss::Index::idx_t>(d.dim));
    flat.add(static_cast<faiss::Index::idx_t>(d.n), d.base.data());
    std::vector<float> dist(d.nq * k);
    std::vector<faiss::Index::idx_t> labels(d.nq * k);
    // One query per call, as a database answers one query at a time (FAISS scans with
    // its SIMD distance loop below 20 queries per call).
    double ms = time_per_query(d.nq, min_seconds, [&] {
      parallel_queries(d.nq, threads, [&](size_t q) {
        flat.search(1, d.queries.data() + q * d.dim, static_cast<faiss::Index::idx_t>(k), dist.data() + q * k,
                    labels.data() + q * k);
      });
    });
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = labels[i];
    report("faiss IndexFlatL2, one query per call", ms, recall(d, ids, k), k);
    // All queries in one call: FAISS computes the distances as one BLAS matrix product.
    ms = time_per_query(d.nq, min_seconds, [&] {
      flat.search(static_cast<faiss::Index::idx_t>(d.nq), d.queries.data(), static_cast<faiss::Index::idx_t>(k), dist.data(),
                  labels.data());
    });
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = labels[i];
    report("faiss IndexFlatL2, all queries in one call", ms, recall(d, ids, k), k);
#else
    std::printf("faiss: not built in (install libfaiss-dev and re-run cmake)\n");
#endif
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart-vector-bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
