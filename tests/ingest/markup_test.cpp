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

TEST_F(IngestTest, HtmlNestedPastLibxml2sLimitRecordsWhereTheTextWasCut) {
  for (int depth : {300, 5000}) {
    std::string html = "<html><body><p>Shallow words.</p>";
    for (int i = 0; i < depth; ++i) html += "<div>";
    html += "Deep words.";
    for (int i = 0; i < depth; ++i) html += "</div>";
    write("deep" + std::to_string(depth) + ".html", html + "</body></html>");
  }
  ContentRunReport r = ingest({path("deep300.html"), path("deep5000.html")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_NE(r.warnings[0].error.find("HTML cut at line 1, column"), std::string::npos) << r.warnings[0].error;
  for (const char* name : {"deep300.html", "deep5000.html"}) {
    auto one = [&](const std::string& expr) {
      return text("SELECT " + expr + " FROM atoms a JOIN sources s ON s.atom_id = a.id WHERE s.path LIKE '%/" +
                  name + "'");
    };
    EXPECT_EQ(one("atom_text(a.id)"), "Shallow words.") << name;
    EXPECT_EQ(one("json_extract(metadata, '$.text_cut.line')"), "1") << name;
    EXPECT_EQ(one("json_extract(metadata, '$.text_cut.column')"), std::to_string(33 + 5 * 256)) << name;
    EXPECT_NE(one("a.error").find("the text from there on is missing"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace hart::test
