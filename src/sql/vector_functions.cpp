// Vector functions: sqlite-vec's scalar functions under our prefix (hvec_ for its vec_),
// so both extensions load side by side in one process, plus two aggregates and the
// seeds' cognitive activation bands. A vector argument is a float32 BLOB, a BLOB our
// functions marked int8 or bit (a subtype, sql/vector_arg.h) or a JSON array; vectors
// produced carry their type the same way.
//
//   SELECT hvec_distance_cosine(embedding, hvec_f32('[0.1, 0.2, 0.3]')) FROM docs;
//   SELECT hvec_to_json(hvec_int8('[1, -2]'));                 -- '[1,-2]'
//   SELECT hvec_distance_hamming(hvec_quantize_binary(a), hvec_quantize_binary(b));
//   SELECT hvec_avg(embedding) FROM docs GROUP BY topic;       -- float32 centroids
//   SELECT hvec_activation(embedding, :query) FROM docs;       -- 'VERY_HIGH' .. 'LOW', NULL
//
// What each function takes and returns, and the rules for NULLs, mixed arguments and
// errors: README.md, "Vector functions". float32 distances run on the dispatched
// kernels (vector/distance.h); int8 ones on the same kernels over the values as floats.
#include "sql/surface.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sql/vector_arg.h"
#include "util/error.h"
#include "vector/distance.h"
#include "vector/quantize.h"

namespace hart {
namespace {

using vector::VectorType;
using vector::VectorValue;

const char* sql_type_name(sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: return "an integer";
    case SQLITE_FLOAT: return "a real";
    case SQLITE_TEXT: return "text";
    case SQLITE_BLOB: return "a BLOB";
    default: return "NULL";
  }
}

// Runs `body`; an exception becomes the function's error, "fn: what went wrong".
template <class Body>
void run(sqlite3_context* ctx, const char* fn, Body&& body) {
  try {
    body();
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(ctx);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string(fn) + ": " + e.what()).c_str(), -1);
  }
}

// A scalar function: NULL when any argument is NULL, as SQL's own functions.
template <class Body>
void scalar(sqlite3_context* ctx, int argc, sqlite3_value** argv, const char* fn, Body&& body) {
  for (int i = 0; i < argc; ++i)
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  run(ctx, fn, std::forward<Body>(body));
}

// A finite number (INTEGER or REAL); `what` names the argument.
double number_arg(sqlite3_value* v, const std::string& what) {
  const int t = sqlite3_value_type(v);
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT)
    throw UsageError(what + " is a number; received " + sql_type_name(v));
  const double x = sqlite3_value_double(v);
  if (!std::isfinite(x)) throw UsageError(what + " is " + (std::isnan(x) ? "NaN" : "infinite") + "; it must be finite");
  return x;
}

int64_t integer_arg(sqlite3_value* v, const std::string& what) {
  if (sqlite3_value_type(v) != SQLITE_INTEGER) throw UsageError(what + " is an integer; received " + sql_type_name(v));
  return sqlite3_value_int64(v);
}

// An error unless `v` is of one of the `allowed` types.
void require_type(const VectorValue& v, std::initializer_list<VectorType> allowed, const char* arg) {
  if (std::find(allowed.begin(), allowed.end(), v.type) != allowed.end()) return;
  std::string list;
  for (VectorType t : allowed) list += std::string(list.empty() ? "" : " or ") + vector::vector_type_name(t);
  throw UsageError(std::string("argument ") + arg + (v.type == VectorType::Int8 ? " is an " : " is a ") +
                   vector::vector_type_name(v.type) + " vector; allowed: " + list);
}

// The two vectors of a binary function: one type and one dimension.
std::pair<VectorValue, VectorValue> vector_pair(sqlite3_value** argv) {
  const VectorType type = vector_subtype(argv[0]).value_or(vector_subtype(argv[1]).value_or(VectorType::Float32));
  VectorValue a = vector_arg(argv[0], type, 0, "argument a");
  VectorValue b = vector_arg(argv[1], type, a.dim, "argument b");
  return {std::move(a), std::move(b)};
}

// A float32 result, refused when an element overflowed.
VectorValue float_result(std::span<const float> xs) {
  for (size_t i = 0; i < xs.size(); ++i)
    if (!std::isfinite(xs[i]))
      throw UsageError("result element " + std::to_string(i) + " overflows float32");
  return vector::float_vector(xs);
}

const vector::DistanceKernels& kernels() {
  static const vector::DistanceKernels& k = vector::distance_kernels(vector::best_kernel());
  return k;
}

// cos(a, b) in [-1, 1]; 0 when either is a zero vector.
double cosine_similarity(const std::vector<float>& a, const std::vector<float>& b) {
  const auto& k = kernels();
  const double aa = k.dot(a.data(), a.data(), a.size()), bb = k.dot(b.data(), b.data(), b.size());
  if (aa == 0 || bb == 0) return 0;
  return std::clamp(k.dot(a.data(), b.data(), a.size()) / (std::sqrt(aa) * std::sqrt(bb)), -1.0, 1.0);
}

