#include "engine/atom_vectors.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <mutex>

#include "engine/model_embedder.h"
#include "engine/text_embedder.h"
#include "store/atom_names.h"
#include "util/error.h"

namespace hart {
namespace {

// The columns a collection of atoms' vectors has besides its vector.
constexpr const char* kMetadataColumns = "modality text, subtype text, source_path text, created_at text";

bool table_exists(Database& db, const std::string& name) {
  Stmt st = db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?");
  st.bind(1, std::string_view(name));
  return st.step();
}

}  // namespace

std::string atom_collection(const std::string& embedder) {
  std::string out = "atom_vectors_";
  for (char c : embedder) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  return out;
}

std::string atom_source_path_sql(const std::string& alias) {
  return "coalesce((SELECT s.path FROM sources s WHERE s.atom_id = " + alias +
         ".id), (SELECT s.path FROM atom_relations r JOIN sources s ON s.atom_id = r.parent_id WHERE r.child_id = " +
         alias + ".id))";
}

std::shared_ptr<vector::Embedder> make_embedder(Database& db, const std::string& name) {
  if (name == kBuiltinTextEmbedder) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<vector::Embedder>> cache;
    std::string key = db.file_path();
    if (key.empty()) key = "memory:" + std::to_string(reinterpret_cast<uintptr_t>(db.handle()));
    Stmt built = db.prepare("SELECT built_at FROM text_embedder_corpus WHERE id = 1");
    key += '\n' + (built.step() ? built.text(0) : std::string());
    std::lock_guard lock(mutex);
    auto& cached = cache[key];
    if (!cached) cached = std::make_shared<TextEmbedder>(db.handle());
    return cached;
  }
  Stmt st = db.prepare("SELECT architecture FROM models WHERE name = ?");
  st.bind(1, std::string_view(name));
  if (!st.step())
    throw UsageError("no embedder '" + name + "': use '" + kBuiltinTextEmbedder +
                     "' (built in) or the name of a stored BERT-family model (see `hart models`)");
  return std::make_shared<ModelEmbedder>(db.handle(), name);
}

EmbedAtomsReport embed_atoms(Database& db, const EmbedAtomsOptions& options, ProgressSink* progress) {
  if (options.batch < 1 || options.batch > 100000)
    throw UsageError("batch is " + std::to_string(options.batch) + "; it must be 1..100000");
  if (!options.modality.empty() &&
      std::none_of(std::begin(modality::kAll), std::end(modality::kAll), [&](const char* m) { return options.modality == m; })) {
    std::string known;
    for (const char* m : modality::kAll) known += std::string(known.empty() ? "" : ", ") + m;
    throw UsageError("modality '" + options.modality + "' is unknown (known: " + known + ")");
  }
  EmbedAtomsReport report;
  report.collection = atom_collection(options.embedder);
  // The built-in embedder weighs features by the database's own document frequencies:
  // take them first if they were never taken.
  if (options.embedder == kBuiltinTextEmbedder && read_text_embedder_stats(db.handle()).df.empty()) {
    build_text_embedder_stats(db);
    report.stats_built = true;
  }
  std::shared_ptr<vector::Embedder> embedder = make_embedder(db, options.embedder);
  const std::string& table = report.collection;
  if (!table_exists(db, table))
    db.exec("CREATE VIRTUAL TABLE \"" + table + "\" USING hart_vectors(embedding float[" +
            std::to_string(embedder->dim()) + "] distance_metric=cosine, " + kMetadataColumns + ")");

  // Atoms with text this collection lacks, oldest first; a passage's source is its file's.
  const std::string wanted =
      " FROM atoms a WHERE a.text IS NOT NULL AND a.id NOT IN (SELECT rowid FROM \"" + table + "_rows\")" +
      (options.modality.empty() ? std::string() : " AND a.modality = ?1");
  {
    Stmt held = db.prepare("SELECT count(*) FROM \"" + table + "_rows\"");
    held.step();
    report.already = static_cast<size_t>(held.int64(0));
  }
  // Progress in bytes of text, the unit the embedders' cost follows.
  Stmt count = db.prepare("SELECT count(*), coalesce(sum(length(CAST(a.text AS BLOB))), 0)" + wanted);
  if (!options.modality.empty()) count.bind(1, std::string_view(options.modality));
  count.step();
  ProgressTask task(progress, "embedding " + std::to_string(count.int64(0)) + " atoms' text into " + table,
                    static_cast<uint64_t>(count.int64(1)));
  count.reset();

  Stmt next = db.prepare(
      "SELECT a.id, a.text, a.modality, a.subtype, a.created_at, " + atom_source_path_sql("a") + wanted + " ORDER BY a.id LIMIT " + std::to_string(options.batch));
  Stmt insert = db.prepare("INSERT INTO \"" + table +
                           "\"(rowid, embedding, modality, subtype, source_path, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  for (;;) {
    struct Row {
      int64_t id;
      std::string modality, subtype, created_at, source;
      bool has_source;
    };
    std::vector<Row> rows;
    std::vector<std::string> texts;
    next.reset();
    if (!options.modality.empty()) next.bind(1, std::string_view(options.modality));
    while (next.step()) {
      rows.push_back({next.int64(0), next.text(2), next.text(3), next.text(4), next.text(5), !next.is_null(5)});
      texts.push_back(next.text(1));
    }
    next.reset();
    if (rows.empty()) break;
    const std::vector<float> vectors = embedder->embed(texts);
    const size_t dim = embedder->dim();
    Transaction txn(db);
    for (size_t i = 0; i < rows.size(); ++i) {
      insert.bind(1, rows[i].id).bind_blob(2, vectors.data() + i * dim, dim * sizeof(float));
      insert.bind(3, std::string_view(rows[i].modality)).bind(4, std::string_view(rows[i].subtype));
      if (rows[i].has_source) insert.bind(5, std::string_view(rows[i].source));
      else insert.bind_null(5);
      insert.bind(6, std::string_view(rows[i].created_at)).run();
    }
    txn.commit();
    report.embedded += rows.size();
    size_t bytes = 0;
    for (const std::string& t : texts) bytes += t.size();
    task.advance(bytes);
  }
  task.finish();
  return report;
}

}  // namespace hart
