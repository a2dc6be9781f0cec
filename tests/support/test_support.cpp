#include "support/test_support.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hart::test {

std::string shared_data(const std::string& rel) {
  const char* env = std::getenv("HART_SHARED_DIR");
  std::string root = env && *env ? env : HART_SHARED_DIR;
  std::string p = root + "/data/" + rel;
  return std::filesystem::exists(p) ? p : std::string();
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "hart-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string source_dir() { return HART_SOURCE_DIR; }
std::string binary_dir() { return HART_BINARY_DIR; }

int run_command(const std::string& cmd, std::string* out) {
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (!p) return -1;
  std::string buf;
  char tmp[4096];
  size_t n;
  while ((n = fread(tmp, 1, sizeof tmp, p)) > 0) buf.append(tmp, n);
  int status = pclose(p);
  if (out) *out = buf;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

int start_hart_ingest(const std::string& db_path, const std::string& path) {
  std::string hart = binary_dir() + "/src/hart";
  pid_t pid = fork();
  if (pid == 0) {
    execl(hart.c_str(), hart.c_str(), "ingest", db_path.c_str(), path.c_str(), "--quiet", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

}  // namespace hart::test
