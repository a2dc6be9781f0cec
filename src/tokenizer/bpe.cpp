// Byte-level BPE as GPT-2 defines it and llama.cpp implements it
// (llm_tokenizer_bpe): pre-tokenize (pretokenizer.h), map each byte of a word to its printable
// character, then repeatedly merge the adjacent pair with the lowest merge rank
// (ties: leftmost). Strings are interned to ids at load time so the merge loop
// compares integers and allocates nothing.
#include <algorithm>
#include <queue>
#include <unordered_map>

#include "tokenizer/engine.h"
#include "tokenizer/pretokenizer.h"
#include "util/utf8.h"
#include "util/error.h"

namespace hart::tokenizer {

namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the
// other 68 bytes for U+0100 onwards, in byte order.
std::vector<uint32_t> byte_to_codepoint() {
  std::vector<uint32_t> map(256);
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    map[b] = printable ? b : next++;
  }
  return map;
}

const PreTokenizerSpec& spec_of(const Vocab& v) {
  const PreTokenizerSpec* spec = find_pre_tokenizer(v.pre);
  if (!spec)
    throw Error("unsupported BPE pre-tokenizer tokenizer.ggml.pre = \"" + v.pre +
                "\" (supported: " + pre_tokenizer_names() + ")");
  return *spec;
}

class BpeEngine final : public Engine {
 public:
  BpeEngine(const Vocab& v, const MetadataView& md)
      : v_(v), ignore_merges_(spec_of(v).ignore_merges), pre_(spec_of(v).regexes) {
    const auto b2c = byte_to_codepoint();
    for (int b = 0; b < 256; ++b) {
      std::string s;
      b2c_[b] = b2c[b];
      append_utf8(s, b2c[b]);
      byte_str_[b] = intern(s);
      char_to_byte_[b2c[b]] = static_cast<uint8_t>(b);
    }
    for (int32_t id = 0; id < v_.size(); ++id) {
      uint32_t s = intern(v_.tokens[id]);
      if (token_of_.size() <= s) token_of_.resize(s + 1, -1);
      token_of_[s] = id;  // last id wins, as Vocab::find
    }
    const auto merges = md.strings("tokenizer.ggml.merges");
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const std::string& m = merges[rank];
      size_t sp = m.find(' ', 1);
      if (sp == std::string::npos) continue;  // malformed: never matches (llama.cpp keeps ("", ""))
      uint32_t a = intern(m.substr(0, sp)), b = intern(m.substr(sp + 1));
      uint32_t ab = intern(m.substr(0, sp) + m.substr(sp + 1));
      merges_.emplace(key(a, b), Merge{static_cast<int32_t>(rank), ab});  // first rank wins
    }
    token_of_.resize(lookup_.size(), -1);
    lookup_ = {};  // only needed while loading
  }

  void encode(std::string_view text, bool, std::vector<int32_t>& out) const override {
    Work w;
    for (auto [begin, end] : pre_.split(text)) encode_word(text.substr(begin, end - begin), w, out);
  }

  std::string token_bytes(int32_t id) const override {
    const std::string& t = v_.tokens[id];
    std::string out;
    for (size_t i = 0; i < t.size();) {
      Utf8Step st = utf8_step_final(std::string_view(t).substr(i));
      auto it = char_to_byte_.find(st.cp);
      if (st.kind == Utf8Step::kOk && it != char_to_byte_.end()) out.push_back(static_cast<char>(it->second));
      else out.append(t, i, st.len);  // not a byte-level character: keep it as it is
      i += st.len;
    }
    return out;
  }

  bool adds_leading_space() const override { return false; }

 private:
  struct Merge {
    int32_t rank;
    uint32_t result;
  };
  struct Symbol {
    int prev, next;
    uint32_t str;       // interned text
    uint32_t begin, len;  // bytes of the word; len 0 once merged away
  };
  struct Bigram {
    int32_t rank;
    int left, right;
    uint32_t len;
    bool operator<(const Bigram& o) const {  // max-heap: lowest rank, then leftmost
      return rank > o.rank || (rank == o.rank && left > o.left);
    }
  };
  struct Work {  // reused across words
    std::vector<Symbol> sym;
    std::vector<Bigram> heap;
    std::string mapped;  // the word in byte-level characters
  };

  static uint64_t key(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }

  uint32_t intern(const std::string& s) {
    return lookup_.emplace(s, static_cast<uint32_t>(lookup_.size())).first->second;
  }

  void encode_word(std::string_view word, Work& w, std::vector<int32_t>& out) const {
    if (ignore_merges_) {  // a word that is itself a token is taken whole
      w.mapped.clear();
      for (unsigned char b : word) append_utf8(w.mapped, b2c_[b]);
      if (int32_t id = v_.find(w.mapped); id >= 0) {
        out.push_back(id);
        return;
      }
    }
    auto& sym = w.sym;
    sym.clear();
    for (uint32_t i = 0; i < word.size(); ++i) {
      int k = static_cast<int>(i);
      sym.push_back({k - 1, i + 1 == word.size() ? -1 : k + 1,
                     byte_str_[static_cast<unsigned char>(word[i])], i, 1});
    }
    auto& heap = w.heap;
    heap.clear();
    auto try_add = [&](int l, int r) {
      if (l < 0 || r < 0) return;
      auto it = merges_.find(key(sym[l].str, sym[r].str));
      if (it == merges_.end()) return;
      heap.push_back({it->second.rank, l, r, sym[l].len + sym[r].len});
      std::push_heap(heap.begin(), heap.end());
    };
    for (int i = 1; i < static_cast<int>(sym.size()); ++i) try_add(i - 1, i);

    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end());
      Bigram b = heap.back();
      heap.pop_back();
      Symbol& l = sym[b.left];
      Symbol& r = sym[b.right];
      if (l.len == 0 || r.len == 0 || l.len + r.len != b.len) continue;  // stale
      l.str = merges_.at(key(l.str, r.str)).result;
      l.len += r.len;
      r.len = 0;
      l.next = r.next;
      if (r.next >= 0) sym[r.next].prev = b.left;
      try_add(l.prev, b.left);
      try_add(b.left, l.next);
    }

    for (int i = sym.empty() ? -1 : 0; i >= 0; i = sym[i].next) {
      int32_t id = token_of_[sym[i].str];
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
      // A merge produced a text the vocabulary lacks: spell it byte by byte.
      for (uint32_t k = sym[i].begin; k < sym[i].begin + sym[i].len; ++k) {
        int32_t bt = token_of_[byte_str_[static_cast<unsigned char>(word[k])]];
        if (bt >= 0) out.push_back(bt);
      }
    }
  }

  const Vocab& v_;
  const bool ignore_merges_;
  const PreTokenizer pre_;
  uint32_t b2c_[256];
  std::unordered_map<std::string, uint32_t> lookup_;  // text -> interned id (while loading)
  std::vector<int32_t> token_of_;  // interned text -> token id or -1
  std::unordered_map<uint64_t, Merge> merges_;
  uint32_t byte_str_[256];
  std::unordered_map<uint32_t, uint8_t> char_to_byte_;
};

}  // namespace

std::unique_ptr<Engine> make_bpe_engine(const Vocab& vocab, const MetadataView& md) {
  return std::make_unique<BpeEngine>(vocab, md);
}

}  // namespace hart::tokenizer
