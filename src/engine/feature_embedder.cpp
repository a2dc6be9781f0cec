#include "engine/feature_embedder.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "store/atom_names.h"
#include "util/error.h"

namespace hart {
namespace {

// An SQL string literal.
std::string literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

FeatureEmbedder::FeatureEmbedder(Database& db, std::string name, std::string modality, std::string key)
    : db_(db), name_(std::move(name)), modality_(std::move(modality)), key_(std::move(key)) {}

std::string FeatureEmbedder::path() const {
  return std::string("$.") + feature::kMetadataKey + "." + key_;
}

std::string FeatureEmbedder::takes_sql() const {
  // Pieces of another atom (a thumbnail, a patch, a second of audio) have no features
  // of their own unless they were extracted as pictures (a GIF's frames).
  return "(a.modality = " + literal(modality_) + " AND (json_type(a.metadata, " + literal(path()) +
         ") IS NOT NULL OR a.subtype NOT IN ('" + subtype::kThumbnail + "', '" + subtype::kPatch + "', '" +
         subtype::kFrame + "')))";
}

size_t FeatureEmbedder::dim() {
  if (dim_ != 0) return dim_;
  Stmt st = db_.prepare("SELECT json_array_length(a.metadata, ?1) FROM atoms a WHERE a.modality = ?2 AND "
                        "json_type(a.metadata, ?1) = 'array' ORDER BY a.id LIMIT 1");
  st.bind(1, std::string_view(path())).bind(2, std::string_view(modality_));
  if (st.step()) dim_ = static_cast<size_t>(st.int64(0));
  return dim_;
}

std::string FeatureEmbedder::read(const AtomInput& atom, float* out) {
  const nlohmann::json meta = nlohmann::json::parse(atom.metadata, nullptr, false);
  if (meta.is_discarded() || !meta.is_object()) return "its metadata is not a JSON object";
  const auto features = meta.find(feature::kMetadataKey);
  const bool has = features != meta.end() && features->is_object() && features->contains(key_);
  if (!has) {
    if (meta.value("extracted", true) == false)
      return "not decoded at ingest (" + meta.value("note", std::string("format not read")) + ")";
    return "no " + key_ + " features in its metadata: it was ingested before they were computed (`hart rm-source` "
           "and ingest the file again)";
  }
  const nlohmann::json& values = (*features)[key_];
  if (!values.is_array() || values.size() != dim())
    return key_ + " features of " + std::to_string(values.is_array() ? values.size() : 0) + " values; " +
           std::to_string(dim()) + " expected";
  bool any = false;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i].is_number() || !std::isfinite(values[i].get<double>()))
      return key_ + " feature " + std::to_string(i) + " is not a finite number";
    out[i] = values[i].get<float>();
    any = any || out[i] != 0;
  }
  if (!any) return "its " + key_ + " features are all zero (silence, or a flat picture): nothing to compare";
  return "";
}

std::vector<float> FeatureEmbedder::embed(std::span<const AtomInput> atoms, std::vector<std::string>& errors) {
  const size_t d = dim();
  std::vector<float> out(atoms.size() * d, 0.0f);
  errors.assign(atoms.size(), "");
  for (size_t i = 0; i < atoms.size(); ++i) errors[i] = read(atoms[i], out.data() + i * d);
  return out;
}

std::vector<float> FeatureEmbedder::embed_words(const std::string&) {
  throw UsageError("the embedder '" + name_ + "' compares " + modality_ +
                   " atoms with one another, not with words: give an atom (`hart search --like-atom ID`, or in SQL "
                   "search(atom_features(ID, '" + name_ + "'), k, 'auto', '" + name_ + "')); words find " + modality_ +
                   " atoms through their text (the 'text' embedder, or --mode fts)");
}

}  // namespace hart
