// Element types of stored tensors: the GGML types GGUF uses (numbered as GGML numbers
// them, so the GGUF reader and writer need no table) plus the few safetensors types
// GGML lacks. A quantized type packs `block_elems` elements into `block_bytes` bytes;
// plain types are blocks of one element.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hart {

enum class DType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15, IQ4_NL = 20, IQ4_XS = 23,
  I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, BF16 = 30,
  // Not GGML types: safetensors only.
  U8 = 1000, BOOL = 1001, U16 = 1002, U32 = 1003, U64 = 1004,
};

struct DTypeInfo {
  DType type;
  const char* name;      // "F32", "Q4_K", ... (the name stored in the database)
  uint32_t block_elems;  // elements per block (1 for plain types)
  uint32_t block_bytes;  // bytes per block
  bool in_gguf;          // has a GGML type id
  bool in_safetensors;   // has a safetensors dtype string
};

// Every type we know; nullptr-free, ordered by enum value.
const DTypeInfo& dtype_info(DType t);
std::optional<DType> dtype_from_name(std::string_view name);         // "Q4_K" -> Q4_K
std::optional<DType> dtype_from_ggml_id(uint32_t id);                // only ids we support
std::optional<DType> dtype_from_safetensors(std::string_view name);  // "F16", "BF16", "I8", "BOOL", ...
const char* dtype_safetensors_name(DType t);                         // nullptr when not representable

// Bytes needed for `n_elems` elements; nullopt when n_elems is not a whole number of
// blocks or the size overflows 64 bits.
std::optional<uint64_t> dtype_row_bytes(DType t, uint64_t n_elems);

// Converts `n_elems` elements starting at `src` to float. `n_elems` must be a whole
// number of blocks. Integer and bool types convert by value. Reads exactly
// dtype_row_bytes(t, n_elems) bytes from src.
void dequantize(DType t, const void* src, float* dst, size_t n_elems);

// IEEE half / bfloat16 helpers (round-to-nearest-even on the way down).
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);

// Converts `n_elems` floats to type `t` (GGML's reference quantizers for Q8_0 and
// Q4_0; F32, F16, BF16 by rounding to nearest even), writing dtype_row_bytes(t,
// n_elems) bytes. For writing test models; throws Error for other types.
void quantize(DType t, const float* src, void* dst, size_t n_elems);

}  // namespace hart
