// SentencePiece as llama.cpp implements it (llm_tokenizer_spm): start from UTF-8
// characters and repeatedly merge the adjacent pair whose concatenation is the
// highest-scoring token (ties: leftmost); text left without a token is spelled
// with <0xXX> byte tokens.
#include <charconv>
#include <queue>

#include "tokenizer/engine.h"

namespace hart::tokenizer {

namespace {

const std::string kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

size_t utf8_len(unsigned char lead) {
  static const uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[lead >> 4];
}

class SpmEngine final : public Engine {
 public:
  explicit SpmEngine(const Vocab& v) : v_(v) {
    static const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
      const char name[7] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>', 0};
      int32_t id = v_.find(name);
      if (id < 0) id = v_.find(std::string(1, static_cast<char>(b)));
      byte_token_[b] = id >= 0 ? id : v_.special.unk;
    }
  }

  void encode(std::string_view fragment, bool after_special, std::vector<int32_t>& out) const override {
    std::string text;
    text.reserve(fragment.size() + 16);
    if (v_.add_space_prefix && after_special) text += kSpace;
    for (char c : fragment) {
      if (c == ' ') text += kSpace;
      else text.push_back(c);
    }
    merge(text, out);
  }

  std::string token_bytes(int32_t id) const override {
    const std::string& t = v_.tokens[id];
    // A byte token "<0xHH>"; one whose HH is not hex (a malformed vocabulary) is text.
    unsigned byte = 0;
    if (v_.types[id] == TokenType::kByte && t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' &&
        std::from_chars(t.data() + 3, t.data() + 5, byte, 16).ptr == t.data() + 5)
      return std::string(1, static_cast<char>(byte));
    std::string out;
    for (size_t i = 0; i < t.size();) {
      if (t.compare(i, 3, kSpace) == 0) out.push_back(' '), i += 3;
      else out.push_back(t[i++]);
    }
    return out;
  }

  bool adds_leading_space() const override { return v_.add_space_prefix; }

 private:
  struct Symbol {
    int prev, next;
    uint32_t start, len;  // bytes of the text; len 0 once merged away
  };
  struct Bigram {
    float score;
    int left, right;
    uint32_t len;
    bool operator<(const Bigram& o) const {  // max-heap: best score, then leftmost
      return score < o.score || (score == o.score && left > o.left);
    }
  };

  void merge(const std::string& text, std::vector<int32_t>& out) const {
    std::vector<Symbol> sym;
    sym.reserve(text.size());
    for (uint32_t off = 0; off < text.size();) {
      uint32_t len = static_cast<uint32_t>(
          std::min<size_t>(utf8_len(static_cast<unsigned char>(text[off])), text.size() - off));
      int i = static_cast<int>(sym.size());
      sym.push_back({i - 1, off + len == text.size() ? -1 : i + 1, off, len});
      off += len;
    }
    std::vector<Bigram> storage;
    storage.reserve(sym.size());
    std::priority_queue<Bigram> queue(std::less<Bigram>(), std::move(storage));
    auto try_add = [&](int l, int r) {
      if (l < 0 || r < 0) return;
      uint32_t len = sym[l].len + sym[r].len;
      int32_t id = v_.find(std::string_view(text).substr(sym[l].start, len));
      if (id >= 0) queue.push({v_.scores[id], l, r, len});
    };
    for (int i = 1; i < static_cast<int>(sym.size()); ++i) try_add(i - 1, i);

    while (!queue.empty()) {
      Bigram b = queue.top();
      queue.pop();
      Symbol& l = sym[b.left];
      Symbol& r = sym[b.right];
      if (l.len == 0 || r.len == 0 || l.len + r.len != b.len) continue;  // stale
      l.len += r.len;
      r.len = 0;
      l.next = r.next;
      if (r.next >= 0) sym[r.next].prev = b.left;
      try_add(l.prev, b.left);
      try_add(b.left, l.next);
    }

    for (int i = sym.empty() ? -1 : 0; i >= 0; i = sym[i].next) {
      std::string_view piece = std::string_view(text).substr(sym[i].start, sym[i].len);
      int32_t id = v_.find(piece);
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
      for (char c : piece) {
        int32_t bt = byte_token_[static_cast<unsigned char>(c)];
        if (bt >= 0) out.push_back(bt);
      }
    }
  }

  const Vocab& v_;
  int32_t byte_token_[256];
};

}  // namespace

std::unique_ptr<Engine> make_spm_engine(const Vocab& vocab) { return std::make_unique<SpmEngine>(vocab); }

}  // namespace hart::tokenizer
