// The server tests' fixture: a server on a free loopback port over a database holding
// the project's own model (models/shakespeare-3m), driven by cpp-httplib's client.
#pragma once
#include <arpa/inet.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "model/causal_lm.h"
#include "model/generator.h"
#include "server/http_server.h"
#include "store/database.h"
#include "store/model_ingest.h"
#include "support/test_support.h"

namespace hart::test {

using json = nlohmann::json;
const char* const kModel = "shakespeare-3m";

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    Database db(dir_->file("s.db"), Database::Mode::kCreate);
    ingest_model(db, source_dir() + "/models/shakespeare-3m/shakespeare-3m.gguf", {kModel});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void TearDown() override { stop(); }

  void start(server::ServerOptions o = {}) {
    o.db_path = db_file.empty() ? dir_->file("s.db") : db_file;
    o.port = 0;
    if (o.limits.slots == 4 && o.limits.queue == 64) o.limits.slots = 2, o.limits.queue = 8;
    o.limits.threads = 1;
    server_ = std::make_unique<server::HttpServer>(o);
    server_->bind();
    thread_ = std::thread([this] { server_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60, 0);
    for (int i = 0; i < 200; ++i) {  // until it answers
      if (auto r = client_->Get("/health"); r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "the server did not become healthy";
  }
  void stop() {
    if (!server_) return;
    server_->stop();
    thread_.join();
    server_.reset();
  }
  httplib::Result post(const std::string& path, const json& body, const httplib::Headers& headers = {}) {
    return client_->Post(path, headers, body.dump(), "application/json");
  }
  static std::string greedy(const std::string& prompt, int max_tokens) {
    auto m = LoadedModel::from_file(source_dir() + "/models/shakespeare-3m/shakespeare-3m.gguf", kModel);
    auto lm = make_causal_lm(m, 1);
    GenerationOptions o;
    o.max_tokens = max_tokens;
    return generate_text(*lm, m->tokenizer(), prompt, o).text;
  }

  // A test that changes what the server reads at start (its keys) copies the suite's
  // database here first, so the other tests keep theirs.
  void use_own_database() {
    db_file = own_.file("own.db");
    Database suite(dir_->file("s.db"), Database::Mode::kOpenExisting);
    suite.exec("VACUUM INTO '" + db_file + "'");  // TempDir paths hold no quote
  }

  static inline TempDir* dir_ = nullptr;
  TempDir own_;
  std::string db_file;
  std::unique_ptr<server::HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

// A TCP connection to the server on loopback.
inline int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ADD_FAILURE() << "cannot connect";
  return fd;
}

inline json completion(const std::string& prompt, int max_tokens, bool stream = false) {
  return {{"model", kModel}, {"prompt", prompt}, {"max_tokens", max_tokens}, {"temperature", 0}, {"stream", stream}};
}

}  // namespace hart::test
