// What each tokenizer family provides to Tokenizer (tokenizer.cpp), which does the
// parts they share: special-token splitting, BOS/EOS, UTF-8 policy, decoding.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace hart::tokenizer {

class Engine {
 public:
  virtual ~Engine() = default;
  // Appends the tokens of one fragment of text (valid UTF-8 holding no special
  // token). `after_special`: the fragment starts the text or follows a special token.
  virtual void encode(std::string_view text, bool after_special, std::vector<int32_t>& out) const = 0;
  // The bytes a non-special token stands for.
  virtual std::string token_bytes(int32_t id) const = 0;
  // Whether the encoder puts a space before the text after a special token (or at
  // the start), which decoding must remove.
  virtual bool adds_leading_space() const = 0;
};

// Each keeps a reference to `vocab`, which must outlive it.
std::unique_ptr<Engine> make_spm_engine(const Vocab& vocab);
std::unique_ptr<Engine> make_bpe_engine(const Vocab& vocab, const MetadataView& md);
std::unique_ptr<Engine> make_wordpiece_engine(const Vocab& vocab, const MetadataView& md);

}  // namespace hart::tokenizer
