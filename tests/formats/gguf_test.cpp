// GGUF reader and writer: value types and tags, versions, real files round-tripping
// byte for byte, and a named FormatError for every kind of malformed input.
#include <functional>

#include <cmath>
#include <limits>

#include "formats/gguf.h"
#include "formats/model_reader.h"
#include "model_bytes.h"

namespace hart::test {
namespace {

const std::string kPath = "/models/bad.gguf";

ModelFile parse(const std::string& bytes, const std::string& what = kPath) {
  return read_gguf(u8p(bytes), bytes.size(), what);
}

void expect_error(const std::string& bytes, const std::vector<std::string>& phrases) {
  std::vector<std::string> all = phrases;
  all.insert(all.begin(), kPath + ": ");
  expect_format_error([&] { parse(bytes); }, all);
}

ModelFile model_with(const std::vector<std::pair<std::string, std::pair<ordered_json, std::string>>>& kvs,
                     uint32_t version = 3) {
  ModelFile m;
  m.format = "gguf";
  m.format_version = version;
  for (const auto& [k, vt] : kvs) {
    m.metadata[k] = vt.first;
    m.metadata_types[k] = vt.second;
  }
  return m;
}

// Writes, reads back, checks values and tags survive, and that writing the
// result again gives the same bytes.
ModelFile round_trip(const ModelFile& m) {
  std::string bytes = gguf_bytes(m);
  ModelFile back = parse(bytes);
  EXPECT_EQ(back.metadata, m.metadata);
  EXPECT_EQ(back.metadata_types, m.metadata_types);
  EXPECT_EQ(gguf_bytes(back, bytes), bytes);
  return back;
}

TEST(Gguf, EveryScalarTypeRoundTripsWithItsTag) {
  ModelFile m = model_with({
      {"u8", {255u, "u8"}},
      {"i8", {-128, "i8"}},
      {"u16", {65535u, "u16"}},
      {"i16", {-32768, "i16"}},
      {"u32", {4294967295u, "u32"}},
      {"i32", {std::numeric_limits<int32_t>::min(), "i32"}},
      {"u64", {std::numeric_limits<uint64_t>::max(), "u64"}},
      {"i64", {std::numeric_limits<int64_t>::min(), "i64"}},
      {"f32", {static_cast<double>(0.1f), "f32"}},
      {"f64", {0.1, "f64"}},
      {"bool", {true, "bool"}},
      {"str", {"h\xc3\xa9llo \xe2\x82\xac", "str"}},
      {"empty", {"", "str"}},
      {"hexstr", {"ff00fe", "hexstr"}},
  });
  ModelFile back = round_trip(m);
  EXPECT_EQ(static_cast<float>(back.metadata["f32"].get<double>()), 0.1f);
  EXPECT_EQ(back.metadata["u64"].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(back.format_version, 3u);
  EXPECT_EQ(back.alignment, kGgufDefaultAlignment);
}

TEST(Gguf, ArraysOfEveryTypeIncludingNestedRoundTrip) {
  ModelFile m = model_with({
      {"a.u8", {{0u, 255u}, "arr[u8]"}},
      {"a.i8", {{-1, 1}, "arr[i8]"}},
      {"a.u16", {{1u}, "arr[u16]"}},
      {"a.i16", {{-2}, "arr[i16]"}},
      {"a.u32", {{1u, 2u, 3u}, "arr[u32]"}},
      {"a.i32", {{-3, 4}, "arr[i32]"}},
      {"a.u64", {{5u}, "arr[u64]"}},
      {"a.i64", {{-6}, "arr[i64]"}},
      {"a.f32", {{static_cast<double>(1.5f), static_cast<double>(-0.3f)}, "arr[f32]"}},
      {"a.f64", {{2.25}, "arr[f64]"}},
      {"a.bool", {{true, false}, "arr[bool]"}},
      {"a.str", {{"x", "", "yz"}, "arr[str]"}},
      {"a.hex", {{"ff", "00"}, "arr[hexstr]"}},
      {"a.empty", {ordered_json::array(), "arr[i32]"}},
      {"a.nested", {{{1, 2}, {3}, ordered_json::array()}, "arr[arr[i32]]"}},
      {"a.nested_str", {{{"a"}, {"b", "c"}}, "arr[arr[str]]"}},
      {"a.deep", {{{{1u}}, {{2u, 3u}}}, "arr[arr[arr[u8]]]"}},
      {"a.empty_of_arrays", {ordered_json::array(), "arr[arr]"}},
  });
  round_trip(m);
}

TEST(Gguf, Version2And3BothReadAndWrite) {
  for (uint32_t v : {2u, 3u}) {
    ModelFile m = model_with({{"k", {1u, "u32"}}}, v);
    std::string bytes = gguf_bytes(m);
    uint32_t stored;
    std::memcpy(&stored, bytes.data() + 4, 4);
    EXPECT_EQ(stored, v);
    EXPECT_EQ(parse(bytes).format_version, v);
  }
}

TEST(Gguf, NonUtf8StringsBecomeHexAndRoundTripExactly) {
  Bytes f;
  f.gguf_header(3, 0, 3);
  f.str("bad").u32(8).str("\xff\xfe");
  f.str("overlong").u32(8).str("\xc0\xaf");
  // One bad element makes the whole array hex, so it keeps a single tag.
  f.str("mixed").u32(9).u32(8).u64(2).str("ok").str("\xed\xa0\x80");  // a surrogate
  ModelFile m = parse(f.b);
  EXPECT_EQ(m.metadata_types["bad"], "hexstr");
  EXPECT_EQ(m.metadata["bad"], "fffe");
  EXPECT_EQ(m.metadata["overlong"], "c0af");
  EXPECT_EQ(m.metadata_types["mixed"], "arr[hexstr]");
  EXPECT_EQ(m.metadata["mixed"], ordered_json({"6f6b", "eda080"}));
  EXPECT_EQ(gguf_bytes(m, f.b), f.b);
}

TEST(Gguf, NestedStringArraysWithOneBadElementHexEverything) {
  Bytes f;
  f.gguf_header(3, 0, 1);
  f.str("n").u32(9).u32(9).u64(2);
  f.u32(8).u64(1).str("fine");
  f.u32(8).u64(1).str("\x80");
  ModelFile m = parse(f.b);
  EXPECT_EQ(m.metadata_types["n"], "arr[arr[hexstr]]");
  EXPECT_EQ(m.metadata["n"], ordered_json({{"66696e65"}, {"80"}}));
  EXPECT_EQ(gguf_bytes(m, f.b), f.b);
}

TEST(Gguf, TensorShapesAreReversedAndDataRoundTrips) {
  ModelFile m = model_with({{"general.architecture", {"llama", "str"}}});
  m.tensors = {tensor_info("a", {3, 64}, DType::F32), tensor_info("q", {2, 32}, DType::Q4_0),
               tensor_info("h", {5}, DType::F16), tensor_info("empty", {0, 4}, DType::F32),
               tensor_info("k", {1, 256}, DType::Q4_K)};
  std::string bytes = gguf_bytes(m);
  ModelFile back = parse(bytes);
  ASSERT_EQ(back.tensors.size(), 5u);
  EXPECT_EQ(back.architecture, "llama");
  EXPECT_EQ(back.tensors[0].shape, (std::vector<uint64_t>{3, 64}));
  EXPECT_EQ(back.tensors[1].dtype, DType::Q4_0);
  EXPECT_EQ(back.tensors[1].n_bytes, 2u * 18);
  EXPECT_EQ(back.tensors[3].n_elements, 0u);
  EXPECT_EQ(back.data_offset % 32, 0u);
  EXPECT_EQ(bytes.size() % 32, 0u);  // the last tensor is padded too, as ggml does
  for (const auto& t : back.tensors) EXPECT_EQ(t.offset % 32, 0u);
  EXPECT_EQ(gguf_bytes(back, bytes), bytes);

  // Dims are stored innermost first: "a" is written as ne = [64, 3].
  Bytes f;
  f.gguf_header(3, 1, 0).tensor("a", {64, 3}, 0, 0).pad(32);
  f.b.append(64 * 3 * 4, '\0');
  EXPECT_EQ(parse(f.b).tensors[0].shape, (std::vector<uint64_t>{3, 64}));
}

TEST(Gguf, CustomAlignmentIsHonoured) {
  ModelFile m = model_with({{"general.alignment", {64u, "u32"}}});
  m.tensors = {tensor_info("a", {3}, DType::F32), tensor_info("b", {5}, DType::F32)};
  std::string bytes = gguf_bytes(m);
  ModelFile back = parse(bytes);
  EXPECT_EQ(back.alignment, 64u);
  EXPECT_EQ(back.data_offset % 64, 0u);
  EXPECT_EQ(back.tensors[1].offset, 64u);
}

TEST(Gguf, NoTensorsKeepsWhetherTheSourceWasPadded) {
  Bytes unpadded;
  unpadded.gguf_header(3, 0, 1).str("k").u32(4).u32(7);
  ASSERT_NE(unpadded.b.size() % 32, 0u);
  EXPECT_EQ(gguf_bytes(parse(unpadded.b)), unpadded.b);  // gguf-py's vocab-only files
  Bytes padded = unpadded;
  padded.pad(32);
  EXPECT_EQ(gguf_bytes(parse(padded.b)), padded.b);  // ggml's gguf_write_to_file
}

std::vector<std::string> real_files() {
  std::vector<std::string> rels = {"stories260K/stories260K.gguf", "llamacpp-vocab/ggml-vocab-bert-bge.gguf",
                                   "llamacpp-vocab/ggml-vocab-gpt-2.gguf",
                                   "llamacpp-vocab/ggml-vocab-llama-spm.gguf"};
  return rels;
}

TEST(Gguf, RealFilesRoundTripByteForByte) {
  for (const std::string& rel : real_files()) {
    SCOPED_TRACE(rel);
    HART_REQUIRE_SHARED(path, rel);
    std::string bytes = read_file(path);
    ModelFile m = parse(bytes, path);
    EXPECT_EQ(m.format, "gguf");
    EXPECT_EQ(m.format_version, 3u);
    std::string out = gguf_bytes(m, bytes);
    EXPECT_EQ(out.size(), bytes.size());
    EXPECT_TRUE(out == bytes) << "round trip differs";
  }
}

TEST(Gguf, Stories260KContents) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  std::string bytes = read_file(path);
  ModelFile m = read_model_file(u8p(bytes), bytes.size(), path);
  EXPECT_EQ(m.architecture, "llama");
  EXPECT_EQ(m.tensors.size(), 48u);
  EXPECT_EQ(m.tensors[0].name, "token_embd.weight");
  EXPECT_EQ(m.tensors[0].shape, (std::vector<uint64_t>{512, 64}));
  EXPECT_EQ(m.metadata["tokenizer.ggml.tokens"].size(), 512u);
  EXPECT_EQ(m.metadata_types["tokenizer.ggml.tokens"], "arr[str]");
  EXPECT_EQ(m.metadata_types["tokenizer.ggml.scores"], "arr[f32]");
  EXPECT_EQ(m.metadata_types["llama.attention.layer_norm_rms_epsilon"], "f32");
  EXPECT_EQ(static_cast<float>(m.metadata["llama.attention.layer_norm_rms_epsilon"].get<double>()), 1e-5f);
  EXPECT_EQ(m.data_offset, 14176u);
}

TEST(Gguf, ManyKeysParseQuickly) {
  // Quadratic key handling would take minutes here; linear takes milliseconds.
  const int n = 200000;
  Bytes f;
  f.gguf_header(3, 0, n);
  for (int i = 0; i < n; ++i) f.str("k" + std::to_string(i)).u32(0).u8(1);
  ModelFile m = parse(f.b);
  EXPECT_EQ(m.metadata.size(), static_cast<size_t>(n));
  EXPECT_EQ(gguf_bytes(m), f.b);
}

// ---- malformed input ----

TEST(GgufErrors, WrongMagic) {
  expect_error("GGML\x03\0\0\0", {"not a GGUF file", "GGML"});
  expect_error("GG", {"not a GGUF file"});
  expect_error("", {"not a GGUF file"});
}

TEST(GgufErrors, UnsupportedVersions) {
  Bytes v1, v4, be;
  v1.gguf_header(1, 0, 0);
  v4.gguf_header(4, 0, 0);
  be.gguf_header(0x03000000, 0, 0);
  expect_error(v1.b, {"version 1 is not supported"});
  expect_error(v4.b, {"unsupported GGUF version 4"});
  expect_error(be.b, {"big-endian"});
}

TEST(GgufErrors, TruncatedHeader) {
  expect_error(std::string("GGUF\x03\0\0\0\0\0", 10), {"truncated", "tensor count"});
}

TEST(GgufErrors, CountsThatCannotFit) {
  Bytes t, k;
  t.gguf_header(3, 1000, 0);
  k.gguf_header(3, 0, 1ull << 60);
  expect_error(t.b, {"tensor count 1000 cannot fit"});
  expect_error(k.b, {"metadata count", "cannot fit"});
}

TEST(GgufErrors, StringLongerThanTheFile) {
  Bytes key, val;
  key.gguf_header(3, 0, 1).u64(1ull << 62).raw("abcdefghijklmnop");
  val.gguf_header(3, 0, 1).str("k").u32(8).u64(1000).raw("abc");
  expect_error(key.b, {"metadata key has length"});
  expect_error(val.b, {"metadata key 'k'", "string has length 1000"});
}

TEST(GgufErrors, ArraysLongerThanTheFile) {
  Bytes u32s, strs, arrs;
  u32s.gguf_header(3, 0, 1).str("k").u32(9).u32(4).u64(5).u32(1).u32(2);  // 5 u32 need 20 bytes
  strs.gguf_header(3, 0, 1).str("k").u32(9).u32(8).u64(3).str("a").str("b");  // 1 byte short of 3*8
  arrs.gguf_header(3, 0, 1).str("k").u32(9).u32(9).u64(1ull << 40);
  expect_error(u32s.b, {"metadata key 'k'", "array of 5 elements needs at least 4 bytes each"});
  expect_error(strs.b, {"metadata key 'k'", "array of 3 elements needs at least 8 bytes each"});
  expect_error(arrs.b, {"metadata key 'k'", "needs at least 12 bytes each"});
}

TEST(GgufErrors, BadValueTypes) {
  Bytes unknown, elem, boolv, deep, mixed, badkey;
  unknown.gguf_header(3, 0, 1).str("k").u32(13).u32(0);
  elem.gguf_header(3, 0, 1).str("k").u32(9).u32(77).u64(0);
  boolv.gguf_header(3, 0, 1).str("k").u32(7).u8(2);
  deep.gguf_header(3, 0, 1).str("k").u32(9);
  for (int i = 0; i < 20; ++i) deep.u32(9).u64(1);
  mixed.gguf_header(3, 0, 1).str("k").u32(9).u32(9).u64(2).u32(5).u64(0).u32(6).u64(0);
  badkey.gguf_header(3, 0, 1).str("\xff").u32(4).u32(0);
  expect_error(unknown.b, {"metadata key 'k'", "unknown value type 13"});
  expect_error(elem.b, {"metadata key 'k'", "unknown element type 77"});
  expect_error(boolv.b, {"metadata key 'k'", "bool value is 2"});
  expect_error(deep.b, {"metadata key 'k'", "nested more than"});
  expect_error(mixed.b, {"metadata key 'k'", "different types (arr[i32] and arr[f32])"});
  expect_error(badkey.b, {"metadata key #0", "not valid UTF-8"});
}

TEST(GgufErrors, DuplicateMetadataKey) {
  Bytes f;
  f.gguf_header(3, 0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2);
  expect_error(f.b, {"duplicate metadata key 'k'"});
}

TEST(GgufErrors, BadAlignment) {
  Bytes zero, three, type;
  zero.gguf_header(3, 0, 1).str("general.alignment").u32(4).u32(0);
  three.gguf_header(3, 0, 1).str("general.alignment").u32(4).u32(3);
  type.gguf_header(3, 0, 1).str("general.alignment").u32(10).u64(32);
  expect_error(zero.b, {"general.alignment", "0 is not a nonzero power of two"});
  expect_error(three.b, {"general.alignment", "3 is not a nonzero power of two"});
  expect_error(type.b, {"general.alignment must be a u32, not u64"});
}

// A file with one tensor info built by `info`, padded, with `data` bytes of data.
std::string one_tensor(const std::function<void(Bytes&)>& info, size_t data = 256) {
  Bytes f;
  f.gguf_header(3, 1, 0);
  info(f);
  f.pad(32);
  f.b.append(data, '\0');
  return f.b;
}

TEST(GgufErrors, BadTensorInfos) {
  expect_error(one_tensor([](Bytes& f) { f.tensor("w", {4}, 99, 0); }),
               {"tensor 'w'", "unknown or unsupported GGML type id 99"});
  expect_error(one_tensor([](Bytes& f) { f.tensor("w", {1, 1, 1, 1, 1}, 0, 0); }),
               {"tensor 'w'", "has 5 dimensions"});
  expect_error(one_tensor([](Bytes& f) { f.tensor("w", {1ull << 32, 1ull << 32}, 0, 0); }),
               {"tensor 'w'", "element count overflows 64 bits"});
  expect_error(one_tensor([](Bytes& f) { f.tensor("w", {1ull << 62, 1}, 0, 0); }),
               {"tensor 'w'", "byte size overflows 64 bits"});
  expect_error(one_tensor([](Bytes& f) { f.tensor("w", {16, 2}, 2, 0); }),
               {"tensor 'w'", "row length 16 is not a whole number of Q4_0 blocks"});
  expect_error(one_tensor([](Bytes& f) { f.tensor("w", {4}, 0, 16); }),
               {"tensor 'w'", "offset 16 is not a multiple of the alignment 32"});
  expect_error(one_tensor([](Bytes& f) { f.tensor("w", {128}, 0, 0); }),
               {"tensor 'w'", "runs past the end of the file"});
  expect_error(one_tensor([](Bytes& f) { f.tensor("w", {4}, 0, 1ull << 40); }),
               {"tensor 'w'", "runs past the end of the file"});
  expect_error(one_tensor([](Bytes& f) { f.tensor("w", {4}, 0, UINT64_MAX - 31); }),
               {"tensor 'w'", "runs past the end of the file"});
  // 4 floats need 16 bytes plus padding to 32; the file stops after 16.
  expect_error(one_tensor([](Bytes& f) { f.tensor("w", {4}, 0, 0); }, 16),
               {"tensor 'w'", "runs past the end of the file"});
  expect_error(one_tensor([](Bytes& f) { f.tensor("\xfe", {4}, 0, 0); }), {"tensor #0", "not valid UTF-8"});
  Bytes cut;
  cut.gguf_header(3, 1, 0).str("w").u32(3).u64(4).u64(4);  // the third dimension is missing
  expect_error(cut.b, {"tensor 'w'", "truncated", "tensor dimension"});
}

TEST(GgufErrors, DuplicateTensorName) {
  Bytes f;
  f.gguf_header(3, 2, 0).tensor("w", {4}, 0, 0).tensor("w", {4}, 0, 32).pad(32);
  f.b.append(64, '\0');
  expect_error(f.b, {"duplicate tensor name 'w'"});
}

TEST(GgufErrors, ZeroDimensionIsAllowed) {
  ModelFile m = parse(one_tensor([](Bytes& f) { f.tensor("w", {0, 8}, 0, 0); }, 0));
  EXPECT_EQ(m.tensors[0].n_elements, 0u);
  EXPECT_EQ(m.tensors[0].n_bytes, 0u);
}

// Every proper prefix of a valid file with tensors must fail cleanly.
void sweep_prefixes(const std::string& bytes, size_t upto) {
  for (size_t n = 0; n < upto; ++n) {
    std::string prefix = bytes.substr(0, n);
    try {
      parse(prefix);
      ADD_FAILURE() << "prefix of " << n << " bytes parsed";
    } catch (const FormatError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(kPath + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(GgufErrors, EveryPrefixOfASmallFileFails) {
  ModelFile m = model_with({{"s", {"abc", "str"}}, {"a", {{1, 2}, "arr[i16]"}}, {"n", {{{"x"}}, "arr[arr[str]]"}}});
  m.tensors = {tensor_info("a", {2, 3}, DType::F32), tensor_info("b", {32}, DType::Q8_0)};
  std::string bytes = gguf_bytes(m);
  ASSERT_NO_THROW(parse(bytes));
  sweep_prefixes(bytes, bytes.size());
}

TEST(GgufErrors, EveryPrefixOfStoriesHeaderFails) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  std::string bytes = read_file(path);
  sweep_prefixes(bytes, parse(bytes).data_offset + 64);
}

TEST(GgufWriter, RejectsValuesThatDoNotFitTheirTag) {
  auto fails = [](ordered_json v, const std::string& tag, const std::string& phrase) {
    ModelFile m = model_with({{"key.x", {v, tag}}});
    try {
      gguf_bytes(m);
      ADD_FAILURE() << "wrote " << v.dump() << " as " << tag;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("metadata key 'key.x'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
    }
  };
  fails(256, "u8", "is not a u8");
  fails(-1, "u32", "is not a u32");
  fails("x", "f32", "not a number");
  fails(1, "bool", "not a bool");
  fails("xyz", "hexstr", "hex");
  fails(1, "nonsense", "unknown type tag");
  fails({1}, "arr[arr]", "only valid for an empty array");
  ModelFile m = model_with({});
  m.metadata["untagged"] = 1;
  EXPECT_THROW(gguf_bytes(m), Error);
}

TEST(GgufWriter, RejectsTensorsGgufCannotHold) {
  ModelFile m = model_with({});
  m.tensors = {tensor_info("u", {4}, DType::U16)};
  EXPECT_THROW(gguf_bytes(m), Error);
  m.tensors = {tensor_info("a", {4}, DType::F32), tensor_info("a", {4}, DType::F32)};
  EXPECT_THROW(gguf_bytes(m), Error);
}

TEST(ModelReader, DispatchesByContent) {
  std::string g = gguf_bytes(model_with({{"k", {1u, "u8"}}}));
  EXPECT_EQ(read_model_file(u8p(g), g.size(), "x.safetensors").format, "gguf");
  ModelFile s;
  s.tensors = {tensor_info("t", {2}, DType::F32)};
  std::string st = safetensors_bytes(s);
  EXPECT_EQ(read_model_file(u8p(st), st.size(), "x.gguf").format, "safetensors");
  std::string junk = "hello world, not a model";
  expect_format_error([&] { read_model_file(u8p(junk), junk.size(), "/tmp/junk.bin"); },
                      {"/tmp/junk.bin: not a model file: neither GGUF (magic 'GGUF') nor safetensors "
                       "(u64 header length followed by a JSON object)"});
}

}  // namespace
}  // namespace hart::test
