// hart serve, end to end over loopback HTTP (server_fixture.h), also through raw
// sockets. The official openai client drives it in openai_client_test.cpp; keys, the
// usage ledger and /v1/sql are keys_test.cpp's.
#include <sys/wait.h>

#include "engine/chat_prompt.h"
#include "reference/reference_models.h"
#include "server_fixture.h"
#include "store/models.h"

namespace hart::test {
namespace {

TEST_F(ServerTest, ACompletionIsTheModelsGreedyContinuation) {
  start();
  auto r = post("/v1/completions", completion("ROMEO:", 24));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  EXPECT_EQ(body["object"], "text_completion");
  EXPECT_EQ(body["model"], kModel);
  EXPECT_EQ(body["choices"][0]["text"], greedy("ROMEO:", 24));
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["usage"]["completion_tokens"], 24);
  EXPECT_EQ(body["usage"]["total_tokens"], body["usage"]["prompt_tokens"].get<int>() + 24);
  // The model list and the request log.
  auto models = client_->Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(json::parse(models->body)["data"][0]["id"], kModel);
  Database db(dir_->file("s.db"), Database::Mode::kOpenExisting);
  Stmt s = db.prepare("SELECT count(*) FROM inferences WHERE task = 'completion' AND output = ?");
  s.bind(1, body["choices"][0]["text"].get<std::string>());
  ASSERT_TRUE(s.step());
  EXPECT_GE(s.int64(0), 1);
}

TEST_F(ServerTest, AStreamIsTheSameTextInServerSentEvents) {
  start();
  json req = completion("JULIET:\nO", 30, true);
  req["stream_options"] = {{"include_usage", true}};
  auto r = post("/v1/completions", req);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  std::string text, finish;
  int usage_chunks = 0;
  bool done = false;
  size_t pos = 0;
  while ((pos = r->body.find("data: ", pos)) != std::string::npos) {
    const size_t end = r->body.find("\n\n", pos);
    const std::string data = r->body.substr(pos + 6, end - pos - 6);
    pos = end;
    ASSERT_FALSE(done) << "data after [DONE]";
    if (data == "[DONE]") {
      done = true;
      continue;
    }
    const json chunk = json::parse(data);
    if (chunk.contains("usage")) {
      ++usage_chunks;
      EXPECT_EQ(chunk["usage"]["completion_tokens"], 30);
      continue;
    }
    text += chunk["choices"][0]["text"].get<std::string>();
    if (!chunk["choices"][0]["finish_reason"].is_null()) finish = chunk["choices"][0]["finish_reason"];
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(usage_chunks, 1);
  EXPECT_EQ(finish, "length");
  EXPECT_EQ(text, greedy("JULIET:\nO", 30));
}

TEST_F(ServerTest, ConcurrentRequestsAreBatchedAndEachGetsItsOwnAnswer) {
  server::ServerOptions o;
  o.limits.slots = 4;
  o.limits.queue = 16;
  start(o);
  const std::vector<std::string> prompts = {"ROMEO:", "KING RICHARD III:\nNow is the winter of", "The king", "First Citizen:"};
  std::vector<std::string> got(12);
  std::vector<std::thread> clients;
  for (size_t i = 0; i < got.size(); ++i)
    clients.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_read_timeout(60, 0);
      auto r = c.Post("/v1/completions", completion(prompts[i % 4], 20).dump(), "application/json");
      got[i] = r && r->status == 200 ? json::parse(r->body)["choices"][0]["text"].get<std::string>() : "<error>";
    });
  for (auto& t : clients) t.join();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], greedy(prompts[i % 4], 20)) << "request " << i;
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("hart_tokens_generated_total{model=\"shakespeare-3m\"} 240"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("hart_prompt_tokens_reused_total"), std::string::npos);
}

