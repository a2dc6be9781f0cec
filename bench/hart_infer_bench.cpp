// hart-infer-bench — prompt-processing and generation speed of the engine, measured
// the way llama.cpp's llama-bench measures them, plus the process's peak memory.
//
//   hart-infer-bench --ingest-only --gguf model.gguf --db bench.db [--name NAME]
//       creates bench.db if needed and stores the model (a separate process, so that
//       the measuring process never maps or reads the GGUF file)
//   hart-infer-bench --db bench.db --model NAME -t 2 [--pp 64,512] [--tg 128] [-r 5]
//       loads the stored model (load_stored_model + make_causal_lm) and measures
//   hart-infer-bench --gguf model.gguf -t 2 ...
//       both in one process, through a temporary database (peak memory then
//       includes ingestion: use the two-step form to measure memory)
//
// Tests, as llama-bench runs them (tools/llama-bench/llama-bench.cpp):
//   ppN   one eval() of N tokens (BOS, then random ids) into an empty KV cache;
//         logits of the last token only. N / seconds.
//   tgN   N single-token eval() calls from an empty KV cache (BOS first, then random
//         ids), each producing the last token's logits. N / seconds.
//   Each test runs once untimed first (pp: the whole prompt, tg: one token), then
//   `reps` timed repetitions, each from a reset cache. Tokens/s of every repetition
//   are reported with their median, mean and sample standard deviation.
//
// Output: one line per record, key=value pairs separated by spaces:
//   model  name= arch= params= tensor_bytes= resident_bytes= n_layer= kv_dim= n_ctx= ...
//   test   name=pp64 n_tokens=64 threads= reps= median_ts= avg_ts= stddev_ts= samples_ts=a,b,..
//   memory peak_rss_bytes= rss_before_load_bytes= rss_after_load_bytes= model_bytes=
//          sqlite_cache_bytes= (the connection's page cache after the load) kv_positions= kv_bytes= budget_bytes= ratio=
// kv_bytes counts the engine's cache (--cache-type) for the largest number of
// positions any test of this run used (kv_positions): n_layer * 2 (K and V) *
// kv_positions * kv_dim * 4 bytes (2 for f16). budget_bytes = 1.3 * (model_bytes + kv_bytes); ratio =
// peak_rss / (model_bytes + kv_bytes).
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engine/stored_model.h"
#include "model/causal_lm.h"
#include "model/decoder_config.h"
#include "model/loaded_model.h"
#include "store/database.h"
#include "store/model_ingest.h"
#include "store/models.h"
#include "tensor/cpu_path.h"
#include "util/error.h"

namespace {

using Clock = std::chrono::steady_clock;

uint64_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

uint64_t current_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

struct Stats {
  double median = 0, mean = 0, stddev = 0;
};

Stats stats_of(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / static_cast<double>(v.size() - 1));
  }
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return s;
}

