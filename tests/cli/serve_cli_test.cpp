// `hart serve` as a user runs it: the command opens hart-serve.so, announces its address,
// answers over HTTP, records the request, and ends on SIGTERM; a port already serving
// is refused with a message that says so.
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/test_support.h"

namespace hart::test {
namespace {

// One HTTP/1.1 request on a fresh loopback connection; the whole response.
std::string http(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<size_t>(n));
  close(fd);
  return response;
}

bool running(int pid) { return kill(pid, 0) == 0; }

TEST(ServeCliTest, ServesAnnouncedPortRecordsTheRequestAndStopsOnSigterm) {
  TempDir dir;
  const std::string hart = binary_dir() + "/src/hart ", db = dir.file("s.db"), log = dir.file("serve.log");
  std::string out;
  ASSERT_EQ(run_command(hart + "init " + db, &out), 0) << out;
  ASSERT_EQ(run_command(hart + "ingest " + db + " " + source_dir() +
                            "/models/shakespeare-3m/shakespeare-3m.gguf --name bard --quiet", &out), 0) << out;
  // An unknown cache type is refused by name, before anything binds.
  EXPECT_NE(run_command(hart + "serve " + db + " --port 0 --cache-type q4 2>&1", &out), 0);
  EXPECT_NE(out.find("--cache-type"), std::string::npos) << out;
  ASSERT_EQ(run_command(hart + "serve " + db + " --port 0 --threads 1 --cache-type f16 >/dev/null 2>" + log + " & echo $!",
                        &out),
            0)
      << out;
  const int pid = std::stoi(out);
  struct KillOnExit {  // a failed assertion must not leave the server running
    int pid;
    ~KillOnExit() {
      if (running(pid)) kill(pid, SIGKILL);
    }
  } kill_on_exit{pid};
  int port = 0;
  const std::regex announced(R"(http://127\.0\.0\.1:(\d+)/v1)");
  for (int i = 0; i < 500 && !port; ++i) {
    std::smatch m;
    const std::string text = read_file(log);
    if (std::regex_search(text, m, announced)) port = std::stoi(m[1]);
    else std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(port, 0) << read_file(log);

  const std::string body = R"({"model":"bard","prompt":"To be","max_tokens":3,"temperature":0})";
  const std::string response = http(port, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                          "Content-Type: application/json\r\nContent-Length: " +
                                              std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  EXPECT_NE(response.find("\"text_completion\""), std::string::npos) << response;

  // A second server on the same port is refused, and the first keeps serving.
  EXPECT_EQ(run_command(hart + "serve " + db + " --port " + std::to_string(port) + " 2>&1", &out), 1) << out;
  EXPECT_NE(out.find("in use"), std::string::npos) << out;
  EXPECT_EQ(http(port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);

  kill(pid, SIGTERM);
  for (int i = 0; i < 500 && running(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(running(pid)) << "hart serve did not end on SIGTERM";
  ASSERT_EQ(run_command(hart + "sql " + db + " \"SELECT count(*) AS n FROM inferences\" --csv", &out), 0) << out;
  EXPECT_EQ(out, "n\n1\n");
}

TEST(ServeCliTest, KeysAreCreatedListedAndRevoked) {
  TempDir dir;
  const std::string hart = binary_dir() + "/src/hart ", db = dir.file("k.db");
  std::string out, key;
  ASSERT_EQ(run_command(hart + "init " + db, &out), 0) << out;
  ASSERT_EQ(run_command("(" + hart + "keys create " + db + " --name ci --tenant acme --scopes inference,sql-read "
                               "--rpm 60 --expires 30d 2>/dev/null)", &key), 0) << key;
  ASSERT_EQ(key.size(), 3u + 64u + 1u) << key;  // the key and a newline, on stdout alone
  key.pop_back();
  ASSERT_EQ(run_command(hart + "keys list " + db + " --json", &out), 0) << out;
  EXPECT_NE(out.find(key.substr(0, 11)), std::string::npos) << out;
  EXPECT_EQ(out.find(key.substr(11)), std::string::npos) << "the list shows the key itself: " << out;
  const auto listed = nlohmann::json::parse(out);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["scopes"], "inference,sql-read");
  EXPECT_EQ(listed[0]["tenant"], "acme");
  EXPECT_EQ(listed[0]["rpm"], 60);
  EXPECT_EQ(listed[0]["requests"], 0);
  EXPECT_EQ(run_command(hart + "keys create " + db + " --scopes root 2>&1", &out), 1);
  EXPECT_NE(out.find("unknown scope 'root'"), std::string::npos) << out;
  EXPECT_EQ(run_command(hart + "keys create " + db + " --expires yesterday 2>&1", &out), 1);
  EXPECT_NE(out.find("expiry 'yesterday'"), std::string::npos) << out;
  ASSERT_EQ(run_command(hart + "keys revoke " + db + " ci", &out), 0) << out;
  EXPECT_NE(out.find("revoked API key " + key.substr(0, 11)), std::string::npos) << out;
  EXPECT_EQ(run_command(hart + "keys revoke " + db + " ci 2>&1", &out), 1);
  EXPECT_NE(out.find("already revoked"), std::string::npos) << out;
}

}  // namespace
}  // namespace hart::test
