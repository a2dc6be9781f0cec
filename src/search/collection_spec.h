// What a vector collection is, as its CREATE VIRTUAL TABLE arguments say, in
// sqlite-vec's syntax:
//
//   CREATE VIRTUAL TABLE items USING hart_vectors(
//     embedding float[384] distance_metric=cosine,   -- the vector column (exactly one)
//     category text, year integer, score float, ok boolean,  -- metadata: filterable
//     +notes text,                                   -- auxiliary: stored, returned, not filtered
//     seal_threshold=20000, merge_factor=8, background=0, prefilter_cap=16384, spatial=0,
//     hnsw_m=16, ef_construction=200, ef_search=64)  -- options
//
// Element types float (float32), int8, bit; metrics l2 (Euclidean), cosine (1 − cos),
// dot (1 − a·b), hamming (bit vectors only, and their only metric). Parsing trusts
// nothing: every name, number and option is checked and named in errors.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "vector/vector_value.h"

namespace hart::search {

enum class Distance { L2, Cosine, Dot, Hamming };
const char* distance_name(Distance d);  // "l2", "cosine", "dot", "hamming"

enum class ColumnKind { Text, Integer, Float, Boolean };
const char* column_kind_name(ColumnKind k);  // the SQL type declared for it

struct MetadataColumn {
  std::string name;
  ColumnKind kind = ColumnKind::Text;
  bool auxiliary = false;  // "+name": returned, never filtered on
};

struct AnnParams {
  size_t m = 16, ef_construction = 200, ef_search = 64;
};

struct CollectionSpec {
  std::string vector_column;
  vector::VectorType type = vector::VectorType::Float32;
  size_t dim = 0;
  Distance distance = Distance::L2;
  std::vector<MetadataColumn> columns;
  // The writable segment is sealed into an ANN segment when it reaches this many rows.
  size_t seal_threshold = 20000;
  // Sealed segments are merged by size tier (search/maintenance.h): when this many of
  // one tier exist they become one segment of the next. 0: only on demand ('merge').
  size_t merge_factor = 8;
  // Seal and merge on a thread of their own, off the inserting statement (file
  // databases only); 0: the insert that reaches seal_threshold does it. Opt-in: a
  // process ending while the thread builds has crashed once at exit (search/maintenance.h).
  bool background = false;
  // A filter passing fewer rows than this is applied before scoring (search/knn.h).
  size_t prefilter_cap = 16384;
  // The seeds' 3-D projections and their R*Trees (the spatial and hybrid modes): off
  // by default, since they cost about half the vectors' bytes for a poor recall.
  bool spatial = false;
  // Float and int8 collections with spatial=1 have them (bit collections never).
  bool has_spatial() const { return spatial && type != vector::VectorType::Bit; }
  AnnParams ann;

  // The options as key=value text, the form parse_collection_spec reads back.
  std::vector<std::string> to_args() const;
};

// Limits of the DDL, named in its errors.
constexpr size_t kMaxMetadataColumns = 64, kMaxSealThreshold = 10'000'000, kMinSealThreshold = 16, kMaxMergeFactor = 64;

// Reads the module arguments (each as SQLite hands it over, between the commas).
// A UsageError naming the argument and the allowed values otherwise.
CollectionSpec parse_collection_spec(const std::vector<std::string>& args);

// True when `name` is a plain SQL identifier we accept for a column or table:
// [A-Za-z_][A-Za-z0-9_]*, at most 64 bytes.
bool is_identifier(std::string_view name);

}  // namespace hart::search
