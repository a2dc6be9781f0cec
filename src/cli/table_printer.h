// Prints query results for people (aligned columns), spreadsheets (CSV, RFC 4180)
// or programs (a JSON array of objects).
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "store/sqlite_api.h"

namespace hart {

enum class OutputMode { kTable, kCsv, kJson };

struct Cell {
  enum Type { kNull, kInteger, kReal, kText, kBlob } type = kNull;
  std::string text;  // display text; blobs as hex
};

struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

// Steps `stmt` to completion, collecting every row.
ResultTable collect(sqlite3_stmt* stmt);
void print_table(const ResultTable& t, OutputMode mode, FILE* out);

}  // namespace hart
