// The inference_log setting (store/settings.h): what the inferences table keeps of each
// call's input and output — the start with the whole's length and SHA-256 (default
// 64 KiB), everything, or nothing — set and read from SQL with hart_setting().
#include "../store/store_fixture.h"
#include "reference_models.h"
#include "store/model_ingest.h"
#include "store/settings.h"
#include "util/error.h"

namespace hart::test {
namespace {

class InferenceLogTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    reference::write_reference_models(models.path());
    ingest_model(*db, models.file("llama_f32.gguf"), {"llama"});
  }
  void tokenize(const std::string& text) {
    Stmt s = db->prepare("SELECT tokenize('llama', ?)");
    s.bind(1, text);
    ASSERT_TRUE(s.step());
  }
  std::string text(const std::string& sql) {
    Stmt s = db->prepare(sql);
    EXPECT_TRUE(s.step()) << sql;
    return s.is_null(0) ? "NULL" : s.text(0);
  }
  TempDir models;
};

TEST_F(InferenceLogTest, ByDefaultALargeInputKeepsItsStartLengthAndHash) {
  EXPECT_EQ(text("SELECT hart_setting('inference_log')"), "65536");
  const std::string big(100000, 'a');
  tokenize(big);
  EXPECT_EQ(scalar(*db, "SELECT length(input) FROM inferences"), 65536);
  EXPECT_EQ(scalar(*db, "SELECT input_bytes FROM inferences"), 100000);
  EXPECT_EQ(text("SELECT input_sha256 FROM inferences"), to_hex(sha256(big.data(), big.size())));
  // A small call is kept whole and says nothing more.
  tokenize("a b");
  EXPECT_EQ(text("SELECT input || '|' || coalesce(input_bytes, 'NULL') || '|' || coalesce(input_sha256, 'NULL')"
                 " FROM inferences ORDER BY id DESC LIMIT 1"),
            "a b|NULL|NULL");
}

TEST_F(InferenceLogTest, FullKeepsEverythingAndOffKeepsNothing) {
  EXPECT_EQ(text("SELECT hart_setting('inference_log', 'full')"), "full");
  const std::string big(100000, 'b');
  tokenize(big);
  EXPECT_EQ(scalar(*db, "SELECT length(input) FROM inferences"), 100000);
  EXPECT_EQ(text("SELECT input_bytes FROM inferences"), "NULL");
  EXPECT_EQ(text("SELECT hart_setting('inference_log', 'off')"), "off");
  tokenize(big);
  text("SELECT generate('llama', 'x', '{\"max_tokens\": 2}')");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM inferences"), 1);
}

TEST_F(InferenceLogTest, TheCutFallsOnACharacterBoundary) {
  text("SELECT hart_setting('inference_log', '5')");
  tokenize("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");  // four 2-byte characters
  EXPECT_EQ(text("SELECT input FROM inferences"), "\xC3\xA9\xC3\xA9");
  EXPECT_EQ(scalar(*db, "SELECT input_bytes FROM inferences"), 8);
}

TEST_F(InferenceLogTest, BadNamesAndValuesAreRefusedSayingWhatIsAllowed) {
  EXPECT_THAT(error_of("SELECT hart_setting('inference_log', '0')"),
              ::testing::HasSubstr("inference_log must be 'full', 'off' or a byte count from 1 to 1073741824, got '0'"));
  EXPECT_THAT(error_of("SELECT hart_setting('inference_log', 'some')"), ::testing::HasSubstr("got 'some'"));
  EXPECT_THAT(error_of("SELECT hart_setting('colour')"),
              ::testing::HasSubstr("no setting named 'colour' (settings: inference_log)"));
  EXPECT_EQ(text("SELECT hart_setting('inference_log')"), "65536");  // nothing stored by a refusal
  // Writing a setting is refused from a view (SQLITE_DIRECTONLY), reading is not.
  db->exec("CREATE VIEW w AS SELECT hart_setting('inference_log', 'off') AS v;"
           " CREATE VIEW r AS SELECT hart_setting('inference_log') AS v");
  EXPECT_THAT(error_of("SELECT v FROM w"), ::testing::HasSubstr("unsafe use of hart_setting()"));
  EXPECT_EQ(text("SELECT v FROM r"), "65536");
}

}  // namespace
}  // namespace hart::test
