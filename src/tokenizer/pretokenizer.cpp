#include "tokenizer/pretokenizer.h"

#include <algorithm>

#include "tokenizer/gpt2_pretokenizer.h"

namespace hart::tokenizer {

// The published regexes (each model's tokenizer.json, as llama.cpp lists them).
const std::string_view kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

// Llama 3 and Qwen2 differ only in how many digits a number piece holds (1-3 or 1).
constexpr std::string_view kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

const std::vector<PreTokenizerSpec>& table() {
  static const std::vector<PreTokenizerSpec> rows = {
      {{"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
         "mellum", "modern-bert", "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4"},
       {kGpt2Regex}},
      {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"},
       {kLlama3Regex}, /*ignore_merges=*/true, /*add_bos=*/true},
      {{"dbrx", "smaug-bpe"}, {kLlama3Regex}},
      {{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open"},
       {kQwen2Regex}},
      {{"qwen35"},
       {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {{"deepseek-v3", "hunyuan-dense", "joyai-llm"},
       {R"(\p{N}{1,3})", "[一-龥぀-ゟ゠-ヿ]+",
        R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}},
      {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2"},
       {R"(\p{N})", kGpt2Regex}},
      {{"falcon"}, {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2Regex, R"([0-9][0-9][0-9])"}},
      {{"deepseek-coder"}, {"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)", "[一-龥ࠀ-一가-퟿]+", R"(\p{N})"}},
      {{"deepseek-llm"},
       {"[\r\n]",
        "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
        "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
        R"(\s+$)", "[一-龥ࠀ-一가-퟿]+", R"(\p{N}+)"}},
      {{"default"}, {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2Regex, R"(\p{N}+)", R"([0-9][0-9][0-9])"}},
  };
  return rows;
}

}  // namespace

const PreTokenizerSpec* find_pre_tokenizer(std::string_view name) {
  if (name.empty()) name = "default";
  for (const auto& row : table())
    for (auto n : row.names)
      if (n == name) return &row;
  return nullptr;
}

std::string pre_tokenizer_names() {
  std::string list;
  for (const auto& row : table())
    for (auto n : row.names) list += (list.empty() ? "" : ", ") + std::string(n);
  return list;
}

const PreTokenizerSpec* find_pre_tokenizer_by_regexes(const std::vector<std::string>& regexes) {
  for (const auto& row : table())
    if (row.regexes.size() == regexes.size() && std::equal(row.regexes.begin(), row.regexes.end(), regexes.begin()))
      return &row;
  return nullptr;
}

// One regex of the list: GPT-2's by hand (the fast path), any other by the engine.
class PreTokenizer::Stage {
 public:
  explicit Stage(std::string_view regex) {
    if (regex != kGpt2Regex) regex_ = std::make_unique<Regex>(regex);
  }
  void split(const DecodedText& t, size_t begin, size_t end, std::vector<size_t>& ends) const {
    if (regex_) regex_->split(t, begin, end, ends);
    else gpt2_pretokenize(t, begin, end, ends);
  }

 private:
  std::unique_ptr<Regex> regex_;
};

PreTokenizer::PreTokenizer(const std::vector<std::string_view>& regexes) {
  for (auto r : regexes) stages_.push_back(std::make_unique<const Stage>(r));
}
PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;

std::vector<std::pair<size_t, size_t>> PreTokenizer::split(std::string_view text) const {
  const DecodedText t(text);
  std::vector<size_t> ends = {t.size()}, next;
  for (const auto& stage : stages_) {
    next.clear();
    size_t begin = 0;
    for (size_t end : ends) {
      stage->split(t, begin, end, next);
      begin = end;
    }
    std::swap(ends, next);
  }
  std::vector<std::pair<size_t, size_t>> words;
  words.reserve(ends.size());
  size_t begin = 0;
  for (size_t end : ends) {
    if (end > begin) words.emplace_back(t.offsets[begin], t.offsets[end]);
    begin = end;
  }
  return words;
}

}  // namespace hart::tokenizer