TEST_F(ServerTest, AFullQueueAnswers429AndALeavingClientFreesItsSlot) {
  server::ServerOptions o;
  o.limits.slots = 1;
  o.limits.queue = 0;
  start(o);
  // A long stream holds the only slot; the client reads one event, then hangs up.
  std::atomic<bool> got_first{false};
  std::thread holder([&] {
    const int fd = connect_to(server_->port());
    const std::string body = completion("ROMEO:", 200, true).dump();
    const std::string req = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body;
    send(fd, req.data(), req.size(), 0);
    std::string seen;
    char buf[512];
    while (seen.find("data: ") == std::string::npos) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      seen.append(buf, static_cast<size_t>(n));
    }
    got_first = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    close(fd);  // leave
  });
  while (!got_first) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto busy = post("/v1/completions", completion("The king", 5));
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 429);
  EXPECT_EQ(json::parse(busy->body)["error"]["code"], "server_busy");
  holder.join();
  // The slot comes back once the server notices the client left.
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    auto r = post("/v1/completions", completion("The king", 5));
    status = r ? r->status : 0;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ServerTest, KeysAreCheckedEverywhereButHealth) {
  server::ServerOptions o;
  o.api_keys = {"sk-good"};
  start(o);
  auto none = post("/v1/completions", completion("ROMEO:", 2));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json::parse(none->body)["error"]["code"], "invalid_api_key");
  auto wrong = post("/v1/completions", completion("ROMEO:", 2), {{"Authorization", "Bearer sk-bad"}});
  EXPECT_EQ(wrong->status, 401);
  auto right = post("/v1/completions", completion("ROMEO:", 2), {{"Authorization", "Bearer sk-good"}});
  EXPECT_EQ(right->status, 200);
  EXPECT_EQ(client_->Get("/v1/models")->status, 401);
  EXPECT_EQ(client_->Get("/health")->status, 200);
}

TEST_F(ServerTest, BadRequestsGetOpenAIErrorsAndNothingStops) {
  server::ServerOptions o;
  o.max_body_bytes = 4096;
  o.limits.slot_ctx = 64;
  start(o);
  auto expect = [&](httplib::Result r, int status, const std::string& param, const std::string& words) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    const json e = json::parse(r->body)["error"];
    EXPECT_FALSE(e["type"].get<std::string>().empty());
    if (!param.empty()) {
      EXPECT_EQ(e["param"], param) << r->body;
    }
    EXPECT_NE(e["message"].get<std::string>().find(words), std::string::npos) << r->body;
  };
  expect(client_->Post("/v1/completions", "{not json", "application/json"), 400, "", "not valid JSON");
  expect(post("/v1/completions", {{"prompt", "x"}}), 400, "model", "'model' is required");
  expect(post("/v1/completions", {{"model", "nope"}, {"prompt", "x"}}), 404, "model", "does not exist");
  json hot = completion("x", 2);
  hot["temperature"] = 3;
  expect(post("/v1/completions", hot), 400, "temperature", "from 0 to 2");
  json many = completion("x", 2);
  many["n"] = 0;
  expect(post("/v1/completions", many), 400, "n", "from 1 to 16");
  json ids = completion("x", 2);
  ids["prompt"] = {1, 2, 99999};
  expect(post("/v1/completions", ids), 400, "prompt", "outside the vocabulary");
  expect(post("/v1/completions", completion(std::string(300, 'a'), 2)), 400, "prompt", "context per request is 64");
  expect(client_->Post("/v1/completions", std::string(8000, ' '), "application/json"), 413, "", "larger than");
  expect(client_->Get("/v1/nothing"), 404, "", "no route");
  // Unknown fields are ignored, as OpenAI does.
  json extra = completion("ROMEO:", 2);
  extra["user"] = "someone";
  extra["frequency_penalty"] = 0;
  extra["something_new"] = {1, 2};
  EXPECT_EQ(post("/v1/completions", extra)->status, 200);
}

