// SQL over content atoms (schema version 4).
//
//   SELECT atom_text(id) FROM atoms WHERE modality = 'text' AND subtype = 'passage';
//   -- a PDF's text: its pages' text joined by form feeds
//   SELECT length(atom_payload(id)) FROM atoms WHERE id = 1;    -- bytes, reassembled
//   SELECT * FROM atom_children(1);      -- direct parts: members, passages, ...
//   SELECT * FROM atom_parts(1);         -- everything atom 1 is made of, any depth
//   SELECT * FROM atom_wholes(42);       -- everything atom 42 is part of, any depth
//   SELECT atom_gc();                    -- remove atoms nothing uses; returns how many
//
// The table functions share one schema: atom_id, via_id (the neighbour it was reached
// through: its parent in atom_children/atom_parts, its child in atom_wholes),
// relation, ordinal, label, depth (1 = direct), and the hidden argument root.
// The root argument is required (no rows without it). atom_parts and atom_wholes
// list each relation reachable from the root once, at the depth its nearer end is
// first reached (breadth first, each atom followed once): a part shared along
// several paths, or a cycle a client wrote, ends the walk instead of repeating it.
#include "sql/surface.h"

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/atoms.h"
#include "store/database.h"
#include "sql/vtab.h"
#include "store/atom_names.h"

namespace hart {

void atom_text_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  try {
    sqlite3* db = sqlite3_context_db_handle(ctx);
    Stmt s(db, "SELECT text, modality FROM atoms WHERE id = ?");
    s.bind(1, static_cast<int64_t>(sqlite3_value_int64(argv[0])));
    if (!s.step()) return sqlite3_result_null(ctx);
    if (!s.is_null(0)) {
      std::string t = s.text(0);
      return sqlite3_result_text(ctx, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
    }
    std::string text;
    if (s.text(1) == modality::kDocument) {
      // A paged document's text is its pages' (stored once, on the page atoms).
      Stmt pages(db,
                 std::string("SELECT a.text FROM atom_relations r JOIN atoms a ON a.id = r.child_id"
                             " WHERE r.parent_id = ? AND r.relation = '") +
                     relation::kPage + "' ORDER BY r.ordinal");
      pages.bind(1, static_cast<int64_t>(sqlite3_value_int64(argv[0])));
      bool any = false;
      while (pages.step()) {
        if (any) text += "\f";
        text += pages.text(0);
        any = true;
      }
      if (!any) return sqlite3_result_null(ctx);
    } else if (s.text(1) == modality::kText) {
      // A UTF-8 text file's text is its payload (not stored twice).
      read_atom_payload(db, sqlite3_value_int64(argv[0]), [&](const void* p, size_t n) {
        text.append(static_cast<const char*>(p), n);
      });
    } else {
      return sqlite3_result_null(ctx);
    }
    sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string("atom_text: ") + e.what()).c_str(), -1);
  }
}

void atom_payload_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  try {
    sqlite3* db = sqlite3_context_db_handle(ctx);
    int64_t id = sqlite3_value_int64(argv[0]);
    Stmt size(db, "SELECT size, modality FROM atoms WHERE id = ?");
    size.bind(1, id);
    if (!size.step() || size.text(1) == modality::kTensor) return sqlite3_result_null(ctx);  // a model: hart export
    int64_t limit = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
    if (size.int64(0) > limit)
      return sqlite3_result_error(ctx, ("atom_payload: atom " + std::to_string(id) + " is " + std::to_string(size.int64(0)) +
                                        " bytes, more than SQLite's BLOB limit; read its chunks through atom_chunks")
                                           .c_str(), -1);
    std::string bytes;
    bytes.reserve(static_cast<size_t>(size.int64(0)));
    read_atom_payload(db, id, [&](const void* p, size_t n) { bytes.append(static_cast<const char*>(p), n); });
    sqlite3_result_blob64(ctx, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string("atom_payload: ") + e.what()).c_str(), -1);
  }
}

void atom_gc_fn(sqlite3_context* ctx, int, sqlite3_value**) {
  try {
    sqlite3_result_int64(ctx, collect_unused_atoms(sqlite3_context_db_handle(ctx)));
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string("atom_gc: ") + e.what()).c_str(), -1);
  }
}

// ---- table-valued functions over atom_relations ----

