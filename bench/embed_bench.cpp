// hart-embed-bench — texts/s of a stored BERT-family model's sentence embeddings, one
// text per forward pass (ModelEmbedder::embed_text, what SQL embed() runs) against
// packed batches (ModelEmbedder::embed, what `hart embed-atoms` runs).
//
//   hart-embed-bench --gguf model.gguf --texts wiki.test.raw [-n 512] [-t 2] [-r 5]
//
// The model is stored in a scratch database first. Texts: the first -n lines of
// --texts at least 40 bytes long, each cut at white space to at most --max-bytes.
// Each repetition times both ways back to back (alone, then batched), so load from
// other processes falls on both alike; one untimed batched run warms up first.
//
// Output, key=value pairs:
//   texts  n= tokens= min_tokens= max_tokens=
//   mode   name=alone|batched threads= reps= median_texts_s= median_tokens_s= samples_texts_s=a,b,..
//   check  max_abs_diff=   (largest difference between the two ways' vectors)
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "engine/model_embedder.h"
#include "store/database.h"
#include "store/model_ingest.h"
#include "tensor/thread_pool.h"
#include "util/error.h"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> read_texts(const std::string& path, size_t count, size_t max_bytes) {
  std::ifstream in(path);
  if (!in) throw hart::Error("cannot read " + path);
  std::vector<std::string> out;
  std::string line;
  while (out.size() < count && std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() < 40) continue;
    if (line.size() > max_bytes) {
      size_t cut = line.rfind(' ', max_bytes);
      line.resize(cut == std::string::npos || cut == 0 ? max_bytes : cut);
    }
    out.push_back(line);
  }
  if (out.size() < count) throw hart::Error(path + " has only " + std::to_string(out.size()) + " texts");
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string gguf, texts_path;
  size_t n = 512, max_bytes = 1000;
  int threads = 2, reps = 5;
  CLI::App app{"hart-embed-bench — sentence embeddings one text a pass against packed batches"};
  app.add_option("--gguf", gguf, "BERT-family GGUF to store and run")->required();
  app.add_option("--texts", texts_path, "Text file, one text per line")->required();
  app.add_option("-n", n, "Texts to embed");
  app.add_option("--max-bytes", max_bytes, "Cut each text at white space to at most this many bytes");
  app.add_option("-t,--threads", threads, "Threads");
  app.add_option("-r,--reps", reps, "Timed repetitions of each way");
  CLI11_PARSE(app, argc, argv);
  try {
    using namespace hart;
    Database db("", Database::Mode::kScratch);
    ingest_model(db, gguf, {"bench"});
    ModelEmbedder embedder(db.handle(), "bench", tensor::shared_pool(threads));
    const std::vector<std::string> texts = read_texts(texts_path, n, max_bytes);

    size_t tokens = 0, shortest = SIZE_MAX, longest = 0;
    std::vector<float> alone;
    auto run_alone = [&] {
      alone.clear();
      tokens = 0;
      for (const std::string& t : texts) {
        size_t k = 0;
        std::vector<float> e = embedder.embed_text(t, &k);
        alone.insert(alone.end(), e.begin(), e.end());
        tokens += k;
        shortest = std::min(shortest, k);
        longest = std::max(longest, k);
      }
    };
    std::vector<float> batched = embedder.embed(texts);  // warm-up
    std::vector<double> alone_ts, batched_ts;
    for (int r = 0; r < reps; ++r) {
      auto t0 = Clock::now();
      run_alone();
      auto t1 = Clock::now();
      batched = embedder.embed(texts);
      auto t2 = Clock::now();
      alone_ts.push_back(texts.size() / std::chrono::duration<double>(t1 - t0).count());
      batched_ts.push_back(texts.size() / std::chrono::duration<double>(t2 - t1).count());
    }
    std::printf("texts n=%zu tokens=%zu min_tokens=%zu max_tokens=%zu\n", texts.size(), tokens, shortest, longest);
    for (const auto& [name, ts] : {std::pair{"alone", &alone_ts}, std::pair{"batched", &batched_ts}}) {
      std::string samples;
      for (double v : *ts) samples += (samples.empty() ? "" : ",") + std::to_string(static_cast<int>(std::lround(v)));
      const double m = median(*ts);
      std::printf("mode name=%s threads=%d reps=%d median_texts_s=%.1f median_tokens_s=%.0f samples_texts_s=%s\n", name,
                  threads, reps, m, m * tokens / texts.size(), samples.c_str());
    }
    double diff = 0;
    for (size_t i = 0; i < alone.size(); ++i) diff = std::max(diff, std::fabs(double(alone[i]) - batched[i]));
    std::printf("check max_abs_diff=%.3g\n", diff);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart-embed-bench: error: %s\n", e.what());
    return 1;
  }
}
