// Chooses the next token from a model's logits: repetition penalty, then greedy
// (temperature 0) or top-k -> temperature -> top-p -> min-p -> a draw from a
// seeded generator, so the same seed gives the same tokens.
#pragma once
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "model/generation_options.h"

namespace hart {

struct SampledToken {
  int32_t id;
  float logprob;  // log-softmax of the model's raw logits (before penalty and temperature)
};

class Sampler {
 public:
  explicit Sampler(const GenerationOptions& options);
  uint64_t seed() const { return seed_; }
  // `logits` is modified (penalties applied); `history` is every token so far.
  SampledToken sample(std::span<float> logits, std::span<const int32_t> history);

 private:
  GenerationOptions o_;
  uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> candidates_;
};

}  // namespace hart
