#include "store/settings.h"

#include <charconv>

#include "store/database.h"
#include "util/error.h"

namespace hart {
namespace {

struct Setting {
  const char* name;
  const char* default_value;
  void (*check)(std::string_view value);
};

// 64 KiB keeps ordinary prompts and answers whole; a 10 MB call costs 128 KiB, not 20 MB.
constexpr Setting kSettings[] = {
    {kInferenceLogSetting, "65536", [](std::string_view v) { parse_log_retention(v); }},
};

const Setting& find(std::string_view name) {
  std::string known;
  for (const Setting& s : kSettings) {
    if (name == s.name) return s;
    known += std::string(known.empty() ? "" : ", ") + s.name;
  }
  throw UsageError("no setting named '" + std::string(name) + "' (settings: " + known + ")");
}

constexpr size_t kMaxLoggedBytes = size_t(1) << 30;

}  // namespace

LogRetention parse_log_retention(std::string_view v) {
  if (v == "full") return {LogRetention::Mode::kFull, 0};
  if (v == "off") return {LogRetention::Mode::kOff, 0};
  size_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n == 0 || n > kMaxLoggedBytes)
    throw UsageError(std::string(kInferenceLogSetting) + " must be 'full', 'off' or a byte count from 1 to " +
                     std::to_string(kMaxLoggedBytes) + ", got '" + std::string(v) + "'");
  return {LogRetention::Mode::kStart, n};
}

std::string read_setting(sqlite3* db, std::string_view name) {
  const Setting& s = find(name);
  sqlite3_stmt* st = nullptr;
  // A database older than version 6 has no settings table: every setting is its default.
  if (sqlite3_prepare_v2(db, "SELECT value FROM settings WHERE name = ?", -1, &st, nullptr) != SQLITE_OK) {
    sqlite3_finalize(st);
    return s.default_value;
  }
  sqlite3_bind_text(st, 1, s.name, -1, SQLITE_STATIC);
  std::string value = s.default_value;
  if (sqlite3_step(st) == SQLITE_ROW) value = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return value;
}

void write_setting(sqlite3* db, std::string_view name, std::string_view value) {
  const Setting& s = find(name);
  s.check(value);
  Stmt st(db, "INSERT INTO settings(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  st.bind(1, std::string(s.name)).bind(2, std::string(value));
  st.run();
}

}  // namespace hart
