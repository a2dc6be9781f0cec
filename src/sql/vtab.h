// One virtual-table module from a C++ class, so each table writes only what is its
// own: the schema, the plan (best_index) and a cursor. The adapter owns SQLite's
// structs and turns exceptions into the table's error message ("name: what").
//
//   struct MyTable {
//     static constexpr const char* kName = "my_table";
//     static constexpr const char* kSchema = "CREATE TABLE x(a INTEGER, arg HIDDEN)";
//     static int best_index(sqlite3_index_info& info);  // may throw; may return SQLITE_CONSTRAINT
//     struct Cursor {
//       explicit Cursor(const VtabContext& ctx);
//       void filter(int plan, const char* plan_text, int argc, sqlite3_value** argv);
//       void next();
//       bool eof() const;
//       void column(sqlite3_context* ctx, int col);
//       sqlite3_int64 rowid() const;
//     };
//   };
//   sqlite3_create_module(db, "my_table", vtab_module<MyTable>(), &registration);
#pragma once
#include <exception>
#include <string>

#include "store/sqlite_api.h"

namespace hart {

// What registration hands a module (sql/register.cpp): its own data, and the
// sqlite3_vtab_config risk flag (SQLITE_VTAB_INNOCUOUS or SQLITE_VTAB_DIRECTONLY).
struct VtabRegistration {
  const void* aux = nullptr;
  int risk = 0;
};

// What a cursor may know of its table: the connection and the module's own data.
struct VtabContext {
  sqlite3* db = nullptr;
  const void* aux = nullptr;
};

// The text of a value, or "" for NULL.
inline std::string value_text(sqlite3_value* v) {
  const unsigned char* p = sqlite3_value_text(v);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_value_bytes(v))) : std::string();
}

template <class Table>
class VtabAdapter {
  struct Vtab {
    sqlite3_vtab base;
    VtabContext ctx;
  };
  struct Cursor {
    sqlite3_vtab_cursor base;
    typename Table::Cursor impl;
  };
  static typename Table::Cursor& impl(sqlite3_vtab_cursor* cur) { return reinterpret_cast<Cursor*>(cur)->impl; }

  static int fail(sqlite3_vtab* vt, const char* what) {
    sqlite3_free(vt->zErrMsg);
    vt->zErrMsg = sqlite3_mprintf("%s: %s", Table::kName, what);
    return SQLITE_ERROR;
  }
  static int connect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
    int rc = sqlite3_declare_vtab(db, Table::kSchema);
    const auto* reg = static_cast<const VtabRegistration*>(aux);
    if (rc == SQLITE_OK && reg && reg->risk) rc = sqlite3_vtab_config(db, reg->risk);
    if (rc != SQLITE_OK) return rc;
    auto* vt = new Vtab{};
    vt->ctx = {db, reg ? reg->aux : nullptr};
    *out = &vt->base;
    return SQLITE_OK;
  }
  static int disconnect(sqlite3_vtab* vt) {
    delete reinterpret_cast<Vtab*>(vt);
    return SQLITE_OK;
  }
  static int best_index(sqlite3_vtab* vt, sqlite3_index_info* info) {
    try {
      return Table::best_index(*info);
    } catch (const std::exception& e) {
      return fail(vt, e.what());
    }
  }
  static int open(sqlite3_vtab* vt, sqlite3_vtab_cursor** out) {
    try {
      *out = &(new Cursor{{}, typename Table::Cursor(reinterpret_cast<Vtab*>(vt)->ctx)})->base;
      return SQLITE_OK;
    } catch (const std::exception& e) {
      return fail(vt, e.what());
    }
  }
  static int close(sqlite3_vtab_cursor* cur) {
    delete reinterpret_cast<Cursor*>(cur);
    return SQLITE_OK;
  }
  static int filter(sqlite3_vtab_cursor* cur, int plan, const char* plan_text, int argc, sqlite3_value** argv) {
    try {
      impl(cur).filter(plan, plan_text, argc, argv);
      return SQLITE_OK;
    } catch (const std::exception& e) {
      return fail(cur->pVtab, e.what());
    }
  }
  static int next(sqlite3_vtab_cursor* cur) {
    try {
      impl(cur).next();
      return SQLITE_OK;
    } catch (const std::exception& e) {
      return fail(cur->pVtab, e.what());
    }
  }
  static int eof(sqlite3_vtab_cursor* cur) { return impl(cur).eof(); }
  static int column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
    try {
      impl(cur).column(ctx, col);
      return SQLITE_OK;
    } catch (const std::exception& e) {
      sqlite3_result_error(ctx, (std::string(Table::kName) + ": " + e.what()).c_str(), -1);
      return SQLITE_ERROR;
    }
  }
  static int rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* out) {
    *out = impl(cur).rowid();
    return SQLITE_OK;
  }

 public:
  static constexpr sqlite3_module kModule = {
      .iVersion = 0, .xCreate = nullptr, .xConnect = connect, .xBestIndex = best_index,
      .xDisconnect = disconnect, .xDestroy = nullptr, .xOpen = open, .xClose = close,
      .xFilter = filter, .xNext = next, .xEof = eof, .xColumn = column, .xRowid = rowid,
  };
};

template <class Table>
const sqlite3_module* vtab_module() {
  return &VtabAdapter<Table>::kModule;
}

}  // namespace hart
