// Databases as schema versions 1 to the current one left them (tests/fixtures/schema, written by
// make_fixtures.py) open, migrate to the current version, keep their rows readable
// through the store's read APIs and SQL, end with the same schema as a new file,
// and stay unchanged when opened again.
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "sql/register.h"
#include "store/api_keys.h"
#include "store/atoms.h"
#include "store/models.h"
#include "store/schema.h"
#include "store/settings.h"
#include "store/tensor_data.h"
#include "store_fixture.h"

namespace hart::test {
namespace {

// The rows make_fixtures.py writes.
const std::vector<float> kEmbd = {0.5f, -1.0f, 0.25f, 2.0f, 0.0f, -0.75f, 1.5f, -2.5f};
const std::vector<float> kAttnQ = {1.0f, -0.5f, 0.125f, 3.0f};

std::string copy_fixture(const TempDir& dir, int version) {
  std::string from = source_dir() + "/tests/fixtures/schema/v" + std::to_string(version) + ".db";
  std::string to = dir.file("v" + std::to_string(version) + ".db");
  if (!std::filesystem::exists(from))
    throw std::runtime_error(from + " is missing: add schema version " + std::to_string(version) +
                             " to tests/fixtures/schema/make_fixtures.py and run it");
  std::filesystem::copy_file(from, to);
  return to;
}

// The version a file claims before hart touches it (header bytes 60-63, big-endian).
int file_user_version(const std::string& path) {
  std::string b = read_file(path);
  return (uint8_t(b[60]) << 24) | (uint8_t(b[61]) << 16) | (uint8_t(b[62]) << 8) | uint8_t(b[63]);
}

std::vector<std::string> column_strings(sqlite3* db, const std::string& sql) {
  std::vector<std::string> out;
  Stmt s(db, sql);
  while (s.step()) out.push_back(s.is_null(0) ? "NULL" : s.text(0));
  return out;
}
std::vector<std::string> column_strings(Database& db, const std::string& sql) {
  return column_strings(db.handle(), sql);
}

// table -> its columns, for every table (R*Tree shadow tables included).
std::map<std::string, std::vector<std::string>> tables(sqlite3* db) {
  std::map<std::string, std::vector<std::string>> out;
  for (const std::string& t : column_strings(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                                 " AND name NOT LIKE 'sqlite_%'"))
    out[t] = column_strings(db, "SELECT name FROM pragma_table_info('" + t + "')");
  return out;
}

// The rows of `table` as SQL literals of `columns` (blobs as X'..'), sorted.
std::vector<std::string> rows(sqlite3* db, const std::string& table, const std::vector<std::string>& columns) {
  std::string list;
  for (const std::string& c : columns) list += (list.empty() ? "" : " || ',' || ") + ("quote(\"" + c + "\")");
  return column_strings(db, "SELECT " + list + " FROM \"" + table + "\" ORDER BY 1");
}

std::vector<std::string> schema_objects(Database& db) {
  return column_strings(db, "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY 1");
}

// Every schema object, and every row of every table, as text.
std::vector<std::string> dump(Database& db) {
  std::vector<std::string> out = schema_objects(db);
  for (const auto& [table, columns] : tables(db.handle()))
    for (const std::string& row : rows(db.handle(), table, columns)) out.push_back(table + " " + row);
  return out;
}

std::vector<float> tensor_values(Database& db, const TensorRow& t) {
  std::vector<float> out;
  read_tensor_values(db.handle(), t, 0, t.n_elements,
                     [&](uint64_t, const float* v, size_t n) { out.insert(out.end(), v, v + n); });
  return out;
}

std::string payload(Database& db, int64_t atom_id) {
  std::string out;
  EXPECT_TRUE(read_atom_payload(db.handle(), atom_id, [&](const void* p, size_t n) {
    out.append(static_cast<const char*>(p), n);
  }));
  return out;
}

class SchemaFixture : public ::testing::TestWithParam<int> {
 protected:
  TempDir dir;
};

TEST_P(SchemaFixture, OpensAtTheLatestVersionWithItsRowsReadable) {
  const int version = GetParam();
  std::string path = copy_fixture(dir, version);
  ASSERT_EQ(file_user_version(path), version) << "the fixture itself is wrong";

  Database db(path, Database::Mode::kOpenExisting);
  register_sql(db);  // weights and atom_text below
  EXPECT_EQ(scalar(db, "PRAGMA user_version"), schema_version_latest());
  EXPECT_EQ(scalar(db, "PRAGMA application_id"), kApplicationId);
  EXPECT_EQ(integrity(db), "ok");
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);

