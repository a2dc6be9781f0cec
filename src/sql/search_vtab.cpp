// hart_search (alias search): atoms found by meaning, by words, or both
// (engine/atom_search.h), as a table joinable with `atoms`:
//
//   SELECT s.rank, s.score, s.found_by, atom_text(s.atom_id)
//     FROM search('how do stars form', 5, 'fused') AS s;
//   SELECT * FROM search(hvec_f32('[...]'), 10, 'ann', 'text', 'modality = ''image''');
//
// Arguments, in order (hidden columns): query (words, or a float32 vector BLOB), k
// (default 10), mode (default auto), embedder (default text), filter (an SQL
// condition on modality, subtype, source_path, created_at), weights ('fts,vector' for
// the fused mode, default '1,1'). All are equality constraints the plan takes as argv.
//
// atom_features(atom_id, embedder) is the atom as that embedder embeds it (a float32
// BLOB; NULL when the embedder does not take it: another modality), the query for
// "more like this atom" — the only query the image and audio embedders take:
//
//   SELECT * FROM search(atom_features(7, 'image'), 5, 'exact', 'image') WHERE atom_id != 7;
#include <cstdlib>
#include <string>

#include "engine/atom_embedder.h"
#include "engine/atom_search.h"
#include "store/database.h"
#include "sql/surface.h"
#include "sql/vtab.h"
#include "util/error.h"

namespace hart {
namespace {

struct SearchTable {
  static constexpr const char* kName = "hart_search";
  static constexpr const char* kSchema =
      "CREATE TABLE x(atom_id INTEGER, rank INTEGER, distance REAL, score REAL, found_by TEXT,"
      " query HIDDEN, k HIDDEN, mode HIDDEN, embedder HIDDEN, filter HIDDEN, weights HIDDEN)";
  enum Column { kAtomId, kRank, kDistance, kScore, kFoundBy, kQuery, kK, kMode, kEmbedder, kFilter, kWeights };

  // idxNum: bit (column - kQuery) set for each argument given, argv in column order.
  static int best_index(sqlite3_index_info& info) {
    int slot[6] = {-1, -1, -1, -1, -1, -1};
    for (int i = 0; i < info.nConstraint; ++i) {
      const auto& c = info.aConstraint[i];
      if (c.iColumn >= kQuery && c.op == SQLITE_INDEX_CONSTRAINT_EQ) {
        if (!c.usable) return SQLITE_CONSTRAINT;  // an argument must be known before the search runs
        slot[c.iColumn - kQuery] = i;
      }
    }
    if (slot[0] < 0) return SQLITE_CONSTRAINT;  // no query: not a plan
    int argc = 0;
    info.idxNum = 0;
    for (int a = 0; a < 6; ++a)
      if (slot[a] >= 0) {
        info.aConstraintUsage[slot[a]].argvIndex = ++argc;
        info.aConstraintUsage[slot[a]].omit = 1;
        info.idxNum |= 1 << a;
      }
    info.estimatedCost = 100;
    info.estimatedRows = 10;
    return SQLITE_OK;
  }

  class Cursor {
   public:
    explicit Cursor(const VtabContext& ctx) : db_(ctx.db) {}
    void filter(int plan, const char*, int, sqlite3_value** argv) {
      AtomSearchRequest r;
      sqlite3_value* args[6] = {};
      for (int a = 0, n = 0; a < 6; ++a)
        if (plan & (1 << a)) args[a] = argv[n++];
      if (sqlite3_value_type(args[0]) == SQLITE_BLOB)
        r.vector = std::string(static_cast<const char*>(sqlite3_value_blob(args[0])),
                               static_cast<size_t>(sqlite3_value_bytes(args[0])));
      else
        r.text = value_text(args[0]);
      if (args[1]) {
        if (sqlite3_value_type(args[1]) != SQLITE_INTEGER || sqlite3_value_int64(args[1]) < 1)
          throw UsageError("k must be an integer in 1.." + std::to_string(kMaxSearchK) + "; received '" +
                           value_text(args[1]) + "'");
        r.k = static_cast<size_t>(sqlite3_value_int64(args[1]));
      }
      if (args[2]) r.mode = value_text(args[2]);
      if (args[3]) r.embedder = value_text(args[3]);
      if (args[4]) r.where = value_text(args[4]);
      if (args[5]) {
        const std::string w = value_text(args[5]);
        char* end = nullptr;
        r.fts_weight = std::strtod(w.c_str(), &end);
        if (!end || *end != ',') throw UsageError("weights '" + w + "' should read 'fts,vector', e.g. '1,2'");
        char* last = nullptr;
        r.vector_weight = std::strtod(end + 1, &last);
        if (!last || *last) throw UsageError("weights '" + w + "' should read 'fts,vector', e.g. '1,2'");
      }
      hits_ = search_atoms(db_, r);
      at_ = 0;
    }
    void next() { ++at_; }
    bool eof() const { return at_ >= hits_.size(); }
    sqlite3_int64 rowid() const { return static_cast<sqlite3_int64>(at_ + 1); }
    void column(sqlite3_context* ctx, int col) {
      const AtomHit& h = hits_[at_];
      switch (col) {
        case kAtomId: sqlite3_result_int64(ctx, h.atom_id); break;
        case kRank: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(h.rank)); break;
        case kDistance:
          if (h.distance) sqlite3_result_double(ctx, *h.distance);
          break;
        case kScore: sqlite3_result_double(ctx, h.score); break;
        case kFoundBy: sqlite3_result_text(ctx, h.found_by.c_str(), -1, SQLITE_TRANSIENT); break;
        default: break;  // the arguments read back as NULL
      }
    }

   private:
    sqlite3* db_;
    std::vector<AtomHit> hits_;
    size_t at_ = 0;
  };
};

}  // namespace

void atom_features_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  try {
    if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER)
      throw UsageError("the atom id must be an integer; received '" + value_text(argv[0]) + "'");
    Database borrowed(sqlite3_context_db_handle(ctx));
    const std::optional<std::vector<float>> v =
        embed_atom(borrowed, value_text(argv[1]), static_cast<int64_t>(sqlite3_value_int64(argv[0])));
    if (!v) return sqlite3_result_null(ctx);
    sqlite3_result_blob(ctx, v->data(), static_cast<int>(v->size() * sizeof(float)), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string("atom_features: ") + e.what()).c_str(), -1);
  }
}

const sqlite3_module* search_module() { return vtab_module<SearchTable>(); }

}  // namespace hart
