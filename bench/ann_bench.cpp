// hart-ann-bench: HnswIndex against raw hnswlib and FAISS's IndexHNSWFlat, in one
// process on the same vectors: the same M, ef_construction and ef_search, builds on the
// same number of threads, queries one at a time on one thread. Per set: build time,
// heap bytes the build kept (glibc mallinfo2), serialized bytes, then recall@k against
// ExactIndex and queries/s for each ef_search of the sweep (the engines' timing rounds
// interleaved, the best round kept), and the queries/s of each engine at the smallest
// ef reaching the target recall.
//
//   hart-ann-bench [--sets bigann10k,fmnistsmall,clustered] [--clustered-n 100000]
//                  [--centres 2000] [--clustered-queries 1000] [--spread 1] [--threads 2]
//                  [--ef 16,32,64,128,256] [-M 16] [--ef-construction 200] [--min-seconds 1] [--rounds 5]
//
// Metric: squared L2 throughout (FAISS's IndexHNSWFlat and hnswlib's L2Space).
#include <CLI/CLI.hpp>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "raw_hnswlib.h"
#include "util/error.h"
#include "vector/exact_index.h"
#include "vector/hnsw_index.h"
#include "vector/vecs_reader.h"

#ifdef HART_HAVE_FAISS
#include <faiss/IndexHNSW.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <omp.h>
#endif

