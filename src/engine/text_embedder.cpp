#include "engine/text_embedder.h"

#include <algorithm>

#include "util/error.h"
#include "vector/text_features.h"

namespace hart {
namespace {

size_t checked_dim(size_t dim) {
  if (dim < kTextEmbedderMinDim || dim > kTextEmbedderMaxDim)
    throw UsageError("text embedder: dimension " + std::to_string(dim) + " is out of range; allowed " +
                     std::to_string(kTextEmbedderMinDim) + " to " + std::to_string(kTextEmbedderMaxDim));
  return dim;
}

}  // namespace

TextEmbedderStats build_text_embedder_stats(Database& db) {
  TextEmbedderStats stats;
  stats.df.assign(vector::kFeatureIds, 0);
  Transaction tx(db);
  {
    Stmt docs = db.prepare("SELECT text FROM atoms WHERE text IS NOT NULL");
    std::vector<uint32_t> ids;
    while (docs.step()) {
      vector::TextFeatures f = vector::text_features(docs.text_view(0));
      ids.clear();
      for (const auto* group : {&f.words, &f.chars})
        for (const vector::HashedFeature& h : *group) ids.push_back(h.id());
      // Distinct ids: two features of one document may share an id.
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      for (uint32_t id : ids) ++stats.df[id];
      ++stats.documents;
    }
  }
  db.exec("DELETE FROM text_embedder_stats");
  Stmt put = db.prepare("INSERT INTO text_embedder_stats(feature, df) VALUES(?, ?)");
  for (uint32_t id = 0; id < stats.df.size(); ++id)
    if (stats.df[id]) put.bind(1, static_cast<int64_t>(id)).bind(2, static_cast<int64_t>(stats.df[id])).run();
  Stmt corpus = db.prepare(
      "INSERT OR REPLACE INTO text_embedder_corpus(id, documents, feature_bits) VALUES(1, ?, ?) RETURNING built_at");
  corpus.bind(1, static_cast<int64_t>(stats.documents)).bind(2, static_cast<int64_t>(vector::kFeatureBits));
  if (corpus.step()) stats.built_at = corpus.text(0);
  corpus.reset();
  tx.commit();
  return stats;
}

TextEmbedderStats read_text_embedder_stats(sqlite3* db) {
  TextEmbedderStats stats;
  Stmt corpus(db, "SELECT documents, feature_bits, built_at FROM text_embedder_corpus WHERE id = 1");
  if (!corpus.step()) return stats;
  if (corpus.int64(1) != vector::kFeatureBits)
    throw Error("text_embedder_corpus: the snapshot hashes features to " + std::to_string(corpus.int64(1)) +
                " bits; this hart uses " + std::to_string(vector::kFeatureBits) +
                " (run build_text_embedder_stats again)");
  stats.documents = static_cast<uint64_t>(corpus.int64(0));
  stats.built_at = corpus.text(2);
  stats.df.assign(vector::kFeatureIds, 0);
  Stmt rows(db, "SELECT feature, df FROM text_embedder_stats");
  while (rows.step()) {
    const int64_t id = rows.int64(0);
    if (id < 0 || id >= static_cast<int64_t>(vector::kFeatureIds))
      throw Error("text_embedder_stats: feature " + std::to_string(id) + " is out of range; allowed 0 to " +
                  std::to_string(vector::kFeatureIds - 1));
    stats.df[static_cast<size_t>(id)] = static_cast<uint32_t>(std::min<int64_t>(rows.int64(1), UINT32_MAX));
  }
  return stats;
}

TextEmbedder::TextEmbedder(sqlite3* db, size_t dim) : TextEmbedder(read_text_embedder_stats(db), dim) {}

TextEmbedder::TextEmbedder(TextEmbedderStats stats, size_t dim)
    : stats_(std::move(stats)), space_(vector::Metric::Cosine, checked_dim(dim)) {}

std::vector<float> TextEmbedder::embed_text(std::string_view text) const {
  std::vector<float> out(dim());
  embed_features(vector::text_features(text), {stats_.documents, stats_.df}, out);
  return out;
}

std::vector<float> TextEmbedder::embed(std::span<const std::string> texts) {
  std::vector<float> out(texts.size() * dim());
  const vector::FeatureWeights weights{stats_.documents, stats_.df};
  for (size_t i = 0; i < texts.size(); ++i)
    vector::embed_features(vector::text_features(texts[i]), weights, std::span(out).subspan(i * dim(), dim()));
  return out;
}

}  // namespace hart
