#include "engine/atom_search.h"

#include <algorithm>
#include <cstring>

#include "engine/atom_embedder.h"
#include "engine/atom_vectors.h"
#include "search/fusion.h"
#include "store/database.h"
#include "util/error.h"
#include "vector/text_features.h"

namespace hart {
namespace {

constexpr const char* kVectorModes[] = {"auto",   "exact",       "ann",    "int8",      "binary",
                                        "spatial", "spatial_pca", "hybrid", "hybrid_pca"};
constexpr size_t kFusedDepth = 50;  // rows each list gives the fusion, at least

bool is_vector_mode(const std::string& m) {
  return std::any_of(std::begin(kVectorModes), std::end(kVectorModes), [&](const char* v) { return m == v; });
}

std::string where_clause(const std::string& where) {
  if (where.empty()) return "";
  if (where.find(';') != std::string::npos)
    throw UsageError("the filter '" + where + "' holds a ';': it is one SQL condition on modality, subtype, "
                     "source_path and created_at");
  return " AND (" + where + ")";
}

// The collection's k nearest atoms to the request's vector or text.
std::vector<AtomHit> vector_hits(sqlite3* db, const AtomSearchRequest& r, const std::string& mode, size_t k) {
  Database borrowed(db);
  const std::string table = atom_collection(r.embedder);
  {
    Stmt exists = borrowed.prepare("SELECT 1 FROM sqlite_master WHERE name = ?");
    exists.bind(1, std::string_view(table));
    if (!exists.step())
      throw UsageError("no atom vectors from the embedder '" + r.embedder + "' yet (table " + table +
                       "): run `hart embed-atoms FILE --embedder " + r.embedder + "` first");
  }
  const size_t wanted = k;
  if (r.like_atom) ++k;  // the atom itself comes back too, and is left out below
  std::string query;
  if (r.vector) {
    query = *r.vector;
  } else {
    std::vector<float> v;
    if (r.like_atom) {
      std::optional<std::vector<float>> of = embed_atom(borrowed, r.embedder, *r.like_atom);
      if (!of)
        throw UsageError("the embedder '" + r.embedder + "' does not take atom " + std::to_string(*r.like_atom) +
                         " (another modality, or no text)");
      v = std::move(*of);
    } else {
      v = make_atom_embedder(borrowed, r.embedder)->embed_words(r.text);
    }
    query.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
  Stmt st = borrowed.prepare("SELECT rowid, distance FROM \"" + table + "\" WHERE embedding MATCH ?1 AND k = ?2 AND mode = ?3" +
                             where_clause(r.where) + " ORDER BY distance");
  st.bind_blob(1, query.data(), query.size()).bind(2, static_cast<int64_t>(k)).bind(3, std::string_view(mode));
  std::vector<AtomHit> out;
  while (st.step()) {
    if (r.like_atom && st.int64(0) == *r.like_atom) continue;
    if (out.size() == wanted) break;
    out.push_back({st.int64(0), out.size() + 1, st.real(1), 1.0 - st.real(1), ""});
  }
  st.reset();
  Stmt how = borrowed.prepare("SELECT json_extract(hart_vectors_last_search(), '$.mode')");
  const std::string found_by = how.step() ? how.text(0) : mode;
  for (AtomHit& h : out) h.found_by = found_by;
  return out;
}

// BM25 over atoms_fts for any of the request's words.
std::vector<AtomHit> fts_hits(sqlite3* db, const AtomSearchRequest& r, size_t k) {
  const std::vector<std::string> words = vector::text_words(r.text);
  if (words.empty()) throw UsageError("the query '" + r.text + "' has no words to search for");
  std::string match;
  for (const std::string& w : words) match += (match.empty() ? "" : " OR ") + quote_identifier(w);
  Database borrowed(db);
  Stmt st = borrowed.prepare(
      "SELECT atoms_fts.rowid, bm25(atoms_fts) FROM atoms_fts JOIN (SELECT a.id, a.modality, a.subtype, a.created_at, " +
      atom_source_path_sql("a") + " AS source_path FROM atoms a) m ON m.id = atoms_fts.rowid WHERE atoms_fts MATCH ?1" +
      where_clause(r.where) + " ORDER BY bm25(atoms_fts) LIMIT ?2");
  st.bind(1, std::string_view(match)).bind(2, static_cast<int64_t>(k));
  std::vector<AtomHit> out;
  while (st.step()) out.push_back({st.int64(0), out.size() + 1, std::nullopt, -st.real(1), "fts"});
  return out;
}

}  // namespace

std::vector<AtomHit> search_atoms(sqlite3* db, const AtomSearchRequest& r) {
  if (r.k < 1 || r.k > kMaxSearchK)
    throw UsageError("k is " + std::to_string(r.k) + "; it must be 1.." + std::to_string(kMaxSearchK));
  if (!r.vector && !r.like_atom && r.text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw UsageError("the query is empty: give words, an atom, or a vector as a float32 BLOB");
  if (is_vector_mode(r.mode)) return vector_hits(db, r, r.mode, r.k);
  if (r.vector || r.like_atom)
    throw UsageError("mode '" + r.mode + "' searches words; a vector or atom query takes a vector mode");
  if (r.mode == "fts") return fts_hits(db, r, r.k);
  if (r.mode != "fused") {
    std::string known;
    for (const char* m : kVectorModes) known += std::string(m) + ", ";
    throw UsageError("mode '" + r.mode + "' is unknown (known: " + known + "fts, fused)");
  }
  if (!(r.fts_weight >= 0) || !(r.vector_weight >= 0) || r.fts_weight + r.vector_weight <= 0)
    throw UsageError("the fusion weights must be 0 or more, not both 0");
  const size_t depth = std::max(r.k, kFusedDepth);
  const std::vector<AtomHit> words = fts_hits(db, r, depth), meaning = vector_hits(db, r, "auto", depth);
  search::RankedList lists[2];
  lists[0].weight = r.fts_weight;
  lists[1].weight = r.vector_weight;
  for (const AtomHit& h : words) lists[0].ids.push_back(h.atom_id);
  for (const AtomHit& h : meaning) lists[1].ids.push_back(h.atom_id);
  const std::vector<search::Fused> fused = search::reciprocal_rank_fusion(lists);
  std::vector<AtomHit> out;
  for (const search::Fused& f : fused) {
    if (out.size() == r.k) break;
    auto v = std::find_if(meaning.begin(), meaning.end(), [&](const AtomHit& h) { return h.atom_id == f.id; });
    out.push_back({f.id, out.size() + 1, v == meaning.end() ? std::nullopt : v->distance, f.score, "fused"});
  }
  return out;
}

}  // namespace hart
