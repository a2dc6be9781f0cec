// hart chat on the project's own model (models/shakespeare-3m): lines piped in are the
// user's turns, each reply streams out, and the conversation is kept: the second
// turn's prompt holds the first turn and its reply, through the chosen template.
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace hart::test {
namespace {

class ChatCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db = dir.file("chat.db");
    ASSERT_EQ(hart("init " + db), 0) << out;
    ASSERT_EQ(hart("ingest " + db + " " + source_dir() + "/models/shakespeare-3m/shakespeare-3m.gguf --name bard --quiet"),
              0) << out;
  }
  int hart(const std::string& args) { return run_command(binary_dir() + "/src/hart " + args, &out); }
  TempDir dir;
  std::string db, out;
};

TEST_F(ChatCliTest, PipedLinesAreTurnsAndTheConversationIsKept) {
  ASSERT_EQ(run_command("(printf 'Who goes there?\\n\\nSpeak!\\n' | " + binary_dir() + "/src/hart chat " + db +
                            " bard --system 'Be brief.' --chat-template chatml -n 6 --threads 1 2>/dev/null)",
                        &out),
            0) << out;
  std::string replies = out;
  ASSERT_EQ(hart("sql " + db + " \"SELECT task, input, output FROM inferences ORDER BY id\" --json"), 0) << out;
  auto rows = nlohmann::json::parse(out);
  ASSERT_EQ(rows.size(), 2u);  // the empty line is no turn
  EXPECT_EQ(rows[0]["task"], "chat");
  const std::string first = rows[0]["output"], second = rows[1]["output"];
  EXPECT_EQ(rows[0]["input"],
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWho goes there?<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(rows[1]["input"],
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWho goes there?<|im_end|>\n"
            "<|im_start|>assistant\n" + first + "<|im_end|>\n<|im_start|>user\nSpeak!<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(replies, first + "\n" + second + "\n");  // no "> " prompt when stdin is not a terminal
}

TEST_F(ChatCliTest, AModelWithoutATemplateNeedsOne) {
  EXPECT_EQ(run_command("echo hi | " + binary_dir() + "/src/hart chat " + db + " bard -n 2", &out), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("no chat template"));
  EXPECT_THAT(out, ::testing::HasSubstr("--chat-template NAME"));
  EXPECT_EQ(run_command("echo hi | " + binary_dir() + "/src/hart chat " + db + " bard --chat-template nosuch", &out), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("unknown chat template 'nosuch'"));
}

}  // namespace
}  // namespace hart::test
