// Helpers shared by the tests: paths to shared data (skipping loudly when absent),
// temporary directories, and running the built binaries.
#pragma once
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace hart::test {

// ../shared/data/<rel>; empty string when the shared folder is absent.
std::string shared_data(const std::string& rel);

// Skips the current test with a message naming the missing path.
#define HART_REQUIRE_SHARED(var, rel)                                                  \
  std::string var = ::hart::test::shared_data(rel);                                    \
  if (var.empty()) GTEST_SKIP() << "SKIPPED: shared data not found: ../shared/data/" << rel \
                                << " (set HART_SHARED_DIR or place ../shared beside the repo)"

// A fresh empty directory, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string source_dir();  // the repository root
std::string binary_dir();  // the CMake build directory

// Runs a shell command, returns its exit status; output captured into *out.
int run_command(const std::string& cmd, std::string* out);

// Starts `hart ingest DB PATH --quiet` (the build's binary) as a child process, for
// tests that kill it or write beside it; returns its pid (wait for it with waitpid).
int start_hart_ingest(const std::string& db_path, const std::string& path);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

}  // namespace hart::test
