#include "engine/evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/model_cache.h"
#include "model/generation_options.h"
#include "tensor/thread_pool.h"
#include "util/error.h"

namespace hart {
namespace {

using json = nlohmann::json;

int32_t option_int(const std::string& key, const json& v, int64_t lo, int64_t hi) {
  const std::string range = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (!v.is_number_integer()) throw UsageError("eval options: \"" + key + "\" must be " + range + ", got " + v.dump());
  // An unsigned above INT64_MAX reads as out of range, not as a wrapped negative.
  const bool huge = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi);
  const int64_t x = huge ? hi + 1 : v.get<int64_t>();
  if (x < lo || x > hi) throw UsageError("eval options: \"" + key + "\" must be " + range + ", got " + v.dump());
  return static_cast<int32_t>(x);
}

}  // namespace

EvalOptions EvalOptions::parse(std::string_view text) {
  EvalOptions o;
  if (text.empty()) return o;
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw UsageError("eval options: not valid JSON: " + std::string(text.substr(0, 200)));
  if (!j.is_object()) throw UsageError("eval options: expected a JSON object such as {\"ctx\": 128, \"chunks\": 4}");
  for (const auto& [key, v] : j.items()) {
    // ctx's upper bound is the model's context, checked when the model is known.
    if (key == "ctx") o.ctx = option_int(key, v, kMinEvalContext, 1 << 24);
    else if (key == "chunks") o.chunks = option_int(key, v, 0, 1 << 30);
    else if (key == "threads") o.threads = option_int(key, v, 0, kMaxThreads);
    else if (key == "gen_tokens") o.gen_tokens = option_int(key, v, 0, kMaxGenerateTokens);
    else
      throw UsageError("eval options: unknown key \"" + key + "\" (known: ctx, chunks, threads, gen_tokens)");
  }
  return o;
}

std::string EvalOptions::to_json() const {
  return json{{"ctx", ctx}, {"chunks", chunks}, {"threads", threads}, {"gen_tokens", gen_tokens}}.dump();
}

std::string PerplexityResult::to_json() const {
  return json{{"model", model},
              {"perplexity", perplexity},
              {"standard_error", standard_error},
              {"ctx", ctx},
              {"chunks", n_chunks},
              {"text_tokens", text_tokens},
              {"scored_tokens", scored},
              {"running_perplexity", running},
              {"threads", threads},
              {"seconds", seconds}}
      .dump();
}

ChunkPlan plan_chunks(const std::string& model, int64_t n_tokens, int32_t model_ctx, const EvalOptions& options) {
  ChunkPlan plan;
  plan.ctx = options.ctx ? options.ctx : std::min(model_ctx, kDefaultEvalContext);
  if (plan.ctx < kMinEvalContext || plan.ctx > model_ctx)
    throw UsageError("ctx " + std::to_string(plan.ctx) + " is out of range for model '" + model + "': use " +
                     std::to_string(kMinEvalContext) + " to " + std::to_string(model_ctx) + " (its context length)");
  // llama-perplexity refuses the same: half of each chunk is only context.
  if (n_tokens < 2 * int64_t(plan.ctx))
    throw UsageError("the text is " + std::to_string(n_tokens) + " tokens for model '" + model +
                     "'; a context of " + std::to_string(plan.ctx) + " needs at least " +
                     std::to_string(2 * int64_t(plan.ctx)) + " (give more text or a smaller ctx)");
  const int64_t whole = n_tokens / plan.ctx;
  plan.n_chunks = static_cast<int32_t>(options.chunks > 0 ? std::min<int64_t>(options.chunks, whole) : whole);
  return plan;
}

std::vector<int32_t> chunk_tokens(std::span<const int32_t> tokens, const ChunkPlan& plan, int32_t i, int32_t bos) {
  const size_t start = size_t(i) * plan.ctx;
  std::vector<int32_t> chunk(tokens.begin() + start, tokens.begin() + start + plan.ctx);
  if (bos >= 0) chunk[0] = bos;
  return chunk;
}

void log_softmax(const float* logits, int32_t n_vocab, std::vector<double>& out) {
  out.resize(n_vocab);
  double max = logits[0];
  for (int32_t k = 1; k < n_vocab; ++k) max = std::max(max, double(logits[k]));
  double sum = 0;
  for (int32_t k = 0; k < n_vocab; ++k) sum += std::exp(double(logits[k]) - max);
  const double log_sum = std::log(sum) + max;
  for (int32_t k = 0; k < n_vocab; ++k) out[k] = double(logits[k]) - log_sum;
}

double token_nll(const float* logits, int32_t n_vocab, int32_t target) {
  double max = logits[0];
  for (int32_t k = 1; k < n_vocab; ++k) max = std::max(max, double(logits[k]));
  double sum = 0;
  for (int32_t k = 0; k < n_vocab; ++k) sum += std::exp(double(logits[k]) - max);
  return std::log(sum) + max - double(logits[target]);
}

double NllSums::perplexity() const { return std::exp(nll / count); }

double NllSums::standard_error() const {
  const double mean = nll / count, var = nll2 / count - mean * mean;
  return var > 0 && count > 1 ? perplexity() * std::sqrt(var / (count - 1)) : 0;
}

PerplexityResult perplexity_of(CausalLM& lm, const std::string& name, std::span<const int32_t> tokens, int32_t bos,
                               const EvalOptions& options, const ChunkProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  PerplexityResult r;
  r.model = name;
  const ChunkPlan plan = plan_chunks(name, static_cast<int64_t>(tokens.size()), lm.n_ctx(), options);
  const int32_t n_vocab = lm.n_vocab();
  std::vector<float> logits;
  NllSums sums;
  for (int32_t i = 0; i < plan.n_chunks; ++i) {
    const std::vector<int32_t> chunk = chunk_tokens(tokens, plan, i, bos);
    lm.reset();
    lm.eval(chunk, logits, /*all_logits=*/true);
    for (int32_t j = plan.first(); j < plan.ctx - 1; ++j)
      sums.add(token_nll(logits.data() + size_t(j) * n_vocab, n_vocab, chunk[j + 1]));
    r.running.push_back(sums.perplexity());
    if (progress) progress(i + 1, r.running.back());
  }
  lm.reset();
  r.perplexity = sums.perplexity();
  r.standard_error = sums.standard_error();
  r.ctx = plan.ctx;
  r.n_chunks = plan.n_chunks;
  r.text_tokens = static_cast<int64_t>(tokens.size());
  r.scored = sums.count;
  r.threads = static_cast<int32_t>(lm.pool()->size());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

PerplexityResult run_perplexity(sqlite3* db, const std::string& model, std::string_view text,
                                const EvalOptions& options, const ChunkProgress& progress) {
  auto loaded = ModelCache::global().get(db, model);
  auto lm = make_causal_lm(loaded, options.threads > 0 ? options.threads : tensor::hardware_threads());
  const Tokenizer& tok = loaded->tokenizer();
  const std::vector<int32_t> tokens = tok.encode(text, /*add_special=*/true);
  // Chunks start with BOS where the model's tokenizer adds one, as in llama-perplexity.
  const int32_t bos = tok.add_bos() ? tok.special().bos : -1;
  return perplexity_of(*lm, model, tokens, bos, options, progress);
}

}  // namespace hart
