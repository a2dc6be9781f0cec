#include <gmock/gmock.h>

#include <cstring>

#include "formats/gguf.h"
#include "store/model_export.h"
#include "store/model_ingest.h"
#include "store/tensor_data.h"
#include "store_fixture.h"
#include "support/model_builder.h"
#include "util/error.h"
#include "util/sha256.h"

namespace hart::test {
namespace {

IngestReport ingest(Database& db, const std::string& path, const std::string& name = "") {
  return ingest_model(db, path, {name});
}

// Every GGUF dtype, sized to span several chunks where the type allows it.
BuiltModel every_gguf_dtype() {
  BuiltModel m;
  uint32_t seed = 1;
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                  DType::Q8_0, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::I8,
                  DType::I16, DType::I32}) {
    m.add(std::string("blk.") + std::to_string(seed % 3) + "." + dtype_info(t).name + ".weight", {96, 1024}, t, seed);
    ++seed;
  }
  m.add("output_norm.weight", {1024}, DType::F32, 99);
  return m;
}

TEST_F(StoreTest, RealModelIngestsAndExportsByteForByte) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  IngestReport r = ingest(*db, path);
  EXPECT_FALSE(r.already_present);
  EXPECT_EQ(r.model.name, "stories260K");
  EXPECT_EQ(r.model.architecture, "llama");
  EXPECT_EQ(r.model.parameter_count, 292800);
  EXPECT_EQ(r.model.source_sha256, file_sha(path));
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE model = 'stories260K'"),
            scalar(*db, "SELECT sum(n_elements) FROM tensors"));
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE model = 'stories260K'"), 292800);
  // The tied output matrix is byte-identical to the embedding: stored once.
  EXPECT_GT(r.chunks_shared, 0u);
  EXPECT_EQ(r.bytes_shared, 131072u);
  expect_check_passes(*db);

  export_model(*db, "stories260K", ExportFormat::kGguf, dir.file("out.gguf"));
  EXPECT_EQ(file_sha(dir.file("out.gguf")), file_sha(path)) << "export must reproduce the file byte for byte";
}

// Every real GGUF in ../shared/data: stored, counted and exported byte for byte.
TEST_F(StoreTest, EveryRealGgufRoundTripsThroughTheDatabase) {
  HART_REQUIRE_SHARED(stories, "stories260K/stories260K.gguf");
  std::vector<std::string> files = {stories};
  for (const char* v : {"llamacpp-vocab/ggml-vocab-bert-bge.gguf", "llamacpp-vocab/ggml-vocab-llama-spm.gguf",
                        "llamacpp-vocab/ggml-vocab-gpt-2.gguf"}) {
    std::string p = shared_data(v);
    if (!p.empty()) files.push_back(p);
  }
  for (const std::string& path : files) {
    IngestReport r = ingest(*db, path);
    SCOPED_TRACE(path);
    Stmt count = db->prepare("SELECT count(*) FROM weights WHERE model = ?");
    count.bind(1, r.model.name);
    count.step();
    EXPECT_EQ(count.int64(0), r.model.parameter_count);
    EXPECT_EQ(r.model.parameter_count, scalar(*db, "SELECT coalesce(sum(n_elements), 0) FROM tensors WHERE model_id = " +
                                                       std::to_string(r.model.id)));
    export_model(*db, r.model.name, ExportFormat::kGguf, dir.file("out.gguf"));
    EXPECT_EQ(file_sha(dir.file("out.gguf")), file_sha(path));
  }
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM models"), static_cast<int64_t>(files.size()));
  expect_check_passes(*db);
}

TEST_F(StoreTest, ReingestingTheSameFileWritesNothing) {
  BuiltModel m = every_gguf_dtype();
  m.write_gguf(dir.file("m.gguf"));
  IngestReport first = ingest(*db, dir.file("m.gguf"));
  TableCounts before = counts(*db);
  int changes_before = sqlite3_total_changes(db->handle());
  IngestReport again = ingest(*db, dir.file("m.gguf"), "another-name");
  EXPECT_TRUE(again.already_present);
  EXPECT_EQ(again.model.id, first.model.id);
  EXPECT_EQ(counts(*db), before);
  EXPECT_EQ(sqlite3_total_changes(db->handle()), changes_before);
}

