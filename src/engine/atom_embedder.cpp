#include "engine/atom_embedder.h"

#include <algorithm>
#include <iterator>

#include "engine/atom_vectors.h"
#include "engine/feature_embedder.h"
#include "store/atom_names.h"
#include "util/error.h"
#include "vector/embedder.h"

namespace hart {
namespace {

// A vector::Embedder of texts (the built-in text embedder, a stored model) as an
// embedder of atoms: it takes the atoms with text and embeds that text.
class TextAtomEmbedder : public AtomEmbedder {
 public:
  explicit TextAtomEmbedder(std::shared_ptr<vector::Embedder> texts) : texts_(std::move(texts)) {}
  size_t dim() override { return texts_->dim(); }
  std::string takes_sql() const override { return "a.text IS NOT NULL"; }
  std::string cost_sql() const override { return "length(CAST(a.text AS BLOB))"; }
  std::vector<float> embed(std::span<const AtomInput> atoms, std::vector<std::string>& errors) override {
    std::vector<std::string> texts;
    texts.reserve(atoms.size());
    for (const AtomInput& a : atoms) texts.push_back(a.text.value_or(""));
    errors.assign(atoms.size(), "");
    return texts_->embed(texts);
  }
  std::vector<float> embed_words(const std::string& words) override {
    return texts_->embed(std::vector<std::string>{words});
  }

 private:
  std::shared_ptr<vector::Embedder> texts_;
};

// Feature embedders: what ingestion stores for a modality, under which key.
struct StoredFeatures {
  AtomEmbedderName name;
  const char* modality;
  const char* key;
};

constexpr StoredFeatures kStoredFeatures[] = {
    {{"image", "pictures by colour, edges and layout (features stored at ingest)"}, modality::kImage, feature::kImage},
    {{"audio", "recordings by MFCC statistics (features stored at ingest)"}, modality::kAudio, feature::kAudio},
};

constexpr AtomEmbedderName kBuiltin[] = {
    {kBuiltinTextEmbedder, "atoms' text: hashed words and character 5-grams, TF-IDF (no weights)"},
    kStoredFeatures[0].name,
    kStoredFeatures[1].name,
};
static_assert(std::size(kBuiltin) == 1 + std::size(kStoredFeatures));

}  // namespace

std::span<const AtomEmbedderName> builtin_atom_embedders() { return kBuiltin; }

std::shared_ptr<AtomEmbedder> make_atom_embedder(Database& db, const std::string& name) {
  for (const StoredFeatures& f : kStoredFeatures)
    if (name == f.name.name) return std::make_shared<FeatureEmbedder>(db, name, f.modality, f.key);
  return std::make_shared<TextAtomEmbedder>(make_embedder(db, name));
}

std::string atom_input_columns_sql() { return "a.id, a.modality, a.subtype, a.text, a.metadata"; }

AtomInput read_atom_input(Stmt& st, int c) {
  AtomInput a;
  a.id = st.int64(c);
  a.modality = st.text(c + 1);
  a.subtype = st.text(c + 2);
  if (!st.is_null(c + 3)) a.text = st.text(c + 3);
  a.metadata = st.is_null(c + 4) ? "{}" : st.text(c + 4);
  return a;
}

std::optional<std::vector<float>> embed_atom(Database& db, const std::string& name, int64_t atom_id) {
  std::shared_ptr<AtomEmbedder> embedder = make_atom_embedder(db, name);
  Stmt st = db.prepare("SELECT " + atom_input_columns_sql() + ", (" + embedder->takes_sql() +
                       ") FROM atoms a WHERE a.id = ?");
  st.bind(1, atom_id);
  if (!st.step()) throw UsageError("there is no atom " + std::to_string(atom_id));
  if (st.int64(5) == 0) return std::nullopt;
  const AtomInput atom = read_atom_input(st, 0);
  std::vector<std::string> errors;
  std::vector<float> v = embedder->embed(std::span<const AtomInput>(&atom, 1), errors);
  if (!errors[0].empty())
    throw UsageError("the embedder '" + name + "' cannot embed atom " + std::to_string(atom_id) + ": " + errors[0]);
  return v;
}

}  // namespace hart
