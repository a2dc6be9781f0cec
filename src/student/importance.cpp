#include "student/importance.h"

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/model_cache.h"
#include "engine/text_query.h"
#include "model/causal_lm.h"
#include "store/model_parts.h"
#include "store/models.h"
#include "tensor/thread_pool.h"
#include "store/scores.h"
#include "student/llama_shape.h"
#include "util/error.h"

namespace hart {
namespace {

// Sums of squares of every input column of a block's matrices, and the cosine of each
// token's block input and output, over the calibration passes.
class ActivationStats : public ForwardObserver {
 public:
  explicit ActivationStats(const LlamaShape& s) {
    for (auto* v : {&attn_in_, &attn_out_, &ffn_in_, &ffn_hidden_}) v->resize(s.n_layer);
    for (int64_t l = 0; l < s.n_layer; ++l) {
      attn_in_[l].assign(s.dim, 0);
      attn_out_[l].assign(s.n_head * s.head_dim, 0);
      ffn_in_[l].assign(s.dim, 0);
      ffn_hidden_[l].assign(s.ffn, 0);
    }
    cos_sum_.assign(s.n_layer, 0);
  }
  void on_block_input(int /*layer*/, const HiddenRows& r) override {
    block_in_.assign(r.data, r.data + r.n_tokens() * r.dim);  // the stream is updated in place
  }
  void on_attn_input(int l, const HiddenRows& r) override { add_squares(attn_in_[l], r); }
  void on_attn_output(int l, const HiddenRows& r) override { add_squares(attn_out_[l], r); }
  void on_ffn_input(int l, const HiddenRows& r) override { add_squares(ffn_in_[l], r); }
  void on_ffn_hidden(int l, const HiddenRows& r) override { add_squares(ffn_hidden_[l], r); }
  void on_block_output(int l, const HiddenRows& r) override {
    for (size_t i = 0; i < r.n_tokens(); ++i) {
      const float* a = block_in_.data() + i * r.dim;
      auto b = r.row(i);
      double ab = 0, aa = 0, bb = 0;
      for (size_t j = 0; j < r.dim; ++j) {
        ab += double(a[j]) * b[j];
        aa += double(a[j]) * a[j];
        bb += double(b[j]) * b[j];
      }
      cos_sum_[l] += aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 1.0;
    }
    if (l == 0) tokens_ += static_cast<int64_t>(r.n_tokens());
  }

  // The input norms (||X_j||_2) a block matrix's columns meet.
  std::vector<double> norms(const std::string& kind, int64_t layer) const {
    const std::vector<double>* v = nullptr;
    if (kind == "attn_q.weight" || kind == "attn_k.weight" || kind == "attn_v.weight") v = &attn_in_[layer];
    else if (kind == "attn_output.weight") v = &attn_out_[layer];
    else if (kind == "ffn_gate.weight" || kind == "ffn_up.weight") v = &ffn_in_[layer];
    else if (kind == "ffn_down.weight") v = &ffn_hidden_[layer];
    if (!v) return {};
    std::vector<double> out(v->size());
    for (size_t j = 0; j < v->size(); ++j) out[j] = std::sqrt((*v)[j]);
    return out;
  }
  double influence(int64_t layer) const { return tokens_ ? 1.0 - cos_sum_[layer] / double(tokens_) : 0.0; }
  int64_t tokens() const { return tokens_; }

