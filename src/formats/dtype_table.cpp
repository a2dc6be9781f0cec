// The table of element types and the size arithmetic every parser relies on.
#include <array>

#include "formats/dtype.h"

namespace hart {
namespace {

// block_bytes for the K-quants follow GGML's super-block layouts (256 elements).
constexpr std::array<DTypeInfo, 27> kTypes{{
    {DType::F32, "F32", 1, 4, true, true},
    {DType::F16, "F16", 1, 2, true, true},
    {DType::Q4_0, "Q4_0", 32, 18, true, false},
    {DType::Q4_1, "Q4_1", 32, 20, true, false},
    {DType::Q5_0, "Q5_0", 32, 22, true, false},
    {DType::Q5_1, "Q5_1", 32, 24, true, false},
    {DType::Q8_0, "Q8_0", 32, 34, true, false},
    {DType::Q8_1, "Q8_1", 32, 36, true, false},
    {DType::Q2_K, "Q2_K", 256, 84, true, false},
    {DType::Q3_K, "Q3_K", 256, 110, true, false},
    {DType::Q4_K, "Q4_K", 256, 144, true, false},
    {DType::Q5_K, "Q5_K", 256, 176, true, false},
    {DType::Q6_K, "Q6_K", 256, 210, true, false},
    {DType::Q8_K, "Q8_K", 256, 292, true, false},
    {DType::IQ4_NL, "IQ4_NL", 32, 18, true, false},
    {DType::IQ4_XS, "IQ4_XS", 256, 136, true, false},
    {DType::I8, "I8", 1, 1, true, true},
    {DType::I16, "I16", 1, 2, true, true},
    {DType::I32, "I32", 1, 4, true, true},
    {DType::I64, "I64", 1, 8, true, true},
    {DType::F64, "F64", 1, 8, true, true},
    {DType::BF16, "BF16", 1, 2, true, true},
    {DType::U8, "U8", 1, 1, false, true},
    {DType::BOOL, "BOOL", 1, 1, false, true},
    {DType::U16, "U16", 1, 2, false, true},
    {DType::U32, "U32", 1, 4, false, true},
    {DType::U64, "U64", 1, 8, false, true},
}};

const DTypeInfo* find(DType t) {
  for (const auto& i : kTypes)
    if (i.type == t) return &i;
  return nullptr;
}

}  // namespace

const DTypeInfo& dtype_info(DType t) {
  const DTypeInfo* i = find(t);
  return i ? *i : kTypes[0];  // DType values only come from the lookups below
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& i : kTypes)
    if (name == i.name) return i.type;
  return std::nullopt;
}

std::optional<DType> dtype_from_ggml_id(uint32_t id) {
  const DTypeInfo* i = find(static_cast<DType>(id));
  if (i && i->in_gguf) return i->type;
  return std::nullopt;
}

std::optional<DType> dtype_from_safetensors(std::string_view name) {
  for (const auto& i : kTypes)
    if (i.in_safetensors && name == i.name) return i.type;
  return std::nullopt;
}

const char* dtype_safetensors_name(DType t) {
  const DTypeInfo* i = find(t);
  return i && i->in_safetensors ? i->name : nullptr;
}

std::optional<uint64_t> dtype_row_bytes(DType t, uint64_t n_elems) {
  const DTypeInfo& i = dtype_info(t);
  if (n_elems % i.block_elems) return std::nullopt;
  uint64_t blocks = n_elems / i.block_elems;
  if (blocks > UINT64_MAX / i.block_bytes) return std::nullopt;
  return blocks * i.block_bytes;
}

}  // namespace hart
