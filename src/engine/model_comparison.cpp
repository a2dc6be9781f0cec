// run_comparison (engine/evaluation.h): a teacher and a student on the same chunks,
// position by position, plus what the store says of their sizes and a timed greedy
// decode of each.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/evaluation.h"
#include "engine/model_cache.h"
#include "store/database.h"
#include "tensor/thread_pool.h"
#include "util/error.h"

namespace hart {
namespace {

using json = nlohmann::json;

json figures_json(const ModelFigures& f) {
  return json{{"model", f.model},
              {"perplexity", f.perplexity},
              {"standard_error", f.standard_error},
              {"parameters", f.parameters},
              {"nonzero_parameters", f.nonzero_parameters},
              {"bytes", f.bytes},
              {"bytes_not_shared", f.bytes_not_shared},
              {"gen_tokens_per_second", f.gen_tokens_per_second}};
}

// The store's figures: parameters, non-zero parameters (from each tensor's
// zero_fraction) and bytes.
void read_sizes(sqlite3* db, int64_t model_id, ModelFigures& f) {
  Stmt m(db, "SELECT parameter_count, n_bytes FROM models WHERE id = ?");
  m.bind(1, model_id);
  if (!m.step()) throw UsageError("model '" + f.model + "' was removed during the comparison");
  f.parameters = m.int64(0);
  f.bytes = m.int64(1);
  Stmt t(db, "SELECT coalesce(sum(n_elements * (1.0 - coalesce(zero_fraction, 0))), 0) FROM tensors WHERE model_id = ?");
  t.bind(1, model_id);
  t.step();
  f.nonzero_parameters = t.real(0);
}

// Bytes of the distinct chunks `student` uses and `teacher` does not: what keeping
// the student beside the teacher costs.
int64_t bytes_not_shared(sqlite3* db, int64_t student, int64_t teacher) {
  Stmt s(db,
         "SELECT coalesce(sum(c.n_bytes), 0) FROM chunks c WHERE c.id IN"
         " (SELECT tc.chunk_id FROM tensor_chunks tc JOIN tensors t ON t.id = tc.tensor_id WHERE t.model_id = ?1)"
         " AND c.id NOT IN"
         " (SELECT tc.chunk_id FROM tensor_chunks tc JOIN tensors t ON t.id = tc.tensor_id WHERE t.model_id = ?2)");
  s.bind(1, student).bind(2, teacher);
  s.step();
  return s.int64(0);
}

int32_t argmax(const float* row, int32_t n) { return static_cast<int32_t>(std::max_element(row, row + n) - row); }

// Greedy tokens per second: the prompt runs first, untimed; then `n` steps of one
// token each (argmax of the last logits, then eval) are timed. No stop at EOS, so
// both models decode the same number of tokens.
double greedy_tokens_per_second(CausalLM& lm, std::span<const int32_t> prompt, int32_t n) {
  if (n <= 0) return 0;
  std::vector<float> logits;
  lm.reset();
  lm.eval(prompt, logits);
  const auto start = std::chrono::steady_clock::now();
  for (int32_t i = 0; i < n; ++i) {
    const int32_t next = argmax(logits.data(), lm.n_vocab());
    lm.eval(std::span<const int32_t>(&next, 1), logits);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  lm.reset();
  return n / std::max(s, 1e-9);
}

}  // namespace

std::string ComparisonResult::to_json() const {
  return json{{"teacher", figures_json(teacher)},
              {"student", figures_json(student)},
              {"mean_kl", mean_kl},
              {"max_kl", max_kl},
              {"top1_agreement", top1_agreement},
              {"ctx", ctx},
              {"chunks", n_chunks},
              {"text_tokens", text_tokens},
              {"scored_tokens", scored},
              {"gen_tokens", gen_tokens},
              {"threads", threads},
              {"seconds", seconds}}
      .dump();
}

ComparisonResult run_comparison(sqlite3* db, const std::string& teacher, const std::string& student,
                                std::string_view text, const EvalOptions& options, const ChunkProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  auto t_model = ModelCache::global().get(db, teacher);
  auto s_model = ModelCache::global().get(db, student);
  const int threads = options.threads > 0 ? options.threads : tensor::hardware_threads();
  auto t_lm = make_causal_lm(t_model, threads);
  auto s_lm = make_causal_lm(s_model, threads);
  const int32_t n_vocab = t_lm->n_vocab();
  if (s_lm->n_vocab() != n_vocab)
    throw UsageError("cannot compare '" + teacher + "' (vocabulary of " + std::to_string(n_vocab) + " tokens) with '" +
                     student + "' (" + std::to_string(s_lm->n_vocab()) +
                     "): the student must share the teacher's vocabulary");

  // One token sequence for both: the teacher's tokenizer, as llama-perplexity's.
  const Tokenizer& tok = t_model->tokenizer();
  const std::vector<int32_t> tokens = tok.encode(text, /*add_special=*/true);
  const int32_t bos = tok.add_bos() ? tok.special().bos : -1;
  // Both contexts bound ctx; the default is the smaller one's, capped as for one model.
  EvalOptions o = options;
  const int32_t both_ctx = std::min(t_lm->n_ctx(), s_lm->n_ctx());
  if (!o.ctx) o.ctx = std::min(both_ctx, kDefaultEvalContext);
  const ChunkPlan plan = plan_chunks(teacher, static_cast<int64_t>(tokens.size()), t_lm->n_ctx(), o);
  plan_chunks(student, static_cast<int64_t>(tokens.size()), s_lm->n_ctx(), o);
  // The speed test's prompt: the text's first tokens, the same for both.
  const std::span<const int32_t> prompt(tokens.data(), std::min<size_t>(kGenPromptTokens, tokens.size()));
  // Capped so that prompt and decode fit both contexts; the result says how many ran.
  const int32_t gen_tokens = static_cast<int32_t>(std::min<int64_t>(o.gen_tokens, both_ctx - int64_t(prompt.size())));

  ComparisonResult r;
  NllSums t_sums, s_sums;
  double kl_sum = 0;
  int64_t agree = 0;
  std::vector<float> t_logits, s_logits;
  std::vector<double> t_lp, s_lp;
  for (int32_t i = 0; i < plan.n_chunks; ++i) {
    const std::vector<int32_t> chunk = chunk_tokens(tokens, plan, i, bos);
    t_lm->reset();
    t_lm->eval(chunk, t_logits, /*all_logits=*/true);
    s_lm->reset();
    s_lm->eval(chunk, s_logits, /*all_logits=*/true);
    for (int32_t j = plan.first(); j < plan.ctx - 1; ++j) {
      const float* tl = t_logits.data() + size_t(j) * n_vocab;
      const float* sl = s_logits.data() + size_t(j) * n_vocab;
      log_softmax(tl, n_vocab, t_lp);
      log_softmax(sl, n_vocab, s_lp);
      double kl = 0;
      for (int32_t k = 0; k < n_vocab; ++k) kl += std::exp(t_lp[k]) * (t_lp[k] - s_lp[k]);
      kl = std::max(kl, 0.0);  // rounding can leave -1e-17 for equal distributions
      kl_sum += kl;
      r.max_kl = std::max(r.max_kl, kl);
      t_sums.add(-t_lp[chunk[j + 1]]);
      s_sums.add(-s_lp[chunk[j + 1]]);
      agree += argmax(tl, n_vocab) == argmax(sl, n_vocab);
    }
    if (progress) progress(i + 1, s_sums.perplexity());
  }
  t_lm->reset();
  s_lm->reset();

  const int64_t count = t_sums.count;
  r.teacher = {teacher, t_sums.perplexity(), t_sums.standard_error()};
  r.student = {student, s_sums.perplexity(), s_sums.standard_error()};
  r.mean_kl = kl_sum / count;
  r.top1_agreement = double(agree) / count;
  read_sizes(db, t_model->info().id, r.teacher);
  read_sizes(db, s_model->info().id, r.student);
  r.student.bytes_not_shared = bytes_not_shared(db, s_model->info().id, t_model->info().id);

  r.gen_tokens = gen_tokens;
  r.teacher.gen_tokens_per_second = greedy_tokens_per_second(*t_lm, prompt, gen_tokens);
  r.student.gen_tokens_per_second = greedy_tokens_per_second(*s_lm, prompt, gen_tokens);
  r.ctx = plan.ctx;
  r.n_chunks = plan.n_chunks;
  r.text_tokens = static_cast<int64_t>(tokens.size());
  r.scored = count;
  r.threads = static_cast<int32_t>(t_lm->pool()->size());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace hart
