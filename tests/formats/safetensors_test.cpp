// safetensors reader and writer: round trips, data order, architecture guessing,
// and a named FormatError for every kind of malformed header.
#include "formats/safetensors.h"
#include "model_bytes.h"

namespace hart::test {
namespace {

const std::string kPath = "/models/bad.safetensors";

ModelFile parse(const std::string& bytes) { return read_safetensors(u8p(bytes), bytes.size(), kPath); }

// A file with header text `json` (not padded) and `data` zero bytes.
std::string file_with(const std::string& json, size_t data = 0) {
  Bytes f;
  f.u64(json.size()).raw(json);
  f.b.append(data, '\0');
  return f.b;
}

void expect_error(const std::string& bytes, const std::vector<std::string>& phrases) {
  std::vector<std::string> all = phrases;
  all.insert(all.begin(), kPath + ": ");
  expect_format_error([&] { parse(bytes); }, all);
}

ModelFile sample() {
  ModelFile m;
  m.format = "safetensors";
  m.metadata["format"] = "pt";
  m.metadata_types["format"] = "str";
  m.metadata["note"] = "caf\xc3\xa9";
  m.metadata_types["note"] = "str";
  m.tensors = {tensor_info("model.layers.0.w", {2, 3}, DType::F32), tensor_info("b", {5}, DType::BF16),
               tensor_info("i", {1}, DType::I64), tensor_info("flags", {3}, DType::BOOL),
               tensor_info("empty", {0, 7}, DType::U16), tensor_info("u", {2, 2}, DType::U8)};
  return m;
}

TEST(Safetensors, RoundTripsByteForByte) {
  ModelFile m = sample();
  std::string bytes = safetensors_bytes(m);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes.substr(8, 16), "{\"__metadata__\":");
  ModelFile back = parse(bytes);
  EXPECT_EQ(back.format, "safetensors");
  EXPECT_EQ(back.format_version, 0u);
  EXPECT_EQ(back.alignment, 8u);
  EXPECT_EQ(back.data_offset, 8 + n);
  EXPECT_EQ(back.metadata, m.metadata);
  EXPECT_EQ(back.metadata_types, m.metadata_types);
  EXPECT_EQ(back.architecture, "llama");
  ASSERT_EQ(back.tensors.size(), m.tensors.size());
  // The empty tensor sorts first (offset 12+..., but 0 bytes); compare by name.
  for (const TensorInfo& t : m.tensors) {
    auto it = std::find_if(back.tensors.begin(), back.tensors.end(), [&](auto& b) { return b.name == t.name; });
    ASSERT_NE(it, back.tensors.end());
    EXPECT_EQ(it->shape, t.shape);
    EXPECT_EQ(it->dtype, t.dtype);
    EXPECT_EQ(it->n_bytes, t.n_bytes);
  }
  ModelFile again = parse(safetensors_bytes(back, bytes));
  EXPECT_EQ(safetensors_bytes(again, safetensors_bytes(back, bytes)), safetensors_bytes(back, bytes));
}

TEST(Safetensors, NoMetadataMeansNoMetadataKey) {
  ModelFile m;
  m.tensors = {tensor_info("t", {2}, DType::F64)};
  std::string bytes = safetensors_bytes(m);
  EXPECT_EQ(bytes.find("__metadata__"), std::string::npos);
  EXPECT_EQ(bytes, safetensors_bytes(parse(bytes), bytes));
}

TEST(Safetensors, TensorsComeInDataOrder) {
  std::string json =
      R"({"late":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},)"
      R"("early":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})";
  ModelFile m = parse(file_with(json, 12));
  ASSERT_EQ(m.tensors.size(), 2u);
  EXPECT_EQ(m.tensors[0].name, "early");
  EXPECT_EQ(m.tensors[1].name, "late");
  EXPECT_EQ(m.tensors[1].offset, 8u);
}

TEST(Safetensors, ArchitectureFromMetadataOrNames) {
  auto arch = [](std::vector<std::string> names, std::string meta = {}) {
    ModelFile m;
    for (auto& n : names) m.tensors.push_back(tensor_info(n, {1}, DType::F32));
    if (!meta.empty()) {
      m.metadata["general.architecture"] = meta;
      m.metadata_types["general.architecture"] = "str";
    }
    return parse(safetensors_bytes(m)).architecture;
  };
  EXPECT_EQ(arch({"model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight"}), "llama");
  EXPECT_EQ(arch({"h.0.attn.c_attn.weight", "wte.weight"}), "gpt2");
  EXPECT_EQ(arch({"transformer.h.3.mlp.c_fc.weight"}), "gpt2");
  EXPECT_EQ(arch({"encoder.layer.0.attention.self.query.weight"}), "bert");
  EXPECT_EQ(arch({"bert.embeddings.word_embeddings.weight"}), "bert");
  EXPECT_EQ(arch({"conv1.weight"}), "unknown");
  EXPECT_EQ(arch({"model.layers.0.w"}, "mistral"), "mistral");
}

TEST(Safetensors, ManyKeysParseQuicklyAndKeepMetadataOrder) {
  // Quadratic key or tensor handling would take minutes here; linear takes a second.
  const int n = 100000;
  std::string json = "{\"__metadata__\":{";
  for (int i = n; i > 0; --i) json += "\"k" + std::to_string(i) + "\":\"v\",";
  json += "\"last\":\"x\"}";
  for (int i = 0; i < n; ++i) json += ",\"t" + std::to_string(i) + "\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}";
  json += "}";
  ModelFile m = parse(file_with(json));
  EXPECT_EQ(m.tensors.size(), static_cast<size_t>(n));
  ASSERT_EQ(m.metadata.size(), static_cast<size_t>(n + 1));
  EXPECT_EQ(m.metadata.begin().key(), "k" + std::to_string(n));  // file order, not sorted
  EXPECT_EQ(m.metadata.items().begin().key(), "k" + std::to_string(n));
  EXPECT_NO_THROW(safetensors_bytes(m));
}

// ---- malformed input ----

TEST(SafetensorsErrors, HeaderLength) {
  expect_error("abc", {"truncated", "too short"});
  expect_error(Bytes().u64(kSafetensorsMaxHeader + 1).raw("{}").b, {"exceeds the limit"});
  expect_error(Bytes().u64(100).raw("{}").b, {"header length 100 runs past the end of the file"});
  expect_error(file_with("[]"), {"not a JSON object"});
  expect_error(file_with(""), {"not a JSON object"});
  expect_error(file_with("{\"a\":"), {"header is not valid JSON"});
  expect_error(file_with("{} x"), {"header is not valid JSON"});
  expect_error(file_with("{\"\xff\":1}"), {"header is not valid JSON"});
}

// Recognised by its shape however long the header says it is, so that ingest reports
// the limit instead of storing the file as binary without a word.
TEST(SafetensorsErrors, AHeaderOverTheLimitIsStillSafetensors) {
  std::string head = Bytes().u64(kSafetensorsMaxHeader + 1).raw("{").b;
  EXPECT_TRUE(is_safetensors(u8p(head), kSafetensorsMaxHeader + 64));
  EXPECT_FALSE(is_safetensors(u8p(head), head.size()));  // the header cannot fit: not this format
}

TEST(SafetensorsErrors, DuplicateKeys) {
  const std::string t = R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  expect_error(file_with("{\"a\":" + t + ",\"a\":" + t + "}", 4), {"duplicate key 'a'", "top level"});
  expect_error(file_with(R"({"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})", 4),
               {"duplicate key 'dtype'", "inside 'a'"});
  expect_error(file_with(R"({"__metadata__":{"x":"1","x":"2"}})"), {"duplicate key 'x'", "inside '__metadata__'"});
}