  // Models, through the catalog.
  std::vector<ModelRow> models = list_models(db);
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].name, "tiny-llama");
  EXPECT_EQ(models[0].format, "gguf");
  EXPECT_EQ(models[0].n_tensors, 2);
  EXPECT_EQ(models[0].parameter_count, 12);
  EXPECT_EQ(models[0].source_path, "/models/tiny-llama.gguf");
  EXPECT_EQ(models[1].name, "tiny-gpt2");
  EXPECT_EQ(models[1].format, "safetensors");
  EXPECT_EQ(models[1].alignment, 8);

  // Tensors and their bytes (each chunk's SHA-256 is checked on the way out).
  std::vector<TensorRow> llama = model_tensors(db.handle(), models[0].id);
  ASSERT_EQ(llama.size(), 2u);
  EXPECT_EQ(llama[0].name, "token_embd.weight");
  EXPECT_EQ(llama[0].shape, (std::vector<uint64_t>{2, 4}));
  EXPECT_FALSE(llama[0].layer.has_value());
  EXPECT_EQ(llama[1].kind, "attn_q");
  EXPECT_EQ(llama[1].layer, 0);
  EXPECT_EQ(llama[1].dtype, DType::F16);
  EXPECT_EQ(llama[1].max_abs, 3.0);
  EXPECT_EQ(tensor_values(db, llama[0]), kEmbd);
  EXPECT_EQ(tensor_values(db, llama[1]), kAttnQ);
  std::vector<TensorRow> gpt2 = model_tensors(db.handle(), models[1].id);
  ASSERT_EQ(gpt2.size(), 1u);
  EXPECT_EQ(tensor_values(db, gpt2[0]), kEmbd);

  // The two token_embd tensors share one chunk; counts still match references.
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM chunks WHERE refcount = 2"), 1);
  EXPECT_EQ(scalar(db,
                   "SELECT count(*) FROM chunks c WHERE refcount <> "
                   "(SELECT count(*) FROM tensor_chunks WHERE chunk_id = c.id) + "
                   "(SELECT count(*) FROM atom_chunks WHERE chunk_id = c.id)"),
            0);

  // SQL: the weights table, once reading chunks in order and once through the R*Tree.
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM weights WHERE model = 'tiny-llama'"), 12);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM weights WHERE model = 'tiny-llama' AND value > 1.9"), 2);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM weights WHERE model = 'tiny-gpt2' AND kind = 'token_embd'"), 8);

  // What later versions added is there, empty or NULL, on files from before them.
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM inferences"), version >= 2 ? 1 : 0);
  if (version >= 2) {
    EXPECT_EQ(column_strings(db, "SELECT model_name || '|' || input || '|' || output || '|' || options"
                                 " FROM inferences WHERE model_id = (SELECT id FROM models WHERE name = 'tiny-llama')"),
              std::vector<std::string>{"tiny-llama|Once upon| a time|{\"max_tokens\": 2, \"temperature\": 0, \"seed\": 42}"});
  }
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM inferences WHERE input_bytes IS NULL AND input_sha256 IS NULL"
                       " AND output_bytes IS NULL AND output_sha256 IS NULL"),
            version >= 2 ? 1 : 0);
  EXPECT_EQ(read_setting(db.handle(), kInferenceLogSetting), version >= 6 ? "full" : "65536");
  EXPECT_EQ(column_strings(db, "SELECT coalesce(config, 'NULL') FROM models ORDER BY id"),
            (std::vector<std::string>{"NULL", version >= 3 ? "{\"model_type\": \"gpt2\", \"n_embd\": 4}" : "NULL"}));
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM inferences WHERE usage_id = (SELECT id FROM usage WHERE status = 200)"),
            version >= 10 ? 1 : 0);
  const std::vector<ApiKey> keys = list_api_keys(db);
  ASSERT_EQ(keys.size(), version >= 10 ? 1u : 0u);
  if (version >= 10) {
    EXPECT_EQ(keys[0].tenant, "fixtures");
    EXPECT_EQ(keys[0].requests_per_minute, 60);
    EXPECT_TRUE(find_api_key(db, "hk-fixture", "2026-01-01T00:00:00.000Z").key);
  }
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms"), version >= 4 ? 3 : 0);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM sources"), version >= 4 ? 2 : 0);
  // Version 8: atoms with text are in the full-text index, whether the migration or
  // the trigger put them there.
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms_fts WHERE atoms_fts MATCH 'FIXTURES'"), version >= 4 ? 1 : 0);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms_fts_docsize"), scalar(db, "SELECT count(*) FROM atoms_text"));
  if (version >= 4) {
    int64_t file = scalar(db, "SELECT atom_id FROM sources WHERE path = '/data/hello.txt'");
    EXPECT_EQ(payload(db, file), "hello fixtures\n");
    int64_t passage = scalar(db, "SELECT child_id FROM atom_relations WHERE parent_id = " + std::to_string(file) +
                                     " AND relation = 'passage'");
    EXPECT_EQ(payload(db, passage), "hello fixtures");
    EXPECT_EQ(column_strings(db, "SELECT atom_text(" + std::to_string(passage) + ")"),
              std::vector<std::string>{"hello fixtures"});
    EXPECT_EQ(scalar(db, "SELECT model_id FROM atoms WHERE modality = 'tensor'"), models[0].id);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms WHERE refcount <> 1"), 0);
  }
}

