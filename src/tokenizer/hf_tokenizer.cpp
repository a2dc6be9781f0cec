#include "tokenizer/hf_tokenizer.h"

#include <optional>
#include <unordered_map>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace hart::tokenizer {

namespace {

using json = nlohmann::json;

constexpr int64_t kMaxTokens = 1 << 24;

[[noreturn]] void bad(const std::string& what) { throw FormatError("tokenizer.json: " + what); }

std::string type_of(const json& j) {
  if (!j.is_object()) return "";
  auto it = j.find("type");
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

const json& member(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) bad(where + " has no \"" + key + "\"");
  return j[key];
}

// The vocabulary being assembled, by id.
struct Vocabulary {
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::vector<float> scores;
  std::vector<bool> set;

  void put(const json& id_json, const std::string& text, TokenType type, const std::string& where) {
    if (!id_json.is_number_integer()) bad(where + " has an id that is not an integer");
    int64_t id = id_json.get<int64_t>();
    if (id < 0 || id >= kMaxTokens)
      bad(where + " id " + std::to_string(id) + " is out of range (0 to " + std::to_string(kMaxTokens - 1) + ")");
    if (static_cast<size_t>(id) >= tokens.size()) {
      tokens.resize(id + 1), types.resize(id + 1, static_cast<int32_t>(TokenType::kUnused));
      scores.resize(id + 1, 0.0f), set.resize(id + 1, false);
    }
    tokens[id] = text, types[id] = static_cast<int32_t>(type), set[id] = true;
  }
  // Ids no entry named become "[PAD<id>]" (unused), as convert_hf_to_gguf.py pads.
  void fill_gaps() {
    for (size_t i = 0; i < tokens.size(); ++i)
      if (!set[i]) tokens[i] = "[PAD" + std::to_string(i) + "]";
  }
  int32_t find(const std::string& text) const {
    for (size_t i = tokens.size(); i-- > 0;)
      if (set[i] && tokens[i] == text) return static_cast<int32_t>(i);
    return -1;
  }
};

void read_vocab_object(const json& vocab, Vocabulary& v) {
  if (!vocab.is_object()) bad("model.vocab must be an object of token -> id");
  for (auto it = vocab.begin(); it != vocab.end(); ++it)
    v.put(it.value(), it.key(), TokenType::kNormal, "model.vocab[\"" + it.key() + "\"]");
}

// Metaspace, or the Prepend("▁") / Replace(" ", "▁") normalizers older files use.
bool read_space_prefix(const json& tj) {
  const std::string kSpace = "\xE2\x96\x81";
  const json& pre = tj.value("pre_tokenizer", json());
  bool prefix = false;
  if (type_of(pre) == "Metaspace") {
    if (pre.value("replacement", kSpace) != kSpace) bad("pre_tokenizer Metaspace with a replacement other than U+2581");
    if (pre.contains("prepend_scheme")) prefix = pre.value("prepend_scheme", "always") != "never";
    else prefix = pre.value("add_prefix_space", true);
  } else if (!pre.is_null()) {
    bad("unsupported pre_tokenizer \"" + type_of(pre) + "\" for a SentencePiece model (supported: Metaspace)");
  }
  const json& norm = tj.value("normalizer", json());
  std::vector<json> steps;
  if (type_of(norm) == "Sequence" && norm.contains("normalizers") && norm["normalizers"].is_array())
    steps.assign(norm["normalizers"].begin(), norm["normalizers"].end());
  else if (!norm.is_null()) steps.push_back(norm);
  for (const json& n : steps) {
    std::string t = type_of(n);
    if (t == "Prepend" && n.value("prepend", "") == kSpace) prefix = true;
    else if (t != "Replace") bad("unsupported normalizer \"" + t + "\" for a SentencePiece model");
  }
  return prefix;
}

// A pre-tokenizer regex list for a byte-level BPE model, and whether ByteLevel ends it.
void read_bpe_pre_tokenizer(const json& pre, std::vector<std::string>& regexes, bool& byte_level) {
  const std::string t = type_of(pre);
  if (t == "Sequence") {
    const json& list = member(pre, "pretokenizers", "pre_tokenizer Sequence");
    if (!list.is_array()) bad("pre_tokenizer.pretokenizers must be an array");
    for (const json& p : list) read_bpe_pre_tokenizer(p, regexes, byte_level);
  } else if (t == "ByteLevel") {
    if (pre.value("add_prefix_space", false)) bad("pre_tokenizer ByteLevel with add_prefix_space is not supported");
    if (pre.value("use_regex", true)) regexes.emplace_back(kGpt2Regex);
    byte_level = true;
  } else if (t == "Split") {
    const json& pattern = member(pre, "pattern", "pre_tokenizer Split");
    if (!pattern.is_object() || !pattern.contains("Regex") || !pattern["Regex"].is_string())
      bad("pre_tokenizer Split: only {\"Regex\": ...} patterns are supported");
    if (pre.value("behavior", "Isolated") != "Isolated" || pre.value("invert", false))
      bad("pre_tokenizer Split: only behavior Isolated without invert is supported");
    regexes.push_back(pattern["Regex"].get<std::string>());
  } else if (t == "Digits") {
    regexes.emplace_back(pre.value("individual_digits", false) ? R"(\p{N})" : R"(\p{N}+)");
  } else {
    bad("unsupported pre_tokenizer type \"" + (t.empty() ? pre.dump() : t) +
        "\" for a BPE model (supported: ByteLevel, Split, Digits, Sequence of them)");
  }
}

bool is_byte_piece(const std::string& piece) {
  return piece.size() == 6 && piece.compare(0, 3, "<0x") == 0 && piece[5] == '>';
}

// SentencePiece-style BPE (Llama 2, Mistral, TinyLlama: byte_fallback, spaces as
// U+2581) -> "llama": each token scores minus the rank of the merge that makes it, so
// the SentencePiece engine, which merges the best-scoring pair, follows the ranks.
void read_sentencepiece_bpe(const json& tj, const json& model, Vocabulary& v, HfTokenizerMetadata& out) {
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (v.set[i] && is_byte_piece(v.tokens[i])) v.types[i] = static_cast<int32_t>(TokenType::kByte);
    v.scores[i] = -1e9f;  // no merge makes it: never the best pair
  }
  std::unordered_map<std::string, int32_t> id_of;
  for (size_t i = 0; i < v.tokens.size(); ++i)
    if (v.set[i]) id_of[v.tokens[i]] = static_cast<int32_t>(i);
  const json& merges = member(model, "merges", "model");
  if (!merges.is_array()) bad("model.merges must be an array");
  for (size_t r = merges.size(); r-- > 0;) {  // the lowest rank wins for a token made twice
    const json& m = merges[r];
    std::string joined;
    if (m.is_string()) {
      std::string s = m.get<std::string>();
      size_t sp = s.find(' ', 1);
      if (sp == std::string::npos) bad("model.merges[" + std::to_string(r) + "] \"" + s + "\" is not two tokens separated by a space");
      joined = s.substr(0, sp) + s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      joined = m[0].get<std::string>() + m[1].get<std::string>();
    } else {
      bad("model.merges[" + std::to_string(r) + "] is neither \"a b\" nor [\"a\", \"b\"]: " + m.dump());
    }
    if (auto it = id_of.find(joined); it != id_of.end()) v.scores[it->second] = -static_cast<float>(r + 1);
  }
  if (model.contains("unk_token") && model["unk_token"].is_string())
    if (auto it = id_of.find(model["unk_token"].get<std::string>()); it != id_of.end()) {
      v.types[it->second] = static_cast<int32_t>(TokenType::kUnknown);
      out.metadata["tokenizer.ggml.unknown_token_id"] = it->second;
      out.types["tokenizer.ggml.unknown_token_id"] = "u32";
    }
  out.metadata["tokenizer.ggml.model"] = "llama", out.types["tokenizer.ggml.model"] = "str";
  out.metadata["tokenizer.ggml.add_space_prefix"] = read_space_prefix(tj);
  out.types["tokenizer.ggml.add_space_prefix"] = "bool";
}

