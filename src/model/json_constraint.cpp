#include "model/json_constraint.h"

#include <algorithm>
#include <limits>

#include "util/error.h"

namespace hart {

JsonConstraint::JsonConstraint(std::shared_ptr<const JsonGrammar> grammar, const Tokenizer& tokenizer,
                               std::vector<int32_t> end_ids)
    : grammar_(std::move(grammar)), end_ids_(std::move(end_ids)), state_(grammar_->start()) {
  if (tokenizer.special().eos >= 0) end_ids_.push_back(tokenizer.special().eos);
  bytes_.resize(static_cast<size_t>(tokenizer.vocab_size()));
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id)
    if (!tokenizer.is_special(id)) bytes_[static_cast<size_t>(id)] = tokenizer.token_bytes(id);
}

bool JsonConstraint::allowed(int32_t id, const std::bitset<256>& first_ok) {
  if (std::find(end_ids_.begin(), end_ids_.end(), id) != end_ids_.end()) return grammar_->can_end(state_);
  if (static_cast<size_t>(id) >= bytes_.size()) return false;
  const std::string& b = bytes_[static_cast<size_t>(id)];
  if (b.empty() || !first_ok.test(static_cast<uint8_t>(b[0]))) return false;
  if (b.size() == 1) return true;
  scratch_ = state_;
  for (char c : b)
    if (!grammar_->feed(scratch_, static_cast<uint8_t>(c))) return false;
  return true;
}

void JsonConstraint::mask(std::span<float> logits) {
  // Most tokens fail on their first byte: 256 probes spare a copy of the state for them.
  std::bitset<256> first_ok;
  for (int c = 0; c < 256; ++c) {
    scratch_ = state_;
    first_ok[static_cast<size_t>(c)] = grammar_->feed(scratch_, static_cast<uint8_t>(c));
  }
  size_t open = 0;
  for (size_t id = 0; id < logits.size(); ++id) {
    if (logits[id] == -std::numeric_limits<float>::infinity()) continue;
    if (allowed(static_cast<int32_t>(id), first_ok)) ++open;
    else logits[id] = -std::numeric_limits<float>::infinity();
  }
  if (open == 0)
    throw Error("response_format: no token of this model's vocabulary can continue the JSON after \"" + tail_ +
                "\" (its vocabulary lacks the bytes the schema needs next, or another constraint banned them)");
}

void JsonConstraint::advance(int32_t id) {
  if (std::find(end_ids_.begin(), end_ids_.end(), id) != end_ids_.end()) return;
  const std::string& b = bytes_.at(static_cast<size_t>(id));
  for (char c : b)
    if (!grammar_->feed(state_, static_cast<uint8_t>(c)))
      throw Error("response_format: token " + std::to_string(id) + " does not continue the JSON after \"" + tail_ +
                  "\" (it was chosen without mask())");
  tail_ += b;
  if (tail_.size() > 48) tail_.erase(0, tail_.size() - 48);
}

}  // namespace hart
