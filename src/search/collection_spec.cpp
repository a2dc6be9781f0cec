#include "search/collection_spec.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "util/error.h"

namespace hart::search {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

size_t parse_count(std::string_view text, size_t lo, size_t hi, const std::string& what) {
  size_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v < lo || v > hi)
    throw UsageError(what + " is '" + std::string(text) + "'; expected an integer in " + std::to_string(lo) + ".." +
                     std::to_string(hi));
  return v;
}

Distance parse_distance(std::string_view name) {
  const std::string n = lower(name);
  if (n == "l2") return Distance::L2;
  if (n == "cosine") return Distance::Cosine;
  if (n == "dot" || n == "ip") return Distance::Dot;
  if (n == "hamming") return Distance::Hamming;
  throw UsageError("distance_metric '" + std::string(name) + "' is unknown (known: l2, cosine, dot, hamming)");
}

// "float[384]" → type and dimension; nullopt-like false when the word is not a vector type.
bool parse_vector_decl(std::string_view word, CollectionSpec& spec, const std::string& column) {
  const size_t open = word.find('[');
  if (open == std::string_view::npos) return false;
  if (word.back() != ']')
    throw UsageError("column '" + column + "': '" + std::string(word) + "' should read type[dimensions], e.g. float[384]");
  spec.type = vector::parse_vector_type(lower(word.substr(0, open)));
  spec.dim = parse_count(word.substr(open + 1, word.size() - open - 2), 1, vector::kMaxVectorDim,
                         "column '" + column + "': the dimension");
  if (spec.type == vector::VectorType::Bit && spec.dim % 8)
    throw UsageError("column '" + column + "': a bit vector's dimension is a multiple of 8; received " +
                     std::to_string(spec.dim));
  return true;
}

ColumnKind parse_column_kind(std::string_view type, const std::string& column) {
  const std::string t = lower(type);
  if (t == "text") return ColumnKind::Text;
  if (t == "integer" || t == "int") return ColumnKind::Integer;
  if (t == "float" || t == "real" || t == "double") return ColumnKind::Float;
  if (t == "boolean" || t == "bool") return ColumnKind::Boolean;
  throw UsageError("column '" + column + "': type '" + std::string(type) +
                   "' is not a metadata type (text, integer, float, boolean) nor a vector type such as float[384]");
}

bool parse_switch(std::string_view value, const std::string& key) {
  const std::string v = lower(value);
  if (v == "1" || v == "on" || v == "true") return true;
  if (v == "0" || v == "off" || v == "false") return false;
  throw UsageError(key + " is '" + std::string(value) + "'; expected 1 or 0 (on/off, true/false)");
}

void set_option(CollectionSpec& spec, std::string_view key_in, std::string_view value) {
  const std::string key = lower(key_in);
  if (key == "seal_threshold") spec.seal_threshold = parse_count(value, kMinSealThreshold, kMaxSealThreshold, key);
  else if (key == "spatial") spec.spatial = parse_switch(value, key);
  else if (key == "background") spec.background = parse_switch(value, key);
  else if (key == "merge_factor") {
    spec.merge_factor = parse_count(value, 0, kMaxMergeFactor, key);
    if (spec.merge_factor == 1) throw UsageError("merge_factor is '1'; expected 0 (never merge by itself) or 2.." + std::to_string(kMaxMergeFactor));
  } else if (key == "prefilter_cap") spec.prefilter_cap = parse_count(value, 0, kMaxSealThreshold, key);
  else if (key == "hnsw_m") spec.ann.m = parse_count(value, 2, 256, key);
  else if (key == "ef_construction") spec.ann.ef_construction = parse_count(value, 1, 100000, key);
  else if (key == "ef_search") spec.ann.ef_search = parse_count(value, 1, 100000, key);
  else
    throw UsageError("option '" + std::string(key_in) +
                     "' is unknown (known: seal_threshold, merge_factor, background, prefilter_cap, spatial, hnsw_m, "
                     "ef_construction, ef_search)");
}

}  // namespace

const char* distance_name(Distance d) {
  switch (d) {
    case Distance::L2: return "l2";
    case Distance::Cosine: return "cosine";
    case Distance::Dot: return "dot";
    case Distance::Hamming: return "hamming";
  }
  return "?";
}