void read_bpe(const json& tj, const json& model, Vocabulary& v, HfTokenizerMetadata& out) {
  read_vocab_object(member(model, "vocab", "model"), v);
  if (model.value("byte_fallback", false)) return read_sentencepiece_bpe(tj, model, v, out);
  std::string norm = type_of(tj.value("normalizer", json()));
  if (!norm.empty() && norm != "NFC")  // llama.cpp ignores NFC too
    bad("unsupported normalizer \"" + norm + "\" for a byte-level BPE model");
  std::vector<std::string> regexes;
  bool byte_level = false;
  if (tj.contains("pre_tokenizer") && !tj["pre_tokenizer"].is_null())
    read_bpe_pre_tokenizer(tj["pre_tokenizer"], regexes, byte_level);
  if (!byte_level)
    bad("a BPE model without a ByteLevel pre-tokenizer (SentencePiece-style BPE) is not supported");
  const PreTokenizerSpec* spec = find_pre_tokenizer_by_regexes(regexes);
  if (!spec) {
    std::string list;
    for (const auto& r : regexes) list += (list.empty() ? "" : ", ") + ("\"" + r + "\"");
    bad("the pre_tokenizer's regexes [" + list + "] are not a known pre-tokenizer's (known: " +
        pre_tokenizer_names() + ")");
  }
  out.metadata["tokenizer.ggml.model"] = "gpt2", out.types["tokenizer.ggml.model"] = "str";
  out.metadata["tokenizer.ggml.pre"] = std::string(spec->names[0]), out.types["tokenizer.ggml.pre"] = "str";

  const json& merges = member(model, "merges", "model");
  if (!merges.is_array()) bad("model.merges must be an array");
  std::vector<std::string> list;
  list.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const json& m = merges[i];
    std::string where = "model.merges[" + std::to_string(i) + "]";
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      if (s.size() < 3 || s.find(' ', 1) == std::string::npos || s.find(' ', 1) + 1 >= s.size())
        bad(where + " \"" + s + "\" is not two tokens separated by a space");
      list.push_back(s);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string() &&
               !m[0].get<std::string>().empty() && !m[1].get<std::string>().empty()) {
      list.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
    } else {
      bad(where + " is neither \"a b\" nor [\"a\", \"b\"]: " + m.dump());
    }
  }
  out.metadata["tokenizer.ggml.merges"] = list, out.types["tokenizer.ggml.merges"] = "arr[str]";
}

