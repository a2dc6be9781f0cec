// Students from SQL in the three SQLite hosts the extension serves: importance(),
// extract_student(), the score views and model_lineage, on the project's reference
// Llama (2 layers, 4 heads / 2 KV, ffn 192).
#include "../store/store_fixture.h"
#include "reference_models.h"
#include "store/model_ingest.h"
#include "support/sqlite_hosts.h"

namespace hart::test {
namespace {

const char* kScript =
    "SELECT json_extract(importance('ref', 'magnitude'), '$.units')\n"
    "SELECT json_extract(extract_student('ref', 's1', 'SELECT id FROM tensors WHERE model_id = 1 AND (layer IS NULL OR "
    "layer = 1)', '{\"sparsity\": 0.5, \"heads\": 0.5}'), '$.layers')\n"
    "SELECT name, parent_name, kind, json_extract(options, '$.sparsity') FROM model_lineage\n"
    "SELECT count(*) FROM tensors t JOIN models m ON m.id = t.model_id WHERE m.name = 's1' AND t.zero_fraction = 0.5\n"
    "SELECT json_extract(metadata, '$.\"llama.attention.head_count\"'), json_extract(metadata, '$.\"llama.block_count\"') "
    "FROM models WHERE name = 's1'\n"
    "SELECT count(*) FROM head_scores WHERE model = 'ref' AND method = 'magnitude'\n";
// Units: 2 layers x (1 + 4 heads + 192 neurons). Sparsity is decided on the parent's
// matrices before heads are cut: K, V and the feed-forward's three stay exactly half zero.
const char* kExpected = "394\n1\ns1|ref|student|0.5\n5\n2|1\n8\n";

class StudentHostsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    reference::write_reference_models(models.path());
    IngestOptions o;
    o.name = "ref";
    ingest_model(*db, models.file("llama_f32.gguf"), o);
    db.reset();  // the host has the file to itself
  }
  TempDir models;
};

TEST_F(StudentHostsTest, SqliteShell) { EXPECT_EQ(run_in_sqlite_shell(dir.file("test.db"), kScript, dir.path()), kExpected); }
TEST_F(StudentHostsTest, DebianPython) { EXPECT_EQ(run_in_python(dir.file("test.db"), kScript, dir.path()), kExpected); }
TEST_F(StudentHostsTest, NodeBetterSqlite3) { EXPECT_EQ(run_in_node(dir.file("test.db"), kScript, dir.path()), kExpected); }

}  // namespace
}  // namespace hart::test
