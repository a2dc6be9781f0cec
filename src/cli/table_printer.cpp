#include "cli/table_printer.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/sha256.h"

namespace hart {
namespace {

// Blobs longer than this show as a size in tables (CSV and JSON get all of it as hex).
constexpr size_t kBlobPreviewBytes = 16;


size_t display_width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;  // count UTF-8 code points
  return w;
}

std::string real_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string shortest = buf;
  for (int prec = 6; prec < 17; ++prec) {  // the shortest text that reads back exactly
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) return buf;
  }
  return shortest;
}

}  // namespace

ResultTable collect(sqlite3_stmt* st) {
  ResultTable t;
  int n = sqlite3_column_count(st);
  for (int i = 0; i < n; ++i) t.columns.push_back(sqlite3_column_name(st, i));
  for (;;) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) throw Error(sqlite3_errmsg(sqlite3_db_handle(st)));
    std::vector<Cell> row(n);
    for (int i = 0; i < n; ++i) {
      Cell& c = row[i];
      switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER: c = {Cell::kInteger, std::to_string(sqlite3_column_int64(st, i))}; break;
        case SQLITE_FLOAT: c = {Cell::kReal, real_text(sqlite3_column_double(st, i))}; break;
        case SQLITE_TEXT:
          c = {Cell::kText, std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)),
                                        sqlite3_column_bytes(st, i))};
          break;
        case SQLITE_BLOB:
          c = {Cell::kBlob, to_hex(sqlite3_column_blob(st, i), static_cast<size_t>(sqlite3_column_bytes(st, i)))};
          break;
        default: c = {Cell::kNull, ""};
      }
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

void print_table(const ResultTable& t, OutputMode mode, FILE* out) {
  if (mode == OutputMode::kJson) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& r : t.rows) {
      nlohmann::ordered_json o = nlohmann::ordered_json::object();
      for (size_t i = 0; i < r.size(); ++i) {
        const Cell& c = r[i];
        if (c.type == Cell::kNull) o[t.columns[i]] = nullptr;
        else if (c.type == Cell::kInteger) o[t.columns[i]] = std::stoll(c.text);
        else if (c.type == Cell::kReal) o[t.columns[i]] = std::strtod(c.text.c_str(), nullptr);
        else o[t.columns[i]] = c.text;
      }
      rows.push_back(std::move(o));
    }
    std::fprintf(out, "%s\n", rows.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    return;
  }
  if (mode == OutputMode::kCsv) {
    auto field = [](const std::string& s) {
      if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
      std::string q = "\"";
      for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      return q + "\"";
    };
    for (size_t i = 0; i < t.columns.size(); ++i)
      std::fprintf(out, "%s%s", i ? "," : "", field(t.columns[i]).c_str());
    std::fprintf(out, "\n");
    for (const auto& r : t.rows) {
      for (size_t i = 0; i < r.size(); ++i) std::fprintf(out, "%s%s", i ? "," : "", field(r[i].text).c_str());
      std::fprintf(out, "\n");
    }
    return;
  }
  auto shown = [](const Cell& c) {
    if (c.type == Cell::kNull) return std::string("NULL");
    if (c.type == Cell::kBlob && c.text.size() > 2 * kBlobPreviewBytes)
      return "<blob " + std::to_string(c.text.size() / 2) + " bytes>";
    if (c.type == Cell::kBlob) return "x'" + c.text + "'";
    std::string s = c.text;
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
  };
  std::vector<size_t> width(t.columns.size());
  for (size_t i = 0; i < t.columns.size(); ++i) width[i] = display_width(t.columns[i]);
  for (const auto& r : t.rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], display_width(shown(r[i])));
  auto pad = [&](const std::string& s, size_t w, bool right) {
    std::string sp(w - std::min(w, display_width(s)), ' ');
    return right ? sp + s : s + sp;
  };
  for (size_t i = 0; i < t.columns.size(); ++i)
    std::fprintf(out, "%s%s", i ? "  " : "", pad(t.columns[i], width[i], false).c_str());
  std::fprintf(out, "\n");
  for (size_t i = 0; i < t.columns.size(); ++i)
    std::fprintf(out, "%s%s", i ? "  " : "", std::string(width[i], '-').c_str());
  std::fprintf(out, "\n");
  for (const auto& r : t.rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      bool numeric = r[i].type == Cell::kInteger || r[i].type == Cell::kReal;
      std::fprintf(out, "%s%s", i ? "  " : "", pad(shown(r[i]), width[i], numeric).c_str());
    }
    std::fprintf(out, "\n");
  }
  std::fprintf(out, "(%zu row%s)\n", t.rows.size(), t.rows.size() == 1 ? "" : "s");
}

}  // namespace hart
