// Requirement: every kind of broken model file gets a clear error naming the file
// and the problem, nothing crashes, and the database is exactly as it was.
#include <gmock/gmock.h>

#include <cstring>

#include "store/model_ingest.h"
#include "store_fixture.h"
#include "support/model_builder.h"
#include "util/error.h"

namespace hart::test {
namespace {

// Hand-assembled GGUF v3, so each field can be broken on purpose.
struct RawGguf {
  std::string b;
  void u32(uint32_t v) { b.append(reinterpret_cast<char*>(&v), 4); }
  void u64(uint64_t v) { b.append(reinterpret_cast<char*>(&v), 8); }
  void str(const std::string& s) { u64(s.size()); b += s; }
  void header(uint64_t n_tensors, uint64_t n_kv) { b = "GGUF"; u32(3); u64(n_tensors); u64(n_kv); }
  void kv_str(const std::string& k, const std::string& v) { str(k); u32(8); str(v); }
  void tensor(const std::string& name, std::vector<uint64_t> dims_inner_first, uint32_t type, uint64_t offset) {
    str(name);
    u32(static_cast<uint32_t>(dims_inner_first.size()));
    for (uint64_t d : dims_inner_first) u64(d);
    u32(type);
    u64(offset);
  }
  void pad() { while (b.size() % 32) b += '\0'; }
  void data(size_t n) { b += std::string(n, '\x11'); }
};

class BadInputTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    BuiltModel good;  // something already stored that must survive every failure
    good.add("blk.0.attn_q.weight", {64, 64}, DType::F32, 1);
    good.write_gguf(dir.file("good.gguf"));
    ingest_model(*db, dir.file("good.gguf"), {""});
    before = counts(*db);
  }

  // Ingests `bytes` written to a file and expects an Error mentioning the file and
  // each of `phrases` (case-sensitive substrings), with the database unchanged.
  void expect_rejected(const std::string& bytes, std::vector<std::string> phrases, const std::string& name = "bad.gguf") {
    std::string path = dir.file(name);
    write_file(path, bytes);
    try {
      ingest_model(*db, path, {""});
      ADD_FAILURE() << "ingest of " << name << " succeeded but should fail";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(path));
      for (const std::string& p : phrases) EXPECT_THAT(e.what(), ::testing::HasSubstr(p));
    }
    EXPECT_EQ(counts(*db), before);
    EXPECT_EQ(integrity(*db), "ok");
  }

  TableCounts before;
};

RawGguf one_tensor_file(std::vector<uint64_t> dims, uint32_t type, uint64_t offset, size_t data_bytes) {
  RawGguf g;
  g.header(1, 1);
  g.kv_str("general.architecture", "llama");
  g.tensor("blk.0.attn_q.weight", std::move(dims), type, offset);
  g.pad();
  g.data(data_bytes);
  return g;
}

TEST_F(BadInputTest, WrongMagic) {
  RawGguf g = one_tensor_file({16}, 0, 0, 64);
  g.b[3] = 'X';
  expect_rejected(g.b, {"not a model file"});
}

TEST_F(BadInputTest, EmptyFile) { expect_rejected("", {"not a model file"}); }

TEST_F(BadInputTest, TruncatedInData) {
  RawGguf g = one_tensor_file({1024}, 0, 0, 4096);
  g.b.resize(g.b.size() - 100);
  expect_rejected(g.b, {"blk.0.attn_q.weight"});
}

TEST_F(BadInputTest, TruncatedEverywhereInTheHeader) {
  RawGguf g = one_tensor_file({16}, 0, 0, 64);
  for (size_t cut : {size_t(2), size_t(6), size_t(15), size_t(30), size_t(50), g.b.size() - 70})
    expect_rejected(g.b.substr(0, cut), {});
}

TEST_F(BadInputTest, TensorOffsetBeyondFile) {
  expect_rejected(one_tensor_file({16}, 0, 1ull << 40, 64).b, {"blk.0.attn_q.weight"});
}

TEST_F(BadInputTest, TensorSizeBeyondFile) {
  expect_rejected(one_tensor_file({1u << 20}, 0, 0, 64).b, {"blk.0.attn_q.weight"});
}

TEST_F(BadInputTest, DimensionProductOverflows) {
  expect_rejected(one_tensor_file({1ull << 32, 1ull << 32, 1ull << 32}, 0, 0, 64).b, {"blk.0.attn_q.weight", "overflow"});
}

TEST_F(BadInputTest, UnknownDtype) {
  expect_rejected(one_tensor_file({16}, 77, 0, 64).b, {"blk.0.attn_q.weight", "77"});
}

TEST_F(BadInputTest, DuplicateTensorNames) {
  RawGguf g;
  g.header(2, 0);
  g.tensor("dup.weight", {16}, 0, 0);
  g.tensor("dup.weight", {16}, 0, 64);
  g.pad();
  g.data(128);
  expect_rejected(g.b, {"dup.weight", "duplicate"});
}

TEST_F(BadInputTest, MetadataStringLongerThanFile) {
  RawGguf g;
  g.header(0, 1);
  g.str("general.name");
  g.u32(8);
  g.u64(1ull << 40);  // string length
  g.b += "short";
  expect_rejected(g.b, {"general.name"});
}

