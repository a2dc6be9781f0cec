// The pattern is parsed into a small tree, compiled to a program of five
// instructions (run of a class, split, jump, lookahead, assertion) and matched by a
// backtracking loop with an explicit stack: a run of one class pushes a single
// frame that gives characters back one at a time, so `\p{L}+` over a long word
// costs no recursion and no frame per character.
#include "tokenizer/regex.h"

#include <algorithm>
#include <limits>

#include "tokenizer/unicode.h"
#include "util/error.h"
#include "util/utf8.h"

namespace hart::tokenizer {

DecodedText::DecodedText(std::string_view utf8) {
  cps.reserve(utf8.size());
  props.reserve(utf8.size());
  offsets.reserve(utf8.size() + 1);
  for (size_t i = 0; i < utf8.size();) {
    Utf8Step st = utf8_step_final(utf8.substr(i));
    offsets.push_back(i);
    cps.push_back(st.cp);
    props.push_back(static_cast<uint8_t>(static_cast<uint8_t>(category(st.cp)) |
                                         (is_whitespace(st.cp) ? kSpaceBit : 0)));
    i += st.len;
  }
  offsets.push_back(utf8.size());
}

namespace {

constexpr uint32_t kInfinite = std::numeric_limits<uint32_t>::max();
constexpr size_t kNoMatch = std::numeric_limits<size_t>::max();

struct CharClass {
  bool negated = false;
  uint16_t categories = 0;  // bit (1 << Category)
  uint8_t space = 0;        // 1: \s, 2: \S
  std::vector<std::pair<uint32_t, uint32_t>> ranges;  // inclusive, sorted and merged once built

  void add(uint32_t lo, uint32_t hi) { ranges.emplace_back(lo, hi); }
  void finish() {
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<uint32_t, uint32_t>> merged;
    for (auto r : ranges) {
      if (!merged.empty() && r.first <= merged.back().second + 1)
        merged.back().second = std::max(merged.back().second, r.second);
      else merged.push_back(r);
    }
    ranges = std::move(merged);
  }
  bool test(uint32_t cp, uint8_t props) const {
    bool in = (categories >> (props & 0x0F)) & 1;
    if (!in && space) in = (space & 1 ? (props & DecodedText::kSpaceBit) != 0 : false) ||
                           (space & 2 ? (props & DecodedText::kSpaceBit) == 0 : false);
    if (!in && !ranges.empty()) {
      auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                                 [](uint32_t v, const std::pair<uint32_t, uint32_t>& r) { return v < r.first; });
      in = it != ranges.begin() && cp <= std::prev(it)->second;
    }
    return in != negated;
  }
};

struct Node {
  enum Kind : uint8_t { kClass, kSeq, kAlt, kRepeat, kLook, kAssert } kind;
  uint32_t cls = 0;
  uint32_t min = 1, max = 1;
  bool negate = false;
  char anchor = 0;
  std::vector<Node> kids;
};

// \p{...} names: a general category group, by its short or long name.
uint16_t category_bits(std::u32string_view name) {
  auto bit = [](Category c) { return static_cast<uint16_t>(1u << static_cast<unsigned>(c)); };
  const struct {
    std::string_view short_name, long_name;
    uint16_t bits;
  } kProperties[] = {
      {"L", "Letter", bit(Category::kLetter)},
      {"N", "Number", bit(Category::kNumber)},
      {"P", "Punctuation", bit(Category::kPunctuation)},
      {"S", "Symbol", bit(Category::kSymbol)},
      {"M", "Mark", bit(Category::kMark)},
      {"Z", "Separator", bit(Category::kSeparator)},
      {"C", "Other", static_cast<uint16_t>(bit(Category::kControl) | bit(Category::kUndefined))},
  };
  std::string ascii;
  for (char32_t c : name) {
    if (c >= 128) return 0;
    ascii.push_back(static_cast<char>(c));
  }
  for (const auto& p : kProperties)
    if (ascii == p.short_name || ascii == p.long_name) return p.bits;
  return 0;
}

class Parser {
 public:
  Parser(std::string_view pattern, std::vector<CharClass>& classes) : source_(pattern), classes_(classes) {
    for (size_t i = 0; i < pattern.size();) {
      Utf8Step st = utf8_step_final(pattern.substr(i));
      if (st.kind != Utf8Step::kOk) fail("it is not valid UTF-8");
      p_.push_back(st.cp);
      i += st.len;
    }
  }