// Chat: the conversation rendered by the chosen template (the model has none of its
// own), answered as generate_from_ids answers that prompt, whole and streamed.
TEST_F(ServerTest, AChatCompletionAnswersTheRenderedConversation) {
  server::ServerOptions o;
  o.chat_template = "chatml";
  start(o);
  const json parts = json::array({{{"type", "text"}, {"text", "Speak, "}}, {{"type", "text"}, {"text", "Romeo."}}});
  const json messages = json::array({{{"role", "system"}, {"content", "You are a player."}},
                                     {{"role", "user"}, {"content", parts}}});
  json req = {{"model", kModel}, {"messages", messages}, {"max_tokens", 16}, {"temperature", 0}};
  auto r = post("/v1/chat/completions", req);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  auto m = LoadedModel::from_file(source_dir() + "/models/shakespeare-3m/shakespeare-3m.gguf", kModel);
  ChatPromptOptions co;
  co.chat_template = "chatml";
  nlohmann::ordered_json joined = nlohmann::ordered_json::parse(messages.dump());
  joined[1]["content"] = "Speak, Romeo.";
  ChatPrompt p = build_chat_prompt(*m, kModel, joined, co);
  EXPECT_NE(p.text.find("<|im_start|>user\nSpeak, Romeo.<|im_end|>"), std::string::npos) << p.text;
  auto lm = make_causal_lm(m, 1);
  GenerationOptions g;
  g.max_tokens = 16;
  EXPECT_EQ(body["choices"][0]["message"]["content"],
            generate_from_ids(*lm, m->tokenizer(), p.ids, g, {}, nullptr, p.end_ids).text);
  EXPECT_EQ(body["usage"]["prompt_tokens"], static_cast<int>(p.ids.size()));
  // /apply-template: the same rendered prompt, without generating.
  auto applied = post("/apply-template", {{"model", kModel}, {"messages", messages}});
  ASSERT_EQ(applied->status, 200) << applied->body;
  EXPECT_EQ(json::parse(applied->body)["prompt"], p.text);
  EXPECT_EQ(json::parse(applied->body)["tokens"], p.ids.size());
  EXPECT_EQ(post("/apply-template", {{"model", kModel}, {"messages", {{{"role", "wizard"}, {"content", "x"}}}}})->status, 400);
  // Streamed: the role first, then the same text in deltas.
  req["stream"] = true;
  auto s = post("/v1/chat/completions", req);
  ASSERT_TRUE(s);
  std::string text;
  const size_t first = s->body.find("data: ");
  const json head = json::parse(s->body.substr(first + 6, s->body.find("\n\n", first) - first - 6));
  EXPECT_EQ(head["choices"][0]["delta"]["role"], "assistant");
  for (size_t pos = first; (pos = s->body.find("data: {", pos)) != std::string::npos;) {
    const size_t end = s->body.find("\n\n", pos);
    const json chunk = json::parse(s->body.substr(pos + 6, end - pos - 6));
    pos = end;
    if (chunk["choices"][0]["delta"].contains("content")) text += chunk["choices"][0]["delta"]["content"].get<std::string>();
  }
  EXPECT_EQ(text, body["choices"][0]["message"]["content"]);
  // A role the API does not have is a 400 naming it.
  json bad = {{"model", kModel}, {"messages", json::array({{{"role", "wizard"}, {"content", "hi"}}})}};
  auto b = post("/v1/chat/completions", bad);
  EXPECT_EQ(b->status, 400);
  EXPECT_NE(b->body.find("'wizard' is not one of"), std::string::npos) << b->body;
}

// --cache-type f16: the slots' caches hold halves, and each answer is what generate()
// gives with the same cache type (batching changes nothing, as with F32).
TEST_F(ServerTest, AnF16CacheServesWhatGenerateGivesWithIt) {
  server::ServerOptions o;
  o.limits.cache_type = KvType::kF16;
  start(o);
  auto m = LoadedModel::from_file(source_dir() + "/models/shakespeare-3m/shakespeare-3m.gguf", kModel);
  auto lm = make_causal_lm(m, 1);
  lm->set_kv_type(KvType::kF16);
  GenerationOptions g;
  g.max_tokens = 24;
  for (const char* prompt : {"ROMEO:", "JULIET:\nO"}) {
    auto r = post("/v1/completions", completion(prompt, 24));
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(json::parse(r->body)["choices"][0]["text"], generate_text(*lm, m->tokenizer(), prompt, g).text) << prompt;
  }
}