TEST_F(BadInputTest, MetadataKeyLongerThanFile) {
  RawGguf g;
  g.header(0, 1);
  g.u64(1ull << 62);
  expect_rejected(g.b, {});
}

TEST_F(BadInputTest, MetadataArrayLongerThanFile) {
  RawGguf g;
  g.header(0, 1);
  g.str("tokenizer.ggml.scores");
  g.u32(9);           // array
  g.u32(4);           // of u32
  g.u64(1ull << 40);  // elements
  g.u32(1);
  expect_rejected(g.b, {"tokenizer.ggml.scores"});
}

TEST_F(BadInputTest, ArrayOfStringsLongerThanFile) {
  RawGguf g;
  g.header(0, 1);
  g.str("tokenizer.ggml.tokens");
  g.u32(9);
  g.u32(8);
  g.u64(1ull << 40);
  g.str("a");
  expect_rejected(g.b, {"tokenizer.ggml.tokens"});
}

TEST_F(BadInputTest, TensorCountThatCannotFit) {
  RawGguf g;
  g.header(1ull << 50, 0);
  expect_rejected(g.b, {});
}

TEST_F(BadInputTest, SafetensorsHeaderLongerThanFile) {
  std::string b(8, '\0');
  uint64_t n = 1ull << 30;
  std::memcpy(b.data(), &n, 8);
  b += "{\"a\":{}}";
  expect_rejected(b, {}, "bad.safetensors");
}

std::string safetensors_with_header(const std::string& json, size_t data_bytes) {
  std::string b(8, '\0');
  uint64_t n = json.size();
  std::memcpy(b.data(), &n, 8);
  return b + json + std::string(data_bytes, '\x22');
}

TEST_F(BadInputTest, SafetensorsOffsetsBeyondFile) {
  expect_rejected(
      safetensors_with_header(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,1600]}})", 16),
      {"w"}, "bad.safetensors");
}

TEST_F(BadInputTest, SafetensorsDuplicateTensorNames) {
  expect_rejected(safetensors_with_header(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                          R"("w":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})", 32),
                  {"w", "duplicate"}, "bad.safetensors");
}

TEST_F(BadInputTest, SafetensorsUnknownDtype) {
  expect_rejected(safetensors_with_header(R"({"w":{"dtype":"F9","shape":[4],"data_offsets":[0,16]}})", 16),
                  {"w", "F9"}, "bad.safetensors");
}

TEST_F(BadInputTest, SafetensorsShapeDisagreesWithOffsets) {
  expect_rejected(safetensors_with_header(R"({"w":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}})", 16),
                  {"w"}, "bad.safetensors");
}

TEST_F(BadInputTest, SafetensorsShapeOverflows) {
  expect_rejected(safetensors_with_header(
                      R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}})", 16),
                  {"w", "overflow"}, "bad.safetensors");
}

TEST_F(BadInputTest, BrokenConfigJsonBesideSafetensors) {
  std::filesystem::create_directory(dir.file("hf"));
  BuiltModel m;
  m.add("model.layers.0.mlp.up_proj.weight", {8, 8}, DType::F32, 3);
  m.write_safetensors(dir.file("hf/model.safetensors"));
  write_file(dir.file("hf/config.json"), "[1, 2");
  try {
    ingest_model(*db, dir.file("hf/model.safetensors"), {""});
    ADD_FAILURE() << "a broken config.json must be refused";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr(dir.file("hf/config.json")));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("not a JSON object"));
  }
  EXPECT_EQ(counts(*db), before);
  write_file(dir.file("hf/config.json"), R"({"model_type": "llama", "hidden_size": 8})");
  IngestReport r = ingest_model(*db, dir.file("hf/model.safetensors"), {""});
  Stmt s = db->prepare("SELECT json_extract(config, '$.hidden_size'), architecture FROM models WHERE id = ?");
  s.bind(1, r.model.id);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.int64(0), 8);
  EXPECT_EQ(s.text(1), "llama");
}

TEST_F(BadInputTest, BrokenTokenizerJsonBesideSafetensors) {
  std::filesystem::create_directory(dir.file("hf"));
  BuiltModel m;
  m.add("model.layers.0.mlp.up_proj.weight", {8, 8}, DType::F32, 3);
  m.write_safetensors(dir.file("hf/model.safetensors"));
  for (const char* name : {"tokenizer.json", "tokenizer_config.json"}) {
    write_file(dir.file("hf/tokenizer.json"), "{}");
    write_file(dir.file(std::string("hf/") + name), "{\"model\": ");
    try {
      ingest_model(*db, dir.file("hf/model.safetensors"), {""});
      ADD_FAILURE() << "a broken " << name << " must be refused";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(dir.file(std::string("hf/") + name)));
      EXPECT_THAT(e.what(), ::testing::HasSubstr("not a JSON object"));
    }
    EXPECT_EQ(counts(*db), before);
  }
}

TEST_F(BadInputTest, MissingPathAndDirectory) {
  EXPECT_THROW(ingest_model(*db, dir.file("does-not-exist.gguf"), {""}), Error);
  EXPECT_THROW(ingest_model(*db, dir.path(), {""}), Error);
  EXPECT_EQ(counts(*db), before);
}

}  // namespace
}  // namespace hart::test
