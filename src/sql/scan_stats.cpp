#include "sql/scan_stats.h"

#include <map>
#include <mutex>
#include <utility>

#include "sql/surface.h"

namespace hart {
namespace {

std::mutex g_mutex;
std::map<std::pair<sqlite3*, std::string>, std::string> g_last;  // by connection and kind

}  // namespace

void publish_last(sqlite3* db, const char* kind, std::string json) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_last[{db, kind}] = std::move(json);
}

std::string last_published(sqlite3* db, const char* kind) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_last.find({db, kind});
  return it == g_last.end() ? "{}" : it->second;
}

void publish_scan_stats(sqlite3* db, const ScanStats& s) {
  publish_last(db, "weights",
               "{\"chunks_total\":" + std::to_string(s.chunks_total) + ",\"chunks_skipped\":" +
                   std::to_string(s.chunks_skipped) + ",\"chunks_read\":" + std::to_string(s.chunks_read) +
                   ",\"rows\":" + std::to_string(s.rows) + "}");
}

void weights_scan_stats_fn(sqlite3_context* ctx, int, sqlite3_value**) {
  std::string json = last_published(sqlite3_context_db_handle(ctx), "weights");
  if (json == "{}") json = "{\"chunks_total\":0,\"chunks_skipped\":0,\"chunks_read\":0,\"rows\":0}";
  sqlite3_result_text(ctx, json.c_str(), -1, SQLITE_TRANSIENT);
}

void vectors_last_search_fn(sqlite3_context* ctx, int, sqlite3_value**) {
  const std::string json = last_published(sqlite3_context_db_handle(ctx), "vectors");
  sqlite3_result_text(ctx, json.c_str(), -1, SQLITE_TRANSIENT);
}

}  // namespace hart
