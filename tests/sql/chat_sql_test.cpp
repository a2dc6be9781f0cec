// chat() from SQL on the project's own model (models/shakespeare-3m, which has no chat
// template of its own): the conversation through a chosen template, the rendered
// prompt recorded as the call's input, the reply what generate() gives for that
// prompt; and the errors a caller can make.
#include "../store/store_fixture.h"
#include "store/model_ingest.h"
#include "support/sqlite_hosts.h"

namespace hart::test {
namespace {

class ChatSqlTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    IngestOptions o;
    o.name = "shakespeare";
    ingest_model(*db, source_dir() + "/models/shakespeare-3m/shakespeare-3m.gguf", o);
  }
  std::string text(const std::string& sql) {
    Stmt s = db->prepare(sql);
    EXPECT_TRUE(s.step()) << sql;
    return s.text(0);
  }
  std::string error_of(const std::string& sql) {
    try {
      db->exec(sql);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
};

const char* kMessages =
    R"('[{"role": "system", "content": "Speak as a king."}, {"role": "user", "content": "Who goes there?"}]')";
const char* kChatmlPrompt =
    "<|im_start|>system\nSpeak as a king.<|im_end|>\n<|im_start|>user\nWho goes there?<|im_end|>\n"
    "<|im_start|>assistant\n";

TEST_F(ChatSqlTest, RendersTheChosenTemplateAndGeneratesFromIt) {
  std::string reply = text(std::string("SELECT chat('shakespeare', ") + kMessages +
                           R"(, '{"chat_template": "chatml", "max_tokens": 12, "threads": 1}'))");
  EXPECT_FALSE(reply.empty());
  Stmt s = db->prepare("SELECT task, input, output, json_extract(options, '$.chat_template'),"
                       " json_extract(options, '$.add_generation_prompt'), json_extract(options, '$.max_tokens'),"
                       " output_tokens FROM inferences");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "chat");
  EXPECT_EQ(s.text(1), kChatmlPrompt);
  EXPECT_EQ(s.text(2), reply);
  EXPECT_EQ(s.text(3), "chatml");
  EXPECT_EQ(s.int64(4), 1);
  EXPECT_EQ(s.int64(5), 12);
  // This vocabulary has no ChatML tokens: the prompt is plain text to it, so the reply
  // is generate()'s for the same text.
  Stmt g = db->prepare(R"(SELECT generate('shakespeare', ?, '{"max_tokens": 12, "threads": 1}'))");
  g.bind(1, std::string(kChatmlPrompt));
  ASSERT_TRUE(g.step());
  EXPECT_EQ(g.text(0), reply);
}

TEST_F(ChatSqlTest, TemplateTextAndGenerationPromptOptions) {
  text(R"(SELECT hart_chat('shakespeare', '[{"role": "user", "content": "Hark"}]',)"
       R"( '{"chat_template": "{{ bos_token }}[{{ messages[0].content }}]", "add_generation_prompt": false, "max_tokens": 2}'))");
  EXPECT_EQ(text("SELECT input FROM inferences"), "<s>[Hark]");
  EXPECT_EQ(text("SELECT prompt_tokens FROM inferences"), text("SELECT json_array_length(tokenize('shakespeare', '[Hark]'))"));
}

TEST_F(ChatSqlTest, TemplateVariables) {
  text(R"(SELECT chat('shakespeare', '[{"role": "user", "content": "Hark"}]', '{"chat_template":)"
       R"( "{{ messages[0].content }}{% if not enable_thinking %}/no_think{% endif %}",)"
       R"( "chat_template_kwargs": {"enable_thinking": false}, "max_tokens": 1}'))");
  EXPECT_EQ(text("SELECT input FROM inferences"), "Hark/no_think");
  EXPECT_EQ(text("SELECT json_extract(options, '$.chat_template_kwargs.enable_thinking') FROM inferences"), "0");
  EXPECT_THAT(error_of(R"(SELECT chat('shakespeare', '[]', '{"chat_template": "chatml", "chat_template_kwargs": 1}'))"),
              ::testing::HasSubstr("chat_template_kwargs must be a JSON object"));
}

TEST_F(ChatSqlTest, Errors) {
  EXPECT_THAT(error_of(std::string("SELECT chat('shakespeare', ") + kMessages + ")"),
              ::testing::AllOf(::testing::HasSubstr("model 'shakespeare'"), ::testing::HasSubstr("no chat template"),
                               ::testing::HasSubstr("--chat-template NAME")));
  EXPECT_THAT(error_of(std::string("SELECT chat('shakespeare', ") + kMessages + R"(, '{"chat_template": "nosuch"}'))"),
              ::testing::HasSubstr("unknown chat template 'nosuch'"));
  EXPECT_THAT(error_of(R"(SELECT chat('shakespeare', 'not json', '{"chat_template": "chatml"}'))"),
              ::testing::HasSubstr("the messages are not valid JSON"));
  EXPECT_THAT(error_of(R"(SELECT chat('shakespeare', '[{"content": "x"}]', '{"chat_template": "chatml"}'))"),
              ::testing::HasSubstr("string \"role\""));
  EXPECT_THAT(error_of(std::string("SELECT chat('shakespeare', ") + kMessages + R"(, '{"chat_template": "chatml", "nope": 1}'))"),
              ::testing::HasSubstr("nope"));
  EXPECT_THAT(error_of(std::string("SELECT chat('shakespeare', ") + kMessages +
                       R"(, '{"chat_template": "{{ raise_exception(\"roles!\") }}"}'))"),
              ::testing::HasSubstr("roles!"));
  EXPECT_THAT(error_of(std::string("SELECT chat('nosuchmodel', ") + kMessages + ")"), ::testing::HasSubstr("nosuchmodel"));
}

// chat() in the hosts that load the extension: the reply is generate()'s for the
// rendered prompt, and the call is recorded with it.
const char* kHostScript =
    "SELECT chat('shakespeare', '[{\"role\": \"user\", \"content\": \"Hark\"}]', '{\"chat_template\": \"chatml\", "
    "\"max_tokens\": 4, \"threads\": 1}') = generate('shakespeare', '<|im_start|>user' || char(10) || 'Hark<|im_end|>' || "
    "char(10) || '<|im_start|>assistant' || char(10), '{\"max_tokens\": 4, \"threads\": 1}')\n"
    "SELECT task, replace(input, char(10), '/') FROM inferences WHERE task = 'chat'\n";
const char* kHostExpected = "1\nchat|<|im_start|>user/Hark<|im_end|>/<|im_start|>assistant/\n";

class ChatHostsTest : public ChatSqlTest {
 protected:
  void SetUp() override {
    ChatSqlTest::SetUp();
    db.reset();  // the host has the file to itself
  }
};

TEST_F(ChatHostsTest, SqliteShell) { EXPECT_EQ(run_in_sqlite_shell(dir.file("test.db"), kHostScript, dir.path()), kHostExpected); }
TEST_F(ChatHostsTest, DebianPython) { EXPECT_EQ(run_in_python(dir.file("test.db"), kHostScript, dir.path()), kHostExpected); }

}  // namespace
}  // namespace hart::test