 private:
  static void add_squares(std::vector<double>& acc, const HiddenRows& r) {
    for (size_t i = 0; i < r.n_tokens(); ++i) {
      auto row = r.row(i);
      for (size_t j = 0; j < r.dim && j < acc.size(); ++j) acc[j] += double(row[j]) * row[j];
    }
  }
  std::vector<std::vector<double>> attn_in_, attn_out_, ffn_in_, ffn_hidden_;
  std::vector<double> cos_sum_;
  std::vector<float> block_in_;
  int64_t tokens_ = 0;
};

const char* const kBlockMatrices[] = {"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
                                      "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"};

bool is_block_matrix(const std::string& kind) {
  for (const char* k : kBlockMatrices)
    if (kind == k) return true;
  return false;
}

// Means of element scores along rows [r0, r0 + n) or columns [c0, c0 + n) of a matrix.
double mean_rows(const std::vector<float>& s, uint64_t cols, uint64_t r0, uint64_t n) {
  double sum = 0;
  for (uint64_t r = r0; r < r0 + n; ++r)
    for (uint64_t c = 0; c < cols; ++c) sum += s[r * cols + c];
  return n && cols ? sum / double(n * cols) : 0;
}
double mean_cols(const std::vector<float>& s, uint64_t rows, uint64_t cols, uint64_t c0, uint64_t n) {
  double sum = 0;
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = c0; c < c0 + n; ++c) sum += s[r * cols + c];
  return n && rows ? sum / double(n * rows) : 0;
}

}  // namespace

std::string ImportanceReport::to_json() const {
  nlohmann::ordered_json j{{"score_set", set_id}, {"model", model}, {"method", method},
                           {"calibration", calibration.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(calibration)},
                           {"calibration_tokens", calibration_tokens}, {"passes", passes},
                           {"tensors_scored", tensors_scored}, {"units", units}, {"seconds", seconds}};
  return j.dump();
}