namespace {

enum Col { kAtomId, kViaId, kRelation, kOrdinal, kLabel, kDepth, kRoot };

// The relations leaving one level of the walk (a JSON array of atom ids), in output order.
// `down` follows parent -> child; otherwise child -> parent.
std::string level_sql(bool down) {
  std::string from = down ? "parent_id" : "child_id", to = down ? "child_id" : "parent_id";
  return "SELECT " + to + ", " + from + ", relation, ordinal, label FROM atom_relations"
         " WHERE " + from + " IN (SELECT value FROM json_each(?1)) ORDER BY " + from + ", relation, ordinal, " + to;
}

}  // namespace

struct AtomGraphWalk {
  std::string sql;  // level_sql
  bool one_level;   // atom_children
};

namespace {

// The three tables share one schema and cursor; the aux data is their walk.
struct AtomGraphTable {
  static constexpr const char* kName = "atom graph";
  static constexpr const char* kSchema =
      "CREATE TABLE x(atom_id INTEGER, via_id INTEGER, relation TEXT, ordinal INTEGER, label TEXT,"
      " depth INTEGER, root HIDDEN)";

  static int best_index(sqlite3_index_info& info) {
    info.idxNum = 0;
    for (int i = 0; i < info.nConstraint; ++i) {
      const auto& c = info.aConstraint[i];
      if (c.usable && c.op == SQLITE_INDEX_CONSTRAINT_EQ && c.iColumn == kRoot) {
        info.aConstraintUsage[i].argvIndex = 1;
        info.aConstraintUsage[i].omit = 1;
        info.idxNum = 1;
        info.estimatedCost = 10;
        return SQLITE_OK;
      }
    }
    info.estimatedCost = 1e12;  // no root: no rows; steer the planner to give one
    return SQLITE_OK;
  }

  class Cursor {
   public:
    explicit Cursor(const VtabContext& ctx) : db_(ctx.db), walk_(static_cast<const AtomGraphWalk*>(ctx.aux)) {}
    void filter(int plan, const char*, int, sqlite3_value** argv) {
      rowid_ = 0;
      depth_ = 0;
      rows_.reset();
      visited_.clear();
      frontier_.clear();
      eof_ = true;
      if (!(plan & 1)) return;
      root_ = sqlite3_value_int64(argv[0]);
      visited_.insert(root_);
      frontier_.push_back(root_);
      eof_ = !step_or_descend();
    }
    void next() {
      eof_ = !step_or_descend();
      rowid_++;
    }
    bool eof() const { return eof_; }
    void column(sqlite3_context* ctx, int col) {
      if (col == kRoot) sqlite3_result_int64(ctx, root_);
      else if (col == kDepth) sqlite3_result_int64(ctx, depth_);
      else sqlite3_result_value(ctx, sqlite3_column_value(rows_->raw(), col));
    }
    sqlite3_int64 rowid() const { return rowid_; }

   private:
    // The next relation of this level, or of the next level down that has one.
    bool step_or_descend() {
      for (;;) {
        if (rows_ && rows_->step()) {
          int64_t reached = rows_->int64(kAtomId);
          if (visited_.insert(reached).second) frontier_.push_back(reached);
          return true;
        }
        rows_.reset();
        if (frontier_.empty() || (walk_->one_level && depth_ == 1)) return false;
        nlohmann::json ids(frontier_);
        frontier_.clear();
        rows_ = std::make_unique<Stmt>(db_, walk_->sql);
        rows_->bind(1, ids.dump());
        ++depth_;
      }
    }

    sqlite3* db_;
    const AtomGraphWalk* walk_;
    std::unique_ptr<Stmt> rows_;  // the current level's relations
    std::unordered_set<int64_t> visited_;
    std::vector<int64_t> frontier_;  // atoms first reached on the current level
    bool eof_ = true;
    int64_t root_ = 0, rowid_ = 0, depth_ = 0;
  };
};

const AtomGraphWalk kChildren{level_sql(true), true};
const AtomGraphWalk kParts{level_sql(true), false};
const AtomGraphWalk kWholes{level_sql(false), false};

}  // namespace

const sqlite3_module* atom_graph_module() { return vtab_module<AtomGraphTable>(); }

const AtomGraphWalk* atom_graph_walk(AtomGraph which) {
  switch (which) {
    case AtomGraph::kChildren: return &kChildren;
    case AtomGraph::kParts: return &kParts;
    case AtomGraph::kWholes: return &kWholes;
  }
  return &kChildren;
}

}  // namespace hart