namespace {

using namespace hart::vector;
using Clock = std::chrono::steady_clock;

struct Set {
  std::string name;
  size_t dim = 0, n = 0, nq = 0;
  std::vector<float> base, queries;
  std::vector<int64_t> truth;  // nq x k, from ExactIndex
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
// malloc'd bytes in use, the large blocks glibc maps on their own included.
size_t heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

Set read_set(const std::string& name, const std::string& dir, const std::string& stem, bool bvecs) {
  Set s;
  s.name = name;
  if (bvecs) {
    VecsData<uint8_t> b = read_bvecs(dir + "/" + stem + "_base.bvecs"), q = read_bvecs(dir + "/" + stem + "_query.bvecs");
    s.base = to_float(b);
    s.queries = to_float(q);
    s.dim = b.dim;
  } else {
    VecsData<float> b = read_fvecs(dir + "/" + stem + "_base.fvecs"), q = read_fvecs(dir + "/" + stem + "_query.fvecs");
    s.base = std::move(b.values);
    s.queries = std::move(q.values);
    s.dim = b.dim;
  }
  return s;
}

// n vectors around `centres` Gaussian centres (`spread` per coordinate, points 1 around
// them), and nq queries drawn the same way, not in the base. A spread near 1 makes
// clusters overlap, so neighbours are not found by reaching the right cluster alone.
Set clustered(size_t n, size_t nq, size_t dim, size_t centres, float spread) {
  Set s;
  s.name = "clustered";
  s.dim = dim;
  std::mt19937_64 rng(42);
  std::normal_distribution<float> nd;
  std::vector<float> c(centres * dim);
  for (float& x : c) x = spread * nd(rng);
  auto draw = [&](std::vector<float>& out, size_t count) {
    out.resize(count * dim);
    for (size_t i = 0; i < count; ++i) {
      const size_t at = rng() % centres;
      for (size_t d = 0; d < dim; ++d) out[i * dim + d] = c[at * dim + d] + nd(rng);
    }
  };
  draw(s.base, n);
  draw(s.queries, nq);
  return s;
}

void exact_truth(Set& s, size_t k) {
  s.n = s.base.size() / s.dim;
  s.nq = s.queries.size() / s.dim;
  ExactIndex exact(Space(Metric::L2, s.dim));
  exact.reserve(s.n);
  for (size_t i = 0; i < s.n; ++i) exact.add(int64_t(i), std::span<const float>(s.base.data() + i * s.dim, s.dim));
  s.truth.assign(s.nq * k, -1);
  for (size_t q = 0; q < s.nq; ++q) {
    std::vector<Neighbor> r = exact.search(std::span<const float>(s.queries.data() + q * s.dim, s.dim), k);
    for (size_t j = 0; j < r.size(); ++j) s.truth[q * k + j] = r[j].id;
  }
}

double recall(const Set& s, const std::vector<int64_t>& ids, size_t k) {
  size_t hits = 0;
  for (size_t q = 0; q < s.nq; ++q)
    for (size_t j = 0; j < k; ++j)
      hits += std::find(s.truth.begin() + q * k, s.truth.begin() + (q + 1) * k, ids[q * k + j]) !=
              s.truth.begin() + (q + 1) * k;
  return double(hits) / double(s.nq * k);
}

// Queries/s of `one` over all queries: `rounds` timed passes of at least
// min_seconds / rounds each (after one pass to warm up), the best pass kept. The
// machine is shared: other work only ever slows a pass down.
double queries_per_second(size_t nq, double min_seconds, size_t rounds, const std::function<void(size_t)>& one) {
  double best = 0;
  for (size_t r = 0; r < rounds; ++r) {
    size_t passes = 0;
    auto start = Clock::now();
    double secs = 0;
    do {
      for (size_t q = 0; q < nq; ++q) one(q);
      ++passes;
      secs = seconds_since(start);
    } while (secs < min_seconds / double(rounds));
    best = std::max(best, double(passes * nq) / secs);
  }
  return best;
}

// One engine under test: build it, then answer one query at a given ef.
struct Engine {
  std::string name;
  std::function<void()> build;
  std::function<size_t()> bytes;
  std::function<void(size_t ef)> set_ef;
  std::function<void(const float* q, size_t k, size_t ef, int64_t* out)> search;
};

struct Options {
  size_t k = 10, M = 16, ef_construction = 200;
  unsigned threads = 2;
  std::vector<size_t> efs{16, 32, 64, 128, 256};
  double min_seconds = 1.0, target = 0.95;
  size_t rounds = 5;
};

void run_set(const Set& s, const Options& o) {
  std::printf("\n### %s: %zu x %zu, %zu queries, k=%zu, M=%zu, ef_construction=%zu, build threads=%u, 1 query thread\n\n",
              s.name.c_str(), s.n, s.dim, s.nq, o.k, o.M, o.ef_construction, o.threads);
  std::vector<Engine> engines;
  std::unique_ptr<HnswIndex> ours;
  HnswParams params{.M = o.M, .ef_construction = o.ef_construction, .ef_search = 64, .seed = 100};
  engines.push_back({"hart HnswIndex (" + std::string(hart::simd_path_name(best_kernel())) + " kernels, run-time)",
                     [&] {
                       ours = std::make_unique<HnswIndex>(Space(Metric::L2, s.dim), params, s.n);
                       std::vector<int64_t> ids(s.n);
                       for (size_t i = 0; i < s.n; ++i) ids[i] = int64_t(i);
                       ours->add_batch(ids, s.base, o.threads);
                     },
                     [&] { return ours->serialized_bytes(); }, [](size_t) {},
                     [&](const float* q, size_t k, size_t ef, int64_t* out) {
                       std::vector<Neighbor> r = ours->search(std::span<const float>(q, s.dim), k, ef);
                       for (size_t j = 0; j < k; ++j) out[j] = j < r.size() ? r[j].id : -1;
                     }});
  std::unique_ptr<hart::bench::RawHnswlib> raw;
  if (kernel_supported(hart::SimdPath::Avx512))
    engines.push_back({std::string("raw hnswlib 0.6.2 (") + hart::bench::RawHnswlib::simd() + ", compile-time)",
                       [&] {
                         raw = std::make_unique<hart::bench::RawHnswlib>(s.dim, s.n, o.M, o.ef_construction, 100);
                         raw->add(s.base.data(), s.n, o.threads);
                       },
                       [&] { return raw->saved_bytes(); }, [&](size_t ef) { raw->set_ef(ef); },
                       [&](const float* q, size_t k, size_t, int64_t* out) { raw->search(q, k, out); }});
  else
    std::printf("raw hnswlib: not run (its file is compiled for AVX-512, which this CPU lacks)\n");
#ifdef HART_HAVE_FAISS
  std::unique_ptr<faiss::IndexHNSWFlat> fx;
  engines.push_back({"faiss 1.7.3 IndexHNSWFlat",
                     [&] {
                       omp_set_num_threads(static_cast<int>(o.threads));
                       fx = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(s.dim), static_cast<int>(o.M));
                       fx->hnsw.efConstruction = static_cast<int>(o.ef_construction);
                       fx->add(static_cast<faiss::Index::idx_t>(s.n), s.base.data());
                       omp_set_num_threads(1);
                     },
                     [&] {
                       faiss::VectorIOWriter w;
                       faiss::write_index(fx.get(), &w);
                       return w.data.size();
                     },
                     [&](size_t ef) { fx->hnsw.efSearch = static_cast<int>(ef); },
                     [&](const float* q, size_t k, size_t, int64_t* out) {
                       float dist[256];
                       fx->search(1, q, static_cast<faiss::Index::idx_t>(k), dist, out);
                     }});
#else
  std::printf("faiss: not built in (install libfaiss-dev and re-run cmake)\n");
#endif

