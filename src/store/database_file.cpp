#include "store/database_file.h"

#include <unistd.h>

#include <cctype>
#include <filesystem>

#include "util/error.h"

namespace hart {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    if (s[i] == '%' && i + 2 < s.size() && (hi = hex_value(s[i + 1])) >= 0 && (lo = hex_value(s[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string percent_encode_path(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool writable(const std::string& path) { return ::access(path.c_str(), W_OK) == 0; }

}  // namespace

bool is_sqlite_uri(const std::string& name) { return name.starts_with("file:"); }

std::string database_file_path(const std::string& name) {
  if (!is_sqlite_uri(name)) return name;
  std::string rest = name.substr(5);
  rest = rest.substr(0, rest.find_first_of("?#"));
  // "file://host/path": SQLite accepts only an empty or "localhost" authority.
  if (rest.starts_with("//")) {
    size_t slash = rest.find('/', 2);
    rest = slash == std::string::npos ? std::string() : rest.substr(slash);
  }
  return percent_decode(rest);
}

std::string read_only_uri(const std::string& name) {
  if (is_sqlite_uri(name)) return name + (name.find('?') == std::string::npos ? "?" : "&") + "mode=ro";
  return "file:" + percent_encode_path(std::filesystem::absolute(std::filesystem::path(name)).string()) + "?mode=ro";
}

ReadOnlyOpen plan_existing_open(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path dir = fs::absolute(fs::path(path)).parent_path();
  bool dir_writable = writable(dir.string());
  if (writable(path) && dir_writable) return {false, path};
  if (dir_writable) return {true, path};  // SQLite makes the -shm it needs beside the file
  std::error_code ec;
  bool has_wal = fs::exists(path + "-wal", ec), has_shm = fs::exists(path + "-shm", ec);
  if (has_wal && has_shm) return {true, path};
  if (has_wal && fs::file_size(path + "-wal", ec) > 0 && !ec)
    throw UsageError(path + ": the folder cannot be written and the write-ahead log " + path +
                     "-wal has changes but no " + path + "-shm beside it, so they cannot be read; open it once " +
                     "where the folder is writable, or name it as file:" + percent_encode_path(path) +
                     "?immutable=1 to read it without those changes");
  return {true, "file:" + percent_encode_path(fs::absolute(fs::path(path)).string()) + "?immutable=1"};
}

}  // namespace hart
