// Retrieval quality of full-text search (FTS5 BM25 over atoms_fts), the built-in text
// embedder (engine/text_embedder.h, exact cosine search with vector::ExactIndex) and
// their reciprocal rank fusion, on a labelled set written by make_retrieval_set.py:
// passages.tsv (id, title, text) and queries.tsv (id, answer passage id, text), each
// query with exactly one relevant passage.
//
//   hart-retrieval-quality --set DIR [--dim 384] [--db FILE]
//
// The passages become text/passage atoms of a new database (through AtomStore, so the
// FTS triggers index them), the embedder's statistics are built from them, and every
// query is answered three ways. Printed: recall@1/5/10 (the answer among the first k)
// and MRR (1/rank of the answer within the first 100, else 0), as a Markdown table.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/text_embedder.h"
#include "store/atom_store.h"
#include "store/database.h"
#include "util/error.h"
#include "vector/exact_index.h"
#include "vector/text_features.h"

namespace {

using namespace hart;
constexpr size_t kDepth = 100;  // ranks looked at for MRR and fusion
constexpr double kRrfK = 60;    // Cormack, Clarke & Buettcher (2009)

struct Row {
  std::vector<std::string> fields;
};

std::vector<Row> read_tsv(const std::string& path, size_t n_fields) {
  std::ifstream in(path);
  if (!in) throw UsageError(path + ": cannot be read; write the set with bench/make_retrieval_set.py");
  std::vector<Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    Row r;
    size_t start = 0;
    for (size_t i = 0; i + 1 < n_fields; ++i) {
      size_t tab = line.find('\t', start);
      if (tab == std::string::npos) throw Error(path + ": a line has fewer than " + std::to_string(n_fields) + " fields");
      r.fields.push_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    r.fields.push_back(line.substr(start));
    rows.push_back(std::move(r));
  }
  return rows;
}

// The query's words as an FTS5 OR-query of quoted terms (no syntax from the text survives).
std::string fts_query(const std::string& text) {
  std::string q;
  for (const std::string& w : vector::text_words(text)) q += (q.empty() ? "\"" : " OR \"") + w + "\"";
  return q;
}

struct Metrics {
  double hits1 = 0, hits5 = 0, hits10 = 0, rr = 0;
  void add(const std::vector<int64_t>& ranked, int64_t answer) {
    for (size_t i = 0; i < ranked.size() && i < kDepth; ++i)
      if (ranked[i] == answer) {
        hits1 += i < 1;
        hits5 += i < 5;
        hits10 += i < 10;
        rr += 1.0 / static_cast<double>(i + 1);
        return;
      }
  }
};

std::vector<int64_t> fuse(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::unordered_map<int64_t, double> score;
  for (const auto* list : {&a, &b})
    for (size_t i = 0; i < list->size(); ++i) score[(*list)[i]] += 1.0 / (kRrfK + static_cast<double>(i + 1));
  std::vector<std::pair<double, int64_t>> order;
  for (const auto& [id, s] : score) order.push_back({-s, id});
  std::sort(order.begin(), order.end());
  std::vector<int64_t> out;
  for (const auto& [s, id] : order) out.push_back(id);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Recall@k and MRR of BM25, the built-in text embedder and their fusion"};
  std::string set_dir, db_path;
  size_t dim = kTextEmbedderDefaultDim;
  app.add_option("--set", set_dir, "Folder with passages.tsv and queries.tsv")->required();
  app.add_option("--dim", dim, "Embedder dimension")->capture_default_str();
  app.add_option("--db", db_path, "Database file to create (default: a temporary one, removed after)");
  CLI11_PARSE(app, argc, argv);
  try {
    const std::vector<Row> passages = read_tsv(set_dir + "/passages.tsv", 3);
    const std::vector<Row> queries = read_tsv(set_dir + "/queries.tsv", 3);
    const bool temporary = db_path.empty();
    if (temporary) db_path = (std::filesystem::temp_directory_path() / ("hart-retrieval-" + std::to_string(getpid()) + ".db")).string();
    std::map<std::string, int64_t> atom_of;  // passage id -> atom id
    auto t0 = std::chrono::steady_clock::now();
    Database db(db_path, Database::Mode::kCreate);
    {
      Transaction tx(db);
      AtomStore atoms(db);
      for (const Row& p : passages) atom_of[p.fields[0]] = atoms.put_text(p.fields[2], {"text", "passage", "text/plain"}).id;
      tx.commit();
    }
    auto t1 = std::chrono::steady_clock::now();
    build_text_embedder_stats(db);
    TextEmbedder embedder(db.handle(), dim);
    vector::ExactIndex index(embedder.space());
    std::vector<int64_t> added;  // identical passages are one atom, indexed once
    for (const Row& p : passages) {
      const int64_t id = atom_of[p.fields[0]];
      if (std::find(added.begin(), added.end(), id) != added.end()) continue;
      added.push_back(id);
      index.add(id, embedder.embed_text(p.fields[2]));
    }
    auto t2 = std::chrono::steady_clock::now();

    Metrics bm25, dense, fused;
    Stmt search = db.prepare("SELECT rowid FROM atoms_fts WHERE atoms_fts MATCH ? ORDER BY bm25(atoms_fts) LIMIT 100");
    for (const Row& q : queries) {
      const int64_t answer = atom_of.at(q.fields[1]);
      std::vector<int64_t> lexical, semantic;
      const std::string match = fts_query(q.fields[2]);
      if (!match.empty()) {
        search.bind(1, match);
        while (search.step()) lexical.push_back(search.int64(0));
        search.reset();
      }
      for (const vector::Neighbor& n : index.search(embedder.embed_text(q.fields[2]), kDepth)) semantic.push_back(n.id);
      bm25.add(lexical, answer);
      dense.add(semantic, answer);
      fused.add(fuse(lexical, semantic), answer);
    }
    auto t3 = std::chrono::steady_clock::now();
    const double n = static_cast<double>(queries.size());
    auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::printf("%zu passages, %zu queries; insert + FTS index %.2f s, stats + embed %.2f s, queries %.2f s\n\n",
                passages.size(), queries.size(), secs(t0, t1), secs(t1, t2), secs(t2, t3));
    std::printf("| method | recall@1 | recall@5 | recall@10 | MRR |\n|---|---:|---:|---:|---:|\n");
    auto row = [&](const char* name, const Metrics& m) {
      std::printf("| %s | %.3f | %.3f | %.3f | %.3f |\n", name, m.hits1 / n, m.hits5 / n, m.hits10 / n, m.rr / n);
    };
    row("BM25 (FTS5)", bm25);
    row(("text embedder, " + std::to_string(dim) + " dims, exact cosine").c_str(), dense);
    row("RRF (k = 60) of both", fused);
    if (temporary) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart-retrieval-quality: %s\n", e.what());
    return 1;
  }
  return 0;
}