void read_wordpiece(const json& tj, const json& model, Vocabulary& v, HfTokenizerMetadata& out) {
  read_vocab_object(member(model, "vocab", "model"), v);
  if (model.value("continuing_subword_prefix", "##") != "##")
    bad("WordPiece continuing_subword_prefix other than \"##\" is not supported");
  const json& norm = tj.value("normalizer", json());
  if (type_of(norm) == "BertNormalizer") {
    bool lower = norm.value("lowercase", true);
    const json& strip = norm.value("strip_accents", json());
    out.metadata["tokenizer.ggml.normalizer.lowercase"] = lower;
    out.metadata["tokenizer.ggml.normalizer.strip_accents"] = strip.is_boolean() ? strip.get<bool>() : lower;
    out.types["tokenizer.ggml.normalizer.lowercase"] = out.types["tokenizer.ggml.normalizer.strip_accents"] = "bool";
  } else if (!norm.is_null()) {
    bad("unsupported normalizer \"" + type_of(norm) + "\" for a WordPiece model (supported: BertNormalizer)");
  }
  std::string pre = type_of(tj.value("pre_tokenizer", json()));
  if (!pre.empty() && pre != "BertPreTokenizer")
    bad("unsupported pre_tokenizer \"" + pre + "\" for a WordPiece model (supported: BertPreTokenizer)");
  out.metadata["tokenizer.ggml.model"] = "bert", out.types["tokenizer.ggml.model"] = "str";
}

void read_unigram(const json& tj, const json& model, Vocabulary& v, HfTokenizerMetadata& out) {
  const json& vocab = member(model, "vocab", "model");
  if (!vocab.is_array()) bad("a Unigram model.vocab must be an array of [piece, score]");
  const bool byte_fallback = model.value("byte_fallback", false);
  for (size_t i = 0; i < vocab.size(); ++i) {
    const json& e = vocab[i];
    std::string where = "model.vocab[" + std::to_string(i) + "]";
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number())
      bad(where + " is not [piece, score]: " + e.dump());
    const std::string piece = e[0].get<std::string>();
    bool byte = byte_fallback && is_byte_piece(piece);
    v.put(json(i), piece, byte ? TokenType::kByte : TokenType::kNormal, where);
    v.scores[i] = e[1].get<float>();
  }
  if (model.contains("unk_id") && !model["unk_id"].is_null()) {
    const json& unk = model["unk_id"];
    if (!unk.is_number_integer() || unk.get<int64_t>() < 0 || unk.get<int64_t>() >= static_cast<int64_t>(vocab.size()))
      bad("model.unk_id " + unk.dump() + " is not an id of the vocabulary");
    v.types[unk.get<size_t>()] = static_cast<int32_t>(TokenType::kUnknown);
    out.metadata["tokenizer.ggml.unknown_token_id"] = unk.get<int64_t>();
    out.types["tokenizer.ggml.unknown_token_id"] = "u32";
  }
  out.metadata["tokenizer.ggml.model"] = "llama", out.types["tokenizer.ggml.model"] = "str";
  out.metadata["tokenizer.ggml.add_space_prefix"] = read_space_prefix(tj);
  out.types["tokenizer.ggml.add_space_prefix"] = "bool";
}

std::optional<std::string> token_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return std::nullopt;
}

