// response_format by constrained sampling: before each step, every token whose bytes
// the JSON grammar (json_grammar.h) would refuse next gets a logit of -infinity, so
// whatever the sampler picks keeps the answer inside the schema. The end-of-text
// tokens are allowed only once the value is whole; once an object, array, string or
// literal closes, the answer is over (finished()).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/json_grammar.h"
#include "tokenizer/tokenizer.h"

namespace hart {

class JsonConstraint {
 public:
  // `end_ids`: the tokens that end the answer (EOS, a chat model's end of turn).
  JsonConstraint(std::shared_ptr<const JsonGrammar> grammar, const Tokenizer& tokenizer, std::vector<int32_t> end_ids);
  // Bans (sets to -infinity) every token that cannot come next. Throws hart::Error
  // when none can (a vocabulary lacking the bytes the grammar needs).
  void mask(std::span<float> logits);
  // The token the sampler chose (one mask() allowed).
  void advance(int32_t id);
  bool finished() const { return state_.finished; }

 private:
  bool allowed(int32_t id, const std::bitset<256>& first_ok);
  std::shared_ptr<const JsonGrammar> grammar_;
  std::vector<std::string> bytes_;  // each token's bytes; empty for special tokens (never allowed)
  std::vector<int32_t> end_ids_;
  JsonState state_, scratch_;
  std::string tail_;  // the last bytes accepted, for error messages
};

}  // namespace hart