  struct Row {
    size_t ef;
    double recall, qps;
  };
  // Builds one after another, each measured alone; then, per ef, the engines' query
  // passes interleaved, so load from elsewhere falls on all of them alike.
  std::vector<double> build_s(engines.size()), heap_mb(engines.size()), bytes_mb(engines.size());
  for (size_t e = 0; e < engines.size(); ++e) {
    const size_t heap0 = heap_in_use();
    auto t0 = Clock::now();
    engines[e].build();
    build_s[e] = seconds_since(t0);
    heap_mb[e] = double(heap_in_use() - heap0) / 1e6;
    bytes_mb[e] = double(engines[e].bytes()) / 1e6;
  }
  std::vector<std::vector<Row>> rows(engines.size());
  std::vector<int64_t> ids(s.nq * o.k);
  for (size_t ef : o.efs) {
    std::vector<double> best(engines.size(), 0);
    for (size_t round = 0; round < o.rounds; ++round)
      for (size_t e = 0; e < engines.size(); ++e) {
        engines[e].set_ef(ef);
        best[e] = std::max(best[e], queries_per_second(s.nq, o.min_seconds / double(o.rounds), 1, [&](size_t q) {
                             engines[e].search(s.queries.data() + q * s.dim, o.k, ef, ids.data() + q * o.k);
                           }));
      }
    for (size_t e = 0; e < engines.size(); ++e) {
      for (size_t q = 0; q < s.nq; ++q) engines[e].search(s.queries.data() + q * s.dim, o.k, ef, ids.data() + q * o.k);
      rows[e].push_back({ef, recall(s, ids, o.k), best[e]});
    }
  }
  std::printf("| engine | build s | heap kept MB | serialized MB | ef | recall@%zu | queries/s |\n|---|---:|---:|---:|---:|---:|---:|\n", o.k);
  for (size_t e = 0; e < engines.size(); ++e)
    for (const Row& r : rows[e]) {
      if (r.ef == o.efs.front())
        std::printf("| %s | %.2f | %.1f | %.1f | %zu | %.4f | %.0f |\n", engines[e].name.c_str(), build_s[e], heap_mb[e],
                    bytes_mb[e], r.ef, r.recall, r.qps);
      else
        std::printf("| | | | | %zu | %.4f | %.0f |\n", r.ef, r.recall, r.qps);
    }
  std::printf("\nAt the smallest ef reaching recall@%zu >= %.2f:", o.k, o.target);
  double ours_qps = 0;
  for (size_t e = 0; e < engines.size(); ++e) {
    auto it = std::find_if(rows[e].begin(), rows[e].end(), [&](const Row& r) { return r.recall >= o.target; });
    if (it == rows[e].end()) {
      std::printf(" %s: not reached;", engines[e].name.c_str());
      continue;
    }
    if (e == 0) ours_qps = it->qps;
    std::printf(" %s: ef %zu, %.0f q/s", engines[e].name.c_str(), it->ef, it->qps);
    if (e > 0 && ours_qps > 0) std::printf(" (ours %.2fx)", ours_qps / it->qps);
    std::printf(";");
  }
  std::printf("\n");
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  for (size_t at = 0; at <= s.size();) {
    size_t end = s.find(',', at);
    if (end == std::string::npos) end = s.size();
    if (end > at) out.push_back(s.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"HnswIndex against raw hnswlib and FAISS IndexHNSWFlat on the same vectors"};
  Options o;
  std::string sets = "bigann10k,fmnistsmall,clustered", data = HART_DEFAULT_DATA_DIR, efs = "16,32,64,128,256";
  size_t clustered_n = 100000, centres = 2000, clustered_queries = 1000;
  float spread = 1.0f;
  app.add_option("--sets", sets, "Comma-separated: bigann10k, fmnistsmall, clustered")->capture_default_str();
  app.add_option("--data", data, "The shared data folder")->capture_default_str();
  app.add_option("--clustered-n", clustered_n, "Vectors in the generated 128-d set")->capture_default_str();
  app.add_option("--centres", centres, "Gaussian centres of the generated set")->capture_default_str();
  app.add_option("--clustered-queries", clustered_queries, "Queries of the generated set")->capture_default_str();
  app.add_option("--spread", spread, "Spread of the generated set's centres (points: 1)")->capture_default_str();
  app.add_option("--threads", o.threads, "Build threads for every engine")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--ef", efs, "ef_search values to sweep")->capture_default_str();
  app.add_option("-M", o.M, "HNSW M")->capture_default_str();
  app.add_option("--ef-construction", o.ef_construction, "HNSW ef_construction")->capture_default_str();
  app.add_option("-k", o.k, "Neighbours per query")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--min-seconds", o.min_seconds, "Time each engine at each ef at least this long")->capture_default_str();
  app.add_option("--rounds", o.rounds, "Interleaved timing rounds per ef (the best kept)")->check(CLI::Range(1, 100))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    o.efs.clear();
    for (const std::string& e : split(efs)) o.efs.push_back(std::stoul(e));
    for (const std::string& name : split(sets)) {
      Set s;
      if (name == "bigann10k") s = read_set(name, data + "/ann-bigann10k", "bigann10k", true);
      else if (name == "fmnistsmall") s = read_set(name, data + "/ann-fmnistsmall", "fmnistsmall", false);
      else if (name == "clustered") s = clustered(clustered_n, clustered_queries, 128, centres, spread);
      else throw hart::UsageError("unknown set '" + name + "' (known: bigann10k, fmnistsmall, clustered)");
      exact_truth(s, o.k);
      run_set(s, o);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart-ann-bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