enum class Distance { L2, Cosine, Dot, L1, Hamming };

double distance(Distance d, const VectorValue& a, const VectorValue& b) {
  if (d == Distance::Hamming) {
    require_type(a, {VectorType::Bit}, "a");
    return static_cast<double>(vector::hamming(a.bytes.data(), b.bytes.data(), a.bytes.size()));
  }
  require_type(a, {VectorType::Float32, VectorType::Int8}, "a");
  const std::vector<float> x = a.to_floats(), y = b.to_floats();
  const size_t n = x.size();
  switch (d) {
    case Distance::L2: return std::sqrt(kernels().l2_squared(x.data(), y.data(), n));
    case Distance::Cosine: return 1.0 - cosine_similarity(x, y);
    case Distance::Dot: return 1.0 - kernels().dot(x.data(), y.data(), n);
    case Distance::L1: {
      double sum = 0;
      for (size_t i = 0; i < n; ++i) sum += std::fabs(static_cast<double>(x[i]) - y[i]);
      return sum;
    }
    case Distance::Hamming: break;
  }
  return 0;
}

void distance_fn(sqlite3_context* ctx, sqlite3_value** argv, const char* fn, Distance d) {
  scalar(ctx, 2, argv, fn, [&] {
    auto [a, b] = vector_pair(argv);
    const double r = distance(d, a, b);
    if (d == Distance::Hamming) return sqlite3_result_int64(ctx, static_cast<int64_t>(r));  // a count of bits
    sqlite3_result_double(ctx, r);
  });
}

// hvec_f32 / hvec_int8 / hvec_bit: the vector read as that type, marked with it.
void mark_fn(sqlite3_context* ctx, sqlite3_value** argv, const char* fn, VectorType type) {
  scalar(ctx, 1, argv, fn, [&] { result_vector(ctx, vector_arg(argv[0], type, 0, "argument v")); });
}

// a + sign * b, element by element.
void combine_fn(sqlite3_context* ctx, sqlite3_value** argv, const char* fn, int sign) {
  scalar(ctx, 2, argv, fn, [&] {
    auto [a, b] = vector_pair(argv);
    require_type(a, {VectorType::Float32, VectorType::Int8}, "a");
    const std::vector<float> x = a.to_floats(), y = b.to_floats();
    if (a.type == VectorType::Float32) {
      std::vector<float> r(x.size());
      for (size_t i = 0; i < x.size(); ++i) r[i] = x[i] + static_cast<float>(sign) * y[i];
      return result_vector(ctx, float_result(r));
    }
    VectorValue r{VectorType::Int8, a.dim, std::vector<uint8_t>(a.dim)};
    for (size_t i = 0; i < x.size(); ++i) {
      const int s = static_cast<int>(x[i]) + sign * static_cast<int>(y[i]);
      if (s < -128 || s > 127)
        throw UsageError("result element " + std::to_string(i) + " (" + std::to_string(s) +
                         ") is outside int8's range -128..127");
      r.bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(s));
    }
    result_vector(ctx, r);
  });
}

// The seeds' cognitive activation bands (seeds, "Cognitive Query Activation"): the
// similarity strictly above each threshold; NULL at 0.80 and below.
const char* activation_band(double similarity) {
  if (similarity > 0.95) return "VERY_HIGH";
  if (similarity > 0.90) return "HIGH";
  if (similarity > 0.85) return "MEDIUM";
  if (similarity > 0.80) return "LOW";
  return nullptr;
}

void result_band(sqlite3_context* ctx, double similarity) {
  if (const char* band = activation_band(similarity)) return sqlite3_result_text(ctx, band, -1, SQLITE_STATIC);
  sqlite3_result_null(ctx);
}

// The running sums of hvec_avg and hvec_weighted_avg, owned through the aggregate
// context (a pointer there) and freed by the final call, which SQLite always makes.
struct Mean {
  std::vector<double> sum;  // weighted, per element; empty until the first vector
  VectorType type = VectorType::Float32;
  double weight = 0;
  int64_t rows = 0;  // rows stepped, NULLs included: errors name the row
};

Mean* mean_state(sqlite3_context* ctx) {
  auto** slot = static_cast<Mean**>(sqlite3_aggregate_context(ctx, sizeof(Mean*)));
  if (!slot) throw std::bad_alloc();
  if (!*slot) *slot = new Mean;
  return *slot;
}

