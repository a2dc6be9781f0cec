// POST /v1/embeddings on the reference BERT (tests/reference): each input's row is
// the engine's embedding of that text alone, as floats or base64 float32, with the
// tokens counted; bad requests are 400s naming the field.
#include <cstring>

#include "engine/model_embedder.h"
#include "reference/reference_models.h"
#include "server_fixture.h"
#include "store/models.h"

namespace hart::test {
namespace {

std::vector<float> from_base64(const std::string& s) {
  auto value = [](char c) -> uint32_t {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : 63;
  };
  std::string bytes;
  for (size_t i = 0; i + 3 < s.size(); i += 4) {
    const uint32_t v = value(s[i]) << 18 | value(s[i + 1]) << 12 | (s[i + 2] == '=' ? 0 : value(s[i + 2]) << 6) |
                       (s[i + 3] == '=' ? 0 : value(s[i + 3]));
    bytes += static_cast<char>(v >> 16);
    if (s[i + 2] != '=') bytes += static_cast<char>(v >> 8 & 255);
    if (s[i + 3] != '=') bytes += static_cast<char>(v & 255);
  }
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

class EmbeddingsTest : public ServerTest {
 protected:
  void SetUp() override {
    use_own_database();
    TempDir models;
    reference::write_reference_models(models.path());
    Database db(db_file, Database::Mode::kOpenExisting);
    ingest_model(db, models.file("bert_f32.gguf"), {"bert"});
  }
  std::vector<float> alone(const std::string& text) {
    Database db(db_file, Database::Mode::kOpenExisting);
    ModelEmbedder e(db.handle(), "bert");
    return e.embed_text(text);
  }
};

TEST_F(EmbeddingsTest, EachRowIsItsTextsEmbeddingAsFloatsOrBase64) {
  start();
  const std::vector<std::string> texts = {"hello world", "the quick brown fox", "a"};
  auto r = post("/v1/embeddings", {{"model", "bert"}, {"input", texts}});
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  EXPECT_EQ(body["object"], "list");
  ASSERT_EQ(body["data"].size(), 3u);
  int64_t tokens = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(body["data"][i]["index"], i);
    const std::vector<float> got = body["data"][i]["embedding"], want = alone(texts[i]);
    ASSERT_EQ(got.size(), want.size());
    for (size_t d = 0; d < want.size(); ++d) EXPECT_NEAR(got[d], want[d], 1e-6) << texts[i] << " " << d;
    Database db(db_file, Database::Mode::kOpenExisting);
    tokens += static_cast<int64_t>(ModelEmbedder(db.handle(), "bert").model().tokenizer().encode(texts[i], true).size());
  }
  EXPECT_EQ(body["usage"]["prompt_tokens"], tokens);
  auto b64 = post("/v1/embeddings", {{"model", "bert"}, {"input", "hello world"}, {"encoding_format", "base64"}});
  ASSERT_EQ(b64->status, 200) << b64->body;
  const std::vector<float> floats = body["data"][0]["embedding"];
  EXPECT_EQ(from_base64(json::parse(b64->body)["data"][0]["embedding"]), floats);
  stop();
  Database db(db_file, Database::Mode::kOpenExisting);
  Stmt s = db.prepare("SELECT count(*), sum(prompt_tokens) FROM inferences WHERE task = 'embed'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.int64(0), 2);
}

TEST_F(EmbeddingsTest, BadRequestsAreRefusedNamingTheField) {
  start();
  auto expect = [&](const json& req, const std::string& param, const std::string& words) {
    auto r = post("/v1/embeddings", req);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, param == "model_404" ? 404 : 400) << r->body;
    const json e = json::parse(r->body)["error"];
    if (param != "model_404") {
      EXPECT_EQ(e["param"], param) << r->body;
    }
    EXPECT_NE(e["message"].get<std::string>().find(words), std::string::npos) << r->body;
  };
  expect({{"model", kModel}, {"input", "x"}}, "model", "cannot embed");
  expect({{"model", "nosuch"}, {"input", "x"}}, "model_404", "does not exist");
  expect({{"model", "bert"}}, "input", "'input' is required");
  expect({{"model", "bert"}, {"input", json::array()}}, "input", "non-empty");
  expect({{"model", "bert"}, {"input", {1, 2, 3}}}, "input", "token ids are not taken");
  expect({{"model", "bert"}, {"input", ""}}, "input", "empty text");
  expect({{"model", "bert"}, {"input", "x"}, {"encoding_format", "int8"}}, "encoding_format", "base64");
  expect({{"model", "bert"}, {"input", "x"}, {"dimensions", 8}}, "dimensions", "not shortened");
  std::string longer;
  for (int i = 0; i < 600; ++i) longer += "word ";
  expect({{"model", "bert"}, {"input", longer}}, "input", "context");
  EXPECT_EQ(post("/v1/embeddings", {{"model", "bert"}, {"input", "still here"}})->status, 200);
}

TEST_F(EmbeddingsTest, RerankOrdersDocumentsByCosineWithTheQuery) {
  start();
  const std::vector<std::string> docs = {"the quick brown fox", "hello world", "hello there", "a"};
  auto r = post("/v1/rerank", {{"model", "bert"}, {"query", "hello world"}, {"documents", docs}, {"return_documents", true}});
  ASSERT_EQ(r->status, 200) << r->body;
  const json results = json::parse(r->body)["results"];
  ASSERT_EQ(results.size(), docs.size());
  EXPECT_EQ(results[0]["index"], 1);  // the query itself
  EXPECT_NEAR(results[0]["relevance_score"].get<double>(), 1.0, 1e-5);
  EXPECT_EQ(results[0]["document"]["text"], "hello world");
  const std::vector<float> q = alone("hello world");
  for (size_t i = 0; i < results.size(); ++i) {
    if (i > 0) {
      EXPECT_GE(results[i - 1]["relevance_score"].get<double>(), results[i]["relevance_score"].get<double>());
    }
    const std::vector<float> d = alone(docs[results[i]["index"].get<size_t>()]);
    double dot = 0;
    for (size_t k = 0; k < q.size(); ++k) dot += double(q[k]) * d[k];
    EXPECT_NEAR(results[i]["relevance_score"].get<double>(), dot, 1e-5);
  }
  auto top = post("/v1/rerank", {{"model", "bert"}, {"query", "hello"}, {"documents", docs}, {"top_n", 2}});
  EXPECT_EQ(json::parse(top->body)["results"].size(), 2u);
  EXPECT_FALSE(json::parse(top->body)["results"][0].contains("document"));
  EXPECT_EQ(post("/v1/rerank", {{"model", "bert"}, {"query", "x"}, {"documents", json::array()}})->status, 400);
  EXPECT_EQ(post("/v1/rerank", {{"model", "bert"}, {"documents", docs}})->status, 400);
  EXPECT_EQ(post("/v1/rerank", {{"model", kModel}, {"query", "x"}, {"documents", docs}})->status, 400);
}

// An embedding model re-ingested under its name while the server runs is not served
// from the old embedder: replaced by a model that cannot embed (the reference GPT-2),
// the next request gets that model's 400.
TEST_F(EmbeddingsTest, AnEmbedderReplacedWhileServingIsMadeAgain) {
  start();
  ASSERT_EQ(post("/v1/embeddings", {{"model", "bert"}, {"input", "first"}})->status, 200);
  {
    TempDir models;
    reference::write_reference_models(models.path());
    Database db(db_file, Database::Mode::kOpenExisting);
    remove_model(db, "bert");
    ingest_model(db, models.file("gpt2_f32.gguf"), {"bert"});
  }
  auto r = post("/v1/embeddings", {{"model", "bert"}, {"input", "second"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("cannot embed"), std::string::npos) << r->body;
}

}  // namespace
}  // namespace hart::test