// Every value of every column the old file had is still there after migrating: a
// migration that rebuilds a table and loses a column or a row fails here.
TEST_P(SchemaFixture, KeepsEveryValueItHad) {
  std::string path = copy_fixture(dir, GetParam());
  std::map<std::string, std::vector<std::string>> before_tables;
  std::map<std::string, std::vector<std::string>> before_rows;
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    before_tables = tables(raw);
    for (const auto& [table, columns] : before_tables) before_rows[table] = rows(raw, table, columns);
    sqlite3_close(raw);
  }
  ASSERT_TRUE(before_tables.count("tensor_chunks"));
  ASSERT_EQ(before_rows["tensors"].size(), 3u);

  Database db(path, Database::Mode::kOpenExisting);
  std::map<std::string, std::vector<std::string>> after_tables = tables(db.handle());
  for (const auto& [table, columns] : before_tables) {
    ASSERT_TRUE(after_tables.count(table)) << table << " is gone";
    for (const std::string& c : columns)
      EXPECT_THAT(after_tables[table], ::testing::Contains(c)) << table << "." << c << " is gone";
    EXPECT_EQ(rows(db.handle(), table, columns), before_rows[table]) << table;
  }
}

// A migrated file has exactly the schema of a file created today: no table, column,
// index, trigger or view missing or different.
TEST_P(SchemaFixture, EndsWithTheSchemaOfANewFile) {
  std::string path = copy_fixture(dir, GetParam());
  Database migrated(path, Database::Mode::kOpenExisting);
  Database fresh(dir.file("new.db"), Database::Mode::kCreate);
  EXPECT_EQ(schema_objects(migrated), schema_objects(fresh));
}

// Migrations keep the invariants `hart check` verifies.
TEST_P(SchemaFixture, AMigratedFilePassesTheConsistencyCheck) {
  Database db(copy_fixture(dir, GetParam()), Database::Mode::kOpenExisting);
  expect_check_passes(db);
}

TEST_P(SchemaFixture, OpeningAgainChangesNothing) {
  std::string path = copy_fixture(dir, GetParam());
  std::vector<std::string> first;
  {
    Database db(path, Database::Mode::kOpenExisting);
    first = dump(db);
  }
  ASSERT_GT(first.size(), 20u);
  Database again(path, Database::Mode::kOpenExisting);
  EXPECT_EQ(scalar(again, "PRAGMA user_version"), schema_version_latest());
  EXPECT_EQ(dump(again), first);
}

// The current triggers work on old rows: removing a model releases only the chunk it
// does not share, and removing the other frees the rest.
TEST_P(SchemaFixture, OldRowsFollowTheCurrentTriggers) {
  std::string path = copy_fixture(dir, GetParam());
  Database db(path, Database::Mode::kOpenExisting);
  int64_t chunks = scalar(db, "SELECT count(*) FROM chunks");
  RemoveReport gpt2 = remove_model(db, "tiny-gpt2");
  EXPECT_EQ(gpt2.chunks_freed, 0);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM chunks"), chunks);
  EXPECT_EQ(scalar(db, "SELECT refcount FROM chunks ORDER BY refcount DESC LIMIT 1"), 1);
  RemoveReport llama = remove_model(db, "tiny-llama");
  EXPECT_EQ(llama.chunks_freed, 2);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM tensor_chunks") + scalar(db, "SELECT count(*) FROM chunk_zones"), 0);
  if (GetParam() >= 4) {
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms WHERE modality = 'tensor' AND model_id IS NULL"), 1);
    remove_source(db, "/data/hello.txt");
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms WHERE modality = 'text'"), 0);
  }
  expect_check_passes(db);
}

// Every version up to the current one: a new schema version needs its fixture too.
INSTANTIATE_TEST_SUITE_P(Versions, SchemaFixture, ::testing::Range(1, schema_version_latest() + 1),
                         [](const auto& info) { return "v" + std::to_string(info.param); });

}  // namespace
}  // namespace hart::test
