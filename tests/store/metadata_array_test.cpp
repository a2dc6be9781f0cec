// Large metadata arrays through the database: held compactly in memory, stored as
// ordinary JSON that SQL can read, exported byte for byte; and a file whose arrays
// exceed the limit is refused before anything is written.
#include <gmock/gmock.h>

#include "formats/compact_array.h"
#include "formats/gguf_types.h"
#include "store/model_export.h"
#include "store/model_ingest.h"
#include "store/model_writer.h"
#include "store/models.h"
#include "store_fixture.h"
#include "support/model_builder.h"

namespace hart::test {
namespace {

using namespace gguf;

constexpr uint64_t kN = kCompactArrayMinElements + 7;

// A tiny model whose metadata is mostly large arrays of numbers and bools.
BuiltModel model_with_big_arrays() {
  BuiltModel m;
  m.add("output_norm.weight", {32}, DType::F32, 1);
  ordered_json u8 = ordered_json::array(), i32 = ordered_json::array(), f32 = ordered_json::array(),
               b = ordered_json::array();
  for (uint64_t i = 0; i < kN; ++i) {
    u8.push_back(i % 251);
    i32.push_back(static_cast<int64_t>(i * 2654435761u % 4294967296u) - 2147483648);
    f32.push_back(static_cast<double>(static_cast<float>(i) * 0.1f));
    b.push_back(i % 3 == 0);
  }
  m.metadata = {{"test.u8", u8}, {"test.i32", i32}, {"test.f32", f32}, {"test.bool", b}};
  m.metadata_types = {{"test.u8", "arr[u8]"}, {"test.i32", "arr[i32]"}, {"test.f32", "arr[f32]"},
                      {"test.bool", "arr[bool]"}};
  return m;
}

TEST_F(StoreTest, LargeMetadataArraysRoundTripByteForByteAndReadInSql) {
  const std::string path = dir.file("arrays.gguf"), out = dir.file("out.gguf");
  model_with_big_arrays().write_gguf(path);
  ingest_model(*db, path, {"arrays"});
  export_model(*db, "arrays", ExportFormat::kGguf, out);
  EXPECT_EQ(file_sha(out), file_sha(path));
  expect_check_passes(*db);

  // The column is plain JSON with the same numbers, f32 widened to double.
  EXPECT_EQ(scalar(*db, "SELECT json_array_length(metadata, '$.\"test.u8\"') FROM models"), int64_t(kN));
  EXPECT_EQ(scalar(*db, "SELECT json_extract(metadata, '$.\"test.u8\"[300]') FROM models"), 300 % 251);
  EXPECT_EQ(scalar(*db, "SELECT json_extract(metadata, '$.\"test.i32\"[1]') FROM models"),
            int64_t{2654435761} - 2147483648);
  EXPECT_EQ(scalar(*db, "SELECT json_extract(metadata, '$.\"test.bool\"[3]') FROM models"), 1);
  Stmt f = db->prepare("SELECT json_extract(metadata, '$.\"test.f32\"[12345]') FROM models");
  ASSERT_TRUE(f.step());
  EXPECT_EQ(f.real(0), static_cast<double>(12345.0f * 0.1f));

  // Read back from the column, the arrays are compact again.
  NewModel derived = derived_model(*db, require_model(*db, "arrays"), "derived", ordered_json::object());
  for (const char* key : {"test.u8", "test.i32", "test.f32", "test.bool"})
    EXPECT_TRUE(is_compact_array(derived.metadata[key])) << key;
  EXPECT_EQ(derived.metadata["test.u8"].get_binary().size(), kN);
}

TEST_F(StoreTest, MetadataArraysOverTheLimitAreRefusedWithoutWriting) {
  BuiltModel m;
  m.add("output_norm.weight", {32}, DType::F32, 1);
  m.metadata["test.huge"] = make_compact_array(kU8, std::vector<uint8_t>(kMaxMetadataArrayElements + 1, 7));
  m.metadata_types["test.huge"] = "arr[u8]";
  const std::string path = dir.file("huge.gguf");
  m.write_gguf(path);
  TableCounts before = counts(*db);
  try {
    ingest_model(*db, path, {"huge"});
    ADD_FAILURE() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("metadata key 'test.huge'"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("at most " + std::to_string(kMaxMetadataArrayElements)));
  }
  EXPECT_EQ(counts(*db), before);
}

}  // namespace
}  // namespace hart::test
