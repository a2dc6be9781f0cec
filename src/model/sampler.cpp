#include "model/sampler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_set>

namespace hart {
namespace {

float log_softmax_at(std::span<const float> logits, int32_t id) {
  float mx = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l - mx));
  return static_cast<float>(logits[id] - mx - std::log(sum));
}

}  // namespace

Sampler::Sampler(const GenerationOptions& options)
    : o_(options),
      seed_(options.seed ? *options.seed
                         : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())),
      rng_(seed_) {}

SampledToken Sampler::sample(std::span<float> logits, std::span<const int32_t> history) {
  const int32_t n = static_cast<int32_t>(logits.size());
  // Greedy on the raw logits would ignore the penalty; apply it first, like llama.cpp.
  std::vector<float> raw(logits.begin(), logits.end());
  if (o_.repeat_penalty != 1.0 && o_.repeat_last_n > 0) {
    std::unordered_set<int32_t> seen;
    size_t from = history.size() > static_cast<size_t>(o_.repeat_last_n) ? history.size() - o_.repeat_last_n : 0;
    for (size_t i = from; i < history.size(); ++i)
      if (history[i] >= 0 && history[i] < n && seen.insert(history[i]).second) {
        float& l = logits[history[i]];
        l = l > 0 ? static_cast<float>(l / o_.repeat_penalty) : static_cast<float>(l * o_.repeat_penalty);
      }
  }
  if (o_.temperature <= 0) {
    int32_t best = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    return {best, log_softmax_at(raw, best)};
  }
  candidates_.clear();
  for (int32_t i = 0; i < n; ++i) candidates_.push_back({logits[i], i});
  size_t k = o_.top_k > 0 ? std::min<size_t>(o_.top_k, candidates_.size()) : candidates_.size();
  std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  candidates_.resize(k);
  // Softmax with temperature over the survivors (sorted, so index 0 is the top).
  std::vector<double> p(k);
  double sum = 0;
  for (size_t i = 0; i < k; ++i) sum += p[i] = std::exp((candidates_[i].first - candidates_[0].first) / o_.temperature);
  for (double& x : p) x /= sum;
  size_t keep = k;
  if (o_.top_p < 1.0) {
    double acc = 0;
    for (size_t i = 0; i < k; ++i) {
      acc += p[i];
      if (acc >= o_.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  if (o_.min_p > 0)
    while (keep > 1 && p[keep - 1] < o_.min_p * p[0]) --keep;
  std::discrete_distribution<size_t> pick(p.begin(), p.begin() + keep);
  int32_t id = candidates_[pick(rng_)].second;
  return {id, log_softmax_at(raw, id)};
}

}  // namespace hart
