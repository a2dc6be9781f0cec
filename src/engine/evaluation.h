// How good a stored model is on a text: perplexity computed the way llama.cpp's
// `llama-perplexity` computes it, so the two figures can be compared, and a teacher
// and a student compared on the same chunks (KL divergence, top-1 agreement, size,
// speed). What SQL's perplexity()/eval()/compare_models() and `hart eval`/`hart
// compare` run.
//
// The method (llama-perplexity's, tools/perplexity/perplexity.cpp): the whole text is
// tokenized once with the model's tokenizer, BOS first; it is cut into
// n_tokens / ctx chunks of ctx tokens (fewer with `chunks`); each chunk's first token
// is replaced by BOS and the chunk runs from an empty cache in one pass; only the
// second half is scored, positions j in [ctx/2, ctx-1), each by
// -log softmax(logits_j)[token_{j+1}] in double. Perplexity = exp(mean), its error
// ppl * sqrt((mean(nll^2) - mean^2) / (count - 1)), as llama-perplexity prints it.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/causal_lm.h"
#include "store/sqlite_api.h"

namespace hart {

inline constexpr int32_t kMinEvalContext = 16;
inline constexpr int32_t kDefaultEvalContext = 512;  // the default ctx is the model's, capped here
inline constexpr int32_t kDefaultGenTokens = 64;
inline constexpr int32_t kGenPromptTokens = 8;       // the speed test's prompt: the text's first tokens

struct EvalOptions {
  int32_t ctx = 0;       // 0: the model's context length capped at kDefaultEvalContext
  int32_t chunks = 0;    // 0: every whole chunk of the text
  int threads = 0;       // 0: all cores
  // compare: greedy tokens timed per model (0: not timed), capped to fit the smaller
  // context after the prompt
  int32_t gen_tokens = kDefaultGenTokens;

  // A JSON object with the keys ctx, chunks, threads, gen_tokens; empty text = the
  // defaults. Unknown keys and values out of range are UsageErrors naming them.
  static EvalOptions parse(std::string_view json);
  std::string to_json() const;
};

// Perplexity of one model.
struct PerplexityResult {
  std::string model;
  int32_t ctx = 0, n_chunks = 0, threads = 0;
  int64_t text_tokens = 0;  // the whole text, BOS included
  int64_t scored = 0;       // positions scored: n_chunks * (ctx - ctx/2 - 1)
  double perplexity = 0, standard_error = 0;
  std::vector<double> running;  // perplexity so far after each chunk (llama-perplexity's [i]x)
  double seconds = 0;
  std::string to_json() const;
};

// A teacher and a student on the same chunks of the same tokens (the teacher's
// tokenizer; the vocabularies must be the same size).
struct ModelFigures {
  std::string model;
  double perplexity = 0, standard_error = 0;
  int64_t parameters = 0;           // models.parameter_count
  double nonzero_parameters = 0;    // sum over tensors of n_elements * (1 - zero_fraction)
  int64_t bytes = 0;                // models.n_bytes
  int64_t bytes_not_shared = 0;     // bytes of distinct chunks the teacher does not use (0 for the teacher)
  double gen_tokens_per_second = 0; // greedy decode; 0 when not timed
};

struct ComparisonResult {
  ModelFigures teacher, student;
  int32_t ctx = 0, n_chunks = 0, threads = 0;
  int32_t gen_tokens = 0;  // greedy tokens timed per model, after the cap
  int64_t text_tokens = 0, scored = 0;
  double mean_kl = 0;      // mean over scored positions of KL(teacher || student), nats
  double max_kl = 0;
  double top1_agreement = 0;  // share of scored positions whose argmax is the same
  double seconds = 0;
  std::string to_json() const;
};

// The building blocks, shared by perplexity and comparison (and their tests).
struct ChunkPlan {
  int32_t ctx = 0, n_chunks = 0;
  int32_t first() const { return ctx / 2; }               // the first scored position
  int64_t scored() const { return int64_t(n_chunks) * (ctx - ctx / 2 - 1); }
};
// Checks ctx against the model's context (`model_ctx`) and the text's length, as
// llama-perplexity does; UsageErrors name the model and both numbers.
ChunkPlan plan_chunks(const std::string& model, int64_t n_tokens, int32_t model_ctx, const EvalOptions& options);
// Chunk i's tokens with the first replaced by `bos`.
std::vector<int32_t> chunk_tokens(std::span<const int32_t> tokens, const ChunkPlan& plan, int32_t i, int32_t bos);
// log softmax of one row of logits, in double.
void log_softmax(const float* logits, int32_t n_vocab, std::vector<double>& out);
// -log softmax(logits)[target], in double.
double token_nll(const float* logits, int32_t n_vocab, int32_t target);
// Sums of nll and nll^2 over `count` positions.
struct NllSums {
  double nll = 0, nll2 = 0;
  int64_t count = 0;
  void add(double v) { nll += v, nll2 += v * v, ++count; }
  double perplexity() const;      // exp(mean)
  double standard_error() const;  // llama-perplexity's, as it prints it
};

// Called after each chunk with its 1-based number and the perplexity so far.
using ChunkProgress = std::function<void(int32_t chunk, double running_perplexity)>;

// The core, on a runnable model and tokens already made (tokens[0] need not be BOS:
// each chunk's first token is replaced by `bos`, or kept when bos < 0). `name` is
// the model's, for the result and error messages. Errors as run_perplexity.
PerplexityResult perplexity_of(CausalLM& lm, const std::string& name, std::span<const int32_t> tokens, int32_t bos,
                               const EvalOptions& options, const ChunkProgress& progress = {});

// Loads `model` through the process cache and scores `text`. UsageError when the
// text has fewer than 2 * ctx tokens, or ctx is above the model's context or below
// kMinEvalContext.
PerplexityResult run_perplexity(sqlite3* db, const std::string& model, std::string_view text,
                                const EvalOptions& options = {}, const ChunkProgress& progress = {});

ComparisonResult run_comparison(sqlite3* db, const std::string& teacher, const std::string& student,
                                std::string_view text, const EvalOptions& options = {},
                                const ChunkProgress& progress = {});

}  // namespace hart
