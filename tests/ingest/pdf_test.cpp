// PDF text per page through Poppler, on PDFs this test writes itself.
#include "ingest_fixture.h"

namespace hart::test {
namespace {

// A minimal valid PDF: one page per string, Helvetica, with a correct xref table.
std::string make_pdf(const std::vector<std::string>& pages, const std::string& title) {
  std::vector<std::string> objects;  // object i + 1
  std::string kids;
  int n = static_cast<int>(pages.size());
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  for (int i = 0; i < n; ++i) kids += std::to_string(4 + 2 * i) + " 0 R ";
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(n) + " >>");
  objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (int i = 0; i < n; ++i) {
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
                      " /Contents " + std::to_string(5 + 2 * i) + " 0 R >>");
    std::string stream = "BT /F1 12 Tf 72 720 Td (" + pages[i] + ") Tj ET";
    objects.push_back("<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "\nendstream");
  }
  objects.push_back("<< /Title (" + title + ") >>");
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char line[21];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R /Info " +
         std::to_string(objects.size()) + " 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

TEST_F(IngestTest, PdfPagesBecomePageAtomsWithPassages) {
  write("report.pdf", make_pdf({"First page speaks. It says two things.", "Second page is shorter."}, "Quarterly"));
  options.content.passages = {24, 0};  // page 1 fits in one passage (itself), page 0 needs two
  ContentRunReport r = ingest({path("report.pdf")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t pdf = scalar("SELECT atom_id FROM sources");
  std::string id = std::to_string(pdf);
  EXPECT_EQ(text("SELECT modality || ' ' || mime FROM atoms WHERE id = " + id), "document application/pdf");
  EXPECT_EQ(text("SELECT json_extract(metadata, '$.pages') || ' ' || json_extract(metadata, '$.title') FROM atoms"
                 " WHERE id = " + id), "2 Quarterly");
  EXPECT_EQ(text("SELECT group_concat(atom_text(atom_id), '|') FROM atom_children(" + id + ")"),
            "First page speaks. It says two things.|Second page is shorter.");
  EXPECT_EQ(text("SELECT atom_text(" + id + ")"), "First page speaks. It says two things.\fSecond page is shorter.");
  // Page 0's passages hang below the page: depth 2 from the document.
  EXPECT_EQ(text("SELECT group_concat(atom_text(atom_id), '|') FROM atom_parts(" + id + ") WHERE depth = 2"),
            "First page speaks.|It says two things.");
}

TEST_F(IngestTest, ABrokenPdfIsABinaryAtomWithTheError) {
  write("broken.pdf", "%PDF-1.4\n" + std::string(200, 'x'));
  ContentRunReport r = ingest({path("broken.pdf")});
  ASSERT_EQ(r.failures.size(), 1u) << all_errors(r.failures);
  EXPECT_NE(r.failures[0].error.find("not a readable PDF"), std::string::npos) << r.failures[0].error;
  EXPECT_EQ(text("SELECT modality FROM atoms"), "binary");
}

}  // namespace
}  // namespace hart::test