// response_format: every choice, whole or streamed, is JSON that fits the schema
// (model/json_grammar.h enforces it while sampling); a schema it cannot follow is a 400.
TEST_F(ServerTest, AResponseFormatShapesEveryChoice) {
  server::ServerOptions o;
  o.chat_template = "chatml";
  start(o);
  const json schema = json::parse(R"({"type": "object", "required": ["speaker", "lines", "mood"],
      "properties": {"speaker": {"type": "string", "maxLength": 10}, "lines": {"type": "integer"},
                     "mood": {"enum": ["merry", "grave"]}}, "additionalProperties": false})");
  json req = {{"model", kModel}, {"max_tokens", 200}, {"temperature", 1.0}, {"seed", 5}, {"n", 3},
              {"messages", json::array({{{"role", "user"}, {"content", "Who speaks?"}}})},
              {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "who"}, {"schema", schema}}}}}};
  auto check = [](const std::string& content) {
    SCOPED_TRACE(content);
    const json v = json::parse(content);
    ASSERT_TRUE(v.is_object());
    EXPECT_EQ(v.size(), 3u);
    EXPECT_LE(v.at("speaker").get<std::string>().size(), 10u);
    EXPECT_TRUE(v.at("lines").is_number_integer());
    EXPECT_TRUE(v.at("mood") == "merry" || v.at("mood") == "grave");
  };
  auto r = post("/v1/chat/completions", req);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  ASSERT_EQ(body["choices"].size(), 3u);
  for (const json& c : body["choices"]) {
    EXPECT_EQ(c["finish_reason"], "stop");
    check(c["message"]["content"].get<std::string>());
  }
  req["stream"] = true;
  req["n"] = 1;
  auto st = post("/v1/chat/completions", req);
  ASSERT_EQ(st->status, 200);
  std::string text;
  for (size_t pos = 0; (pos = st->body.find("data: {", pos)) != std::string::npos;) {
    const size_t end = st->body.find("\n\n", pos);
    const json chunk = json::parse(st->body.substr(pos + 6, end - pos - 6));
    pos = end;
    if (chunk["choices"][0]["delta"].contains("content")) text += chunk["choices"][0]["delta"]["content"].get<std::string>();
  }
  check(text);
  // The schema is recorded with the inference.
  Database db(dir_->file("s.db"), Database::Mode::kOpenExisting);
  Stmt q = db.prepare("SELECT count(*) FROM inferences WHERE json_extract(options, '$.response_format.type') = 'json_schema'");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.int64(0), 4);
  // A keyword it cannot follow is a 400 naming the field.
  req["response_format"]["json_schema"]["schema"] = {{"not", {{"type", "string"}}}};
  auto bad = post("/v1/chat/completions", req);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["param"], "response_format") << bad->body;
  EXPECT_NE(json::parse(bad->body)["error"]["message"].get<std::string>().find("\"not\" is not supported"),
            std::string::npos)
      << bad->body;
}