ImportanceReport compute_importance(Database& db, const std::string& model, const ImportanceOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  require_score_method(o.method);
  const bool wanda = o.method == "wanda", influence = o.method == "influence";
  if (o.method == "magnitude" && !o.calibration.empty())
    throw UsageError("magnitude scores read no calibration text; leave out the calibration query");
  if ((wanda || influence) && o.calibration.empty())
    throw UsageError(o.method + " scores need calibration text: give a query returning text (--calibration)");
  if (o.max_tokens < 2) throw UsageError("calibration tokens must be at least 2");
  if (db.read_only()) throw UsageError("the database is read-only: importance scores cannot be stored");
  ModelRow row = require_model(db, model);
  StoredModelParts parts = read_model_parts(db.handle(), row);
  const LlamaShape shape = llama_shape(model, row.architecture, ordered_json::parse(parts.metadata));

  ImportanceReport rep;
  rep.model = model;
  rep.method = o.method;
  rep.calibration = o.calibration;
  ActivationStats stats(shape);
  nlohmann::ordered_json used = nlohmann::ordered_json::object();
  if (wanda || influence) {
    std::string text = text_from_query(db.handle(), o.calibration, "calibration");
    auto loaded = ModelCache::global().get(db.handle(), model);
    auto lm = make_causal_lm(loaded, o.threads > 0 ? o.threads : tensor::hardware_threads());
    int ctx = o.ctx ? o.ctx : std::min(lm->n_ctx(), 512);
    if (ctx < 2 || ctx > lm->n_ctx())
      throw UsageError("calibration context " + std::to_string(ctx) + " is outside 2.." + std::to_string(lm->n_ctx()) +
                       " (the model's context)");
    std::vector<int32_t> ids = loaded->tokenizer().encode(text, /*add_special=*/true);
    if (static_cast<int64_t>(ids.size()) > o.max_tokens) ids.resize(static_cast<size_t>(o.max_tokens));
    if (ids.size() < 2) throw UsageError("the calibration text gives fewer than 2 tokens");
    const int32_t bos = loaded->tokenizer().add_bos() ? loaded->tokenizer().special().bos : -1;
    lm->set_observer(&stats);
    std::vector<int32_t> window;
    std::vector<float> logits;
    // Passes of ctx tokens, each from an empty cache with BOS first, as evaluation does.
    for (size_t start = 0; start < ids.size(); start += static_cast<size_t>(ctx)) {
      window.assign(ids.begin() + start, ids.begin() + std::min(ids.size(), start + ctx));
      if (window.size() < 2) break;
      if (bos >= 0) window[0] = bos;
      lm->reset();
      lm->eval(window, logits);
      ++rep.passes;
    }
    lm->set_observer(nullptr);
    rep.calibration_tokens = stats.tokens();
    used["ctx"] = ctx;
    used["max_tokens"] = o.max_tokens;
  }

  ScoreSetWriter writer(db, row.id, o.method, o.calibration, rep.calibration_tokens, used.dump());
  if (influence) {
    for (int64_t l = 0; l < shape.n_layer; ++l) writer.add_unit(ScoreUnit::kLayer, l, 0, stats.influence(l));
    rep.units = shape.n_layer;
  } else {
    // Per layer: sums for the layer, its heads and its neurons.
    std::vector<double> layer_sum(shape.n_layer, 0), layer_n(shape.n_layer, 0);
    std::vector<std::vector<double>> head(shape.n_layer, std::vector<double>(shape.n_head, 0));
    std::vector<std::vector<double>> neuron(shape.n_layer, std::vector<double>(shape.ffn, 0));
    std::vector<float> s;
    for (const TensorRow& t : parts.tensors) {
      int64_t layer;
      std::string kind;
      if (!split_block_name(t.name, layer, kind) || !is_block_matrix(kind) || layer < 0 || layer >= shape.n_layer ||
          t.shape.size() != 2)
        continue;
      const uint64_t rows = t.shape[0], cols = t.shape[1];
      s = read_tensor_floats(db.handle(), t);
      for (float& v : s) v = std::fabs(v);
      if (wanda) {
        std::vector<double> norm = stats.norms(kind, layer);
        if (norm.size() != cols)
          throw Error("tensor '" + t.name + "' has " + std::to_string(cols) + " columns, its inputs " +
                      std::to_string(norm.size()));
        for (uint64_t r = 0; r < rows; ++r)
          for (uint64_t c = 0; c < cols; ++c) s[r * cols + c] = static_cast<float>(s[r * cols + c] * norm[c]);
        writer.add_tensor_scores(t, s);
        ++rep.tensors_scored;
      }
      double sum = 0;
      for (float v : s) sum += v;
      layer_sum[layer] += sum;
      layer_n[layer] += double(s.size());
      const uint64_t hd = static_cast<uint64_t>(shape.head_dim);
      if (kind == "attn_q.weight" && rows == uint64_t(shape.n_head) * hd)
        for (int64_t h = 0; h < shape.n_head; ++h) head[layer][h] += mean_rows(s, cols, h * hd, hd);
      if (kind == "attn_output.weight" && cols == uint64_t(shape.n_head) * hd)
        for (int64_t h = 0; h < shape.n_head; ++h) head[layer][h] += mean_cols(s, rows, cols, h * hd, hd);
      if ((kind == "ffn_gate.weight" || kind == "ffn_up.weight") && rows == uint64_t(shape.ffn))
        for (int64_t j = 0; j < shape.ffn; ++j) neuron[layer][j] += mean_rows(s, cols, j, 1) / 2;
      if (kind == "ffn_down.weight" && cols == uint64_t(shape.ffn))
        for (int64_t j = 0; j < shape.ffn; ++j) neuron[layer][j] += mean_cols(s, rows, cols, j, 1);
    }
    for (int64_t l = 0; l < shape.n_layer; ++l) {
      writer.add_unit(ScoreUnit::kLayer, l, 0, layer_n[l] ? layer_sum[l] / layer_n[l] : 0);
      for (int64_t h = 0; h < shape.n_head; ++h) writer.add_unit(ScoreUnit::kHead, l, h, head[l][h]);
      for (int64_t j = 0; j < shape.ffn; ++j) writer.add_unit(ScoreUnit::kNeuron, l, j, neuron[l][j]);
    }
    rep.units = shape.n_layer * (1 + shape.n_head + shape.ffn);
  }
  rep.set_id = writer.commit();
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace hart
