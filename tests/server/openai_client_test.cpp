// The official openai npm client (tests/server/node, installed by the README's test
// command: npm ci --prefix tests/server/node) against hart serve on loopback.
#include <cstdio>
#include <filesystem>
#include <thread>

#include "reference/reference_models.h"
#include "server/http_server.h"
#include "store/api_keys.h"
#include "store/database.h"
#include "store/model_ingest.h"
#include "support/test_support.h"

namespace hart::test {
namespace {

TEST(OpenAIClientTest, TheOfficialClientChatsStreamsAndSeesErrors) {
  const std::string node_dir = source_dir() + "/tests/server/node";
  ASSERT_TRUE(std::filesystem::exists(node_dir + "/node_modules/openai"))
      << "the openai package is not installed: run `npm ci --prefix tests/server/node` (the README's test command does)";
  TempDir dir, models;
  reference::write_reference_models(models.path());
  std::string limited;
  {
    Database db(dir.file("s.db"), Database::Mode::kCreate);
    ingest_model(db, source_dir() + "/models/shakespeare-3m/shakespeare-3m.gguf", {"shakespeare-3m"});
    ingest_model(db, models.file("bert_f32.gguf"), {"bert"});
    ApiKeyOptions one_a_minute;
    one_a_minute.requests_per_minute = 1;
    limited = create_api_key(db, one_a_minute).secret;
  }
  server::ServerOptions o;
  o.db_path = dir.file("s.db");
  o.port = 0;
  o.api_keys = {"sk-test"};
  o.chat_template = "chatml";
  o.limits.slots = 8;  // the load test's 32 clients: 8 generating, 24 queued
  o.limits.queue = 64;
  o.limits.threads = 1;
  server::HttpServer srv(o);
  srv.bind();
  std::thread t([&] { srv.run(); });
  const std::string cmd = "cd '" + node_dir + "' && BASE_URL=http://127.0.0.1:" + std::to_string(srv.port()) +
                          "/v1 API_KEY=sk-test MODEL=shakespeare-3m EMBED_MODEL=bert LIMITED_KEY=" + limited +
                          " node openai_client.mjs 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  srv.stop();
  t.join();
  std::printf("%s", out.c_str());
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out.find("FAIL"), std::string::npos) << out;
  EXPECT_NE(out.find("ok chat.completions.create stream"), std::string::npos) << out;
  EXPECT_NE(out.find("ok 32 concurrent streaming clients"), std::string::npos) << out;
}

}  // namespace
}  // namespace hart::test
