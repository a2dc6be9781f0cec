// The parsers of vector collections' untrusted input, chosen by the first byte:
//   0  the CREATE VIRTUAL TABLE ... USING hart_vectors(...) arguments (split on commas,
//      as SQLite hands them over); what parses must print back to arguments that
//      parse to the same collection
//   1  a vector as JSON text, 2 as a BLOB (each element type); what parses must have
//      the stated size and, for float32, finite values
//   3  a stored 3-D projection
// Anything else they do must be a hart::Error.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "search/collection_spec.h"
#include "util/error.h"
#include "vector/projection.h"
#include "vector/vector_value.h"

using namespace hart;

namespace {

void ddl(const std::string& text) {
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == ',') {
      args.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  search::CollectionSpec spec;
  try {
    spec = search::parse_collection_spec(args);
  } catch (const Error&) {
    return;
  }
  const search::CollectionSpec again = search::parse_collection_spec(spec.to_args());
  if (again.vector_column != spec.vector_column || again.dim != spec.dim || again.type != spec.type ||
      again.distance != spec.distance || again.columns.size() != spec.columns.size() ||
      again.seal_threshold != spec.seal_threshold || again.prefilter_cap != spec.prefilter_cap || again.spatial != spec.spatial ||
      again.ann.m != spec.ann.m || again.ann.ef_search != spec.ann.ef_search)
    std::abort();
  if (spec.dim < 1 || spec.dim > vector::kMaxVectorDim) std::abort();
}

void value(const uint8_t* data, size_t size, bool json) {
  if (size < 1) return;
  const auto type = static_cast<vector::VectorType>(1 + data[0] % 3);
  vector::VectorValue v;
  try {
    v = json ? vector::vector_from_json({reinterpret_cast<const char*>(data + 1), size - 1}, type, 0, "fuzz")
             : vector::vector_from_blob({data + 1, size - 1}, type, 0, "fuzz");
  } catch (const Error&) {
    return;
  }
  if (v.bytes.size() != vector::vector_bytes(type, v.dim) || v.dim == 0 || v.dim > vector::kMaxVectorDim) std::abort();
  for (float x : v.to_floats())
    if (!std::isfinite(x)) std::abort();
  vector::vector_to_json(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t* rest = data + 1;
  const size_t n = size - 1;
  switch (data[0] % 4) {
    case 0: ddl(std::string(reinterpret_cast<const char*>(rest), n)); break;
    case 1: value(rest, n, true); break;
    case 2: value(rest, n, false); break;
    case 3:
      try {
        const vector::Projection3 p = vector::Projection3::from_bytes({rest, n}, n >= 8 ? (rest[4] | rest[5] << 8) : 4);
        std::vector<float> x(p.dim(), 0.25f);
        p.project(x.data());
      } catch (const Error&) {
      }
      break;
  }
  return 0;
}