  Node parse() {
    Node n = alternation(false);
    if (i_ < p_.size()) fail("unbalanced ')'");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error("pre-tokenizer regex \"" + std::string(source_) + "\": " + why +
                (i_ <= p_.size() ? " (at character " + std::to_string(i_) + ")" : ""));
  }
  bool at(char32_t c) const { return i_ < p_.size() && p_[i_] == c; }
  bool eat(char32_t c) { return at(c) ? (++i_, true) : false; }
  bool at_str(const char* s) const {
    for (size_t k = 0; s[k]; ++k)
      if (i_ + k >= p_.size() || p_[i_ + k] != static_cast<char32_t>(s[k])) return false;
    return true;
  }

  uint32_t add_class(CharClass c) {
    c.finish();
    classes_.push_back(std::move(c));
    return static_cast<uint32_t>(classes_.size() - 1);
  }
  Node class_node(CharClass c) { return Node{Node::kClass, add_class(std::move(c))}; }

  static void add_literal(CharClass& c, uint32_t cp, bool icase) {
    c.add(cp, cp);
    if (!icase) return;
    if (cp >= 'a' && cp <= 'z') c.add(cp - 32, cp - 32);
    else if (cp >= 'A' && cp <= 'Z') c.add(cp + 32, cp + 32);
    else if (uint32_t lo = to_lower(cp); lo != cp) c.add(lo, lo);
  }
  static void add_range(CharClass& c, uint32_t lo, uint32_t hi, bool icase) {
    c.add(lo, hi);
    if (!icase) return;
    auto fold = [&](uint32_t a, uint32_t b, int32_t shift) {  // the ASCII letters in [lo, hi]
      uint32_t x = std::max(lo, a), y = std::min(hi, b);
      if (x <= y) c.add(x + shift, y + shift);
    };
    fold('a', 'z', -32);
    fold('A', 'Z', 32);
  }

  Node alternation(bool icase) {
    Node alt{Node::kAlt};
    alt.kids.push_back(sequence(icase));
    while (eat('|')) alt.kids.push_back(sequence(icase));
    if (alt.kids.size() == 1) return std::move(alt.kids[0]);
    return alt;
  }

  Node sequence(bool icase) {
    Node seq{Node::kSeq};
    while (i_ < p_.size() && !at('|') && !at(')')) {
      Node atom_node = atom(icase);
      seq.kids.push_back(quantified(std::move(atom_node)));
    }
    return seq;
  }

  // A `{n}`, `{n,}` or `{n,m}` at i_; false (i_ unchanged) when it is a literal brace.
  bool braces(uint32_t& min, uint32_t& max) {
    size_t j = i_ + 1;
    auto number = [&](uint32_t& out) {
      size_t start = j;
      uint64_t v = 0;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        v = v * 10 + (p_[j++] - '0');
        if (v > 100000) fail("a repetition count above 100000");
      }
      out = static_cast<uint32_t>(v);
      return j > start;
    };
    if (!number(min)) return false;
    max = min;
    if (j < p_.size() && p_[j] == ',') {
      ++j;
      uint32_t m;
      max = number(m) ? m : kInfinite;
    }
    if (j >= p_.size() || p_[j] != '}') return false;
    if (max < min) fail("a repetition {n,m} with m < n");
    i_ = j + 1;
    return true;
  }

  Node quantified(Node n) {
    uint32_t min, max;
    if (eat('?')) min = 0, max = 1;
    else if (eat('*')) min = 0, max = kInfinite;
    else if (eat('+')) min = 1, max = kInfinite;
    else if (at('{') && braces(min, max)) {
    } else return n;
    if (at('?')) fail("lazy quantifiers are not supported");
    if (at('+')) fail("possessive quantifiers are not supported");
    if (n.kind == Node::kLook || n.kind == Node::kAssert) fail("a quantifier on an assertion");
    Node r{Node::kRepeat};
    r.min = min, r.max = max;
    r.kids.push_back(std::move(n));
    return r;
  }

