// tensor_geometry(tensor_id [, from, to]) — a tensor, or elements [from, to) of it,
// as a WKB LINESTRING ZM (ISO type 3002, little-endian) that GEOS, SpatiaLite and
// PostGIS read: X = element index, Y = value, Z = importance (|w| / max |w|),
// M = layer index (-1 outside the blocks). The seeds' "weights as LINESTRING ZM".
//
//   SELECT length(tensor_geometry(id, 0, 100)) FROM tensors WHERE name = 'output_norm.weight';
//   -- 3209   (1 + 4 + 4 header bytes + 100 points x 32 bytes)
#include "sql/surface.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "store/tensor_data.h"

namespace hart {
namespace {

constexpr uint32_t kWkbLineStringZM = 3002;
// Points a single tensor_geometry() call may return (32 bytes each in WKB ZM):
// 16 million points, a 512 MiB BLOB. Larger tensors are exported by range.
constexpr uint64_t kMaxGeometryPoints = 16u << 20;

void put(std::vector<uint8_t>& out, const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  out.insert(out.end(), b, b + n);
}

}  // namespace

void tensor_geometry_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  sqlite3* db = sqlite3_context_db_handle(ctx);
  try {
    if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER) {
      sqlite3_result_error(ctx, "tensor_geometry: the first argument must be a tensor id (tensors.id)", -1);
      return;
    }
    int64_t id = sqlite3_value_int64(argv[0]);
    std::optional<TensorRow> t = tensor_by_id(db, id);
    if (!t) {
      std::string msg = "tensor_geometry: no tensor with id " + std::to_string(id);
      sqlite3_result_error(ctx, msg.c_str(), -1);
      return;
    }
    int64_t n = static_cast<int64_t>(t->n_elements);
    int64_t from = argc > 1 ? sqlite3_value_int64(argv[1]) : 0;
    int64_t to = argc > 2 ? sqlite3_value_int64(argv[2]) : n;
    if (from < 0 || to > n || to - from < 2) {
      std::string msg = "tensor_geometry: range [" + std::to_string(from) + ", " + std::to_string(to) +
                        ") of tensor '" + t->name + "' (" + std::to_string(n) +
                        " elements) must lie inside the tensor and hold at least 2 points";
      sqlite3_result_error(ctx, msg.c_str(), -1);
      return;
    }
    if (static_cast<uint64_t>(to - from) > kMaxGeometryPoints) {
      std::string msg = "tensor_geometry: " + std::to_string(to - from) + " points requested from '" + t->name +
                        "'; at most " + std::to_string(kMaxGeometryPoints) + " per call, pass a range (from, to)";
      sqlite3_result_error(ctx, msg.c_str(), -1);
      return;
    }
    std::vector<uint8_t> wkb;
    wkb.reserve(9 + static_cast<size_t>(to - from) * 32);
    uint8_t order = 1;  // little-endian
    uint32_t type = kWkbLineStringZM, count = static_cast<uint32_t>(to - from);
    put(wkb, &order, 1);
    put(wkb, &type, 4);
    put(wkb, &count, 4);
    double inv = t->max_abs > 0 ? 1.0 / t->max_abs : 0.0;
    double m = t->layer ? static_cast<double>(*t->layer) : -1.0;
    read_tensor_values(db, *t, static_cast<uint64_t>(from), static_cast<uint64_t>(to),
                       [&](uint64_t first, const float* v, size_t k) {
                         for (size_t i = 0; i < k; ++i) {
                           double pt[4] = {static_cast<double>(first + i), v[i], std::fabs(static_cast<double>(v[i])) * inv, m};
                           put(wkb, pt, sizeof pt);
                         }
                       });
    sqlite3_result_blob64(ctx, wkb.data(), wkb.size(), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    std::string msg = std::string("tensor_geometry: ") + e.what();
    sqlite3_result_error(ctx, msg.c_str(), -1);
  }
}

}  // namespace hart