void mean_step(sqlite3_context* ctx, sqlite3_value* v, sqlite3_value* w, const char* fn) {
  run(ctx, fn, [&] {
    Mean& m = *mean_state(ctx);
    const std::string row = "row " + std::to_string(++m.rows);
    if (sqlite3_value_type(v) == SQLITE_NULL || (w && sqlite3_value_type(w) == SQLITE_NULL)) return;
    const double weight = w ? number_arg(w, "argument w (" + row + ")") : 1.0;
    if (weight < 0) throw UsageError("argument w (" + row + ") is " + vector::number_text(weight) + "; weights are >= 0");
    const VectorValue x = m.sum.empty() ? vector_arg(v, "argument v (" + row + ")")
                                        : vector_arg(v, m.type, m.sum.size(), "argument v (" + row + ")");
    require_type(x, {VectorType::Float32, VectorType::Int8}, "v");
    if (m.sum.empty()) {
      m.sum.assign(x.dim, 0.0);
      m.type = x.type;
    }
    const std::vector<float> xs = x.to_floats();
    for (size_t i = 0; i < xs.size(); ++i) m.sum[i] += weight * xs[i];
    m.weight += weight;
  });
}

void mean_final(sqlite3_context* ctx, const char* fn) {
  auto** slot = static_cast<Mean**>(sqlite3_aggregate_context(ctx, 0));
  std::unique_ptr<Mean> m(slot ? *slot : nullptr);
  if (slot) *slot = nullptr;
  if (!m || m->sum.empty()) return sqlite3_result_null(ctx);  // no rows, or only NULLs
  run(ctx, fn, [&] {
    if (m->weight == 0) throw UsageError("the weights sum to 0; the average is undefined");
    std::vector<float> out(m->sum.size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(m->sum[i] / m->weight);
    result_vector(ctx, float_result(out));
  });
}

}  // namespace

void hvec_f32_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  mark_fn(ctx, argv, "hvec_f32", VectorType::Float32);
}
void hvec_int8_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  mark_fn(ctx, argv, "hvec_int8", VectorType::Int8);
}
void hvec_bit_fn(sqlite3_context* ctx, int, sqlite3_value** argv) { mark_fn(ctx, argv, "hvec_bit", VectorType::Bit); }

void hvec_to_json_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  scalar(ctx, 1, argv, "hvec_to_json", [&] {
    const std::string json = vector::vector_to_json(vector_arg(argv[0], "argument v"));
    sqlite3_result_text(ctx, json.data(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
  });
}

void hvec_length_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  scalar(ctx, 1, argv, "hvec_length", [&] {
    sqlite3_result_int64(ctx, static_cast<int64_t>(vector_arg(argv[0], "argument v").dim));
  });
}

void hvec_type_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  scalar(ctx, 1, argv, "hvec_type", [&] {
    sqlite3_result_text(ctx, vector::vector_type_name(vector_arg(argv[0], "argument v").type), -1, SQLITE_STATIC);
  });
}

void hvec_distance_l2_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  distance_fn(ctx, argv, "hvec_distance_l2", Distance::L2);
}
void hvec_distance_cosine_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  distance_fn(ctx, argv, "hvec_distance_cosine", Distance::Cosine);
}
void hvec_distance_dot_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  distance_fn(ctx, argv, "hvec_distance_dot", Distance::Dot);
}
void hvec_distance_l1_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  distance_fn(ctx, argv, "hvec_distance_l1", Distance::L1);
}
void hvec_distance_hamming_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  distance_fn(ctx, argv, "hvec_distance_hamming", Distance::Hamming);
}

void hvec_normalize_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  scalar(ctx, 1, argv, "hvec_normalize", [&] {
    const VectorValue v = vector_arg(argv[0], "argument v");
    require_type(v, {VectorType::Float32}, "v");
    std::vector<float> xs = v.to_floats();
    const double norm = std::sqrt(kernels().dot(xs.data(), xs.data(), xs.size()));
    if (norm == 0) throw UsageError("argument v is a zero vector, which has no direction to keep");
    for (float& x : xs) x = static_cast<float>(x / norm);
    result_vector(ctx, float_result(xs));
  });
}

void hvec_add_fn(sqlite3_context* ctx, int, sqlite3_value** argv) { combine_fn(ctx, argv, "hvec_add", 1); }
void hvec_sub_fn(sqlite3_context* ctx, int, sqlite3_value** argv) { combine_fn(ctx, argv, "hvec_sub", -1); }

void hvec_scale_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  scalar(ctx, 2, argv, "hvec_scale", [&] {
    const VectorValue v = vector_arg(argv[0], "argument v");
    require_type(v, {VectorType::Float32}, "v");
    const double s = number_arg(argv[1], "argument s (the scale)");
    std::vector<float> xs = v.to_floats();
    for (float& x : xs) x = static_cast<float>(x * s);
    result_vector(ctx, float_result(xs));
  });
}