  uint32_t hex(size_t digits) {
    uint32_t v = 0;
    for (size_t k = 0; k < digits; ++k) {
      if (i_ >= p_.size()) fail("a truncated hex escape");
      char32_t c = p_[i_++];
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) fail("a malformed hex escape");
      v = v * 16 + d;
    }
    return v;
  }

  // After a backslash: fills `c` and returns true for a class escape, or returns
  // false with `cp` set for a single character.
  bool escape(CharClass& c, uint32_t& cp, bool in_class) {
    if (i_ >= p_.size()) fail("a trailing backslash");
    char32_t e = p_[i_++];
    switch (e) {
      case 's': c.space |= 1; return true;
      case 'S': c.space |= 2; return true;
      case 'd': c.add('0', '9'); return true;
      case 'w': c.add('0', '9'), c.add('A', 'Z'), c.add('a', 'z'), c.add('_', '_'); return true;
      case 'D': case 'W':
        if (in_class) fail("\\D and \\W inside a class are not supported");
        c.negated = true;
        if (e == 'D') c.add('0', '9');
        else c.add('0', '9'), c.add('A', 'Z'), c.add('a', 'z'), c.add('_', '_');
        return true;
      case 'p': case 'P': {
        size_t start = i_;
        if (!eat('{')) fail("\\p without {name}");
        while (i_ < p_.size() && p_[i_] != '}') ++i_;
        if (i_ >= p_.size()) fail("an unterminated \\p{");
        std::u32string_view name(p_.data() + start + 1, i_ - start - 1);
        ++i_;
        uint16_t bits = category_bits(name);
        if (!bits) fail("unsupported Unicode property \\p{" + std::string(name.begin(), name.end()) +
                        "} (supported: L, N, P, S, M, Z, C)");
        if (e == 'P') {
          if (in_class) fail("\\P{...} inside a class is not supported");
          c.negated = true;
        }
        c.categories |= bits;
        return true;
      }
      case 'r': cp = '\r'; return false;
      case 'n': cp = '\n'; return false;
      case 't': cp = '\t'; return false;
      case 'f': cp = '\f'; return false;
      case 'v': cp = '\v'; return false;
      case '0': cp = 0; return false;
      case 'b': cp = 0x08; return false;  // inside a class; \b outside is handled by atom()
      case 'x':
        if (eat('{')) {
          cp = 0;
          size_t n = 0;
          while (!at('}')) {
            if (++n > 6) fail("a malformed \\x{...} escape");
            cp = cp * 16 + hex(1);
          }
          ++i_;
          if (n == 0) fail("an empty \\x{} escape");
        } else {
          cp = hex(2);
        }
        return false;
      case 'u': cp = hex(4); return false;
      default:
        if (e < 128 && ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')))
          fail(std::string("unsupported escape \\") + static_cast<char>(e));
        cp = e;  // escaped punctuation or any non-ASCII character stands for itself
        return false;
    }
  }

  Node bracket(bool icase) {
    CharClass c;
    c.negated = eat('^');
    bool first = true;
    for (;;) {
      if (i_ >= p_.size()) fail("an unterminated [");
      if (at(']') && !first) {
        ++i_;
        break;
      }
      first = false;
      if (at_str("&&")) fail("class intersection (&&) is not supported");
      if (at('[')) fail("a nested [ inside a class (escape it as \\[)");
      uint32_t lo;
      if (eat('\\')) {
        if (escape(c, lo, true)) continue;
      } else {
        lo = p_[i_++];
      }
      if (at('-') && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        ++i_;
        uint32_t hi;
        if (eat('\\')) {
          CharClass ignored;
          if (escape(ignored, hi, true)) fail("a range ending in a class escape");
        } else {
          hi = p_[i_++];
        }
        if (hi < lo) fail("a range out of order");
        add_range(c, lo, hi, icase);
      } else {
        add_literal(c, lo, icase);
      }
    }
    return class_node(std::move(c));
  }

  Node group(bool icase) {
    Node n{Node::kSeq};
    if (eat('?')) {
      if (eat(':')) {
      } else if (at_str("i:")) {
        i_ += 2;
        icase = true;
      } else if (eat('=') || eat('!')) {
        n.kind = Node::kLook;
        n.negate = p_[i_ - 1] == '!';
      } else if (at('<')) {
        fail("lookbehind and named groups are not supported");
      } else {
        fail("an unsupported group (?" + std::string(1, i_ < p_.size() ? static_cast<char>(p_[i_]) : ' ') + "...)");
      }
    }
    n.kids.push_back(alternation(icase));
    if (!eat(')')) fail("a missing ')'");
    if (n.kind == Node::kSeq) return std::move(n.kids[0]);
    return n;
  }

  Node atom(bool icase) {
    char32_t c = p_[i_++];
    switch (c) {
      case '(': return group(icase);
      case '[': return bracket(icase);
      case '.': {
        CharClass k;
        k.negated = true;
        k.add('\n', '\n'), k.add('\r', '\r'), k.add(0x2028, 0x2029);
        return class_node(std::move(k));
      }
      case '^': case '$': {
        Node n{Node::kAssert};
        n.anchor = static_cast<char>(c);
        return n;
      }
      case '*': case '+': case '?': --i_; fail("a quantifier with nothing to repeat");
      case '{': {
        uint32_t a, b;
        size_t save = --i_;
        if (braces(a, b)) i_ = save, fail("a quantifier with nothing to repeat");
        ++i_;
        break;
      }
      case '\\':
        if (at('b') || at('B')) {
          Node n{Node::kAssert};
          n.anchor = static_cast<char>(p_[i_++]);
          return n;
        } else {
          CharClass k;
          uint32_t cp;
          if (escape(k, cp, false)) return class_node(std::move(k));
          add_literal(k, cp, icase);
          return class_node(std::move(k));
        }
      default: break;
    }
    CharClass k;
    add_literal(k, c, icase);
    return class_node(std::move(k));
  }

  std::string_view source_;
  std::vector<CharClass>& classes_;
  std::u32string p_;
  size_t i_ = 0;
};

