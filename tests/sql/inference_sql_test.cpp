// generate(), generate_tokens and tokenize() from SQL on the real stories260K, with
// the inferences table recording each call; bad input per the documented policies.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/stored_model.h"
#include "../store/store_fixture.h"
#include "model/bert.h"
#include "reference_models.h"
#include "store/model_ingest.h"
#include "util/error.h"

namespace hart::test {
namespace {

// llama.cpp's greedy continuation (../shared/reference/stories260K-greedy.md).
const char* kReference =
    ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. "
    "She wanted to play with it, but it was too high.\nLily's mom said";

class InferenceSqlTest : public StoreTest {
 protected:
  bool load() {
    std::string path = shared_data("stories260K/stories260K.gguf");
    if (path.empty()) return false;
    ingest_model(*db, path, {"stories260K"});
    return true;
  }
  std::string text(const std::string& sql) {
    Stmt s = db->prepare(sql);
    EXPECT_TRUE(s.step()) << sql;
    return s.text(0);
  }
};

#define REQUIRE_STORIES() \
  if (!load()) GTEST_SKIP() << "SKIPPED: shared data not found: ../shared/data/stories260K/stories260K.gguf"

TEST_F(InferenceSqlTest, GenerateReproducesLlamaCppAndIsRecorded) {
  REQUIRE_STORIES();
  EXPECT_EQ(text("SELECT generate('stories260K', 'Once upon a time', '{\"max_tokens\": 64}')"), kReference);
  Stmt s = db->prepare("SELECT model_name, task, input, output, json_extract(options, '$.max_tokens'),"
                       " prompt_tokens, output_tokens, stop_reason, duration_ms > 0, model_id FROM inferences");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "stories260K");
  EXPECT_EQ(s.text(1), "generate");
  EXPECT_EQ(s.text(2), "Once upon a time");
  EXPECT_EQ(s.text(3), kReference);
  EXPECT_EQ(s.int64(4), 64);
  EXPECT_EQ(s.int64(5), 5);
  EXPECT_EQ(s.int64(6), 64);
  EXPECT_EQ(s.text(7), "max_tokens");
  EXPECT_EQ(s.int64(8), 1);
  EXPECT_EQ(s.int64(9), require_model(*db, "stories260K").id);
}

// Greedy continuations llama.cpp gave for prompts of our own
// (tests/golden/llamacpp/stories260K-greedy-prompts.json records how they were made).
TEST_F(InferenceSqlTest, OtherPromptsMatchLlamaCpp) {
  REQUIRE_STORIES();
  auto golden = nlohmann::json::parse(read_file(source_dir() + "/tests/golden/llamacpp/stories260K-greedy-prompts.json"));
  ASSERT_GE(golden["cases"].size(), 5u);
  for (const auto& c : golden["cases"]) {
    Stmt s = db->prepare("SELECT generate('stories260K', ?, json_object('max_tokens', ?, 'threads', 1))");
    s.bind(1, c["prompt"].get<std::string>()).bind(2, c["n_predict"].get<int64_t>());
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(0), c["continuation"].get<std::string>()) << c["prompt"];
  }
}

TEST_F(InferenceSqlTest, ContinuationKeepsTheSpaceBeforeItsFirstWord) {
  REQUIRE_STORIES();
  // llama.cpp continues "Once upon a time," with " there was a".
  EXPECT_EQ(text("SELECT generate('stories260K', 'Once upon a time,', '{\"max_tokens\": 3}')"), " there was a");
  // From BOS alone the story starts without a space, as llama.cpp prints it.
  EXPECT_EQ(text("SELECT generate('stories260K', '', '{\"max_tokens\": 1}')"), "Once");
}

TEST_F(InferenceSqlTest, GenerateTokensGivesOneRowPerToken) {
  REQUIRE_STORIES();
  Stmt s = db->prepare("SELECT position, token_id, text, logprob FROM generate_tokens('stories260K', 'Once upon a time',"
                       " '{\"max_tokens\": 3}')");
  std::vector<int64_t> ids;
  std::string joined;
  while (s.step()) {
    EXPECT_EQ(s.int64(0), 5 + static_cast<int64_t>(ids.size()));
    ids.push_back(s.int64(1));
    joined += s.text(2);
    EXPECT_LT(s.real(3), 0.0);
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{432, 383, 286}));
  EXPECT_EQ(joined, ", there was");
}

TEST_F(InferenceSqlTest, TokenizeMatchesLlamaCpp) {
  REQUIRE_STORIES();
  EXPECT_EQ(text("SELECT tokenize('stories260K', 'Once upon a time')"), "[1,403,407,261,378]");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM inferences WHERE task = 'tokenize'"), 1);
}

