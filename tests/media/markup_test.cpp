// Markdown and HTML: visible text, title, headings, links (pure functions, no database).
#include <gtest/gtest.h>

#include "media/markup_text.h"

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

TEST(Markup, DeeplyNestedHtmlIsReadAsFarAsLibxml2GoesAndTheCutIsReported) {
  auto nested = [](int depth, const std::string& inner) {
    std::string s = "<p>top</p>";
    for (int i = 0; i < depth; ++i) s += "<div>";
    s += inner;
    for (int i = 0; i < depth; ++i) s += "</div>";
    return s + "<p>after</p>";
  };
  MarkupText shallow = html_text(nested(200, "bottom"));
  EXPECT_EQ(shallow.text, "top\n\nbottom\n\nafter");
  EXPECT_FALSE(shallow.cut);
  // libxml2 halts at 256 levels: the deeper text and all after it are lost, and said so.
  for (int depth : {300, 5000, 100000}) {
    MarkupText deep = html_text(nested(depth, "bottom"));
    EXPECT_EQ(deep.text, "top") << depth;
    ASSERT_TRUE(deep.cut) << depth;
    EXPECT_EQ(deep.cut->line, 1);
    EXPECT_EQ(deep.cut->column, 10 + 5 * 256) << "the end of the 256th <div>";
    EXPECT_NE(deep.cut->reason.find("depth"), std::string::npos) << deep.cut->reason;
  }
}

}  // namespace
}  // namespace hart::test
