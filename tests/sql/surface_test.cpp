// The SQL surface as declared in sql/register.cpp: every name registered, the
// hart_ names and their aliases, and SQLITE_DIRECTONLY keeping model runs and writes
// out of views and triggers that a database someone else made could carry.
#include <set>

#include "sql/register.h"
#include "sql_fixture.h"

namespace hart::test {
namespace {

class SurfaceTest : public SqlTest {
 protected:
  std::string error_of(const std::string& sql) {
    try {
      db->exec(sql);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(SurfaceTest, EveryDeclaredNameIsRegistered) {
  std::set<std::string> functions, modules;
  for (Stmt s = db->prepare("SELECT name FROM pragma_function_list"); s.step();) functions.insert(s.text(0));
  for (Stmt s = db->prepare("SELECT name FROM pragma_module_list"); s.step();) modules.insert(s.text(0));
  const std::vector<SqlName> surface = sql_surface();
  ASSERT_GE(surface.size(), 17u);
  for (const SqlName& n : surface) EXPECT_TRUE((n.module ? modules : functions).count(n.name)) << n.name;
  for (const char* verb : {"generate", "chat", "tokenize", "embed", "generate_tokens", "perplexity", "eval"}) {
    const bool module = std::string(verb) == "generate_tokens";
    EXPECT_TRUE((module ? modules : functions).count(std::string("hart_") + verb)) << verb;
    EXPECT_TRUE((module ? modules : functions).count(verb)) << verb << " (the alias)";
  }
}

// Every vector function reads its arguments' subtypes (SQLITE_SUBTYPE, 0x100000, which
// pragma_function_list shows); the aggregates are aggregates. (SQLITE_RESULT_SUBTYPE is
// newer than Debian's SQLite: the Node host test checks that results keep theirs.)
TEST_F(SurfaceTest, VectorFunctionsDeclareSubtypes) {
  int n = 0;
  for (Stmt s = db->prepare("SELECT name, narg, type, flags FROM pragma_function_list"
                            " WHERE name LIKE 'hvec\\_%' ESCAPE '\\'");
       s.step(); ++n) {
    const std::string name = s.text(0);
    const bool takes_vector = !(name == "hvec_activation" && s.int64(1) == 1);
    EXPECT_EQ((s.int64(3) & 0x100000) != 0, takes_vector) << name << "/" << s.int64(1);
    EXPECT_EQ(s.text(2), name == "hvec_avg" || name == "hvec_weighted_avg" ? "a" : "s") << name;
  }
  EXPECT_EQ(n, 22);
}

TEST_F(SurfaceTest, VersionIsTheProjects) {
  EXPECT_EQ(scalar(*db, "SELECT hart_version() = '" HART_TEST_VERSION "'"), 1);
}

TEST_F(SurfaceTest, RunsAndWritesAreDirectOnly) {
  for (const SqlName& n : sql_surface()) {
    const bool runs = n.name.find("generate") != std::string::npos || n.name.find("tokenize") != std::string::npos ||
                      n.name.find("chat") != std::string::npos ||
                      n.name.find("embed") != std::string::npos || n.name == "atom_gc" ||
                      n.name == "atom_features" ||  // may run a stored model on the atom's text
                      n.name.find("perplexity") != std::string::npos || n.name.find("eval") != std::string::npos ||
                      n.name == "compare_models" ||  // run models over a text
                      n.name == "hart_search" || n.name == "search" ||  // embeds its query, maybe with a model
                      n.name == "importance" || n.name == "extract_student" ||  // write scores, students
                      (n.name == "hart_setting" && n.n_args == 2);
    EXPECT_EQ(n.direct_only, runs) << n.name;
  }
  // Called directly they run (and fail on the missing model, not on the flag).
  EXPECT_THAT(error_of("SELECT hart_generate('nope', 'x')"), ::testing::HasSubstr("nope"));
  // From a view or a trigger they are refused before anything runs.
  db->exec("CREATE VIEW v_gen AS SELECT generate('m', 'x') AS t");
  EXPECT_THAT(error_of("SELECT * FROM v_gen"), ::testing::HasSubstr("unsafe use of generate"));
  db->exec("CREATE VIEW v_tokens AS SELECT * FROM hart_generate_tokens('m', 'x')");
  EXPECT_THAT(error_of("SELECT * FROM v_tokens"), ::testing::HasSubstr("unsafe use of virtual table"));
  db->exec("CREATE TABLE t(x); CREATE TRIGGER t_gc AFTER INSERT ON t BEGIN SELECT atom_gc(); END");
  EXPECT_THAT(error_of("INSERT INTO t VALUES (1)"), ::testing::HasSubstr("unsafe use of atom_gc"));
  // What only reads stays usable from views.
  db->exec("CREATE VIEW v_weights AS SELECT count(*) FROM weights WHERE model = 'm' AND layer = 0");
  EXPECT_GT(scalar(*db, "SELECT * FROM v_weights"), 0);
}

}  // namespace
}  // namespace hart::test