TEST(SafetensorsErrors, DeepNesting) {
  expect_error(file_with("{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}"), {"nests more than 64"});
}

TEST(SafetensorsErrors, Metadata) {
  expect_error(file_with(R"({"__metadata__":[1]})"), {"__metadata__ is not a JSON object"});
  expect_error(file_with(R"({"__metadata__":{"n":1}})"), {"__metadata__ value of 'n' is not a string"});
}

TEST(SafetensorsErrors, BadTensorEntries) {
  auto entry = [](const std::string& body, size_t data = 16) { return file_with("{\"w\":" + body + "}", data); };
  expect_error(entry("3"), {"tensor 'w'", "not an object"});
  expect_error(entry(R"({"shape":[1],"data_offsets":[0,4]})"), {"tensor 'w'", "\"dtype\""});
  expect_error(entry(R"({"dtype":"Q4","shape":[1],"data_offsets":[0,4]})"), {"tensor 'w'", "unknown dtype 'Q4'"});
  expect_error(entry(R"({"dtype":"F32","data_offsets":[0,4]})"), {"tensor 'w'", "\"shape\""});
  expect_error(entry(R"({"dtype":"F32","shape":[-1],"data_offsets":[0,4]})"),
               {"tensor 'w'", "shape entry -1 is not a non-negative integer"});
  expect_error(entry(R"({"dtype":"F32","shape":[1.5],"data_offsets":[0,4]})"), {"tensor 'w'", "non-negative integer"});
  expect_error(entry(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]})"),
               {"tensor 'w'", "element count overflows"});
  expect_error(entry(R"({"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,4]})"),
               {"tensor 'w'", "byte size overflows"});
  expect_error(entry(R"({"dtype":"F32","shape":[1],"data_offsets":[0]})"), {"tensor 'w'", "[begin, end]"});
  expect_error(entry(R"({"dtype":"F32","shape":[1],"data_offsets":[0,-4]})"), {"tensor 'w'", "non-negative"});
  expect_error(entry(R"({"dtype":"F32","shape":[1],"data_offsets":[4,0]})"), {"tensor 'w'", "end before they begin"});
  expect_error(entry(R"({"dtype":"F32","shape":[1],"data_offsets":[16,20]})"),
               {"tensor 'w'", "past the end of the data section (16 bytes)"});
  expect_error(entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,4]})"),
               {"tensor 'w'", "span 4 bytes", "need 8"});
}