TEST_F(StoreTest, EveryGgufDtypeRoundTripsAndDequantizesInSql) {
  BuiltModel m = every_gguf_dtype();
  m.write_gguf(dir.file("m.gguf"));
  ingest(*db, dir.file("m.gguf"));
  EXPECT_EQ(scalar(*db, "SELECT count(DISTINCT dtype) FROM tensors"), 16);
  export_model(*db, "m", ExportFormat::kGguf, dir.file("back.gguf"));
  EXPECT_EQ(read_file(dir.file("back.gguf")), read_file(dir.file("m.gguf")));

  // weights.value equals dequantize() of the original bytes, element by element.
  for (const BuiltTensor& t : m.tensors) {
    uint64_t n = 1;
    for (uint64_t d : t.shape) n *= d;
    std::vector<float> expect(n);
    dequantize(t.dtype, t.bytes.data(), expect.data(), n);
    Stmt s = db->prepare("SELECT idx, value FROM weights WHERE model = 'm' AND tensor = ?");
    s.bind(1, t.name);
    uint64_t seen = 0;
    while (s.step()) {
      uint64_t i = static_cast<uint64_t>(s.int64(0));
      ASSERT_EQ(i, seen) << t.name;
      ASSERT_EQ(static_cast<float>(s.real(1)), expect[i]) << t.name << " idx " << i;
      ++seen;
    }
    EXPECT_EQ(seen, n) << t.name;
  }
}

TEST_F(StoreTest, SafetensorsRoundTripsEveryDtype) {
  BuiltModel m;
  uint32_t seed = 7;
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::F64, DType::I8, DType::I16, DType::I32, DType::I64,
                  DType::U8, DType::BOOL})
    m.add(std::string("model.layers.0.") + dtype_info(t).name + ".weight", {33, 70}, t, seed++);
  m.metadata["format"] = "pt";
  m.write_safetensors(dir.file("m.safetensors"));
  IngestReport r = ingest(*db, dir.file("m.safetensors"));
  EXPECT_EQ(r.model.format, "safetensors");
  export_model(*db, "m", ExportFormat::kSafetensors, dir.file("back.safetensors"));
  EXPECT_EQ(read_file(dir.file("back.safetensors")), read_file(dir.file("m.safetensors")));
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE model = 'm'"), 10 * 33 * 70);
}

TEST_F(StoreTest, CrossFormatExportKeepsTensorBytes) {
  BuiltModel m;
  m.add("blk.0.attn_q.weight", {64, 64}, DType::F32, 1);
  m.add("blk.0.ffn_up.weight", {128, 64}, DType::F16, 2);
  m.metadata["llama.block_count"] = 1;
  m.metadata_types["llama.block_count"] = "u32";
  m.write_gguf(dir.file("m.gguf"));
  ingest(*db, dir.file("m.gguf"));
  export_model(*db, "m", ExportFormat::kSafetensors, dir.file("m.safetensors"));
  ingest(*db, dir.file("m.safetensors"), "m2");
  // Same tensor bytes means the second model reuses every chunk.
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM chunks WHERE refcount <> 2"), 0);
  Stmt meta = db->prepare("SELECT json_extract(metadata, '$.\"llama.block_count\"') FROM models WHERE name = 'm2'");
  meta.step();
  EXPECT_EQ(meta.text(0), "1");
}

