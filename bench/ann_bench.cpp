// hart-ann-bench: HnswIndex against raw hnswlib and FAISS's IndexHNSWFlat, and the
// same search through SQL (a hart_vectors table, sql_vectors.h: mode 'ann', each query
// its own statement and read transaction; the same with one read transaction per
// timing pass, which shows what SQLite's locking costs; and mode 'exact'), in one process on the same vectors: the same M, ef_construction and
// ef_search, builds on the same number of threads, queries one at a time on one thread.
// Per set: build time, heap bytes the build kept (glibc mallinfo2), the peak resident
// memory the build added (VmHWM, reset before each build), serialized bytes (the
// database file for SQL), then recall@k against ExactIndex and queries/s for each
// ef_search of the sweep (the engines' timing rounds interleaved, the best round kept),
// and the queries/s of each engine at the smallest ef reaching the target recall.
// Several --clustered-n values make a growth series, summed up in two tables at the end.
//
//   hart-ann-bench [--sets bigann10k,fmnistsmall,clustered] [--clustered-n 100000[,1000000...]]
//                  [--centres 2000] [--clustered-queries 1000] [--spread 1] [--threads 2]
//                  [--engines hart,raw,faiss,sql] [--ef 16,32,64,128,256] [-M 16]
//                  [--ef-construction 200] [--min-seconds 1] [--rounds 5]
//
// Metric: squared L2 throughout (FAISS's IndexHNSWFlat and hnswlib's L2Space).
#include <CLI/CLI.hpp>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "raw_hnswlib.h"
#include "sql_vectors.h"
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

