// Writes the fuzzers' seed corpora with the project's own writers:
//   make_corpus <dir>   ->  <dir>/gguf/*.gguf, <dir>/safetensors/*.safetensors,
//                           <dir>/hnsw_bytes/*.hnsw
// Small on purpose (the committed corpus stays well under 20 KB).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "formats/gguf.h"
#include "formats/safetensors.h"
#include "vector/hnsw_index.h"

using namespace hart;

namespace {

TensorInfo tensor(std::string name, std::vector<uint64_t> shape, DType dtype) {
  TensorInfo t{std::move(name), std::move(shape), dtype, 0, 1, 0};
  for (uint64_t d : t.shape) t.n_elements *= d;
  t.n_bytes = *dtype_row_bytes(dtype, t.n_elements);
  return t;
}

void set(ModelFile& m, const std::string& key, ordered_json value, const std::string& tag) {
  m.metadata[key] = std::move(value);
  m.metadata_types[key] = tag;
}

template <typename Write>
void write(const std::string& path, const ModelFile& m, Write fn) {
  OutputFile out(path);
  fn(m, [&](size_t i, OutputFile& o) {
    for (uint64_t k = 0; k < m.tensors[i].n_bytes; ++k) o.put<uint8_t>(static_cast<uint8_t>(k * 31 + i));
  }, out);
  out.commit();
  std::cout << path << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_corpus <corpus dir>\n";
    return 2;
  }
  std::string g = std::string(argv[1]) + "/gguf", s = std::string(argv[1]) + "/safetensors";
  std::filesystem::create_directories(g);
  std::filesystem::create_directories(s);

  ModelFile scalars;
  scalars.format_version = 3;
  set(scalars, "u8", 200u, "u8");
  set(scalars, "i8", -5, "i8");
  set(scalars, "u16", 60000u, "u16");
  set(scalars, "i16", -3000, "i16");
  set(scalars, "u32", 4000000000u, "u32");
  set(scalars, "i32", -7, "i32");
  set(scalars, "u64", 1ull << 40, "u64");
  set(scalars, "i64", -(1ll << 40), "i64");
  set(scalars, "f32", static_cast<double>(1e-5f), "f32");
  set(scalars, "f64", 3.25, "f64");
  set(scalars, "bool", true, "bool");
  set(scalars, "general.architecture", "llama", "str");
  set(scalars, "hex", "c0ff", "hexstr");
  write(g + "/scalars.gguf", scalars, write_gguf);

  ModelFile arrays;
  arrays.format_version = 2;
  set(arrays, "tokens", {"<s>", "a", "\xe2\x96\x81the"}, "arr[str]");
  set(arrays, "scores", {0.0, -1.5}, "arr[f32]");
  set(arrays, "types", {1, 2, 3}, "arr[i32]");
  set(arrays, "flags", {true, false}, "arr[bool]");
  set(arrays, "nested", {{1u, 2u}, {3u}}, "arr[arr[u16]]");
  set(arrays, "hexes", {"ff", ""}, "arr[hexstr]");
  set(arrays, "none", ordered_json::array(), "arr[arr]");
  write(g + "/arrays_v2.gguf", arrays, write_gguf);

  ModelFile tensors;
  set(tensors, "general.architecture", "llama", "str");
  tensors.tensors = {tensor("token_embd.weight", {2, 3}, DType::F32), tensor("h", {4}, DType::F16),
                     tensor("q4", {32}, DType::Q4_0), tensor("q8", {1, 32}, DType::Q8_0),
                     tensor("k", {256}, DType::Q4_K), tensor("i", {3}, DType::I8),
                     tensor("empty", {0}, DType::F32)};
  write(g + "/tensors.gguf", tensors, write_gguf);

  ModelFile aligned;
  set(aligned, "general.alignment", 64u, "u32");
  aligned.tensors = {tensor("a", {3}, DType::F32), tensor("b", {2, 2, 1, 1}, DType::BF16)};
  write(g + "/align64.gguf", aligned, write_gguf);

  ModelFile st;
  set(st, "format", "pt", "str");
  st.tensors = {tensor("model.layers.0.w", {2, 3}, DType::F32), tensor("b", {5}, DType::BF16),
                tensor("i", {1}, DType::I64), tensor("flags", {3}, DType::BOOL),
                tensor("e", {0, 2}, DType::U16), tensor("h", {2, 1, 2}, DType::F16)};
  write(s + "/basic.safetensors", st, write_safetensors);

  ModelFile bare;
  bare.tensors = {tensor("h.0.attn.c_attn.weight", {4}, DType::U8)};
  write(s + "/bare.safetensors", bare, write_safetensors);

  // HNSW bytes: small graphs of a few levels (M = 2 gives tall ones), one with removals.
  std::string h = std::string(argv[1]) + "/hnsw_bytes";
  std::filesystem::create_directories(h);
  auto hnsw = [&](const std::string& name, vector::Metric m, size_t dim, size_t n, size_t M, bool removals) {
    vector::HnswIndex index(vector::Space(m, dim), vector::HnswParams{.M = M, .ef_construction = 8, .ef_search = 4});
    std::vector<float> v(dim);
    for (size_t i = 0; i < n; ++i) {
      for (size_t d = 0; d < dim; ++d) v[d] = static_cast<float>((i * 7 + d * 3) % 11) - 5.0f;
      index.add(static_cast<int64_t>(i * 3), v);
    }
    if (removals) index.remove(3), index.remove(9);
    std::vector<uint8_t> bytes;
    index.write(bytes);
    std::ofstream(h + "/" + name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  };
  hnsw("l2_tall.hnsw", vector::Metric::L2, 2, 40, 2, false);
  hnsw("cosine_removed.hnsw", vector::Metric::Cosine, 3, 20, 4, true);
  hnsw("ip_one.hnsw", vector::Metric::InnerProduct, 4, 1, 16, false);
  hnsw("empty.hnsw", vector::Metric::L2, 4, 0, 16, false);
  return 0;
}
