// Markdown and HTML: visible text, title, headings, links; ingested as documents.
#include "ingest/markup_text.h"
#include "ingest_fixture.h"

namespace hart::test {
namespace {

TEST(Markup, MarkdownGivesTextHeadingsAndLinks) {
  MarkupText m = markdown_text(
      "# Guide\n\nRead the [manual](https://example.org/m) *first*.\nThen `run it`.\n\n"
      "## Steps\n\n- one\n- two\n\n```\ncode block\n```\n");
  EXPECT_EQ(m.title, "Guide");
  EXPECT_EQ(m.headings, (std::vector<std::string>{"Guide", "Steps"}));
  ASSERT_EQ(m.links.size(), 1u);
  EXPECT_EQ(m.links[0].href, "https://example.org/m");
  EXPECT_EQ(m.links[0].text, "manual");
  EXPECT_EQ(m.text, "Guide\n\nRead the manual first. Then run it.\n\nSteps\n\none\n\ntwo\n\ncode block");
}

TEST(Markup, HtmlGivesVisibleTextOnlyAndSurvivesBrokenMarkup) {
  MarkupText m = html_text(
      "<!DOCTYPE html><html><head><title>The  Title</title><style>p{color:red}</style>"
      "<script>var hidden = 1;</script></head><body><h1>Heading one</h1>"
      "<p>First   paragraph with a <a href=\"/a\">link <b>here</b></a>.</p>"
      "<div>Line one<br>Line two</div><p>Unclosed <i>tags <p>next</body>");
  EXPECT_EQ(m.title, "The Title");
  EXPECT_EQ(m.headings, std::vector<std::string>{"Heading one"});
  ASSERT_EQ(m.links.size(), 1u);
  EXPECT_EQ(m.links[0].href, "/a");
  EXPECT_EQ(m.links[0].text, "link here");
  EXPECT_EQ(m.text, "Heading one\n\nFirst paragraph with a link here.\n\nLine one\nLine two\n\nUnclosed tags\n\nnext");
  EXPECT_EQ(m.text.find("hidden"), std::string::npos);
  EXPECT_EQ(html_text("").text, "");
}

TEST(Markup, DeeplyNestedHtmlIsReadAsFarAsLibxml2Goes) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "<div>";
  EXPECT_EQ(html_text(deep + "bottom").text, "bottom");
  // libxml2 stops building the tree at 256 levels; deeper text is lost, not a crash.
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  EXPECT_NO_THROW(html_text(deep + "lost"));
}

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