TEST(SafetensorsErrors, OverlappingTensors) {
  expect_error(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                         R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                         8),
               {"tensors 'a' and 'b' overlap"});
  // An empty tensor inside another's range overlaps nothing.
  EXPECT_NO_THROW(parse(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                  R"("b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})",
                                  8)));
}

TEST(SafetensorsErrors, EveryPrefixOfASmallFileFails) {
  std::string bytes = safetensors_bytes(sample());
  ASSERT_NO_THROW(parse(bytes));
  for (size_t n = 0; n < bytes.size(); ++n) {
    try {
      parse(bytes.substr(0, n));
      ADD_FAILURE() << "prefix of " << n << " bytes parsed";
    } catch (const FormatError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(kPath + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(SafetensorsWriter, RejectsWhatSafetensorsCannotHold) {
  auto fails = [](ModelFile m, const std::string& phrase) {
    try {
      safetensors_bytes(m);
      ADD_FAILURE() << "expected an Error containing " << phrase;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
    }
  };
  ModelFile q;
  q.tensors = {tensor_info("q", {32}, DType::Q4_0)};
  fails(q, "tensor 'q' has type Q4_0");
  ModelFile meta;
  meta.metadata["n"] = 1;
  meta.metadata_types["n"] = "u32";
  fails(meta, "metadata key 'n' is not a string");
  ModelFile dup;
  dup.tensors = {tensor_info("a", {1}, DType::F32), tensor_info("a", {1}, DType::F32)};
  fails(dup, "tensor 'a' is a duplicate");
}

}  // namespace
}  // namespace hart::test