// A field of /proc/self/status in bytes (0 when unreadable).
size_t status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1)) * 1024;
  return 0;
}
size_t g_process_peak = 0;  // VmHWM before its resets
// Makes VmHWM the current resident size, so the next peak is one build's own.
void reset_peak_rss() {
  g_process_peak = std::max(g_process_peak, status_bytes("VmHWM"));
  std::ofstream("/proc/self/clear_refs") << "5";
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

double timed(const std::function<void()>& f) {
  auto t0 = Clock::now();
  f();
  return seconds_since(t0);
}

// One engine under test: build it (returning the build's seconds), then answer one
// query at a given ef. An ef-free engine (the exact scan) is timed once.
struct Engine {
  std::string key, name;
  std::function<double()> build;
  std::function<size_t()> bytes;
  std::function<void(size_t ef)> set_ef;
  std::function<void(const float* q, size_t k, size_t ef, int64_t* out)> search;
  bool ef_free = false;
};

struct Options {
  size_t k = 10, M = 16, ef_construction = 200;
  unsigned threads = 2;
  std::vector<size_t> efs{16, 32, 64, 128, 256};
  std::vector<std::string> engines{"hart", "raw", "faiss", "sql"};
  double min_seconds = 1.0, target = 0.95;
  size_t rounds = 5;
  bool wants(const char* key) const { return std::find(engines.begin(), engines.end(), key) != engines.end(); }
};

// One engine's figures on one set, for the summary tables.
struct Figures {
  double build_s = 0, heap_mb = 0, peak_mb = 0, bytes_mb = 0;
  size_t ef = 0;  // the smallest reaching the target (0: none)
  double recall = 0, qps = 0;
};
struct SetSummary {
  std::string set;
  size_t n = 0, nq = 0;
  std::string sql_build;  // insert and seal seconds
  std::vector<std::pair<std::string, Figures>> engines;  // by key
  const Figures* of(const std::string& key) const {
    for (const auto& [k, f] : engines)
      if (k == key) return &f;
    return nullptr;
  }
};

SetSummary run_set(const Set& s, const Options& o) {
  std::printf("\n### %s: %zu x %zu, %zu queries, k=%zu, M=%zu, ef_construction=%zu, build threads=%u, 1 query thread\n\n",
              s.name.c_str(), s.n, s.dim, s.nq, o.k, o.M, o.ef_construction, o.threads);
  std::vector<Engine> engines;
  std::unique_ptr<HnswIndex> ours;
  HnswParams params{.M = o.M, .ef_construction = o.ef_construction, .ef_search = 64, .seed = 100};
  if (o.wants("hart"))
    engines.push_back({"hart", "hart HnswIndex (" + std::string(hart::simd_path_name(best_kernel())) + " kernels, run-time)",
                       [&] { return timed([&] {
                         ours = std::make_unique<HnswIndex>(Space(Metric::L2, s.dim), params, s.n);
                         std::vector<int64_t> ids(s.n);
                         for (size_t i = 0; i < s.n; ++i) ids[i] = int64_t(i);
                         ours->add_batch(ids, s.base, o.threads);
                       }); },
                       [&] { return ours->serialized_bytes(); }, [](size_t) {},
                       [&](const float* q, size_t k, size_t ef, int64_t* out) {
                         std::vector<Neighbor> r = ours->search(std::span<const float>(q, s.dim), k, ef);
                         for (size_t j = 0; j < k; ++j) out[j] = j < r.size() ? r[j].id : -1;
                       }});
  std::unique_ptr<hart::bench::RawHnswlib> raw;
  if (o.wants("raw") && kernel_supported(hart::SimdPath::Avx512))
    engines.push_back({"raw", std::string("raw hnswlib 0.6.2 (") + hart::bench::RawHnswlib::simd() + ", compile-time)",
                       [&] { return timed([&] {
                         raw = std::make_unique<hart::bench::RawHnswlib>(s.dim, s.n, o.M, o.ef_construction, 100);
                         raw->add(s.base.data(), s.n, o.threads);
                       }); },
                       [&] { return raw->saved_bytes(); }, [&](size_t ef) { raw->set_ef(ef); },
                       [&](const float* q, size_t k, size_t, int64_t* out) { raw->search(q, k, out); }});
  else if (o.wants("raw"))
    std::printf("raw hnswlib: not run (its file is compiled for AVX-512, which this CPU lacks)\n");
#ifdef HART_HAVE_FAISS
  std::unique_ptr<faiss::IndexHNSWFlat> fx;
  if (o.wants("faiss"))
    engines.push_back({"faiss", "faiss 1.7.3 IndexHNSWFlat",
                       [&] { return timed([&] {
                         omp_set_num_threads(static_cast<int>(o.threads));
                         fx = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(s.dim), static_cast<int>(o.M));
                         fx->hnsw.efConstruction = static_cast<int>(o.ef_construction);
                         fx->add(static_cast<faiss::Index::idx_t>(s.n), s.base.data());
                         omp_set_num_threads(1);
                       }); },
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
  // Through SQL. The seal builds its graph on every core (search/ann_segment.h: the
  // thread count cannot be set), which is --threads only when they are equal.
  std::unique_ptr<hart::bench::SqlVectors> sql;
  SetSummary summary{s.name, s.n, s.nq, "", {}};
  if (o.wants("sql")) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    if (cores != o.threads)
      std::printf("note: the SQL seal builds on all %u cores, the other engines on --threads %u\n", cores, o.threads);
    engines.push_back({"sql", "hart_vectors through SQL, mode 'ann'",
                       [&] {
                         sql = std::make_unique<hart::bench::SqlVectors>(s.dim, s.n, o.M, o.ef_construction);
                         const auto b = sql->build(s.base.data(), s.n);
                         // The first query reads the sealed segment into the cache: part
                         // of what the build costs in memory, not in build time.
                         int64_t out[1];
                         const double load = timed([&] { sql->search(s.queries.data(), 1, "ann", 16, out); });
                         char text[160];
                         std::snprintf(text, sizeof text, "insert %.2f s + seal %.2f s (first query, reading the segment: %.2f s)",
                                       b.insert, b.seal, load);
                         summary.sql_build = text;
                         return b.insert + b.seal;
                       },
                       [&] { return sql->bytes_on_disk(); }, [](size_t) {},
                       [&](const float* q, size_t k, size_t ef, int64_t* out) { sql->search(q, k, "ann", ef, out); }});
    engines.push_back({"sql-txn", "the same, each timing pass in one read transaction", [] { return 0.0; },
                       [&] { return sql->bytes_on_disk(); }, [](size_t) {},
                       [&](const float* q, size_t k, size_t ef, int64_t* out) { sql->search(q, k, "ann", ef, out, true); }});
    engines.push_back({"sql-exact", "hart_vectors through SQL, mode 'exact'", [] { return 0.0; },
                       [&] { return sql->bytes_on_disk(); }, [](size_t) {},
                       [&](const float* q, size_t k, size_t ef, int64_t* out) { sql->search(q, k, "exact", ef, out); },
                       true});
  }

  struct Row {
    size_t ef;
    double recall, qps;
  };
  // Builds one after another, each measured alone; then, per ef, the engines' query
  // passes interleaved, so load from elsewhere falls on all of them alike.
  std::vector<double> build_s(engines.size()), heap_mb(engines.size()), bytes_mb(engines.size()), peak_mb(engines.size());
  for (size_t e = 0; e < engines.size(); ++e) {
    const size_t heap0 = heap_in_use();
    reset_peak_rss();
    const size_t rss0 = status_bytes("VmRSS");
    build_s[e] = engines[e].build();
    peak_mb[e] = double(status_bytes("VmHWM") - rss0) / 1e6;
    heap_mb[e] = double(heap_in_use() - heap0) / 1e6;
    bytes_mb[e] = double(engines[e].bytes()) / 1e6;
    std::fprintf(stderr, "%s: built in %.1f s\n", engines[e].name.c_str(), build_s[e]);
  }
  std::vector<std::vector<Row>> rows(engines.size());
  std::vector<int64_t> ids(s.nq * o.k);
  for (size_t ef : o.efs) {
    std::vector<double> best(engines.size(), 0);
    for (size_t round = 0; round < o.rounds; ++round)
      for (size_t e = 0; e < engines.size(); ++e) {
        if (engines[e].ef_free && ef != o.efs.front()) continue;
        engines[e].set_ef(ef);
        best[e] = std::max(best[e], queries_per_second(s.nq, o.min_seconds / double(o.rounds), 1, [&](size_t q) {
                             engines[e].search(s.queries.data() + q * s.dim, o.k, ef, ids.data() + q * o.k);
                           }));
      }
    for (size_t e = 0; e < engines.size(); ++e) {
      if (engines[e].ef_free && ef != o.efs.front()) continue;
      for (size_t q = 0; q < s.nq; ++q) engines[e].search(s.queries.data() + q * s.dim, o.k, ef, ids.data() + q * o.k);
      rows[e].push_back({engines[e].ef_free ? 0 : ef, recall(s, ids, o.k), best[e]});
    }
  }
  std::printf("| engine | build s | heap kept MB | peak RSS added MB | serialized (SQL: file) MB | ef | recall@%zu | queries/s |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|\n", o.k);
  for (size_t e = 0; e < engines.size(); ++e)
    for (const Row& r : rows[e]) {
      const std::string ef = r.ef ? std::to_string(r.ef) : "-";
      if (&r == &rows[e].front())
        std::printf("| %s | %.2f | %.1f | %.1f | %.1f | %s | %.4f | %.0f |\n", engines[e].name.c_str(), build_s[e],
                    heap_mb[e], peak_mb[e], bytes_mb[e], ef.c_str(), r.recall, r.qps);
      else
        std::printf("| | | | | | %s | %.4f | %.0f |\n", ef.c_str(), r.recall, r.qps);
    }
  if (!summary.sql_build.empty()) std::printf("\nSQL build: %s\n", summary.sql_build.c_str());
  std::printf("\nAt the smallest ef reaching recall@%zu >= %.2f:", o.k, o.target);
  for (size_t e = 0; e < engines.size(); ++e) {
    Figures f{build_s[e], heap_mb[e], peak_mb[e], bytes_mb[e]};
    auto it = std::find_if(rows[e].begin(), rows[e].end(), [&](const Row& r) { return r.recall >= o.target; });
    if (it == rows[e].end()) {
      std::printf(" %s: not reached;", engines[e].name.c_str());
    } else {
      f.ef = it->ef;
      f.recall = it->recall;
      f.qps = it->qps;
      std::printf(" %s: ef %s, %.0f q/s;", engines[e].name.c_str(), it->ef ? std::to_string(it->ef).c_str() : "-", it->qps);
    }
    summary.engines.push_back({engines[e].key, f});
  }
  std::printf("\n");
  auto ratio = [&](const char* a, const char* b) {
    const Figures *x = summary.of(a), *y = summary.of(b);
    if (x && y && x->qps > 0 && y->qps > 0)
      std::printf("  %s / %s: %.2fx (ef %zu against ef %zu)\n", a, b, x->qps / y->qps, x->ef, y->ef);
  };
  std::printf("Ratios of queries/s there:\n");
  ratio("hart", "raw");
  ratio("hart", "faiss");
  ratio("sql", "raw");
  ratio("sql", "hart");
  ratio("sql-txn", "hart");
  ratio("sql", "sql-exact");
  return summary;
}

// The growth series (or any run of several sets) in two compact tables.
void print_summary(const std::vector<SetSummary>& all, const Options& o) {
  auto qps = [](const Figures* f) -> std::string {
    if (!f) return "-";
    if (f->qps <= 0) return "not reached";
    char b[64];
    std::snprintf(b, sizeof b, "%.0f", f->qps);
    return f->ef ? std::string(b) + " (ef " + std::to_string(f->ef) + ")" : b;
  };
  auto times = [](const Figures* a, const Figures* b) -> std::string {
    if (!a || !b || a->qps <= 0 || b->qps <= 0) return "-";
    char t[32];
    std::snprintf(t, sizeof t, "%.2f", a->qps / b->qps);
    return t;
  };
  std::printf("\n### Summary: queries/s at recall@%zu >= %.2f, one query thread\n\n", o.k, o.target);
  std::printf("| set | n | queries | exact, SQL | ann, SQL | ann / exact | raw hnswlib | SQL / raw | HnswIndex | SQL / HnswIndex "
              "| ann, SQL, one read txn | that / HnswIndex |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const SetSummary& s : all)
    std::printf("| %s | %zu | %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s.set.c_str(), s.n, s.nq,
                qps(s.of("sql-exact")).c_str(), qps(s.of("sql")).c_str(), times(s.of("sql"), s.of("sql-exact")).c_str(),
                qps(s.of("raw")).c_str(), times(s.of("sql"), s.of("raw")).c_str(), qps(s.of("hart")).c_str(),
                times(s.of("sql"), s.of("hart")).c_str(), qps(s.of("sql-txn")).c_str(),
                times(s.of("sql-txn"), s.of("hart")).c_str());
  std::printf("\n### Summary: builds (%u threads; the SQL seal: all cores)\n\n", o.threads);
  std::printf("| set | n | engine | build s | on disk MB | heap kept MB | peak RSS added MB |\n|---|---:|---|---:|---:|---:|---:|\n");
  for (const SetSummary& s : all)
    for (const auto& [key, f] : s.engines)
      if (key != "sql-exact" && key != "sql-txn")
        std::printf("| %s | %zu | %s | %.1f | %.1f | %.1f | %.1f |\n", s.set.c_str(), s.n,
                    key == "sql" ? ("sql (" + s.sql_build + ")").c_str() : key.c_str(), f.build_s, f.bytes_mb,
                    f.heap_mb, f.peak_mb);
  std::printf("\nPeak resident memory of the whole process: %.0f MB\n", double(std::max(g_process_peak, status_bytes("VmHWM"))) / 1e6);
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
  std::string clustered_n = "100000", engines = "hart,raw,faiss,sql";
  size_t centres = 2000, clustered_queries = 1000;
  float spread = 1.0f;
  app.add_option("--sets", sets, "Comma-separated: bigann10k, fmnistsmall, clustered")->capture_default_str();
  app.add_option("--data", data, "The shared data folder")->capture_default_str();
  app.add_option("--clustered-n", clustered_n, "Vectors in the generated 128-d set; several (comma-separated) make a growth series")->capture_default_str();
  app.add_option("--centres", centres, "Gaussian centres of the generated set")->capture_default_str();
  app.add_option("--clustered-queries", clustered_queries, "Queries of the generated set")->capture_default_str();
  app.add_option("--spread", spread, "Spread of the generated set's centres (points: 1)")->capture_default_str();
  app.add_option("--threads", o.threads, "Build threads for every engine")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--engines", engines, "Comma-separated: hart, raw, faiss, sql (sql: modes ann and exact)")->capture_default_str();
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
    o.engines = split(engines);
    for (const std::string& e : o.engines)
      if (e != "hart" && e != "raw" && e != "faiss" && e != "sql")
        throw hart::UsageError("unknown engine '" + e + "' (known: hart, raw, faiss, sql)");
    std::vector<SetSummary> summaries;
    auto run = [&](Set s) {
      exact_truth(s, o.k);
      summaries.push_back(run_set(s, o));
    };
    for (const std::string& name : split(sets)) {
      if (name == "bigann10k") run(read_set(name, data + "/ann-bigann10k", "bigann10k", true));
      else if (name == "fmnistsmall") run(read_set(name, data + "/ann-fmnistsmall", "fmnistsmall", false));
      else if (name == "clustered")
        for (const std::string& n : split(clustered_n)) run(clustered(std::stoul(n), clustered_queries, 128, centres, spread));
      else throw hart::UsageError("unknown set '" + name + "' (known: bigann10k, fmnistsmall, clustered)");
    }
    print_summary(summaries, o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart-ann-bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
