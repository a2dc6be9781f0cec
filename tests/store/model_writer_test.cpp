#include <gmock/gmock.h>

#include "formats/model_reader.h"
#include "store/model_export.h"
#include "store/model_ingest.h"
#include "store/model_writer.h"
#include "store/models.h"
#include "store/schema.h"
#include "store/sqlite_api.h"
#include "store/tensor_data.h"
#include "store_fixture.h"
#include "support/model_builder.h"
#include "util/error.h"
#include "util/sha256.h"

namespace hart::test {
namespace {

// Several dtypes, one tensor spanning several chunks, and a repeated tensor (a tied
// output matrix) so that some chunks are used twice.
BuiltModel small_model() {
  BuiltModel m;
  m.metadata["general.name"] = "writer-test";
  m.metadata["llama.block_count"] = 2;
  m.metadata_types["llama.block_count"] = "u32";
  m.add("token_embd.weight", {64, 1024}, DType::F32, 1);  // 4 chunks
  m.add("blk.0.attn_q.weight", {64, 256}, DType::Q8_0, 2);
  m.add("blk.1.ffn_up.weight", {32, 512}, DType::F16, 3);
  m.add("output_norm.weight", {256}, DType::F32, 4);
  m.tensors.push_back(m.tensors[0]);
  m.tensors.back().name = "output.weight";
  return m;
}

NewModel spec_of(const BuiltModel& built, const std::string& name) {
  ModelFile f = built.describe("gguf");
  NewModel m;
  m.name = name;
  m.architecture = built.architecture;
  m.metadata = f.metadata;
  m.metadata_types = f.metadata_types;
  m.derivation = {{"kind", "test"}};
  return m;
}

void write_from_memory(Database& db, const BuiltModel& built, const std::string& name) {
  ModelWriter w(db, spec_of(built, name));
  for (const BuiltTensor& t : built.tensors) w.add_tensor(t.name, t.shape, t.dtype, t.bytes.data(), t.bytes.size());
  w.commit();
}

// The tensors' rows and chunk rows of a model, as text, for comparing two models.
std::string tensor_rows(Database& db, int64_t model_id) {
  Stmt s = db.prepare(
      "SELECT group_concat(r, '\n') FROM (SELECT t.position || ' ' || t.name || ' ' || coalesce(t.layer, '-') || ' ' ||"
      " t.kind || ' ' || t.shape || ' ' || t.dtype || ' ' || t.n_elements || ' ' || t.n_bytes || ' ' ||"
      " t.v_min || ' ' || t.v_max || ' ' || t.v_mean || ' ' || t.v_std || ' ' || t.mean_abs || ' ' || t.max_abs ||"
      " ' ' || t.zero_fraction || ' ' || t.nan_count || ' | ' ||"
      " (SELECT group_concat(x, ';') FROM (SELECT tc.ordinal || ',' || tc.chunk_id || ',' || tc.elem_start || ',' ||"
      "  tc.elem_count || ',' || tc.val_min || ',' || tc.val_max || ',' || tc.imp_min || ',' || tc.imp_max AS x"
      "  FROM tensor_chunks tc WHERE tc.tensor_id = t.id ORDER BY tc.ordinal)) AS r"
      " FROM tensors t WHERE t.model_id = ? ORDER BY t.position)");
  s.bind(1, model_id);
  s.step();
  return s.text(0);
}

TEST_F(StoreTest, ModelFromMemoryExportsTheSameBytesAndMatchesIngest) {
  BuiltModel built = small_model();
  write_from_memory(*db, built, "mem");
  ModelRow m = *find_model(*db, "mem");
  EXPECT_FALSE(m.has_source());
  EXPECT_EQ(m.source_size, 0);
  EXPECT_EQ(m.source_path, "");
  EXPECT_EQ(m.parent_id, 0);
  EXPECT_EQ(m.derivation, R"({"kind":"test"})");
  EXPECT_EQ(m.n_tensors, 5);
  EXPECT_EQ(m.parameter_count, 64 * 1024 * 2 + 64 * 256 + 32 * 512 + 256);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM models WHERE source_sha256 IS NULL AND source_size IS NULL"), 1);
  expect_check_passes(*db);

  // Export and read back: the tensors' bytes and the metadata are the ones given, and
  // the file is the one our own GGUF writer makes of the same model.
  built.write_gguf(dir.file("built.gguf"));
  export_model(*db, "mem", ExportFormat::kGguf, dir.file("mem.gguf"));
  std::string bytes = read_file(dir.file("mem.gguf"));
  ModelFile back = read_model_file(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "mem.gguf");
  ASSERT_EQ(back.tensors.size(), built.tensors.size());
  for (size_t i = 0; i < back.tensors.size(); ++i) {
    EXPECT_EQ(back.tensors[i].name, built.tensors[i].name);
    EXPECT_EQ(back.tensors[i].shape, built.tensors[i].shape);
    EXPECT_EQ(bytes.substr(back.data_offset + back.tensors[i].offset, back.tensors[i].n_bytes), built.tensors[i].bytes)
        << built.tensors[i].name;
  }
  EXPECT_EQ(back.metadata, built.describe("gguf").metadata);
  EXPECT_EQ(file_sha(dir.file("mem.gguf")), file_sha(dir.file("built.gguf")));

  // The same model ingested from a file adds no chunk and gets identical rows: the
  // statistics and zone maps are computed the one way.
  int64_t chunks = scalar(*db, "SELECT count(*) FROM chunks");
  IngestReport r = ingest_model(*db, dir.file("built.gguf"), {"file"});
  EXPECT_EQ(r.chunks_new, 0u);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM chunks"), chunks);
  EXPECT_EQ(tensor_rows(*db, r.model.id), tensor_rows(*db, m.id));
  EXPECT_TRUE(r.model.has_source());
  EXPECT_EQ(r.model.source_sha256, file_sha(dir.file("built.gguf")));
  EXPECT_EQ(r.model.derivation, "");
  expect_check_passes(*db);
}

TEST_F(StoreTest, ModelWithoutFileIsNotFoundByAnEmptyDigest) {
  write_from_memory(*db, small_model(), "mem");
  EXPECT_FALSE(find_model_by_sha256(*db, ""));
  EXPECT_EQ(list_models(*db).at(0).source_sha256, "");
}

TEST_F(StoreTest, DerivedModelSharesItsParentsChunksAndOutlivesIt) {
  BuiltModel built = small_model();
  built.write_gguf(dir.file("parent.gguf"));
  ModelRow parent = ingest_model(*db, dir.file("parent.gguf"), {"parent"}).model;
  std::vector<TensorRow> tensors = model_tensors(db->handle(), parent.id);
  TableCounts before = counts(*db);
  int64_t refs_before = scalar(*db, "SELECT sum(refcount) FROM chunks");

  // A subset (two tensors, one renamed) and a full copy.
  {
    NewModel spec = derived_model(*db, parent, "subset", {{"kind", "subset"}, {"tensors", {"blk.0.attn_q.weight", "output_norm.weight"}}});
    ModelWriter w(*db, spec);
    w.add_tensor_from(tensors[1]);
    w.add_tensor_from(tensors[3], "renamed_norm.weight");
    ModelRow sub = w.commit();
    EXPECT_EQ(w.counters().chunks_new, 0u);
    EXPECT_EQ(w.counters().bytes_written, 0u);
    EXPECT_EQ(w.counters().bytes_shared, tensors[1].n_bytes + tensors[3].n_bytes);
    EXPECT_EQ(sub.parent_id, parent.id);
    EXPECT_FALSE(sub.has_source());
    auto derivation = ordered_json::parse(sub.derivation);
    EXPECT_EQ(derivation["kind"], "subset");
    EXPECT_EQ(derivation["parent"], "parent");
    EXPECT_EQ(sub.n_tensors, 2);
    EXPECT_EQ(sub.n_bytes, static_cast<int64_t>(tensors[1].n_bytes + tensors[3].n_bytes));
  }
  {
    ModelWriter w(*db, derived_model(*db, parent, "copy", {{"kind", "copy"}}));
    for (const TensorRow& t : tensors) w.add_tensor_from(t);
    w.commit();
  }
  TableCounts after = counts(*db);
  EXPECT_EQ(after.chunks, before.chunks) << "a derived model stores no chunk";
  EXPECT_EQ(after.chunk_data, before.chunk_data);
  EXPECT_EQ(after.models, before.models + 2);
  EXPECT_EQ(after.tensor_chunks, before.tensor_chunks * 2 + scalar(*db,
      "SELECT count(*) FROM tensor_chunks tc JOIN tensors t ON t.id = tc.tensor_id JOIN models m ON m.id = t.model_id"
      " WHERE m.name = 'subset'"));
  EXPECT_EQ(scalar(*db, "SELECT sum(refcount) FROM chunks"), refs_before + after.tensor_chunks - before.tensor_chunks);
  ModelRow copy = *find_model(*db, "copy");
  EXPECT_EQ(tensor_rows(*db, copy.id), tensor_rows(*db, parent.id)) << "same rows, same chunks, same statistics";
  // A renamed tensor takes the layer and kind of its new name.
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM tensors WHERE name = 'renamed_norm.weight' AND layer IS NULL"), 1);
  expect_check_passes(*db);

  // The parent goes; the chunks its children use stay, and they still export.
  RemoveReport removed = remove_model(*db, "parent");
  EXPECT_EQ(removed.chunks_freed, 0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM chunks"), before.chunks);
  expect_check_passes(*db);
  ModelRow sub = *find_model(*db, "subset");
  EXPECT_EQ(sub.parent_id, 0);
  EXPECT_EQ(ordered_json::parse(sub.derivation)["parent"], "parent");
  export_model(*db, "copy", ExportFormat::kGguf, dir.file("copy.gguf"));
  EXPECT_EQ(file_sha(dir.file("copy.gguf")), file_sha(dir.file("parent.gguf")))
      << "a full copy is the parent, byte for byte";
  export_model(*db, "subset", ExportFormat::kGguf, dir.file("subset.gguf"));
  std::string bytes = read_file(dir.file("subset.gguf"));
  ModelFile back = read_model_file(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "subset.gguf");
  ASSERT_EQ(back.tensors.size(), 2u);
  EXPECT_EQ(back.tensors[1].name, "renamed_norm.weight");
  EXPECT_EQ(bytes.substr(back.data_offset + back.tensors[0].offset, back.tensors[0].n_bytes), built.tensors[1].bytes);
  EXPECT_EQ(bytes.substr(back.data_offset + back.tensors[1].offset, back.tensors[1].n_bytes), built.tensors[3].bytes);

  // Removing the last users frees everything.
  remove_model(*db, "copy");
  remove_model(*db, "subset");
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM chunks"), 0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM chunk_data"), 0);
}

TEST_F(StoreTest, ParentRemovedByPlainSqlWithForeignKeysOffLeavesNoDanglingParent) {
  write_from_memory(*db, small_model(), "parent");
  ModelRow parent = *find_model(*db, "parent");
  ModelWriter w(*db, derived_model(*db, parent, "child", {{"kind", "subset"}}));
  w.add_tensor_from(model_tensors(db->handle(), parent.id).at(0));
  w.commit();
  db->exec("PRAGMA foreign_keys = OFF");
  db->exec("DELETE FROM models WHERE name = 'parent'");
  db->exec("PRAGMA foreign_keys = ON");
  EXPECT_EQ(find_model(*db, "child")->parent_id, 0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  expect_check_passes(*db);
}

TEST_F(StoreTest, FailedWriteLeavesTheDatabaseUnchanged) {
  BuiltModel built = small_model();
  built.write_gguf(dir.file("parent.gguf"));
  ingest_model(*db, dir.file("parent.gguf"), {"parent"});
  TableCounts before = counts(*db);
  {
    ModelWriter w(*db, spec_of(built, "half"));
    w.add_tensor(built.tensors[0].name, built.tensors[0].shape, built.tensors[0].dtype, built.tensors[0].bytes.data(),
                 built.tensors[0].bytes.size());
    const BuiltTensor& t = built.tensors[2];
    try {
      w.add_tensor(t.name, t.shape, t.dtype, t.bytes.data(), t.bytes.size() - 1);
      FAIL() << "a wrong byte count must be refused";
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("blk.1.ffn_up.weight"));
      EXPECT_THAT(e.what(), ::testing::HasSubstr("given " + std::to_string(t.bytes.size() - 1)));
    }
    EXPECT_THROW(w.add_tensor("x", {3}, DType::Q8_0, t.bytes.data(), 34), UsageError) << "not whole blocks";
    EXPECT_THROW(w.add_tensor(built.tensors[0].name, built.tensors[0].shape, built.tensors[0].dtype,
                              built.tensors[0].bytes.data(), built.tensors[0].bytes.size()),
                 UsageError)
        << "a repeated name";
    // Dropped without commit: everything rolls back.
  }
  EXPECT_EQ(counts(*db), before);
  EXPECT_FALSE(find_model(*db, "half"));
  expect_check_passes(*db);
  EXPECT_EQ(integrity(*db), "ok");

  // A name already stored is refused before anything is written.
  try {
    ModelWriter w(*db, spec_of(built, "parent"));
    FAIL() << "a taken name must be refused";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("model 'parent'"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("already stored"));
  }
  NewModel bad = spec_of(built, "bad");
  bad.metadata["untyped"] = 1;
  EXPECT_THROW(ModelWriter(*db, bad), UsageError);
  bad = spec_of(built, "");
  EXPECT_THROW(ModelWriter(*db, bad), UsageError);
  bad = spec_of(built, "bad");
  bad.parent_id = 12345;
  EXPECT_THROW(ModelWriter(*db, bad), UsageError);
  EXPECT_EQ(counts(*db), before);

  // The writer is usable again once the transaction it held is gone.
  write_from_memory(*db, built, "whole");
  EXPECT_EQ(find_model(*db, "whole")->n_tensors, 5);
}

// A database as hart left it at schema version 4, holding a model (with a chunk used
// twice), an inference and a tensor atom that refer to it.
std::string make_v4_database(const TempDir& dir, const BuiltModel& built) {
  built.write_gguf(dir.file("model.gguf"));
  {
    Database v5(dir.file("v5.db"), Database::Mode::kCreate);
    ingest_model(v5, dir.file("model.gguf"), {"old"});
  }
  std::string path = dir.file("v4.db");
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
  {
    Database db(raw);
    db.exec("PRAGMA page_size = 65536");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA foreign_keys = ON");
    migrate_to(db, path, true, 4);
    EXPECT_EQ(scalar(db, "PRAGMA user_version"), 4);
    db.exec("ATTACH '" + dir.file("v5.db") + "' AS v5");
    db.exec(
        "INSERT INTO models SELECT id, name, architecture, format, format_version, alignment, source_sha256,"
        " source_size, source_path, metadata, metadata_types, parameter_count, n_tensors, n_bytes, created_at, config"
        " FROM v5.models;"
        "INSERT INTO tensors SELECT * FROM v5.tensors;"
        "INSERT INTO chunks SELECT id, sha256, 0, n_bytes FROM v5.chunks;"
        "INSERT INTO chunk_data SELECT * FROM v5.chunk_data;"
        "INSERT INTO tensor_chunks SELECT * FROM v5.tensor_chunks;"
        "DETACH v5;"
        "INSERT INTO inferences(model_id, model_name, task, input, started_at, duration_ms)"
        " VALUES(1, 'old', 'generate', 'hi', '2026-01-01T00:00:00Z', 1);"
        "INSERT INTO atoms(sha256, modality, subtype, size, model_id)"
        " SELECT randomblob(32), 'tensor', 'model', source_size, id FROM models;");
  }
  sqlite3_close_v2(raw);
  return path;
}

TEST(ModelWriterMigration, Version4DatabaseKeepsItsModelsReadable) {
  TempDir dir;
  BuiltModel built = small_model();
  std::string path = make_v4_database(dir, built);
  Database db(path, Database::Mode::kOpenExisting);
  EXPECT_EQ(scalar(db, "PRAGMA user_version"), schema_version_latest());
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_EQ(integrity(db), "ok");

  ModelRow m = require_model(db, "old");
  EXPECT_EQ(m.id, 1);
  EXPECT_EQ(m.source_sha256, file_sha(dir.file("model.gguf")));
  EXPECT_EQ(m.n_tensors, 5);
  EXPECT_EQ(m.parent_id, 0);
  EXPECT_EQ(m.derivation, "");
  EXPECT_EQ(find_model_by_sha256(db, m.source_sha256)->id, 1);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM inferences WHERE model_id = 1"), 1) << "no ON DELETE ran";
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms WHERE model_id = 1 AND error IS NULL"), 1);
  expect_check_passes(db);
  export_model(db, "old", ExportFormat::kGguf, dir.file("out.gguf"));
  EXPECT_EQ(file_sha(dir.file("out.gguf")), file_sha(dir.file("model.gguf")));

  // The triggers came back with the table, and ids are not reused.
  ModelWriter w(db, derived_model(db, m, "child", {{"kind", "copy"}}));
  for (const TensorRow& t : model_tensors(db.handle(), m.id)) w.add_tensor_from(t);
  EXPECT_EQ(w.commit().id, 2);
  remove_model(db, "old");
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM inferences WHERE model_id IS NULL"), 1);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms WHERE model_id IS NULL AND error IS NOT NULL"), 1);
  EXPECT_EQ(find_model(db, "child")->parent_id, 0);
  expect_check_passes(db);
  remove_model(db, "child");
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM tensors"), 0);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM chunks"), 0);
  ModelWriter again(db, spec_of(built, "new"));
  EXPECT_EQ(again.commit().id, 3) << "AUTOINCREMENT: a removed model's id is not given out again";
}

}  // namespace
}  // namespace hart::test
