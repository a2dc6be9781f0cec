// Helpers for the GGUF and safetensors tests: byte builders for hand-made
// (often malformed) files, and write-to-bytes wrappers around the writers.
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "formats/gguf.h"
#include "formats/safetensors.h"
#include "support/test_support.h"
#include "util/error.h"
#include "util/output_file.h"

namespace hart::test {

// Little-endian byte builder.
struct Bytes {
  std::string b;
  template <typename T>
  Bytes& put(T v) {
    b.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  Bytes& u8(uint8_t v) { return put(v); }
  Bytes& u32(uint32_t v) { return put(v); }
  Bytes& u64(uint64_t v) { return put(v); }
  Bytes& raw(std::string_view s) {
    b.append(s);
    return *this;
  }
  Bytes& str(std::string_view s) { return u64(s.size()).raw(s); }  // GGUF string
  Bytes& pad(size_t a) {
    b.append((a - b.size() % a) % a, '\0');
    return *this;
  }
  Bytes& gguf_header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    return raw("GGUF").u32(version).u64(n_tensors).u64(n_kv);
  }
  // A GGUF tensor info; dims innermost first, as in the file.
  Bytes& tensor(std::string_view name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) u64(d);
    return u32(type).u64(offset);
  }
};

inline const uint8_t* u8p(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Tensor data for `model` taken from `source` (the bytes it was read from) or, when
// `source` is empty, a deterministic pattern.
inline TensorDataWriter data_from(const ModelFile& model, const std::string& source) {
  return [&model, &source](size_t i, OutputFile& out) {
    const TensorInfo& t = model.tensors[i];
    if (!source.empty()) {
      out.write(source.data() + model.data_offset + t.offset, t.n_bytes);
      return;
    }
    std::string pattern(t.n_bytes, '\0');
    for (size_t k = 0; k < pattern.size(); ++k) pattern[k] = static_cast<char>((k * 7 + i * 13) & 0x3f);
    out.write(pattern.data(), pattern.size());
  };
}

// Runs a writer into a temporary file and returns the file's bytes.
template <typename WriteFn>
std::string write_bytes(const ModelFile& model, const TensorDataWriter& data, WriteFn fn) {
  TempDir dir;
  std::string path = dir.file("out.bin");
  {
    OutputFile out(path);
    fn(model, data, out);
    out.commit();
  }
  return read_file(path);
}

inline std::string gguf_bytes(const ModelFile& m, const std::string& source = {}) {
  return write_bytes(m, data_from(m, source), write_gguf);
}
inline std::string safetensors_bytes(const ModelFile& m, const std::string& source = {}) {
  return write_bytes(m, data_from(m, source), write_safetensors);
}

// Asserts that `parse` throws FormatError whose message contains every phrase.
template <typename Parse>
void expect_format_error(Parse parse, const std::vector<std::string>& phrases) {
  try {
    parse();
    ADD_FAILURE() << "expected a FormatError containing '" << phrases.at(0) << "'";
  } catch (const FormatError& e) {
    std::string msg = e.what();
    for (const auto& p : phrases) EXPECT_NE(msg.find(p), std::string::npos) << "missing '" << p << "' in: " << msg;
  }
}

inline TensorInfo tensor_info(std::string name, std::vector<uint64_t> shape, DType dtype) {
  TensorInfo t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.dtype = dtype;
  t.n_elements = 1;
  for (uint64_t d : t.shape) t.n_elements *= d;
  t.n_bytes = *dtype_row_bytes(dtype, t.n_elements);
  return t;
}

}  // namespace hart::test
