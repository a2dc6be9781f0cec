#include "sql/scan_stats.h"

#include "sql/surface.h"

#include <mutex>
#include <string>
#include <unordered_map>

namespace hart {
namespace {

std::mutex g_mutex;
std::unordered_map<sqlite3*, ScanStats> g_last;  // keyed by connection

}  // namespace

void weights_scan_stats_fn(sqlite3_context* ctx, int, sqlite3_value**) {
  ScanStats s;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_last.find(sqlite3_context_db_handle(ctx));
    if (it != g_last.end()) s = it->second;
  }
  std::string json = "{\"chunks_total\":" + std::to_string(s.chunks_total) +
                     ",\"chunks_skipped\":" + std::to_string(s.chunks_skipped) +
                     ",\"chunks_read\":" + std::to_string(s.chunks_read) +
                     ",\"rows\":" + std::to_string(s.rows) + "}";
  sqlite3_result_text(ctx, json.c_str(), -1, SQLITE_TRANSIENT);
}

void publish_scan_stats(sqlite3* db, const ScanStats& s) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_last[db] = s;
}

}  // namespace hart