std::vector<int> parse_list(const std::string& text, const char* what) {
  std::vector<int> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) {
      char* end = nullptr;
      long v = std::strtol(item.c_str(), &end, 10);
      if (*end != '\0' || v < 0) throw hart::UsageError(std::string(what) + ": '" + item + "' is not a token count");
      if (v > 0) out.push_back(static_cast<int>(v));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

hart::ModelRow ingest(const std::string& db_path, const std::string& gguf, const std::string& name) {
  using hart::Database;
  Database db(db_path, std::filesystem::exists(db_path) ? Database::Mode::kOpenExisting : Database::Mode::kCreate);
  hart::IngestOptions o;
  o.name = name;
  auto report = hart::ingest_model(db, gguf, o);
  std::printf("ingest name=%s params=%lld tensor_bytes=%llu already_present=%d seconds=%.3f\n",
              report.model.name.c_str(), static_cast<long long>(report.model.parameter_count),
              static_cast<unsigned long long>(report.tensor_bytes), report.already_present ? 1 : 0, report.seconds);
  return report.model;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hart;
  std::string gguf, db_path, name, pp_list = "64,512", tg_list = "128";
  int threads = 1, reps = 5;
  KvType cache_type = KvType::kF32;
  unsigned seed = 1;
  bool ingest_only = false;
  CLI::App app{"hart-infer-bench — llama-bench-style pp/tg tokens per second and peak memory of the engine"};
  app.add_option("--gguf", gguf, "GGUF file to ingest (into --db, or a temporary database)");
  app.add_option("--db", db_path, "Hartonomous database (created by --ingest-only if missing)");
  app.add_option("--model,--name", name, "Model name in the database (default with --gguf: the file name)");
  app.add_flag("--ingest-only", ingest_only, "Store --gguf into --db and exit");
  app.add_option("-t,--threads", threads, "Threads (the calling thread counts)")->capture_default_str();
  app.add_option("-p,--pp", pp_list, "Prompt lengths, comma-separated (0 or empty: none)")->capture_default_str();
  app.add_option("-n,--tg", tg_list, "Generation lengths, comma-separated (0 or empty: none)")->capture_default_str();
  app.add_option("-r,--reps", reps, "Timed repetitions per test")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the random token ids")->capture_default_str();
  app.add_option_function<std::string>(
         "--cache-type", [&](const std::string& name) { cache_type = *kv_type_named(name); },
         "KV cache type: f32, or f16 (llama-bench's default)")
      ->check(CLI::IsMember(kv_type_names()))
      ->default_str("f32");
  CLI11_PARSE(app, argc, argv);

  std::filesystem::path temp_dir;
  int rc = 0;
  try {
    if (threads < 1) throw UsageError("--threads must be >= 1");
    if (reps < 1) throw UsageError("--reps must be >= 1");
    if (ingest_only) {
      if (gguf.empty() || db_path.empty()) throw UsageError("--ingest-only needs --gguf and --db");
      ingest(db_path, gguf, name);
      return 0;
    }
    if (db_path.empty()) {
      if (gguf.empty()) throw UsageError("give --db and --model, or --gguf");
      const char* base = std::getenv("TMPDIR");
      std::string pattern = std::string(base && *base ? base : "/tmp") + "/hart-infer-bench.XXXXXX";
      std::vector<char> buf(pattern.begin(), pattern.end());
      buf.push_back('\0');
      if (!mkdtemp(buf.data())) throw Error("cannot create a temporary directory");
      temp_dir = buf.data();
      db_path = (temp_dir / "bench.db").string();
    }
    if (!gguf.empty()) name = ingest(db_path, gguf, name).name;
    if (name.empty()) throw UsageError("--model is required with --db");
    const std::vector<int> pps = parse_list(pp_list, "--pp"), tgs = parse_list(tg_list, "--tg");

    const uint64_t rss_before_load = current_rss_bytes();
    auto t0 = Clock::now();
    Database db(db_path, Database::Mode::kOpenExisting);
    const ModelRow row = require_model(db, name);
    std::shared_ptr<const LoadedModel> loaded = load_stored_model(db.handle(), row);
    std::unique_ptr<CausalLM> lm = make_causal_lm(loaded, threads);
    lm->set_kv_type(cache_type);
    const double load_secs = std::chrono::duration<double>(Clock::now() - t0).count();
    const uint64_t rss_after_load = current_rss_bytes();
    // SQLite's page cache of this connection after the load (part of rss_after_load).
    int cache_used = 0, cache_hi = 0;
    sqlite3_db_status(db.handle(), SQLITE_DBSTATUS_CACHE_USED, &cache_used, &cache_hi, 0);

    const DecoderConfig c = decoder_config(*loaded);
    const uint64_t kv_dim = static_cast<uint64_t>(c.n_head_kv) * c.head_dim;
    uint64_t model_bytes = 0;
    for (const TensorView& t : loaded->tensors()) model_bytes += t.n_bytes;
    std::printf(
        "model name=%s arch=%s params=%lld tensor_bytes=%llu resident_bytes=%llu n_layer=%d n_head=%d n_head_kv=%d "
        "head_dim=%d kv_dim=%llu n_ctx=%d n_vocab=%d path=%s cache_type=%s threads=%d load_seconds=%.3f\n",
        name.c_str(), loaded->architecture().c_str(), static_cast<long long>(row.parameter_count),
        static_cast<unsigned long long>(model_bytes), static_cast<unsigned long long>(loaded->resident_bytes()),
        c.n_layer, c.n_head, c.n_head_kv, c.head_dim, static_cast<unsigned long long>(kv_dim), c.n_ctx, c.n_vocab,
        tensor::path_name(tensor::best_path()), std::string(kv_type_name(cache_type)).c_str(), threads, load_secs);
    std::fflush(stdout);

    // BOS first (as llama-bench does when the vocabulary adds one), then random ids.
    const int32_t bos = static_cast<int32_t>(loaded->meta_int("tokenizer.ggml.bos_token_id").value_or(1));
    std::mt19937 rng(seed);
    auto random_tokens = [&](int n) {
      std::vector<int32_t> toks(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) toks[i] = i == 0 ? bos : static_cast<int32_t>(rng() % static_cast<uint32_t>(c.n_vocab));
      return toks;
    };
    std::vector<float> logits;
    int kv_positions = 0;
    auto report = [&](const std::string& test, int n, const std::vector<double>& ts) {
      Stats s = stats_of(ts);
      std::string samples;
      for (double x : ts) samples += (samples.empty() ? "" : ",") + std::to_string(x);
      std::printf("test name=%s n_tokens=%d threads=%d reps=%d median_ts=%.4f avg_ts=%.4f stddev_ts=%.4f samples_ts=%s\n",
                  test.c_str(), n, threads, reps, s.median, s.mean, s.stddev, samples.c_str());
      std::fflush(stdout);
    };
    for (int n : pps) {
      if (n > lm->n_ctx()) {
        std::printf("skip name=pp%d reason=context_%d\n", n, lm->n_ctx());
        continue;
      }
      kv_positions = std::max(kv_positions, n);
      lm->reset();
      lm->eval(random_tokens(n), logits);  // warm-up, untimed
      std::vector<double> ts;
      for (int r = 0; r < reps; ++r) {
        std::vector<int32_t> toks = random_tokens(n);
        lm->reset();
        auto s = Clock::now();
        lm->eval(toks, logits);
        ts.push_back(n / std::chrono::duration<double>(Clock::now() - s).count());
      }
      report("pp" + std::to_string(n), n, ts);
    }
    for (int n : tgs) {
      if (n > lm->n_ctx()) {
        std::printf("skip name=tg%d reason=context_%d\n", n, lm->n_ctx());
        continue;
      }
      kv_positions = std::max(kv_positions, n);
      lm->reset();
      lm->eval(std::vector<int32_t>{bos}, logits);  // warm-up, untimed
      std::vector<double> ts;
      for (int r = 0; r < reps; ++r) {
        std::vector<int32_t> toks = random_tokens(n);
        lm->reset();
        auto s = Clock::now();
        for (int i = 0; i < n; ++i) lm->eval(std::span<const int32_t>(&toks[i], 1), logits);
        ts.push_back(n / std::chrono::duration<double>(Clock::now() - s).count());
      }
      report("tg" + std::to_string(n), n, ts);
    }

    const uint64_t kv_bytes =
        static_cast<uint64_t>(c.n_layer) * 2 * kv_positions * kv_dim * (cache_type == KvType::kF16 ? 2 : 4);
    const uint64_t peak = peak_rss_bytes();
    const double budget = 1.3 * static_cast<double>(model_bytes + kv_bytes);
    std::printf(
        "memory peak_rss_bytes=%llu rss_before_load_bytes=%llu rss_after_load_bytes=%llu model_bytes=%llu "
        "sqlite_cache_bytes=%d kv_positions=%d kv_bytes=%llu budget_bytes=%.0f ratio=%.4f\n",
        static_cast<unsigned long long>(peak), static_cast<unsigned long long>(rss_before_load),
        static_cast<unsigned long long>(rss_after_load), static_cast<unsigned long long>(model_bytes), cache_used,
        kv_positions,
        static_cast<unsigned long long>(kv_bytes), budget,
        static_cast<double>(peak) / static_cast<double>(model_bytes + kv_bytes));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart-infer-bench: error: %s\n", e.what());
    rc = 1;
  }
  if (!temp_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
  }
  return rc;
}