// A client that sends its headers a byte at a time and then stalls is dropped after
// the read timeout, and does not keep the server from answering others meanwhile.
// Requirement 6: the database stays usable by other processes while the server runs.
TEST_F(ServerTest, AnotherProcessIngestsWhileClientsAreServed) {
  use_own_database();
  TempDir models;
  reference::write_reference_models(models.path());
  start();
  const int pid = start_hart_ingest(db_file, models.path());
  std::vector<std::thread> clients;
  std::atomic<int> ok{0}, failed{0};
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_read_timeout(60, 0);
      for (int i = 0; i < 5; ++i) {
        auto r = client.Post("/v1/completions", completion("ROMEO " + std::to_string(c * 10 + i) + ":", 8).dump(),
                             "application/json");
        (r && r->status == 200 ? ok : failed)++;
      }
    });
  for (auto& t : clients) t.join();
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "hart ingest ended with " << status;
  EXPECT_EQ(ok, 20);
  EXPECT_EQ(failed, 0);
  stop();
  Database db(db_file, Database::Mode::kOpenExisting);
  Stmt s = db.prepare("SELECT (SELECT count(*) FROM models), (SELECT count(*) FROM inferences WHERE input GLOB 'ROMEO [0-9]*:'),"
                      " (SELECT integrity_check FROM pragma_integrity_check)");
  ASSERT_TRUE(s.step());
  EXPECT_GT(s.int64(0), 1);  // the reference models came in
  EXPECT_EQ(s.int64(1), 20);
  EXPECT_EQ(s.text(2), "ok");
}

// "No restart": a model re-ingested under its name while the server runs is what the
// next request gets (here Shakespeare replaced by the reference Llama, asked by token
// ids since that model's vocabulary is a placeholder), and a removed one is a 404.
TEST_F(ServerTest, AModelReplacedOrRemovedWhileServingIsWhatTheNextRequestGets) {
  use_own_database();
  TempDir models;
  reference::write_reference_models(models.path());
  const std::vector<int32_t> ids = {1, 2, 3};
  GenerationOptions greedy;
  greedy.max_tokens = 6;
  auto llama = LoadedModel::from_file(models.file("llama_f32.gguf"), "llama");
  const std::string llama_text = generate_from_ids(*make_causal_lm(llama, 1), llama->tokenizer(), ids, greedy).text;
  start();
  auto ask = [&] {
    return post("/v1/completions", {{"model", kModel}, {"prompt", ids}, {"max_tokens", 6}, {"temperature", 0}});
  };
  auto before = ask();
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200) << before->body;
  ASSERT_NE(json::parse(before->body)["choices"][0]["text"], llama_text) << "the two models must answer differently";
  {
    Database db(db_file, Database::Mode::kOpenExisting);
    remove_model(db, kModel);
    ingest_model(db, models.file("llama_f32.gguf"), {kModel});
  }
  auto after = ask();
  ASSERT_TRUE(after);
  ASSERT_EQ(after->status, 200) << after->body;
  EXPECT_EQ(json::parse(after->body)["choices"][0]["text"], llama_text);
  {
    Database db(db_file, Database::Mode::kOpenExisting);
    remove_model(db, kModel);
  }
  auto gone = ask();
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404) << gone->body;
}

TEST_F(ServerTest, APortAlreadyServingIsRefused) {
  start();
  server::ServerOptions o;
  o.db_path = dir_->file("s.db");
  o.port = server_->port();
  server::HttpServer second(o);
  try {
    second.bind();
    FAIL() << "a second server bound port " << o.port;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
  EXPECT_EQ(post("/v1/completions", completion("To be", 2))->status, 200);
}

TEST_F(ServerTest, ASlowClientIsDroppedWithoutStallingOthers) {
  server::ServerOptions o;
  o.read_timeout_seconds = 1;
  start(o);
  const int fd = connect_to(server_->port());
  const std::string partial = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Le";
  ASSERT_EQ(send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  EXPECT_EQ(post("/v1/completions", completion("ROMEO:", 2))->status, 200);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  const auto t0 = std::chrono::steady_clock::now();
  const ssize_t n = recv(fd, buf, sizeof buf, 0);  // the server closes: 0 (or an error reply, then close)
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LE(n, static_cast<ssize_t>(sizeof buf));
  EXPECT_LT(waited, 4.0) << "the stalled connection was not dropped";
  close(fd);
}

}  // namespace
}  // namespace hart::test
