// Office documents (docx, pptx, xlsx, odt, ods, odp) on packages this test zips itself
// with libarchive, laid out as office suites write them ([Content_Types].xml first;
// ODF: an uncompressed `mimetype` member first) so libmagic recognises them.
#include <leptonica/allheaders.h>

#include "ingest_fixture.h"
#include "test_pictures.h"

namespace hart::test {
namespace {

// Writes a zip package; the first member is stored uncompressed when `store_first`.
void write_package(const std::string& path, const Members& members, bool store_first = false) {
  write_archive(path, "zip", "none", members, store_first);
}

// A small RGB picture as PNG bytes.
std::string make_png() {
  Pix* p = pixCreate(48, 32, 32);
  pixSetAll(p);
  Box* b = boxCreate(8, 6, 20, 12);
  pixSetInRectArbitrary(p, b, 0x20406000u);
  boxDestroy(&b);
  std::string bytes = encode(p, IFF_PNG);
  pixDestroy(&p);
  return bytes;
}

const char* const kContentTypes =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Default Extension=\"png\" ContentType=\"image/png\"/></Types>";
const char* const kRels =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"/>";
const char* const kCore =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\""
    " xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>Q3 Report</dc:title><dc:creator>Ada</dc:creator>"
    "<dc:subject>Sales</dc:subject></cp:coreProperties>";

std::string word_document(const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
         "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>" +
         body + "</w:body></w:document>";
}

const char* const kWordBody =
    "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>"
    "<w:r><w:t>Quarterly report.</w:t></w:r><w:r><w:t xml:space=\"preserve\"> Sales grew.</w:t></w:r></w:p>"
    "<w:p/>"
    "<w:p><w:r><w:t>Name</w:t><w:tab/><w:t>Value</w:t><w:br/><w:t>Second line</w:t></w:r></w:p>"
    "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Cell &amp; text</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    "<w:p><w:r><w:delText>deleted words</w:delText></w:r></w:p>";

Members docx(const std::string& document, const std::string& png) {
  return {{"[Content_Types].xml", kContentTypes}, {"_rels/.rels", kRels}, {"word/document.xml", document},
          {"docProps/core.xml", kCore}, {"word/media/image1.png", png}};
}

std::string slide(const std::string& title, const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<p:sld xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\""
         " xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><p:cSld><p:spTree>"
         "<p:sp><p:txBody><a:p><a:r><a:rPr lang=\"en-US\"/><a:t>" + title + "</a:t></a:r></a:p></p:txBody></p:sp>"
         "<p:sp><p:txBody><a:p><a:r><a:t>" + body + "</a:t></a:r><a:br/><a:r><a:t>more</a:t></a:r></a:p>"
         "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>";
}

class OfficeTest : public IngestTest {
 protected:
  std::string id_of(const std::string& name) {
    return std::to_string(scalar("SELECT atom_id FROM sources WHERE path LIKE '%/" + name + "'"));
  }
  std::string meta(const std::string& id, const std::string& field) {
    return text("SELECT json_extract(metadata, '$." + field + "') FROM atoms WHERE id = " + id);
  }
  // The related children's text, in ordinal order, joined by '|'.
  std::string children(const std::string& id, const std::string& relation) {
    return text("SELECT group_concat(t, '|') FROM (SELECT atom_text(child_id) AS t FROM atom_relations"
                " WHERE parent_id = " + id + " AND relation = '" + relation + "' ORDER BY ordinal)");
  }
};

TEST_F(OfficeTest, DocxGivesParagraphsPropertiesPassagesAndItsPictureAsAnImageAtom) {
  std::string png = make_png();
  write_package(path("report.docx"), docx(word_document(kWordBody), png));
  write("picture.png", png);
  options.content.passages = {20, 0};
  ContentRunReport r = ingest({path("report.docx"), path("picture.png")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::string id = id_of("report.docx");
  EXPECT_EQ(text("SELECT modality || ' ' || mime FROM atoms WHERE id = " + id),
            "document application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(text("SELECT atom_text(" + id + ")"),
            "Quarterly report. Sales grew.\nName\tValue\nSecond line\nCell & text");
  EXPECT_EQ(meta(id, "format") + " " + meta(id, "title") + " " + meta(id, "creator") + " " + meta(id, "subject"),
            "docx Q3 Report Ada Sales");
  EXPECT_EQ(meta(id, "paragraphs"), "3");
  EXPECT_EQ(text("SELECT atom_text(child_id) FROM atom_relations WHERE parent_id = " + id +
                 " AND relation = 'passage' AND ordinal = 0"), "Quarterly report.");
  EXPECT_GE(scalar("SELECT count(*) FROM atom_relations WHERE parent_id = " + id + " AND relation = 'passage'"), 3);
  // The embedded PNG and the same PNG on disk are one image atom, used twice.
  EXPECT_EQ(text("SELECT label FROM atom_relations WHERE parent_id = " + id + " AND relation = 'image'"),
            "word/media/image1.png");
  int64_t image = scalar("SELECT child_id FROM atom_relations WHERE parent_id = " + id + " AND relation = 'image'");
  EXPECT_EQ(image, scalar("SELECT atom_id FROM sources WHERE path LIKE '%/picture.png'"));
  EXPECT_EQ(text("SELECT modality || ' ' || refcount FROM atoms WHERE id = " + std::to_string(image)), "image 2");
  EXPECT_EQ(meta(id, "images"), "1");
}

TEST_F(OfficeTest, PptxSlidesAreSlideAtomsInNumericOrder) {
  write_package(path("deck.pptx"),
                {{"[Content_Types].xml", kContentTypes},
                 {"_rels/.rels", kRels},
                 {"ppt/presentation.xml", "<p:presentation xmlns:p=\"urn:p\"/>"},
                 {"ppt/slides/slide10.xml", slide("Ten", "Last point.")},
                 {"ppt/slides/slide2.xml", slide("Two", "Middle point.")},
                 {"ppt/slides/slide1.xml", slide("One", "First point.")},
                 {"ppt/media/image1.png", make_png()}});
  options.content.passages = {20, 0};
  ContentRunReport r = ingest({path("deck.pptx")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::string id = id_of("deck.pptx");
  EXPECT_EQ(text("SELECT mime FROM atoms WHERE id = " + id),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation");
  EXPECT_EQ(children(id, "slide"), "One\nFirst point.\nmore|Two\nMiddle point.\nmore|Ten\nLast point.\nmore");
  EXPECT_EQ(text("SELECT group_concat(ordinal) FROM atom_relations WHERE parent_id = " + id + " AND relation = 'slide'"),
            "0,1,2");
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms a JOIN atom_relations r ON r.child_id = a.id WHERE r.parent_id = " +
                   id + " AND a.subtype = 'slide' AND a.modality = 'text'"), 3);
  EXPECT_EQ(text("SELECT atom_text(" + id + ")"),
            "One\nFirst point.\nmore\fTwo\nMiddle point.\nmore\fTen\nLast point.\nmore");
  EXPECT_EQ(meta(id, "slides") + " " + meta(id, "paragraphs") + " " + meta(id, "format"), "3 6 pptx");
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations WHERE parent_id = " + id + " AND relation = 'image'"), 1);
  // Passages hang below the slides; slide Ten fits in one passage, itself.
  EXPECT_EQ(text("SELECT group_concat(atom_text(atom_id), '|') FROM atom_parts(" + id + ") WHERE depth = 2"),
            "One\nFirst point.|more|Two\nMiddle point.|more");
}

TEST_F(OfficeTest, XlsxSheetsAreTabSeparatedRowsWithSharedStringsResolved) {
  const std::string ns = " xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
                         " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";
  write_package(path("budget.xlsx"),
                {{"[Content_Types].xml", kContentTypes},
                 {"_rels/.rels", kRels},
                 {"xl/workbook.xml", "<workbook" + ns + "><sheets><sheet name=\"Budget\" sheetId=\"1\" r:id=\"rId7\"/>"
                                     "<sheet name=\"Notes\" sheetId=\"2\" r:id=\"rId8\"/></sheets></workbook>"},
                 {"xl/_rels/workbook.xml.rels",
                  "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                  "<Relationship Id=\"rId7\" Target=\"worksheets/sheet1.xml\"/>"
                  "<Relationship Id=\"rId8\" Target=\"/xl/worksheets/sheet2.xml\"/></Relationships>"},
                 {"xl/sharedStrings.xml", "<sst" + ns + " count=\"3\"><si><t>Item</t></si><si><t>Cost</t></si>"
                                          "<si><r><t>Rich </t></r><r><t>text</t></r><rPh><t>x</t></rPh></si></sst>"},
                 {"xl/worksheets/sheet1.xml",
                  "<worksheet" + ns + "><sheetData>"
                  "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
                  "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"C2\"><f>1+1</f><v>12.50</v></c></row>"
                  "<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>Inline</t></is></c><c r=\"B4\" t=\"b\"><v>1</v></c>"
                  "<c r=\"C4\" t=\"s\"><v>99</v></c></row></sheetData></worksheet>"},
                 {"xl/worksheets/sheet2.xml", "<worksheet" + ns + "><sheetData><row r=\"1\"><c r=\"B1\" t=\"str\">"
                                              "<v>Formula result</v></c></row></sheetData></worksheet>"}});
  ContentRunReport r = ingest({path("budget.xlsx")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::string id = id_of("budget.xlsx");
  EXPECT_EQ(text("SELECT mime FROM atoms WHERE id = " + id),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(children(id, "sheet"), "Item\tCost\nRich text\t\t12.50\nInline\tTRUE|\tFormula result");
  EXPECT_EQ(text("SELECT group_concat(label) FROM atom_relations WHERE parent_id = " + id + " AND relation = 'sheet'"),
            "Budget,Notes");
  EXPECT_EQ(meta(id, "sheets") + " " + meta(id, "format"), "2 xlsx");
}

TEST_F(OfficeTest, OdtOdsAndOdpReadContentXml) {
  const std::string office = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
                             "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
                             "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\"";
  std::string png = make_png();
  write_package(path("minutes.odt"),
                {{"mimetype", "application/vnd.oasis.opendocument.text"},
                 {"META-INF/manifest.xml", "<manifest:manifest xmlns:manifest=\"urn:m\"/>"},
                 {"content.xml",
                  "<office:document-content " + office + "><office:body><office:text>"
                  "<text:tracked-changes><text:changed-region><text:deletion><text:p>gone</text:p></text:deletion>"
                  "</text:changed-region></text:tracked-changes>"
                  "<text:h text:outline-level=\"1\">Minutes</text:h>"
                  "<text:p>Two<text:s text:c=\"2\"/>spaces and<text:tab/>tab.</text:p>"
                  "<text:p>Line<text:line-break/>break, <text:span>span</text:span>\n   text.</text:p>"
                  "</office:text></office:body></office:document-content>"},
                 {"meta.xml", "<office:document-meta " + office + " xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
                              " xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\"><office:meta>"
                              "<dc:title>Board minutes</dc:title><meta:initial-creator>Bob</meta:initial-creator>"
                              "</office:meta></office:document-meta>"},
                 {"Pictures/logo.png", png}},
                true);
  write_package(path("data.ods"),
                {{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"},
                 {"content.xml",
                  "<office:document-content " + office + "><office:body><office:spreadsheet>"
                  "<table:table table:name=\"Data\"><table:table-row><table:table-cell><text:p>a</text:p>"
                  "</table:table-cell><table:table-cell table:number-columns-repeated=\"3\"/>"
                  "<table:table-cell><text:p>b</text:p></table:table-cell></table:table-row>"
                  "<table:table-row table:number-rows-repeated=\"1048570\"><table:table-cell/></table:table-row>"
                  "<table:table-row><table:table-cell table:number-columns-repeated=\"2\"><text:p>c</text:p>"
                  "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
                  "</office:document-content>"}},
                true);
  write_package(path("deck.odp"),
                {{"mimetype", "application/vnd.oasis.opendocument.presentation"},
                 {"content.xml",
                  "<office:document-content " + office + " xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\""
                  " xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\">"
                  "<office:body><office:presentation>"
                  "<draw:page draw:name=\"page1\"><draw:frame><draw:text-box><text:p>Hello deck</text:p>"
                  "</draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box>"
                  "<text:p>speaker note</text:p></draw:text-box></draw:frame></presentation:notes></draw:page>"
                  "<draw:page draw:name=\"page2\"><draw:frame><draw:text-box><text:p>Second slide</text:p>"
                  "</draw:text-box></draw:frame></draw:page></office:presentation></office:body>"
                  "</office:document-content>"}},
                true);
  ContentRunReport r = ingest({path("minutes.odt"), path("data.ods"), path("deck.odp")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::string odt = id_of("minutes.odt"), ods = id_of("data.ods");
  EXPECT_EQ(text("SELECT modality || ' ' || mime FROM atoms WHERE id = " + odt),
            "document application/vnd.oasis.opendocument.text");
  EXPECT_EQ(text("SELECT atom_text(" + odt + ")"), "Minutes\nTwo  spaces and\ttab.\nLine\nbreak, span text.");
  EXPECT_EQ(meta(odt, "format") + " " + meta(odt, "title") + " " + meta(odt, "creator"), "odt Board minutes Bob");
  EXPECT_EQ(text("SELECT label FROM atom_relations WHERE parent_id = " + odt + " AND relation = 'image'"),
            "Pictures/logo.png");
  EXPECT_EQ(text("SELECT mime FROM atoms WHERE id = " + ods), "application/vnd.oasis.opendocument.spreadsheet");
  EXPECT_EQ(children(ods, "sheet"), "a\t\t\t\tb\nc\tc");
  EXPECT_EQ(text("SELECT group_concat(label) FROM atom_relations WHERE parent_id = " + ods + " AND relation = 'sheet'"),
            "Data");
  std::string odp = id_of("deck.odp");
  EXPECT_EQ(text("SELECT mime FROM atoms WHERE id = " + odp), "application/vnd.oasis.opendocument.presentation");
  EXPECT_EQ(children(odp, "slide"), "Hello deck|Second slide");
  EXPECT_EQ(meta(odp, "slides") + " " + meta(odp, "format"), "2 odp");
}

TEST_F(OfficeTest, BadPackagesAreBinaryAtomsWithTheReason) {
  std::string png = make_png();
  write_package(path("whole.docx"), docx(word_document(kWordBody), png));
  std::string whole = read_file(path("whole.docx"));
  write("cut.docx", whole.substr(0, whole.size() * 2 / 3));  // no central directory
  write_package(path("malformed.docx"), docx(word_document("<w:p><w:r><w:t>open"), png));
  write_package(path("missing.docx"), {{"[Content_Types].xml", kContentTypes},
                                       {"_rels/.rels", kRels},
                                       {"word/styles.xml", "<w:styles xmlns:w=\"urn:w\"/>"},
                                       {"docProps/core.xml", kCore}});
  write_package(path("entities.docx"),
                docx("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">]><d>&a;</d>", png));
  ContentRunReport r = ingest({path("cut.docx"), path("malformed.docx"), path("missing.docx"), path("entities.docx")});
  ASSERT_EQ(r.failures.size(), 4u) << all_errors(r.failures);
  auto error_of = [&](const std::string& name) {
    return text("SELECT mime || ' ' || modality || ': ' || error FROM atoms WHERE id = " + id_of(name));
  };
  const std::string docx_binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document binary: ";
  EXPECT_EQ(error_of("cut.docx").find(docx_binary), 0u) << error_of("cut.docx");
  EXPECT_NE(error_of("cut.docx").find("zip package"), std::string::npos) << error_of("cut.docx");
  EXPECT_NE(error_of("malformed.docx").find("word/document.xml: malformed XML"), std::string::npos)
      << error_of("malformed.docx");
  EXPECT_EQ(error_of("missing.docx").find(docx_binary), 0u) << error_of("missing.docx");
  EXPECT_NE(error_of("missing.docx").find("no word/document.xml"), std::string::npos) << error_of("missing.docx");
  EXPECT_NE(error_of("entities.docx").find("declares a DTD"), std::string::npos) << error_of("entities.docx");
  // The failed documents' pictures were rolled back with them.
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE modality = 'image'"), 0);
}

TEST_F(OfficeTest, DamagedCopiesOfAPackageNeverStopTheRun) {
  write_package(path("good.docx"), docx(word_document(kWordBody), make_png()));
  std::vector<std::string> paths = write_damaged_copies(dir, read_file(path("good.docx")), "bad", "docx", 48);
  ContentRunReport r = ingest(paths);
  EXPECT_EQ(r.files_ingested, paths.size());
  EXPECT_EQ(scalar("SELECT count(*) FROM sources s JOIN atoms a ON a.id = s.atom_id WHERE a.modality = 'document'"
                   " AND a.error IS NULL AND json_extract(a.metadata, '$.format') IS NULL AND a.mime LIKE '%openxml%'"),
            0);  // every docx either extracted or failed with a reason
}

TEST_F(OfficeTest, AnXmlPartOver64MiBIsRefusedWhateverTheZipClaims) {
  std::string huge = word_document("<w:p><w:r><w:t>" + std::string((64u << 20) + 1, 'a') + "</w:t></w:r></w:p>");
  write_package(path("huge.docx"), docx(huge, make_png()));
  huge = std::string();
  options.content.limits.max_expansion_ratio = 1u << 20;  // the part cap, not the zip-bomb ratio, must stop it
  ContentRunReport r = ingest({path("huge.docx")});
  ASSERT_EQ(r.failures.size(), 1u) << all_errors(r.failures);
  EXPECT_NE(r.failures[0].error.find("word/document.xml: XML part larger than 64 MiB"), std::string::npos)
      << r.failures[0].error;
}

TEST_F(OfficeTest, ABadSlideIsRecordedAndTheOthersAreRead) {
  write_package(path("deck.pptx"), {{"[Content_Types].xml", kContentTypes},
                                    {"_rels/.rels", kRels},
                                    {"ppt/presentation.xml", "<p:presentation xmlns:p=\"urn:p\"/>"},
                                    {"ppt/slides/slide1.xml", slide("One", "Fine.")},
                                    {"ppt/slides/slide2.xml", "<p:sld><unclosed>"},
                                    {"ppt/slides/slide3.xml", slide("Three", "Fine too.")}});
  ContentRunReport r = ingest({path("deck.pptx")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].where.find("deck.pptx!ppt/slides/slide2.xml"), std::string::npos) << r.warnings[0].where;
  std::string id = id_of("deck.pptx");
  EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + id), "document");
  EXPECT_EQ(text("SELECT group_concat(ordinal) FROM atom_relations WHERE parent_id = " + id + " AND relation = 'slide'"),
            "0,2");
  EXPECT_EQ(meta(id, "part_errors[0].part"), "ppt/slides/slide2.xml");
}

}  // namespace
}  // namespace hart::test