// Elements [start, end) as sqlite-vec slices: 0 <= start < end <= dimension; a bit
// vector's bounds are multiples of 8.
void hvec_slice_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  scalar(ctx, 3, argv, "hvec_slice", [&] {
    const VectorValue v = vector_arg(argv[0], "argument v");
    const int64_t start = integer_arg(argv[1], "argument start"), end = integer_arg(argv[2], "argument end");
    const auto dim = static_cast<int64_t>(v.dim);
    if (start < 0 || start >= dim)
      throw UsageError("argument start is " + std::to_string(start) + "; allowed: 0.." + std::to_string(dim - 1) +
                       " (the vector has " + std::to_string(dim) + " dimensions)");
    if (end <= start || end > dim)
      throw UsageError("argument end is " + std::to_string(end) + "; allowed: " + std::to_string(start + 1) + ".." +
                       std::to_string(dim) + " (after start, at most the dimension; end is exclusive)");
    if (v.type == VectorType::Bit && (start % 8 || end % 8))
      throw UsageError("a bit vector is sliced on whole bytes: start and end are multiples of 8; received " +
                       std::to_string(start) + " and " + std::to_string(end));
    const size_t from = vector::vector_bytes(v.type, static_cast<size_t>(start));
    const size_t to = vector::vector_bytes(v.type, static_cast<size_t>(end));
    result_vector(ctx, VectorValue{v.type, static_cast<size_t>(end - start),
                                   std::vector<uint8_t>(v.bytes.begin() + from, v.bytes.begin() + to)});
  });
}

// Sign bits: 1 for an element above 0, else 0 (sqlite-vec's rule).
void hvec_quantize_binary_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  scalar(ctx, 1, argv, "hvec_quantize_binary", [&] {
    const VectorValue v = vector_arg(argv[0], "argument v");
    require_type(v, {VectorType::Float32, VectorType::Int8}, "v");
    if (v.dim % 8)
      throw UsageError("argument v has " + std::to_string(v.dim) +
                       " dimensions; a bit vector needs a multiple of 8");
    const std::vector<float> xs = v.to_floats();
    VectorValue out{VectorType::Bit, v.dim, std::vector<uint8_t>(v.dim / 8)};
    for (size_t i = 0; i < xs.size(); ++i)
      if (xs[i] > 0) out.bytes[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
    result_vector(ctx, out);
  });
}

// 'unit': elements in [-1, 1] mapped onto -128..127 as sqlite-vec maps them,
// (x + 1) * 127.5 - 128 truncated toward zero.
void hvec_quantize_int8_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  scalar(ctx, 2, argv, "hvec_quantize_int8", [&] {
    const VectorValue v = vector_arg(argv[0], "argument v");
    require_type(v, {VectorType::Float32}, "v");
    const bool text = sqlite3_value_type(argv[1]) == SQLITE_TEXT;
    const auto* chars = text ? reinterpret_cast<const char*>(sqlite3_value_text(argv[1])) : nullptr;
    const std::string method = chars ? chars : "";
    if (method != "unit")
      throw UsageError("argument method is " + (text ? "'" + method + "'" : std::string(sql_type_name(argv[1]))) +
                       "; allowed: 'unit' (elements in -1..1)");
    const std::vector<float> xs = v.to_floats();
    VectorValue out{VectorType::Int8, v.dim, std::vector<uint8_t>(v.dim)};
    for (size_t i = 0; i < xs.size(); ++i) {
      if (xs[i] < -1 || xs[i] > 1)
        throw UsageError("element " + std::to_string(i) + " of argument v is " + vector::number_text(xs[i]) +
                         "; 'unit' quantizes elements in -1..1");
      out.bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(std::trunc((xs[i] + 1.0) * 127.5 - 128.0)));
    }
    result_vector(ctx, out);
  });
}

void hvec_avg_step(sqlite3_context* ctx, int, sqlite3_value** argv) { mean_step(ctx, argv[0], nullptr, "hvec_avg"); }
void hvec_avg_final(sqlite3_context* ctx) { mean_final(ctx, "hvec_avg"); }
void hvec_weighted_avg_step(sqlite3_context* ctx, int, sqlite3_value** argv) {
  mean_step(ctx, argv[0], argv[1], "hvec_weighted_avg");
}
void hvec_weighted_avg_final(sqlite3_context* ctx) { mean_final(ctx, "hvec_weighted_avg"); }

// hvec_activation(similarity) or hvec_activation(a, b) (their cosine similarity).
void hvec_activation_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  scalar(ctx, argc, argv, "hvec_activation", [&] {
    if (argc == 1) return result_band(ctx, number_arg(argv[0], "argument similarity"));
    auto [a, b] = vector_pair(argv);
    require_type(a, {VectorType::Float32, VectorType::Int8}, "a");
    result_band(ctx, cosine_similarity(a.to_floats(), b.to_floats()));
  });
}

}  // namespace hart