enum class Op : uint8_t { kRun, kSplit, kJmp, kLook, kAssert, kMatch };
struct Inst {
  Op op;
  uint8_t flag = 0;  // kLook: 1 = negative; kAssert: the anchor
  uint32_t a = 0, b = 0;  // kRun: class; kSplit: preferred, other; kJmp: target; kLook: continuation
  uint32_t min = 0, max = 0;
};

bool can_be_empty(const Node& n) {
  switch (n.kind) {
    case Node::kClass: return false;
    case Node::kSeq: return std::all_of(n.kids.begin(), n.kids.end(), can_be_empty);
    case Node::kAlt: return std::any_of(n.kids.begin(), n.kids.end(), can_be_empty);
    case Node::kRepeat: return n.min == 0 || can_be_empty(n.kids[0]);
    default: return true;
  }
}

}  // namespace

struct Regex::Program {
  std::vector<CharClass> classes;
  std::vector<Inst> code;

  struct Frame {
    uint32_t pc;
    uint32_t count;  // kInfinite: resume at pc; else retry the run at pc with `count` characters
    size_t pos;
  };
  struct Context {
    const DecodedText& t;
    size_t begin, end;
    std::vector<Frame>& stack;
    uint64_t budget;
  };

  uint32_t emit(Inst in, const std::string& pattern) {
    if (code.size() >= (1u << 16)) throw Error("pre-tokenizer regex \"" + pattern + "\" compiles to too large a program");
    code.push_back(in);
    return static_cast<uint32_t>(code.size() - 1);
  }

  void compile(const Node& n, const std::string& pattern) {
    switch (n.kind) {
      case Node::kClass: emit({Op::kRun, 0, n.cls, 0, 1, 1}, pattern); break;
      case Node::kSeq:
        for (const Node& k : n.kids) compile(k, pattern);
        break;
      case Node::kAlt: {
        std::vector<uint32_t> jumps;
        for (size_t i = 0; i + 1 < n.kids.size(); ++i) {
          uint32_t split = emit({Op::kSplit}, pattern);
          code[split].a = split + 1;
          compile(n.kids[i], pattern);
          jumps.push_back(emit({Op::kJmp}, pattern));
          code[split].b = static_cast<uint32_t>(code.size());
        }
        compile(n.kids.back(), pattern);
        for (uint32_t j : jumps) code[j].a = static_cast<uint32_t>(code.size());
        break;
      }
      case Node::kRepeat: {
        const Node& k = n.kids[0];
        if (k.kind == Node::kClass) {
          emit({Op::kRun, 0, k.cls, 0, n.min, n.max}, pattern);
          break;
        }
        for (uint32_t i = 0; i < n.min; ++i) compile(k, pattern);
        if (n.max == kInfinite) {
          if (can_be_empty(k))
            throw Error("pre-tokenizer regex \"" + pattern + "\": a repeated group that can match nothing");
          uint32_t split = emit({Op::kSplit}, pattern);
          code[split].a = split + 1;
          compile(k, pattern);
          emit({Op::kJmp, 0, split}, pattern);
          code[split].b = static_cast<uint32_t>(code.size());
        } else {
          std::vector<uint32_t> splits;
          for (uint32_t i = n.min; i < n.max; ++i) {
            uint32_t split = emit({Op::kSplit}, pattern);
            code[split].a = split + 1;
            splits.push_back(split);
            compile(k, pattern);
          }
          for (uint32_t s : splits) code[s].b = static_cast<uint32_t>(code.size());
        }
        break;
      }
      case Node::kLook: {
        uint32_t look = emit({Op::kLook, static_cast<uint8_t>(n.negate ? 1 : 0)}, pattern);
        compile(n.kids[0], pattern);
        emit({Op::kMatch}, pattern);
        code[look].a = static_cast<uint32_t>(code.size());
        break;
      }
      case Node::kAssert: emit({Op::kAssert, static_cast<uint8_t>(n.anchor)}, pattern); break;
    }
  }

