#include "engine/atom_vectors.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>

#include "engine/atom_embedder.h"
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
  if (!st.step()) {
    std::string builtin;
    for (const AtomEmbedderName& b : builtin_atom_embedders())
      builtin += std::string(builtin.empty() ? "'" : ", '") + b.name + "'";
    throw UsageError("no embedder '" + name + "': use " + builtin +
                     " (built in) or the name of a stored BERT-family model (see `hart models`)");
  }
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
  std::shared_ptr<AtomEmbedder> embedder = make_atom_embedder(db, options.embedder);
  const std::string& table = report.collection;
  const size_t dim = embedder->dim();
  if (dim == 0) return report;  // stored features: no atom has any yet
  if (table_exists(db, table)) {
    Stmt held = db.prepare("SELECT count(*) FROM \"" + table + "_rows\"");
    held.step();
    report.already = static_cast<size_t>(held.int64(0));
  } else {
    db.exec("CREATE VIRTUAL TABLE \"" + table + "\" USING hart_vectors(embedding float[" + std::to_string(dim) +
            "] distance_metric=cosine, " + kMetadataColumns + ")");
  }
  // Atoms this embedder takes that the collection lacks, oldest first.
  const std::string wanted = " FROM atoms a WHERE " + embedder->takes_sql() + " AND a.id NOT IN (SELECT rowid FROM \"" +
                             table + "_rows\")" + (options.modality.empty() ? std::string() : " AND a.modality = ?1");
  // Progress in the unit the embedder's cost follows (bytes of text, or atoms).
  Stmt count = db.prepare("SELECT count(*), coalesce(sum(" + embedder->cost_sql() + "), 0)" + wanted);
  if (!options.modality.empty()) count.bind(1, std::string_view(options.modality));
  count.step();
  ProgressTask task(progress, "embedding " + std::to_string(count.int64(0)) + " atoms into " + table,
                    static_cast<uint64_t>(count.int64(1)));
  count.reset();

  // A cursor on the id: an atom the embedder fails on stays out of the collection
  // and must not be read again in this run.
  Stmt next = db.prepare("SELECT " + atom_input_columns_sql() + ", a.created_at, " + atom_source_path_sql("a") + ", " +
                         embedder->cost_sql() + wanted + " AND a.id > ?2 ORDER BY a.id LIMIT " +
                         std::to_string(options.batch));
  Stmt insert = db.prepare("INSERT INTO \"" + table +
                           "\"(rowid, embedding, modality, subtype, source_path, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  int64_t after = 0;
  for (;;) {
    struct Row {
      std::string created_at;
      std::optional<std::string> source;
      int64_t cost;
    };
    std::vector<AtomInput> atoms;
    std::vector<Row> rows;
    next.reset();
    if (!options.modality.empty()) next.bind(1, std::string_view(options.modality));
    next.bind(2, after);
    while (next.step()) {
      atoms.push_back(read_atom_input(next, 0));
      rows.push_back({next.text(5), next.is_null(6) ? std::nullopt : std::optional<std::string>(next.text(6)),
                      next.is_null(7) ? 0 : next.int64(7)});
    }
    next.reset();
    if (atoms.empty()) break;
    after = atoms.back().id;
    std::vector<std::string> errors;
    const std::vector<float> vectors = embedder->embed(atoms, errors);
    Transaction txn(db);
    uint64_t cost = 0;
    for (size_t i = 0; i < atoms.size(); ++i) {
      cost += static_cast<uint64_t>(rows[i].cost);
      if (!errors[i].empty()) {
        ++report.failed;
        if (report.failures.size() < kMaxReportedFailures)
          report.failures.push_back({atoms[i].id, rows[i].source.value_or(""), errors[i]});
        continue;
      }
      insert.bind(1, atoms[i].id).bind_blob(2, vectors.data() + i * dim, dim * sizeof(float));
      insert.bind(3, std::string_view(atoms[i].modality)).bind(4, std::string_view(atoms[i].subtype));
      if (rows[i].source) insert.bind(5, std::string_view(*rows[i].source));
      else insert.bind_null(5);
      insert.bind(6, std::string_view(rows[i].created_at)).run();
      ++report.embedded;
    }
    txn.commit();
    task.advance(cost);
  }
  task.finish();
  return report;
}

}  // namespace hart
