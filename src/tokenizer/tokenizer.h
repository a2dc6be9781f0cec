// Tokenizers read from a model's own GGUF metadata (tokenizer.ggml.*), behaving as
// llama.cpp's do:
//   "llama"  SentencePiece (SPM): score-ordered merges of UTF-8 characters, spaces
//            escaped as U+2581, a space prefix, <0xXX> byte fallback;
//   "gpt2"   byte-level BPE: the pre-tokenizer tokenizer.ggml.pre names (GPT-2,
//            Llama 3, Qwen2, DeepSeek, Falcon, StarCoder, ...: pretokenizer.h),
//            bytes mapped to printable characters, merges applied in rank order;
//   "bert"   WordPiece: BERT's basic tokenizer (lowercase, strip accents, split on
//            punctuation and CJK ideographs), greedy longest match, [UNK].
//
// Text policy: input is UTF-8; every ill-formed byte sequence is replaced by U+FFFD
// before tokenizing (see utf8.h). Decoded text is always valid UTF-8: byte tokens
// that do not form a complete character become U+FFFD.
//
// A Tokenizer is immutable after construction; copies share their data, and every
// method may be called from several threads at once.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hart {

// tokenizer.ggml.token_type values.
enum class TokenType : uint8_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// Special token ids; -1 when the vocabulary has none.
struct SpecialTokens {
  int32_t bos = -1, eos = -1, unk = -1, sep = -1, pad = -1, cls = -1, mask = -1;
};

namespace tokenizer {
struct Impl;
}

class Tokenizer {
 public:
  // Builds the tokenizer tokenizer.ggml.model names. Throws hart::Error naming an
  // unsupported model or pre-tokenizer (and the supported ones), FormatError for
  // missing or malformed tokenizer keys.
  Tokenizer(const nlohmann::ordered_json& metadata, const nlohmann::ordered_json& metadata_types);

  static const std::vector<std::string>& supported_models();  // "llama", "gpt2", "bert"

  // add_special: the model's BOS/EOS (SPM, BPE, per tokenizer.ggml.add_*_token) or
  // [CLS] ... [SEP] (WordPiece). parse_special: text matching a control token's
  // text (e.g. "<s>") becomes that token; user-defined tokens are always matched.
  std::vector<int32_t> encode(std::string_view text, bool add_special,
                              bool parse_special = false) const;

  // The text of `ids`. Control and unknown tokens are left out unless
  // render_special. The space an SPM/WordPiece encoder put in front of text is
  // removed again, so decode(encode(s)) == s for SPM and BPE.
  std::string decode(std::span<const int32_t> ids, bool render_special = false) const;

  const std::string& model() const;  // tokenizer.ggml.model
  int32_t vocab_size() const;
  const SpecialTokens& special() const;
  bool add_bos() const;
  bool add_eos() const;

  // Throw hart::Error when `id` is outside the vocabulary.
  const std::string& piece(int32_t id) const;  // the vocabulary's text ("▁the", "Ġthe", "<0x0A>")
  std::string token_bytes(int32_t id) const;   // what the token decodes to (" the", "\n")
  TokenType type(int32_t id) const;
  bool is_control(int32_t id) const;  // kControl
  // Control, unknown or user-defined: tokens matched whole rather than tokenized.
  bool is_special(int32_t id) const;
  int32_t find(std::string_view piece) const;  // id of a vocabulary text, or -1

 private:
  friend class StreamDecoder;
  std::shared_ptr<const tokenizer::Impl> impl_;
};

// Turns ids into text one at a time. Bytes of an incomplete UTF-8 character (from
// byte-fallback or byte-level tokens) are held until the character is complete;
// concatenating every push() and finish() equals Tokenizer::decode of the same ids.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool render_special = false);
  std::string push(int32_t id);  // the newly completed text (possibly empty)
  std::string finish();          // flushes held bytes (as U+FFFD) and resets

 private:
  std::shared_ptr<const tokenizer::Impl> impl_;
  bool render_special_;
  bool strip_space_ = true;  // the next text piece may start with the encoder's space
  std::string pending_;
};

}  // namespace hart