  static bool word(const Context& c, size_t i) {
    if (i < c.begin || i >= c.end) return false;
    uint32_t cp = c.t.cps[i];
    return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || cp == '_';
  }

  bool holds(char anchor, size_t pos, const Context& c) const {
    switch (anchor) {
      case '^': return pos == c.begin;
      case '$': return pos == c.end;
      case 'b': return word(c, pos - 1) != word(c, pos);
      default: return word(c, pos - 1) == word(c, pos);  // 'B'
    }
  }

  // The end of the first match of the program from `pc` at `pos`, or kNoMatch. A
  // match ending at `not_empty_at` is refused (std::regex's match_not_null).
  size_t run(uint32_t pc, size_t pos, Context& c, size_t not_empty_at, const std::string& pattern) const {
    const size_t base = c.stack.size();
    for (;;) {
      if (c.budget == 0)
        throw Error("pre-tokenizer regex \"" + pattern + "\" backtracks too much on this text");
      --c.budget;
      const Inst& in = code[pc];
      bool ok = true;
      switch (in.op) {
        case Op::kRun: {
          const CharClass& k = classes[in.a];
          uint32_t n = 0;
          while (n < in.max && pos + n < c.end && k.test(c.t.cps[pos + n], c.t.props[pos + n])) ++n;
          c.budget -= std::min<uint64_t>(c.budget, n);
          if (n < in.min) {
            ok = false;
            break;
          }
          if (n > in.min) c.stack.push_back({pc, n - 1, pos});
          pos += n;
          ++pc;
          break;
        }
        case Op::kSplit:
          c.stack.push_back({in.b, kInfinite, pos});
          pc = in.a;
          break;
        case Op::kJmp: pc = in.a; break;
        case Op::kLook: {
          bool hit = run(pc + 1, pos, c, kNoMatch, pattern) != kNoMatch;
          if (hit == (in.flag == 1)) ok = false;
          else pc = in.a;
          break;
        }
        case Op::kAssert:
          ok = holds(static_cast<char>(in.flag), pos, c);
          ++pc;
          break;
        case Op::kMatch:
          if (pos == not_empty_at) {
            ok = false;
            break;
          }
          c.stack.resize(base);
          return pos;
      }
      if (ok) continue;
      if (c.stack.size() == base) return kNoMatch;
      Frame f = c.stack.back();
      c.stack.pop_back();
      if (f.count == kInfinite) {
        pc = f.pc, pos = f.pos;
      } else {
        if (f.count > code[f.pc].min) c.stack.push_back({f.pc, f.count - 1, f.pos});
        pos = f.pos + f.count;
        pc = f.pc + 1;
      }
    }
  }
};

Regex::Regex(std::string_view pattern) : pattern_(pattern) {
  auto prog = std::make_unique<Program>();
  Node root = Parser(pattern, prog->classes).parse();
  prog->compile(root, pattern_);
  prog->emit({Op::kMatch}, pattern_);
  program_ = std::move(prog);
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

namespace {
// Enough for any linear pattern on any text; exponential backtracking hits it.
uint64_t step_budget(size_t begin, size_t end) { return 100000 + 256 * static_cast<uint64_t>(end - begin); }
}  // namespace

size_t Regex::match_at(const DecodedText& text, size_t begin, size_t pos, size_t end) const {
  std::vector<Program::Frame> stack;
  Program::Context c{text, begin, end, stack, step_budget(begin, end)};
  return program_->run(0, pos, c, kNoMatch, pattern_);
}

void Regex::split(const DecodedText& text, size_t begin, size_t end, std::vector<size_t>& ends) const {
  std::vector<Program::Frame> stack;
  size_t last = begin;
  auto cut = [&](size_t at) {
    if (at > last) ends.push_back(at), last = at;
  };
  for (size_t s = begin; s < end;) {
    Program::Context c{text, begin, end, stack, step_budget(s, end)};
    size_t e = program_->run(0, s, c, kNoMatch, pattern_);
    if (e == s) {  // an empty match only cuts; look for a longer one here
      cut(s);
      e = program_->run(0, s, c, s, pattern_);
    }
    if (e == kNoMatch) {
      ++s;
      continue;
    }
    cut(s);
    cut(e);
    s = e;
  }
  cut(end);
}

}  // namespace hart::tokenizer
