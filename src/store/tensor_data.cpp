#include "store/tensor_data.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "store/database.h"
#include "util/error.h"
#include "util/sha256.h"

namespace hart {
namespace {

constexpr const char* kTensorColumns =
    "id, model_id, position, name, kind, layer, shape, dtype, n_elements, n_bytes, coalesce(max_abs, 0)";

TensorRow read_tensor(const Stmt& s) {
  TensorRow t;
  t.id = s.int64(0);
  t.model_id = s.int64(1);
  t.position = s.int64(2);
  t.name = s.text(3);
  t.kind = s.text(4);
  if (!s.is_null(5)) t.layer = s.int64(5);
  for (const auto& d : nlohmann::json::parse(s.text(6))) t.shape.push_back(d.get<uint64_t>());
  auto dt = dtype_from_name(s.text(7));
  if (!dt) throw Error("tensor '" + t.name + "' has unknown dtype '" + s.text(7) + "' in the database");
  t.dtype = *dt;
  t.n_elements = static_cast<uint64_t>(s.int64(8));
  t.n_bytes = static_cast<uint64_t>(s.int64(9));
  t.max_abs = s.real(10);
  return t;
}

}  // namespace

std::vector<TensorRow> model_tensors(sqlite3* db, int64_t model_id) {
  Stmt s(db, std::string("SELECT ") + kTensorColumns + " FROM tensors WHERE model_id = ? ORDER BY position");
  s.bind(1, model_id);
  std::vector<TensorRow> out;
  while (s.step()) out.push_back(read_tensor(s));
  return out;
}

std::optional<TensorRow> tensor_by_id(sqlite3* db, int64_t tensor_id) {
  Stmt s(db, std::string("SELECT ") + kTensorColumns + " FROM tensors WHERE id = ?");
  s.bind(1, tensor_id);
  if (!s.step()) return std::nullopt;
  return read_tensor(s);
}

void for_each_chunk(sqlite3* db, const TensorRow& t, const ChunkFn& fn) {
  Stmt s(db,
         "SELECT tc.ordinal, tc.elem_start, tc.elem_count, c.sha256, c.n_bytes, d.data"
         " FROM tensor_chunks tc JOIN chunks c ON c.id = tc.chunk_id JOIN chunk_data d ON d.id = c.id"
         " WHERE tc.tensor_id = ? ORDER BY tc.ordinal");
  s.bind(1, t.id);
  uint64_t elems = 0;
  int64_t expect_ordinal = 0;
  while (s.step()) {
    ChunkRef ref{s.int64(0), static_cast<uint64_t>(s.int64(1)), static_cast<uint64_t>(s.int64(2))};
    const auto* data = static_cast<const uint8_t*>(s.blob(5));
    size_t n = s.bytes(5);
    std::string where = "tensor '" + t.name + "' chunk " + std::to_string(ref.ordinal);
    if (ref.ordinal != expect_ordinal++ || ref.elem_start != elems)
      throw Error(where + ": chunk sequence is broken (the database is damaged)");
    auto expect = dtype_row_bytes(t.dtype, ref.elem_count);
    if (!expect || *expect != n || static_cast<size_t>(s.int64(4)) != n)
      throw Error(where + ": stored size does not match its element count (the database is damaged)");
    Sha256Digest h = sha256(data, n);
    if (s.bytes(3) != h.size() || std::memcmp(s.blob(3), h.data(), h.size()) != 0)
      throw Error(where + ": SHA-256 mismatch (the database is damaged)");
    fn(ref, data, n);
    elems += ref.elem_count;
  }
  if (elems != t.n_elements)
    throw Error("tensor '" + t.name + "': chunks hold " + std::to_string(elems) + " of " +
                std::to_string(t.n_elements) + " elements (the database is damaged)");
}

void read_tensor_values(sqlite3* db, const TensorRow& t, uint64_t from, uint64_t to,
                        const std::function<void(uint64_t, const float*, size_t)>& fn) {
  std::vector<float> values;
  Stmt s(db,
         "SELECT tc.elem_start, tc.elem_count, d.data FROM tensor_chunks tc"
         " JOIN chunk_data d ON d.id = tc.chunk_id"
         " WHERE tc.tensor_id = ? AND tc.elem_start < ? AND tc.elem_start + tc.elem_count > ?"
         " ORDER BY tc.ordinal");
  s.bind(1, t.id).bind(2, static_cast<int64_t>(to)).bind(3, static_cast<int64_t>(from));
  while (s.step()) {
    uint64_t start = static_cast<uint64_t>(s.int64(0)), count = static_cast<uint64_t>(s.int64(1));
    auto expect = dtype_row_bytes(t.dtype, count);
    if (!expect || *expect != s.bytes(2))
      throw Error("tensor '" + t.name + "': a chunk's size does not match its element count (the database is damaged)");
    values.resize(count);
    dequantize(t.dtype, s.blob(2), values.data(), count);
    uint64_t lo = std::max(from, start), hi = std::min(to, start + count);
    fn(lo, values.data() + (lo - start), hi - lo);
  }
}

std::vector<float> read_tensor_floats(sqlite3* db, const TensorRow& t) {
  std::vector<float> out(t.n_elements);
  read_tensor_values(db, t, 0, t.n_elements,
                     [&](uint64_t first, const float* v, size_t n) { std::copy(v, v + n, out.begin() + first); });
  return out;
}

}  // namespace hart
