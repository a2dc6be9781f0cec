#include "tokenizer/tokenizer.h"

#include <algorithm>

#include "tokenizer/engine.h"
#include "util/utf8.h"
#include "util/error.h"

namespace hart {

namespace tokenizer {

struct Impl {
  Vocab vocab;
  std::unique_ptr<Engine> engine;
  std::vector<std::string> bytes;  // token id -> what it decodes to (special: its text)
  std::vector<int32_t> specials;   // matched whole in text; longest first

  bool special(int32_t id) const {
    TokenType t = vocab.types[id];
    return t == TokenType::kControl || t == TokenType::kUnknown || t == TokenType::kUserDefined;
  }
};

namespace {

struct Fragment {
  int32_t token;  // -1 for text
  size_t begin, len;
};

// Splits `text` at occurrences of special tokens (llama.cpp's tokenizer_st_partition):
// longer tokens first; control and unknown tokens only when parse_special.
std::vector<Fragment> split_special(const Impl& im, std::string_view text, bool parse_special) {
  std::vector<Fragment> frags;
  if (!text.empty()) frags.push_back({-1, 0, text.size()});
  for (int32_t id : im.specials) {
    if (!parse_special && im.vocab.types[id] != TokenType::kUserDefined) continue;
    const std::string& s = im.vocab.tokens[id];
    std::vector<Fragment> next;
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      size_t pos = f.begin, end = f.begin + f.len;
      while (pos < end) {
        size_t hit = text.substr(0, end).find(s, pos);
        if (hit == std::string_view::npos) break;
        if (hit > pos) next.push_back({-1, pos, hit - pos});
        next.push_back({id, hit, s.size()});
        pos = hit + s.size();
      }
      if (pos < end) next.push_back({-1, pos, end - pos});
    }
    frags = std::move(next);
  }
  return frags;
}

const Impl& checked(const std::shared_ptr<const Impl>& im, int32_t id) {
  if (!im->vocab.valid(id))
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " +
                std::to_string(im->vocab.size()) + " tokens");
  return *im;
}

}  // namespace

}  // namespace tokenizer

using tokenizer::Impl;

const std::vector<std::string>& Tokenizer::supported_models() {
  static const std::vector<std::string> models = {"llama", "gpt2", "bert"};
  return models;
}

Tokenizer::Tokenizer(const nlohmann::ordered_json& metadata, const nlohmann::ordered_json& metadata_types) {
  tokenizer::MetadataView md(metadata, metadata_types);
  if (!md.has("tokenizer.ggml.model"))
    throw FormatError("the model has no tokenizer: metadata key tokenizer.ggml.model is missing");
  const std::string model = md.string("tokenizer.ggml.model");
  const auto& supported = supported_models();
  if (std::find(supported.begin(), supported.end(), model) == supported.end())
    throw Error("unsupported tokenizer.ggml.model \"" + model +
                "\" (supported: llama = SentencePiece, gpt2 = byte-level BPE, bert = WordPiece)");

  auto im = std::make_shared<Impl>();
  im->vocab = tokenizer::read_vocab(md);
  const tokenizer::Vocab& v = im->vocab;
  if (model == "llama") im->engine = tokenizer::make_spm_engine(v);
  else if (model == "gpt2") im->engine = tokenizer::make_bpe_engine(v, md);
  else im->engine = tokenizer::make_wordpiece_engine(v, md);

  im->bytes.resize(v.size());
  for (int32_t id = 0; id < v.size(); ++id) {
    im->bytes[id] = im->special(id) ? v.tokens[id] : im->engine->token_bytes(id);
    if (im->special(id)) im->specials.push_back(id);
  }
  std::stable_sort(im->specials.begin(), im->specials.end(), [&](int32_t a, int32_t b) {
    return v.tokens[a].size() > v.tokens[b].size();
  });
  impl_ = std::move(im);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  const Impl& im = *impl_;
  const tokenizer::Vocab& v = im.vocab;
  const std::string clean = utf8_sanitize(text);
  std::vector<int32_t> out;
  out.reserve(clean.size() / 3 + 4);
  const bool wordpiece = v.model == "bert";
  if (add_special) {
    int32_t first = wordpiece ? v.special.cls : (v.add_bos ? v.special.bos : -1);
    if (first >= 0) out.push_back(first);
  }
  bool after_special = true;
  for (const auto& f : tokenizer::split_special(im, clean, parse_special)) {
    if (f.token >= 0) out.push_back(f.token);
    else im.engine->encode(std::string_view(clean).substr(f.begin, f.len), after_special, out);
    after_special = f.token >= 0;
  }
  if (add_special) {
    int32_t last = wordpiece ? (v.add_sep ? v.special.sep : -1) : (v.add_eos ? v.special.eos : -1);
    if (last >= 0) out.push_back(last);
  }
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool render_special) const {
  StreamDecoder d(*this, render_special);
  std::string out;
  for (int32_t id : ids) out += d.push(id);
  return out + d.finish();
}

const std::string& Tokenizer::model() const { return impl_->vocab.model; }
int32_t Tokenizer::vocab_size() const { return impl_->vocab.size(); }
const SpecialTokens& Tokenizer::special() const { return impl_->vocab.special; }
bool Tokenizer::add_bos() const { return impl_->vocab.add_bos; }
bool Tokenizer::add_eos() const { return impl_->vocab.add_eos; }
const std::string& Tokenizer::piece(int32_t id) const { return tokenizer::checked(impl_, id).vocab.tokens[id]; }
std::string Tokenizer::token_bytes(int32_t id) const { return tokenizer::checked(impl_, id).bytes[id]; }
TokenType Tokenizer::type(int32_t id) const { return tokenizer::checked(impl_, id).vocab.types[id]; }
bool Tokenizer::is_control(int32_t id) const { return type(id) == TokenType::kControl; }
bool Tokenizer::is_special(int32_t id) const { return tokenizer::checked(impl_, id).special(id); }
int32_t Tokenizer::find(std::string_view piece) const { return impl_->vocab.find(piece); }

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool render_special)
    : impl_(tokenizer.impl_), render_special_(render_special) {}

std::string StreamDecoder::push(int32_t id) {
  const Impl& im = tokenizer::checked(impl_, id);
  const std::string& bytes = im.bytes[id];
  std::string_view piece = bytes;
  if (im.special(id)) {
    strip_space_ = true;  // the encoder starts the next text with a space again
    if (!render_special_ && im.vocab.types[id] != TokenType::kUserDefined) return {};
  } else {
    if (strip_space_ && im.engine->adds_leading_space() && !piece.empty() && piece[0] == ' ')
      piece.remove_prefix(1);
    strip_space_ = false;
  }
  pending_.append(piece);
  // Emit every complete character; keep a trailing incomplete one for the next push.
  std::string out;
  size_t i = 0;
  while (i < pending_.size()) {
    Utf8Step st = utf8_step(std::string_view(pending_).substr(i));
    if (st.kind == Utf8Step::kIncomplete) break;
    if (st.kind == Utf8Step::kOk) out.append(pending_, i, st.len);
    else append_utf8(out, kReplacement);
    i += st.len;
  }
  pending_.erase(0, i);
  return out;
}

std::string StreamDecoder::finish() {
  std::string out = utf8_sanitize(pending_);
  pending_.clear();
  strip_space_ = true;
  return out;
}

}  // namespace hart
