// check_consistency (`hart check`): a healthy database passes every check, and each
// invariant broken on purpose by plain SQL (foreign keys off, as any client may run)
// is reported by its check's name with the rows' ids, and by no other check.
#include <functional>

#include "store/atom_store.h"
#include "store/consistency_check.h"
#include "store/model_ingest.h"
#include "store_fixture.h"
#include "support/model_builder.h"

namespace hart::test {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kCheckNames = {"integrity_check", "foreign_key_check", "chunk_refcount",
                                              "atom_refcount",   "chunk_data",        "chunk_sha256",
                                              "chunk_zones",     "score_zones",       "tensor_elements", "model_totals",
                                              "text_index"};

std::vector<std::string> failed_checks(const ConsistencyReport& r) {
  std::vector<std::string> names;
  for (const ConsistencyCheckResult& c : r.checks)
    if (c.problems) names.push_back(c.name);
  return names;
}

std::string all_findings(const ConsistencyReport& r) {
  std::string s;
  for (const ConsistencyFinding& f : r.findings) s += f.check + ": " + f.problem + "\n";
  return s;
}

// A model of several multi-chunk tensors, and atoms: a file of three payload chunks
// with a passage related to it, and its sources row.
void fill(Database& db, const TempDir& dir) {
  BuiltModel m;
  m.add("token_embd.weight", {300, 100}, DType::F32, 1);  // 2 chunks
  m.add_normal("blk.0.attn_q.weight", {256, 256}, DType::Q8_0, 0.02f, 2);
  m.add("output_norm.weight", {100}, DType::F32, 3);
  m.write_gguf(dir.file("m.gguf"));
  ingest_model(db, dir.file("m.gguf"), {"m"});
  Transaction tx(db);
  AtomStore atoms(db);
  std::string payload(150000, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>((i * 2654435761u) >> 13);
  StoredAtom file = atoms.put_bytes(payload, {"binary", "file", "application/octet-stream"});
  StoredAtom passage = atoms.put_text("A passage of it.", {"text", "passage", "text/plain"});
  atoms.relate(file.id, passage.id, "passage", 0);
  db.prepare("INSERT INTO sources(path, size, mtime_ns, atom_id) VALUES('/x/file', 150000, 1, ?)").bind(1, file.id).run();
  tx.commit();
}

TEST(ConsistencyCheck, AHealthyDatabasePassesEveryCheck) {
  TempDir dir;
  Database db(dir.file("ok.db"), Database::Mode::kCreate);
  fill(db, dir);
  ASSERT_EQ(scalar(db, "SELECT count(*) FROM atom_chunks"), 3);
  ConsistencyReport r = check_consistency(db);
  EXPECT_TRUE(r.ok()) << all_findings(r);
  std::vector<std::string> names;
  for (const ConsistencyCheckResult& c : r.checks) names.push_back(c.name);
  EXPECT_EQ(names, kCheckNames);
}

TEST(ConsistencyCheck, Stories260KIngestedPasses) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  TempDir dir;
  Database db(dir.file("stories.db"), Database::Mode::kCreate);
  ingest_model(db, path, {"stories260K"});
  ConsistencyReport r = check_consistency(db);
  EXPECT_TRUE(r.ok()) << all_findings(r);
}

// One way to break one invariant: runs on the filled database (foreign keys off) and
// returns a phrase the finding must contain.
struct Breakage {
  std::string check;
  std::function<std::string(Database&)> apply;
};

int64_t first(Database& db, const std::string& sql) { return scalar(db, sql); }
std::string str(int64_t v) { return std::to_string(v); }

const std::vector<Breakage>& breakages() {
  static const std::vector<Breakage> all = {
      {"integrity_check",  // an index whose stated columns no longer match its entries
       [](Database& db) {
         db.exec("PRAGMA writable_schema = ON;"
                 "UPDATE sqlite_schema SET sql = 'CREATE INDEX tensors_by_layer ON tensors(name)'"
                 " WHERE name = 'tensors_by_layer'");
         return std::string("row 1 missing from index tensors_by_layer");
       }},
      {"foreign_key_check",
       [](Database& db) {
         int64_t chunk = first(db, "SELECT min(id) FROM chunks");
         db.exec("INSERT INTO tensor_chunks(tensor_id, ordinal, chunk_id, elem_start, elem_count)"
                 " VALUES(9999, 0, " + str(chunk) + ", 0, 1)");
         return "tensor_chunks row " + str(db.last_insert_rowid()) + ": tensor_id refers to a missing tensors row";
       }},
      {"chunk_refcount",
       [](Database& db) {
         int64_t chunk = first(db, "SELECT chunk_id FROM tensor_chunks ORDER BY id LIMIT 1");
         db.exec("UPDATE chunks SET refcount = refcount + 1 WHERE id = " + str(chunk));
         return "chunk " + str(chunk) + ": refcount 2, but 1 tensor_chunks, 0 atom_chunks and 0 pending_chunks rows use it";
       }},
      {"chunk_refcount",  // an atom's chunk counted once too few
       [](Database& db) {
         int64_t chunk = first(db, "SELECT chunk_id FROM atom_chunks ORDER BY ordinal LIMIT 1");
         db.exec("UPDATE chunks SET refcount = refcount + 1 WHERE id = " + str(chunk));
         return "chunk " + str(chunk) + ": refcount 2, but 0 tensor_chunks, 1 atom_chunks and 0 pending_chunks rows use it";
       }},
      {"chunk_refcount",  // a chunk reserved by a model write in progress, not counted
       [](Database& db) {
         int64_t chunk = first(db, "SELECT chunk_id FROM tensor_chunks ORDER BY id LIMIT 1");
         db.exec("INSERT INTO pending_writes(model_name, owner) VALUES('w', 'x 1 1')");
         db.exec("INSERT INTO pending_chunks VALUES(last_insert_rowid(), " + str(chunk) + ")");
         db.exec("UPDATE chunks SET refcount = refcount - 1 WHERE id = " + str(chunk));
         return "chunk " + str(chunk) + ": refcount 1, but 1 tensor_chunks, 0 atom_chunks and 1 pending_chunks rows use it";
       }},
      {"chunk_refcount",  // a chunk nothing uses, left behind
       [](Database& db) {
         db.exec("INSERT INTO chunks(sha256, n_bytes) VALUES(x'039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81', 3)");  // SHA-256 of 01 02 03
         int64_t chunk = db.last_insert_rowid();
         db.exec("INSERT INTO chunk_data VALUES(" + str(chunk) + ", x'010203')");
         return "chunk " + str(chunk) + ": nothing uses it, yet it is stored";
       }},
      {"atom_refcount",
       [](Database& db) {
         int64_t atom = first(db, "SELECT child_id FROM atom_relations LIMIT 1");
         db.exec("UPDATE atoms SET refcount = 3 WHERE id = " + str(atom));
         return "atom " + str(atom) + ": refcount 3, but 0 sources and 1 atom_relations rows point at it";
       }},
      {"chunk_data",
       [](Database& db) {
         int64_t chunk = first(db, "SELECT min(id) FROM chunks");
         int64_t bytes = first(db, "SELECT n_bytes FROM chunks WHERE id = " + str(chunk));
         db.exec("DELETE FROM chunk_data WHERE id = " + str(chunk));
         return "chunk " + str(chunk) + ": no chunk_data row (its " + str(bytes) + " bytes are lost)";
       }},
      {"chunk_data",
       [](Database& db) {
         int64_t chunk = first(db, "SELECT max(id) FROM chunks");
         int64_t bytes = first(db, "SELECT n_bytes FROM chunks WHERE id = " + str(chunk));
         db.exec("UPDATE chunk_data SET data = zeroblob(10) WHERE id = " + str(chunk));
         return "chunk " + str(chunk) + ": chunk_data holds 10 bytes, chunks.n_bytes says " + str(bytes);
       }},
      {"chunk_sha256",  // bytes damaged in place: right size, wrong content
       [](Database& db) {
         int64_t chunk = first(db, "SELECT chunk_id FROM atom_chunks ORDER BY ordinal LIMIT 1");
         db.exec("UPDATE chunk_data SET data = zeroblob(length(data)) WHERE id = " + str(chunk));
         return "chunk " + str(chunk) + ": its 65536 bytes hash to de2f256064a0af79..., not to its sha256 ";
       }},
      {"chunk_zones",
       [](Database& db) {
         int64_t row = first(db, "SELECT max(id) FROM tensor_chunks");
         int64_t tensor = first(db, "SELECT tensor_id FROM tensor_chunks WHERE id = " + str(row));
         int64_t ordinal = first(db, "SELECT ordinal FROM tensor_chunks WHERE id = " + str(row));
         db.exec("DELETE FROM chunk_zones WHERE id = " + str(row));
         return "tensor_chunks row " + str(row) + " (tensor " + str(tensor) + ", ordinal " + str(ordinal) +
                "): no chunk_zones entry";
       }},
      {"chunk_zones",  // a box too small: pushdown would skip values the chunk holds
       [](Database& db) {
         int64_t row = first(db, "SELECT min(id) FROM tensor_chunks");
         db.exec("UPDATE chunk_zones SET val_max = val_min WHERE id = " + str(row));
         return "tensor_chunks row " + str(row) + " (tensor ";
       }},
      {"chunk_zones",
       [](Database& db) {
         db.exec("INSERT INTO chunk_zones VALUES(424242, 0, 0, 0, 0, 0, 0)");
         return std::string("chunk_zones entry 424242: no tensor_chunks row 424242");
       }},
      {"tensor_elements",  // a chunk's element count short by one (its zone map still covers it)
       [](Database& db) {
         int64_t tensor = first(db, "SELECT id FROM tensors WHERE name = 'token_embd.weight'");
         db.exec("UPDATE tensor_chunks SET elem_count = elem_count - 1 WHERE ordinal = 1 AND tensor_id = " + str(tensor));
         return "tensor " + str(tensor) + " ('token_embd.weight' of model 1): 30000 elements in 120000 bytes, but its "
                "chunks (2) hold 29999 elements in 120000 bytes";
       }},
      {"model_totals",
       [](Database& db) {
         db.exec("UPDATE models SET n_tensors = 4");
         return std::string("model 1 ('m'): 4 tensors");
       }},
      {"text_index",  // an atom with text written while its index trigger was gone
       [](Database& db) {
         db.exec("DROP TRIGGER atoms_fts_insert");
         db.exec("INSERT INTO atoms(sha256, modality, subtype, size, text) VALUES(randomblob(32), 'text', 'passage', 5,"
                 " 'words')");
         return "atom " + str(db.last_insert_rowid()) + " has text, but atoms_fts has no entry for it";
       }},
      {"text_index",  // an entry whose atom is gone
       [](Database& db) {
         db.exec("INSERT INTO atoms_fts(rowid, text) VALUES(424242, 'ghost words')");
         return std::string("atoms_fts entry 424242: no atom 424242 with text");
       }},
      {"text_index",  // the index's own pages damaged: FTS5's integrity-check finds it
       [](Database& db) {
         db.exec("UPDATE atoms_fts_data SET block = zeroblob(length(block)) WHERE id > 10");
         return std::string("FTS5's integrity-check of atoms_fts failed");
       }},
  };
  return all;
}

class BrokenInvariant : public ::testing::TestWithParam<size_t> {};

TEST_P(BrokenInvariant, IsReportedByItsCheckAlone) {
  const Breakage& b = breakages()[GetParam()];
  TempDir dir;
  std::string expected;
  {
    Database db(dir.file("broken.db"), Database::Mode::kCreate);
    fill(db, dir);
    ASSERT_TRUE(check_consistency(db).ok());
    db.exec("PRAGMA foreign_keys = OFF");
    expected = b.apply(db);
  }
  Database db(dir.file("broken.db"), Database::Mode::kOpenExisting);  // as `hart check` opens it
  ConsistencyReport r = check_consistency(db);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(failed_checks(r), std::vector<std::string>{b.check}) << all_findings(r);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].check, b.check);
  EXPECT_THAT(all_findings(r), HasSubstr(b.check + ": " + expected));
}

INSTANTIATE_TEST_SUITE_P(EachInvariant, BrokenInvariant, ::testing::Range<size_t>(0, breakages().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return breakages()[info.param].check + "_" + std::to_string(info.param);
                         });

TEST(ConsistencyCheck, FindingsAreCappedButEveryProblemIsCounted) {
  TempDir dir;
  Database db(dir.file("many.db"), Database::Mode::kCreate);
  fill(db, dir);
  db.exec("UPDATE chunks SET refcount = refcount + 7");
  const int64_t chunks = scalar(db, "SELECT count(*) FROM chunks");
  ASSERT_GT(chunks, 3);
  ConsistencyReport r = check_consistency(db, 2);
  EXPECT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.checks[2].name, "chunk_refcount");
  EXPECT_EQ(r.checks[2].problems, chunks);
}

}  // namespace
}  // namespace hart::test
