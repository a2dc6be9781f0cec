// Markdown and HTML files ingested as documents (the text itself: tests/media/markup_test.cpp).
#include "ingest_fixture.h"

namespace hart::test {
namespace {

TEST_F(IngestTest, HtmlAndMarkdownFilesAreDocumentsWithTheirVisibleText) {
  write("page.bin", "<html><head><title>Page</title></head><body><p>Visible words. More words.</p>"
                    "<script>secret()</script></body></html>");
  write("notes.md", "# Notes\n\nSee [site](http://x.test).\n");
  options.content.passages = {14, 0};
  ContentRunReport r = ingest({path("page.bin"), path("notes.md")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  auto one = [&](const std::string& name, const std::string& expr) {
    return text("SELECT " + expr + " FROM atoms a JOIN sources s ON s.atom_id = a.id WHERE s.path LIKE '%" + name + "'");
  };
  EXPECT_EQ(one("page.bin", "modality || ' ' || mime"), "document text/html");
  EXPECT_EQ(one("page.bin", "json_extract(metadata, '$.title')"), "Page");
  EXPECT_EQ(one("page.bin", "atom_text(a.id)"), "Visible words. More words.");
  EXPECT_EQ(one("page.bin", "(SELECT group_concat(atom_text(atom_id), '|') FROM atom_children(a.id))"),
            "Visible words.|More words.");
  EXPECT_EQ(one("notes.md", "modality || ' ' || json_extract(metadata, '$.markup')"), "document markdown");
  EXPECT_EQ(one("notes.md", "json_extract(metadata, '$.links[0].href')"), "http://x.test");
  EXPECT_EQ(one("notes.md", "atom_text(a.id)"), "Notes\n\nSee site.");
}

}  // namespace
}  // namespace hart::test
