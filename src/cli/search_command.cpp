// hart search FILE "words" [-k 10] [--mode auto|exact|ann|...|fts|fused] [--where COND]
// [--embedder NAME] — atoms ranked by meaning, words or both (engine/atom_search.h),
// printed with where they came from and the start of their text.
// hart search FILE --like-atom ID --embedder image — the atoms most like atom ID as
// that embedder sees them (ID itself left out); --like-file PATH: like the atom an
// ingested file became.
#include <cstdio>
#include <filesystem>

#include "cli/command.h"
#include "engine/atom_search.h"
#include "engine/atom_vectors.h"
#include "util/error.h"

namespace hart {
namespace {

constexpr size_t kSnippetChars = 120;

// The first `n` characters of `text` on one line (white space runs as one space),
// cut on a UTF-8 character boundary.
std::string snippet(const std::string& text, size_t n) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < text.size() && out.size() < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c);
  }
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  return out;
}

// The atom a file was ingested as (its `sources` row, by absolute or canonical path).
int64_t ingested_atom(Database& db, const std::string& file) {
  std::error_code ec;
  for (const std::filesystem::path& p : {std::filesystem::absolute(file, ec).lexically_normal(),
                                         std::filesystem::weakly_canonical(file, ec)}) {
    Stmt st = db.prepare("SELECT atom_id FROM sources WHERE path = ? AND atom_id IS NOT NULL");
    st.bind(1, std::string_view(p.string()));
    if (st.step()) return st.int64(0);
  }
  throw UsageError(file + " was not ingested into this database: `hart ingest` it first (features are computed "
                   "at ingest), or give --like-atom ID");
}

struct SearchCommand : Command {
  AtomSearchRequest request;
  int64_t like_atom = -1;
  std::string like_file;
  OutputFlags output;

  int run() override {
    const int queries = !request.text.empty() + (like_atom >= 0) + !like_file.empty();
    if (queries != 1) throw UsageError("give one query: QUERY (words), --like-atom ID or --like-file PATH");
    auto db = open_database(db_path);
    if (like_atom >= 0) request.like_atom = like_atom;
    if (!like_file.empty()) request.like_atom = ingested_atom(*db, like_file);
    const std::vector<AtomHit> hits = search_atoms(db->handle(), request);
    Stmt about = db->prepare("SELECT a.modality, a.subtype, " + atom_source_path_sql("a") +
                             ", atom_text(a.id) FROM atoms a WHERE a.id = ?");
    ResultTable table;
    table.columns = {"rank", "score", "found_by", "atom", "modality", "source", "text"};
    for (const AtomHit& h : hits) {
      about.reset();
      about.bind(1, h.atom_id);
      const bool found = about.step();
      char score[32];
      std::snprintf(score, sizeof score, "%.4f", h.score);
      auto text = [](const std::string& s) { return Cell{s.empty() ? Cell::kNull : Cell::kText, s}; };
      table.rows.push_back({Cell{Cell::kInteger, std::to_string(h.rank)}, Cell{Cell::kReal, score}, text(h.found_by),
                            Cell{Cell::kInteger, std::to_string(h.atom_id)}, text(found ? about.text(0) : ""),
                            text(found ? about.text(2) : ""), text(found ? snippet(about.text(3), kSnippetChars) : "")});
    }
    print_table(table, output.mode(), stdout);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> search_command(CLI::App& parent) {
  auto c = std::make_unique<SearchCommand>();
  c->declare(parent, "search", "Find atoms by meaning (vectors), by words (BM25) or both (fused)").with_file();
  c->app->add_option("QUERY", c->request.text, "What to look for, in words (or give --like-atom or --like-file)");
  c->app->add_option("--like-atom", c->like_atom, "Find atoms like this atom (its id), as the embedder sees it")
      ->check(CLI::NonNegativeNumber);
  c->app->add_option("--like-file", c->like_file, "Find atoms like this file's atom (a file ingested into FILE)");
  add_integer_option<size_t>(c->app, "-k", c->request.k, "How many results", 1, kMaxSearchK);
  c->app->add_option("--mode", c->request.mode,
                     "auto, exact, ann, int8, binary, spatial, spatial_pca, hybrid, hybrid_pca, fts or fused")
      ->capture_default_str();
  c->app->add_option("--where", c->request.where,
                     "An SQL condition on modality, subtype, source_path, created_at, e.g. \"modality = 'image'\"");
  c->app->add_option("--embedder", c->request.embedder,
                     "'text', 'image', 'audio' (built in; image and audio take --like-atom or --like-file) "
                     "or a stored BERT-family model")
      ->capture_default_str();
  c->output.add_to(c->app);
  return c;
}

}  // namespace hart
