// hart-embed-bench — texts/s of a stored BERT-family model's sentence embeddings, one
// text per forward pass (BertEncoder::embed, what SQL embed() runs) against packed
// batches (BertEncoder::embed_batch, what `hart embed-atoms` runs through
// ModelEmbedder::embed) of at most P tokens a pass, for each P of --pass-tokens.
//
//   hart-embed-bench --gguf model.gguf --texts wiki.test.raw [-n 512] [-t 2] [-r 5]
//                    [--pass-tokens 512,1024,4096]
//
// The model is stored in a scratch database and loaded from it as the engine does;
// the texts are tokenized once, untimed (both ways tokenize alike). Texts: the first
// -n lines of --texts at least 40 bytes long, each cut at white space to at most
// --max-bytes. Each repetition times every way back to back (alone, then each pass
// size), so load from other processes falls on all alike; one untimed run of each
// warms up first.
//
// Output, key=value pairs:
//   texts  n= tokens= min_tokens= max_tokens=
//   mode   name=alone|batchP threads= reps= median_texts_s= median_tokens_s= samples_texts_s=a,b,..
//          max_abs_diff=   (batchP: largest difference from the vectors of `alone`)
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "engine/stored_model.h"
#include "model/bert.h"
#include "store/database.h"
#include "store/model_ingest.h"
#include "store/models.h"
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
  std::vector<size_t> pass_tokens = {hart::kBertPassTokens};
  int threads = 2, reps = 5;
  CLI::App app{"hart-embed-bench — sentence embeddings one text a pass against packed batches"};
  app.add_option("--gguf", gguf, "BERT-family GGUF to store and run")->required();
  app.add_option("--texts", texts_path, "Text file, one text per line")->required();
  app.add_option("-n", n, "Texts to embed");
  app.add_option("--max-bytes", max_bytes, "Cut each text at white space to at most this many bytes");
  app.add_option("--pass-tokens", pass_tokens, "Token budgets of a packed pass to measure")->delimiter(',');
  app.add_option("-t,--threads", threads, "Threads");
  app.add_option("-r,--reps", reps, "Timed repetitions of each way");
  CLI11_PARSE(app, argc, argv);
  try {
    using namespace hart;
    Database db("", Database::Mode::kScratch);
    ingest_model(db, gguf, {"bench"});
    std::shared_ptr<const LoadedModel> loaded = load_stored_model(db.handle(), require_model(db, "bench"));
    BertEncoder encoder(loaded, threads);
    const std::vector<std::string> texts = read_texts(texts_path, n, max_bytes);
    std::vector<int32_t> packed;
    std::vector<size_t> lengths;
    for (const std::string& t : texts) {
      std::vector<int32_t> ids = loaded->tokenizer().encode(t, /*add_special=*/true);  // as ModelEmbedder does
      packed.insert(packed.end(), ids.begin(), ids.end());
      lengths.push_back(ids.size());
    }
    std::printf("texts n=%zu tokens=%zu min_tokens=%zu max_tokens=%zu\n", texts.size(), packed.size(),
                *std::min_element(lengths.begin(), lengths.end()), *std::max_element(lengths.begin(), lengths.end()));

    // Way 0 embeds text by text; way 1 + i packs passes of pass_tokens[i].
    auto run = [&](size_t way) {
      if (way > 0) return encoder.embed_batch(packed, lengths, {}, pass_tokens[way - 1]);
      std::vector<float> out;
      for (size_t i = 0, first = 0; i < lengths.size(); first += lengths[i++]) {
        std::vector<float> e = encoder.embed(std::span<const int32_t>(packed).subspan(first, lengths[i]));
        out.insert(out.end(), e.begin(), e.end());
      }
      return out;
    };
    const size_t ways = 1 + pass_tokens.size();
    std::vector<std::vector<float>> vectors(ways);
    std::vector<std::vector<double>> ts(ways);
    for (size_t w = 0; w < ways; ++w) vectors[w] = run(w);  // warm-up
    for (int r = 0; r < reps; ++r)
      for (size_t w = 0; w < ways; ++w) {
        auto t0 = Clock::now();
        vectors[w] = run(w);
        ts[w].push_back(texts.size() / std::chrono::duration<double>(Clock::now() - t0).count());
      }
    for (size_t w = 0; w < ways; ++w) {
      std::string samples;
      for (double v : ts[w]) samples += (samples.empty() ? "" : ",") + std::to_string(v).substr(0, 5);
      double diff = 0;
      for (size_t i = 0; i < vectors[0].size(); ++i) diff = std::max(diff, std::fabs(double(vectors[0][i]) - vectors[w][i]));
      const double m = median(ts[w]);
      std::printf("mode name=%s threads=%d reps=%d median_texts_s=%.2f median_tokens_s=%.0f samples_texts_s=%s",
                  w == 0 ? "alone" : ("batch" + std::to_string(pass_tokens[w - 1])).c_str(), threads, reps, m,
                  m * packed.size() / texts.size(), samples.c_str());
      if (w > 0) std::printf(" max_abs_diff=%.3g", diff);
      std::printf("\n");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart-embed-bench: error: %s\n", e.what());
    return 1;
  }
}