const char* column_kind_name(ColumnKind k) {
  switch (k) {
    case ColumnKind::Text: return "text";
    case ColumnKind::Integer: return "integer";
    case ColumnKind::Float: return "float";
    case ColumnKind::Boolean: return "boolean";
  }
  return "?";
}

bool is_identifier(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

CollectionSpec parse_collection_spec(const std::vector<std::string>& args) {
  CollectionSpec spec;
  bool have_vector = false, metric_given = false;
  std::set<std::string> names;
  // Names the table itself uses (hidden columns, rowid).
  for (const char* taken : {"rowid", "oid", "_rowid_", "distance", "k", "mode", "ef_search", "oversample"}) names.insert(taken);
  for (const std::string& arg : args) {
    const std::vector<std::string> w = words(arg);
    if (w.empty()) throw UsageError("an empty argument in the column list");
    if (w.size() == 1 && w[0].find('=') != std::string::npos) {
      const size_t eq = w[0].find('=');
      set_option(spec, w[0].substr(0, eq), w[0].substr(eq + 1));
      continue;
    }
    std::string name = w[0];
    const bool auxiliary = !name.empty() && name[0] == '+';
    if (auxiliary) name.erase(0, 1);
    if (!is_identifier(name))
      throw UsageError("'" + name + "' is not a column name (letters, digits and _, not starting with a digit, at most 64)");
    if (!names.insert(lower(name)).second)
      throw UsageError("column '" + name + "' is declared twice or is a name the table uses itself (rowid, distance, k, mode, ef_search, oversample)");
    if (w.size() < 2) throw UsageError("column '" + name + "' has no type");
    if (parse_vector_decl(w[1], spec, name)) {
      if (have_vector) throw UsageError("a second vector column '" + name + "': a collection has one vector column");
      if (auxiliary) throw UsageError("the vector column '" + name + "' cannot be auxiliary (+)");
      have_vector = true;
      spec.vector_column = name;
      for (size_t i = 2; i < w.size(); ++i) {
        const size_t eq = w[i].find('=');
        if (eq == std::string::npos || lower(w[i].substr(0, eq)) != "distance_metric")
          throw UsageError("column '" + name + "': '" + w[i] + "' is not understood (expected distance_metric=...)");
        spec.distance = parse_distance(w[i].substr(eq + 1));
        metric_given = true;
      }
      continue;
    }
    if (w.size() > 2)
      throw UsageError("column '" + name + "': '" + w[2] + "' is not understood (metadata columns are 'name type')");
    if (spec.columns.size() == kMaxMetadataColumns)
      throw UsageError("more than " + std::to_string(kMaxMetadataColumns) + " metadata columns");
    spec.columns.push_back({name, parse_column_kind(w[1], name), auxiliary});
  }
  if (!have_vector) throw UsageError("no vector column: declare one such as 'embedding float[384]'");
  const bool bits = spec.type == vector::VectorType::Bit;
  if (bits && !metric_given) spec.distance = Distance::Hamming;
  if (bits != (spec.distance == Distance::Hamming))
    throw UsageError(std::string("column '") + spec.vector_column + "': " +
                     (bits ? "bit vectors are compared by hamming distance only"
                           : "hamming distance is for bit vectors; use l2, cosine or dot"));
  return spec;
}

std::vector<std::string> CollectionSpec::to_args() const {
  std::vector<std::string> out;
  out.push_back(vector_column + " " + vector::vector_type_name(type) + "[" + std::to_string(dim) +
                "] distance_metric=" + distance_name(distance));
  for (const MetadataColumn& c : columns) out.push_back((c.auxiliary ? "+" : "") + c.name + " " + column_kind_name(c.kind));
  out.push_back("seal_threshold=" + std::to_string(seal_threshold));
  out.push_back("merge_factor=" + std::to_string(merge_factor));
  out.push_back(std::string("background=") + (background ? "1" : "0"));
  out.push_back("prefilter_cap=" + std::to_string(prefilter_cap));
  out.push_back(std::string("spatial=") + (spatial ? "1" : "0"));
  out.push_back("hnsw_m=" + std::to_string(ann.m));
  out.push_back("ef_construction=" + std::to_string(ann.ef_construction));
  out.push_back("ef_search=" + std::to_string(ann.ef_search));
  return out;
}

}  // namespace hart::search