TEST_F(StoreTest, QuantizedModelCannotBecomeSafetensors) {
  BuiltModel m;
  m.add("blk.0.attn_q.weight", {32, 256}, DType::Q4_K, 1);
  m.write_gguf(dir.file("q.gguf"));
  ingest(*db, dir.file("q.gguf"));
  try {
    export_model(*db, "q", ExportFormat::kSafetensors, dir.file("q.safetensors"));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("blk.0.attn_q.weight"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("Q4_K"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("q.safetensors")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("q.safetensors.tmp")));
}

TEST_F(StoreTest, SharedTensorsAreStoredOnceAndRemovalFreesOnlyOrphans) {
  BuiltModel a;
  a.add("token_embd.weight", {256, 512}, DType::F16, 1);   // shared
  a.add("blk.0.attn_q.weight", {512, 512}, DType::Q8_0, 2);  // shared
  a.add("blk.0.ffn_up.weight", {256, 512}, DType::F32, 3);   // only in a
  a.write_gguf(dir.file("a.gguf"));
  BuiltModel b = a;
  b.tensors[2] = BuiltModel().add("blk.0.ffn_up.weight", {256, 512}, DType::F32, 4);  // differs
  b.metadata["general.name"] = "b";
  b.write_gguf(dir.file("b.gguf"));

  IngestReport ra = ingest(*db, dir.file("a.gguf"));
  IngestReport rb = ingest(*db, dir.file("b.gguf"));
  uint64_t shared = a.tensors[0].bytes.size() + a.tensors[1].bytes.size();
  EXPECT_EQ(ra.bytes_shared, 0u);
  EXPECT_EQ(rb.bytes_shared, shared);
  EXPECT_EQ(rb.bytes_written, b.tensors[2].bytes.size());
  EXPECT_EQ(scalar(*db, "SELECT sum(n_bytes) FROM chunks"),
            static_cast<int64_t>(shared + a.tensors[2].bytes.size() + b.tensors[2].bytes.size()));
  expect_check_passes(*db);

  RemoveReport gone = remove_model(*db, "a");
  EXPECT_EQ(gone.bytes_freed, static_cast<int64_t>(a.tensors[2].bytes.size()));
  expect_check_passes(*db);
  EXPECT_EQ(scalar(*db, "SELECT max(refcount) FROM chunks"), 1);
  export_model(*db, "b", ExportFormat::kGguf, dir.file("b2.gguf"));
  EXPECT_EQ(read_file(dir.file("b2.gguf")), read_file(dir.file("b.gguf")));

  remove_model(*db, "b");
  EXPECT_EQ(counts(*db), (TableCounts{0, 0, 0, 0, 0, 0}));
}

TEST_F(StoreTest, PlainSqlDeleteKeepsReferenceCountsRight) {
  BuiltModel a;
  a.add("token_embd.weight", {128, 512}, DType::F32, 1);
  a.write_gguf(dir.file("a.gguf"));
  BuiltModel b = a;
  b.metadata["general.name"] = "b";
  b.write_gguf(dir.file("b.gguf"));
  ingest(*db, dir.file("a.gguf"));
  ingest(*db, dir.file("b.gguf"));
  db->exec("PRAGMA foreign_keys = OFF");  // as in a stock sqlite3 shell
  db->exec("DELETE FROM models WHERE name = 'a'");
  expect_check_passes(*db);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM tensors"), 1);
  EXPECT_EQ(scalar(*db, "SELECT min(refcount) FROM chunks"), 1);
}

TEST_F(StoreTest, NameTakenByAnotherFileIsRefusedWithoutWriting) {
  BuiltModel a;
  a.add("x.weight", {64}, DType::F32, 1);
  a.write_gguf(dir.file("m.gguf"));
  ingest(*db, dir.file("m.gguf"));
  BuiltModel b;
  b.add("x.weight", {64}, DType::F32, 2);
  std::filesystem::create_directory(dir.file("other"));
  b.write_gguf(dir.file("other/m.gguf"));
  TableCounts before = counts(*db);
  try {
    ingest(*db, dir.file("other/m.gguf"));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("--name"));
  }
  EXPECT_EQ(counts(*db), before);
  EXPECT_EQ(ingest(*db, dir.file("other/m.gguf"), "m-other").model.name, "m-other");
}

TEST_F(StoreTest, ZoneMapsBoundTheirChunksAndImportanceIsNormalisedMagnitude) {
  BuiltModel m;
  m.add("blk.0.ffn_up.weight", {512, 512}, DType::F32, 5);  // 16 chunks
  m.write_gguf(dir.file("m.gguf"));
  ingest(*db, dir.file("m.gguf"));
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM tensor_chunks"), 16);
  // Each zone map is exact for its chunk.
  EXPECT_EQ(scalar(*db,
                   "SELECT count(*) FROM tensor_chunks tc WHERE val_min <> (SELECT min(value) FROM weights w"
                   " WHERE w.idx BETWEEN tc.elem_start AND tc.elem_start + tc.elem_count - 1 AND +w.model = 'm')"),
            0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE +importance > 1.0 OR +importance < 0"), 0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE +importance = 1.0"), 1);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE abs(abs(value) / (SELECT max_abs FROM tensors) - importance) > 1e-12"), 0);
}

}  // namespace
}  // namespace hart::test
