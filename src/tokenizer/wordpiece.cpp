// WordPiece as BERT defines it and llama.cpp implements it (llm_tokenizer_wpm).
// BERT's basic tokenizer first: drop control characters, decompose and strip
// accents, lowercase, split on whitespace, and make every punctuation mark, ASCII
// symbol and CJK ideograph a word of its own. Then each word is covered greedily by
// the longest vocabulary pieces; a word that cannot be covered is [UNK].
//
// GGUF vocabularies (convert_hf_to_gguf.py) mark word-initial pieces with U+2581
// and continuations with nothing; Hugging Face's vocab.txt marks continuations
// with "##". Both are read.
#include <algorithm>

#include "tokenizer/engine.h"
#include "tokenizer/unicode.h"
#include "util/utf8.h"

namespace hart::tokenizer {

namespace {

const std::string kSpace = "\xE2\x96\x81";

// BERT's _is_chinese_char ranges (with its 0x2B920 quirk, which llama.cpp keeps).
bool is_cjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

class WordPieceEngine final : public Engine {
 public:
  WordPieceEngine(const Vocab& v, const MetadataView& md) : v_(v) {
    if (md.has("tokenizer.ggml.normalizer.lowercase"))
      lowercase_ = md.boolean("tokenizer.ggml.normalizer.lowercase");
    strip_accents_ = lowercase_;  // BERT's default
    if (md.has("tokenizer.ggml.normalizer.strip_accents"))
      strip_accents_ = md.boolean("tokenizer.ggml.normalizer.strip_accents");
    size_t marked = 0, hashed = 0;
    for (const auto& t : v_.tokens) {
      max_len_ = std::max(max_len_, t.size());
      marked += starts_with(t, kSpace);
      hashed += t.size() > 2 && starts_with(t, "##");
    }
    if (marked == 0 && hashed > 0) first_prefix_ = "", next_prefix_ = "##";
  }

  void encode(std::string_view text, bool, std::vector<int32_t>& out) const override {
    std::string buf;
    for (const std::string& word : basic_tokenize(text)) {
      const size_t start = out.size();
      for (size_t i = 0; i < word.size();) {
        const std::string& prefix = i == 0 ? first_prefix_ : next_prefix_;
        size_t len = std::min(word.size() - i, max_len_);
        int32_t id = -1;
        for (; len > 0; --len) {  // longest piece first
          buf.assign(prefix).append(word, i, len);
          if ((id = v_.find(buf)) >= 0) break;
        }
        if (id < 0) {
          out.resize(start);
          break;
        }
        out.push_back(id);
        i += len;
      }
      if (out.size() == start && v_.special.unk >= 0) out.push_back(v_.special.unk);
    }
  }

  std::string token_bytes(int32_t id) const override {
    const std::string& t = v_.tokens[id];
    if (next_prefix_.empty()) return starts_with(t, kSpace) ? " " + t.substr(kSpace.size()) : t;
    return starts_with(t, next_prefix_) ? t.substr(next_prefix_.size()) : " " + t;
  }

  bool adds_leading_space() const override { return true; }

 private:
  std::vector<std::string> basic_tokenize(std::string_view text) const {
    std::u32string cps;
    for (size_t i = 0; i < text.size();) {
      Utf8Step st = utf8_step_final(text.substr(i));
      if (strip_accents_) append_nfd(st.cp, cps);
      else cps.push_back(st.cp);
      i += st.len;
    }
    std::vector<std::string> words(1);
    auto end_word = [&] {
      if (!words.back().empty()) words.emplace_back();
    };
    for (uint32_t cp : cps) {
      if (is_whitespace(cp)) {
        end_word();
        continue;
      }
      const Category c = category(cp);
      if (cp == 0 || cp == kReplacement || c == Category::kControl) continue;
      if (strip_accents_ && c == Category::kMark) continue;
      const uint32_t out = lowercase_ ? to_lower(cp) : cp;
      if (c == Category::kPunctuation || (cp < 0x7F && c == Category::kSymbol) || is_cjk(cp)) {
        end_word();
        append_utf8(words.back(), out);
        words.emplace_back();
      } else {
        append_utf8(words.back(), out);
      }
    }
    if (words.back().empty()) words.pop_back();
    return words;
  }

  const Vocab& v_;
  bool lowercase_ = true, strip_accents_ = true;
  size_t max_len_ = 0;
  std::string first_prefix_ = kSpace, next_prefix_;
};

}  // namespace

std::unique_ptr<Engine> make_wordpiece_engine(const Vocab& vocab, const MetadataView& md) {
  return std::make_unique<WordPieceEngine>(vocab, md);
}

}  // namespace hart::tokenizer
