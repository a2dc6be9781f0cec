// Full-text search over ingested text (atoms_fts, schema version 8): a folder of text
// files is searchable by word with BM25 ranking through the passages ingestion makes,
// and removing a source takes its passages out of the index.
#include "ingest_fixture.h"
#include "store/atoms.h"

namespace hart::test {
namespace {

class TextSearchTest : public IngestTest {
 protected:
  // The files whose passages match `query`, best first (one row per file).
  std::vector<std::string> files_matching(const std::string& query) {
    std::vector<std::string> out;
    Stmt s = db->prepare(
        "WITH hits AS MATERIALIZED (SELECT rowid AS id, bm25(atoms_fts) AS score FROM atoms_fts WHERE atoms_fts MATCH ?)"
        " SELECT s.path FROM hits JOIN atom_relations r ON r.child_id = hits.id"
        " JOIN sources s ON s.atom_id = r.parent_id GROUP BY s.path ORDER BY min(hits.score), s.path");
    s.bind(1, query);
    while (s.step()) out.push_back(std::filesystem::path(s.text(0)).filename().string());
    return out;
  }
};

TEST_F(TextSearchTest, IngestedPassagesAreFoundRankedAndLeaveWithTheirSource) {
  std::filesystem::create_directories(path("docs"));
  write("docs/tides.txt",
        "Tides rise twice a day. The moon pulls the oceans, and the tides follow the moon.\n\n"
        "Spring tides come at the full and the new moon.\n");
  write("docs/bread.txt", "Bread needs flour, water, salt and yeast. Knead the bread dough until it is smooth.\n");
  write("docs/mixed.txt", "A baker watched the tides from the harbour before the bread was baked.\n");
  options.content.passages = {90, 0};
  ContentRunReport r = ingest({path("docs")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);

  EXPECT_EQ(files_matching("tides"), (std::vector<std::string>{"tides.txt", "mixed.txt"}));
  EXPECT_EQ(files_matching("bread"), (std::vector<std::string>{"bread.txt", "mixed.txt"}));
  EXPECT_EQ(files_matching("dough AND yeast"), (std::vector<std::string>{"bread.txt"}));
  EXPECT_EQ(files_matching("\"full and the new moon\""), (std::vector<std::string>{"tides.txt"}));
  EXPECT_TRUE(files_matching("volcano").empty());
  expect_consistent(*db);

  const int64_t indexed = scalar("SELECT count(*) FROM atoms_fts_docsize");
  const int64_t tides_passages =
      scalar("SELECT count(*) FROM atom_relations r JOIN sources s ON s.atom_id = r.parent_id"
             " WHERE s.path LIKE '%tides.txt' AND r.relation = 'passage'");
  ASSERT_GE(tides_passages, 2);
  remove_source(*db, path("docs/tides.txt"));
  EXPECT_EQ(files_matching("tides"), (std::vector<std::string>{"mixed.txt"}));
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms_fts WHERE atoms_fts MATCH 'spring'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms_fts_docsize"), indexed - tides_passages);
  expect_consistent(*db);

  remove_source(*db, path("docs"));
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms_fts_docsize"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms_fts WHERE atoms_fts MATCH 'bread OR tides'"), 0);
}

// Markup's visible text is the document atom's text, so the whole document is indexed
// beside its passages.
TEST_F(TextSearchTest, MarkupDocumentsAreIndexedWholeAndByPassage) {
  write("page.html", "<html><head><title>T</title><script>var hidden = 1;</script></head>"
                     "<body><p>Glaciers carve valleys.</p><p>Fjords are drowned valleys.</p></body></html>");
  options.content.passages = {30, 0};
  ContentRunReport r = ingest({path("page.html")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms_fts WHERE atoms_fts MATCH 'valleys'"), 3);  // document + 2 passages
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms_fts WHERE atoms_fts MATCH 'hidden'"), 0);  // script text is not visible
}

}  // namespace
}  // namespace hart::test