void read_config(const json& config, const Vocabulary& v, const std::string& model, HfTokenizerMetadata& out) {
  const std::pair<const char*, const char*> specials[] = {
      {"bos_token", "tokenizer.ggml.bos_token_id"},   {"eos_token", "tokenizer.ggml.eos_token_id"},
      {"unk_token", "tokenizer.ggml.unknown_token_id"}, {"sep_token", "tokenizer.ggml.seperator_token_id"},
      {"pad_token", "tokenizer.ggml.padding_token_id"}, {"cls_token", "tokenizer.ggml.cls_token_id"},
      {"mask_token", "tokenizer.ggml.mask_token_id"}};
  const std::pair<const char*, const char*> bert_defaults[] = {
      {"unk_token", "[UNK]"}, {"sep_token", "[SEP]"}, {"pad_token", "[PAD]"}, {"cls_token", "[CLS]"}, {"mask_token", "[MASK]"}};
  for (auto [name, key] : specials) {
    std::optional<std::string> text;
    if (config.is_object() && config.contains(name)) text = token_text(config[name]);
    if (!text && model == "bert")
      for (auto [n, d] : bert_defaults)
        if (std::string_view(n) == name) text = d;
    if (!text) continue;
    int32_t id = v.find(*text);
    if (id < 0) continue;  // as convert_hf_to_gguf.py: a token the vocabulary lacks is skipped
    out.metadata[key] = id, out.types[key] = "u32";
  }
  if (!config.is_object()) return;
  for (auto [name, key] : {std::pair{"add_bos_token", "tokenizer.ggml.add_bos_token"},
                           std::pair{"add_eos_token", "tokenizer.ggml.add_eos_token"}}) {
    if (config.contains(name) && config[name].is_boolean()) out.metadata[key] = config[name].get<bool>(), out.types[key] = "bool";
  }
  if (config.contains("chat_template")) {
    const json& t = config["chat_template"];
    std::optional<std::string> text;
    if (t.is_string()) text = t.get<std::string>();
    else if (t.is_array())  // named templates: the "default" one, else the first
      for (const json& e : t)
        if (e.is_object() && e.contains("template") && e["template"].is_string() &&
            (!text || e.value("name", "") == "default"))
          text = e["template"].get<std::string>();
    if (text) out.metadata["tokenizer.chat_template"] = *text, out.types["tokenizer.chat_template"] = "str";
  }
}

}  // namespace

HfTokenizerMetadata metadata_from_hugging_face(const json& tj, const json& config) {
  if (!tj.is_object()) bad("not a JSON object");
  const json& model = member(tj, "model", "the file");
  std::string type = type_of(model);
  if (type.empty()) {  // older files leave the type out
    if (model.contains("merges")) type = "BPE";
    else if (model.contains("vocab") && model["vocab"].is_array()) type = "Unigram";
    else if (model.contains("continuing_subword_prefix")) type = "WordPiece";
  }
  HfTokenizerMetadata out;
  Vocabulary v;
  if (type == "BPE") read_bpe(tj, model, v, out);
  else if (type == "WordPiece") read_wordpiece(tj, model, v, out);
  else if (type == "Unigram") read_unigram(tj, model, v, out);
  else bad("unsupported model type \"" + type + "\" (supported: BPE, WordPiece, Unigram)");

  if (tj.contains("added_tokens")) {
    const json& added = tj["added_tokens"];
    if (!added.is_array()) bad("added_tokens must be an array");
    for (size_t i = 0; i < added.size(); ++i) {
      const json& a = added[i];
      std::string where = "added_tokens[" + std::to_string(i) + "]";
      if (!a.is_object() || !a.contains("content") || !a["content"].is_string()) bad(where + " has no string \"content\"");
      v.put(a.value("id", json()), a["content"].get<std::string>(),
            a.value("special", false) ? TokenType::kControl : TokenType::kUserDefined, where);
    }
  }
  if (v.tokens.empty()) bad("the vocabulary is empty");
  if (type == "WordPiece") {
    const json& name = model.value("unk_token", json("[UNK]"));
    int32_t unk = name.is_string() ? v.find(name.get<std::string>()) : -1;
    if (unk >= 0) v.types[unk] = static_cast<int32_t>(TokenType::kUnknown);
  }
  v.fill_gaps();
  read_config(config, v, out.metadata["tokenizer.ggml.model"].get<std::string>(), out);

  out.metadata["tokenizer.ggml.tokens"] = v.tokens, out.types["tokenizer.ggml.tokens"] = "arr[str]";
  out.metadata["tokenizer.ggml.token_type"] = v.types, out.types["tokenizer.ggml.token_type"] = "arr[i32]";
  if (out.metadata["tokenizer.ggml.model"] == "llama") out.metadata["tokenizer.ggml.scores"] = v.scores, out.types["tokenizer.ggml.scores"] = "arr[f32]";
  return out;
}

}  // namespace hart::tokenizer