TEST_F(InferenceSqlTest, StopStringsSeedsAndSampling) {
  REQUIRE_STORIES();
  EXPECT_EQ(text("SELECT generate('stories260K', 'Once upon a time', '{\"stop\": [\"Lily\"]}')"),
            ", there was a little girl named ");
  EXPECT_EQ(text("SELECT stop_reason FROM inferences ORDER BY id DESC LIMIT 1"), "stop");
  std::string a = text("SELECT generate('stories260K', 'Once upon a time', '{\"temperature\": 1.0, \"seed\": 5, \"max_tokens\": 40}')");
  std::string b = text("SELECT generate('stories260K', 'Once upon a time', '{\"temperature\": 1.0, \"seed\": 5, \"max_tokens\": 40}')");
  std::string c = text("SELECT generate('stories260K', 'Once upon a time', '{\"temperature\": 1.0, \"seed\": 6, \"max_tokens\": 40}')");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(scalar(*db, "SELECT count(DISTINCT json_extract(options, '$.seed')) FROM inferences WHERE json_extract(options, '$.temperature') = 1.0"), 2);
}

TEST_F(InferenceSqlTest, EmptyPromptStartsFromBos) {
  REQUIRE_STORIES();
  // llama2.c's documented greedy story from BOS alone starts this way.
  std::string out = text("SELECT generate('stories260K', '', '{\"max_tokens\": 12}')");
  EXPECT_EQ(out.rfind("Once upon a time", 0), 0u) << out;
}

TEST_F(InferenceSqlTest, BadInputIsAClearError) {
  REQUIRE_STORIES();
  EXPECT_THAT(error_of("SELECT generate('nope', 'x')"), ::testing::HasSubstr("no model named 'nope'"));
  EXPECT_THAT(error_of("SELECT generate('stories260K', 'x', '{\"max_tokns\": 3}')"),
              ::testing::HasSubstr("unknown key \"max_tokns\""));
  EXPECT_THAT(error_of("SELECT generate('stories260K', 'x', '{\"threads\": 0}')"),
              ::testing::HasSubstr("\"threads\" must be an integer from 1 to 512, got 0"));
  EXPECT_THAT(error_of("SELECT generate('stories260K', 42)"), ::testing::HasSubstr("the prompt must be text"));
  std::string long_prompt(20000, 'a');
  for (size_t i = 1; i < long_prompt.size(); i += 2) long_prompt[i] = ' ';
  EXPECT_THAT(error_of("SELECT generate('stories260K', '" + long_prompt + "')"),
              ::testing::HasSubstr("the model's context is 2048 tokens"));
  EXPECT_THAT(error_of("SELECT * FROM generate_tokens"), ::testing::HasSubstr("give the model and the prompt"));
  // Invalid UTF-8 is replaced by U+FFFD, not an error.
  EXPECT_NO_THROW(text("SELECT generate('stories260K', CAST(x'4f6e6365ff20' AS TEXT), '{\"max_tokens\": 2}')"));
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM inferences WHERE task = 'generate'"), 1);
}

TEST_F(InferenceSqlTest, RemovingTheModelKeepsItsInferences) {
  REQUIRE_STORIES();
  text("SELECT generate('stories260K', 'Once', '{\"max_tokens\": 2}')");
  remove_model(*db, "stories260K");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM inferences WHERE model_id IS NULL AND model_name = 'stories260K'"), 1);
  EXPECT_THAT(error_of("SELECT generate('stories260K', 'x')"), ::testing::HasSubstr("no model named"));
}

TEST_F(InferenceSqlTest, TheRecordedThreadCountIsWhatRan) {
  TempDir models;
  reference::write_reference_models(models.path());
  ingest_model(*db, models.file("llama_f32.gguf"), {"llama"});
  text("SELECT generate('llama', 'x', '{\"max_tokens\": 2, \"threads\": 512}')");
  text("SELECT generate('llama', 'x', '{\"max_tokens\": 2, \"threads\": 1}')");
  const int64_t cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(scalar(*db, "SELECT json_extract(options, '$.threads') FROM inferences ORDER BY id LIMIT 1"),
            std::min<int64_t>(512, cores));
  EXPECT_EQ(scalar(*db, "SELECT json_extract(options, '$.threads') FROM inferences ORDER BY id DESC LIMIT 1"), 1);
}

TEST_F(InferenceSqlTest, EmbedReturnsTheEncodersEmbeddingAsFloat32Blob) {
  TempDir models;
  reference::write_reference_models(models.path());
  ingest_model(*db, models.file("bert_f32.gguf"), {"bert"});
  Stmt s = db->prepare("SELECT embed('bert', 'hello world')");
  ASSERT_TRUE(s.step());
  ASSERT_EQ(s.bytes(0), 64 * sizeof(float));
  std::vector<float> got(64);
  std::memcpy(got.data(), s.blob(0), s.bytes(0));
  BertEncoder enc(load_stored_model(db->handle(), require_model(*db, "bert")), 1);
  std::vector<int32_t> ids;
  nlohmann::json j = nlohmann::json::parse(text("SELECT tokenize('bert', 'hello world')"));
  for (auto& v : j) ids.push_back(v.get<int32_t>());
  EXPECT_EQ(ids.front(), 2);  // [CLS]
  EXPECT_EQ(ids.back(), 3);   // [SEP]
  EXPECT_EQ(got, enc.embed(ids));
  EXPECT_EQ(text("SELECT output FROM inferences WHERE task = 'embed'"), "float32[64]");
  if (load()) {
    EXPECT_THAT(error_of("SELECT embed('stories260K', 'x')"),
                ::testing::HasSubstr("embeddings come from the bert architecture"));
  }
}

}  // namespace
}  // namespace hart::test
