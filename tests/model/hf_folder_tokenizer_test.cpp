// A Hugging Face folder (model.safetensors, config.json, tokenizer.json,
// tokenizer_config.json) generates from text once ingested: the tokenizer files are
// stored in models.config beside config.json and become the model's tokenizer.ggml.*
// metadata (and tokenizer.chat_template) when it is loaded, while export still gives
// back the original safetensors file byte for byte. The reference GPT-2 folder has no
// tokenizer of its own; the test writes a small byte-level BPE one (vocab 384).
#include <algorithm>
#include <fstream>

#include "../store/store_fixture.h"
#include "engine/inference.h"
#include "engine/stored_model.h"
#include "model/causal_lm.h"
#include "reference_models.h"
#include "store/model_export.h"
#include "store/model_ingest.h"
#include "util/utf8.h"

namespace hart::test {
namespace {

using json = nlohmann::json;

const char* const kTemplate = "{% for m in messages %}{{ m.content }}{% endfor %}";

// GPT-2's byte-to-character map: each byte as the character byte-level BPE writes.
std::string byte_char(int b) {
  int next = 256;
  for (int x = 0; x < 256; ++x) {
    bool printable = (x >= 0x21 && x <= 0x7E) || (x >= 0xA1 && x <= 0xAC) || x >= 0xAE;
    int cp = printable ? x : next++;
    if (x == b) {
      std::string s;
      append_utf8(s, static_cast<uint32_t>(cp));
      return s;
    }
  }
  return "";
}

// Bytes are ids 0-255; "the" and " cat" have merges (ids 256-261); <|endoftext|> is 383.
json small_tokenizer_json() {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_char(b)] = b;
  const std::string G = byte_char(' ');
  const std::vector<std::string> merged = {"th", "the", G + "the", "at", G + "c", G + "cat"};
  for (size_t i = 0; i < merged.size(); ++i) vocab[merged[i]] = 256 + i;
  return {{"version", "1.0"},
          {"model", {{"type", "BPE"}, {"vocab", vocab},
                     {"merges", {"t h", "th e", G + " the", "a t", G + " c", G + "c at"}}}},
          {"normalizer", nullptr},
          {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
          {"added_tokens", {{{"id", 383}, {"content", "<|endoftext|>"}, {"special", true}}}}};
}

class HfFolderTokenizerTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    reference::write_reference_models(models.path());
    write_file(models.file("gpt2-hf/tokenizer.json"), small_tokenizer_json().dump());
    write_file(models.file("gpt2-hf/tokenizer_config.json"),
               json({{"bos_token", "<|endoftext|>"}, {"eos_token", "<|endoftext|>"}, {"add_bos_token", false},
                     {"chat_template", kTemplate}}).dump());
  }
  static void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  TempDir models;
};

TEST_F(HfFolderTokenizerTest, SafetensorsModelTokenizesAndGeneratesFromText) {
  ingest_model(*db, models.file("gpt2-hf/model.safetensors"), {"gpt2_hf"});
  auto model = load_stored_model(db->handle(), require_model(*db, "gpt2_hf"));
  const Tokenizer& tok = model->tokenizer();
  EXPECT_EQ(tok.encode("the cat", true), (std::vector<int32_t>{257, 261}));
  EXPECT_EQ(tok.special().eos, 383);
  EXPECT_EQ(model->meta_string("tokenizer.chat_template"), kTemplate);
  EXPECT_EQ(run_tokenize(db->handle(), "gpt2_hf", "the cat"), (std::vector<int32_t>{257, 261}));

  // Greedy generation from the text equals greedy decoding from its ids.
  GenerationOptions o;
  o.max_tokens = 6, o.temperature = 0, o.seed = 1, o.threads = 1;
  GenerateCall call = run_generate(db->handle(), "gpt2_hf", "the cat", o);
  EXPECT_EQ(call.result.prompt_tokens, 2);
  std::vector<int32_t> generated;
  for (const auto& t : call.result.tokens)
    if (t.position >= 2) generated.push_back(t.id);
  ASSERT_FALSE(generated.empty());
  auto lm = make_causal_lm(model, 1);
  std::vector<float> logits;
  std::vector<int32_t> seq = {257, 261}, expected;
  lm->eval(seq, logits);
  for (size_t i = 0; i < generated.size(); ++i) {
    int32_t next = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    expected.push_back(next);
    lm->eval(std::span<const int32_t>(&next, 1), logits);
  }
  EXPECT_EQ(generated, expected);
  EXPECT_EQ(call.result.text, tok.decode(generated));
}

TEST_F(HfFolderTokenizerTest, TheFilesAreStoredBesideConfigJsonAndExportIsUnchanged) {
  ingest_model(*db, models.file("gpt2-hf/model.safetensors"), {"gpt2_hf"});
  Stmt s = db->prepare(
      "SELECT json_extract(config, '$.model_type'), json_type(config, '$.\"hart.tokenizer\".\"tokenizer.json\"'), "
      "json_extract(config, '$.\"hart.tokenizer\".\"tokenizer_config.json\".chat_template'), "
      "json_extract(metadata, '$.\"tokenizer.ggml.model\"') FROM models WHERE name = 'gpt2_hf'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "gpt2");
  EXPECT_EQ(s.text(1), "object");
  EXPECT_EQ(s.text(2), kTemplate);
  EXPECT_TRUE(s.is_null(3));  // the stored metadata is the file's own: export writes it back
  export_model(*db, "gpt2_hf", ExportFormat::kSafetensors, models.file("out.safetensors"));
  EXPECT_EQ(read_file(models.file("out.safetensors")), read_file(models.file("gpt2-hf/model.safetensors")));
}

TEST_F(HfFolderTokenizerTest, ABadTokenizerJsonIsAnErrorNamingItAndTheModel) {
  json bad = small_tokenizer_json();
  bad["model"]["type"] = "WordLevel";
  write_file(models.file("gpt2-hf/tokenizer.json"), bad.dump());
  ingest_model(*db, models.file("gpt2-hf/model.safetensors"), {"gpt2_hf"});
  try {
    run_tokenize(db->handle(), "gpt2_hf", "the cat");
    FAIL() << "expected an error";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("gpt2_hf"));
    EXPECT_THAT(e.what(), testing::HasSubstr("tokenizer.json: unsupported model type \"WordLevel\""));
  }
}

}  // namespace
}  // namespace hart::test
