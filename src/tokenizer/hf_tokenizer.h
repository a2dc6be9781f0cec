// Hugging Face tokenizer folders (tokenizer.json, tokenizer_config.json) read as the
// GGUF tokenizer.ggml.* metadata llama.cpp's convert_hf_to_gguf.py would write for
// them, so one Tokenizer code path serves GGUF and safetensors models:
//   BPE with byte_fallback (SentencePiece-style: Llama 2, Mistral, TinyLlama)
//                     -> "llama", each token scoring minus the rank of its merge;
//   BPE (byte-level)  -> "gpt2" with the tokenizer.ggml.pre whose regex list equals
//                        the pre_tokenizer's (ByteLevel alone is GPT-2's; a Sequence
//                        of Split regexes and Digits before ByteLevel is looked up in
//                        pretokenizer.cpp's table); merges as "a b" or ["a", "b"];
//   WordPiece         -> "bert" (BertNormalizer's lowercase / strip_accents kept);
//   Unigram           -> "llama" (SentencePiece: scores, Metaspace space prefix,
//                        <0xXX> byte tokens when byte_fallback).
// added_tokens extend the vocabulary (special: control, else user-defined).
// tokenizer_config.json gives the bos/eos/unk/sep/pad/cls/mask tokens,
// add_bos_token / add_eos_token and chat_template (tokenizer.chat_template).
#pragma once
#include <nlohmann/json.hpp>
#include <string_view>

namespace hart::tokenizer {

struct HfTokenizerMetadata {
  nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
  nlohmann::ordered_json types = nlohmann::ordered_json::object();  // GGUF type tags, as ModelFile's
};

// `config` may be null (no tokenizer_config.json). Throws FormatError naming what is
// malformed (an unknown model type or pre-tokenizer, a bad merge, an id out of range).
HfTokenizerMetadata metadata_from_hugging_face(const nlohmann::json& tokenizer_json, const nlohmann::json& config);

}  // namespace hart::tokenizer
