// Images inside PDFs (qpdf) and scanned pages (Poppler rendering + OCR), on PDFs
// this test writes with qpdf.
#define POINTERHOLDER_TRANSITION 4
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <cstdio>
#include <thread>

#include "ingest/extract/extractors.h"
#include "ingest_fixture.h"
#include "test_pictures.h"
#include "word_accuracy.h"

namespace hart::test {
namespace {

// An image XObject: its dictionary (without /Filter and /Length), filter and stored
// bytes. Unfiltered data is Flate-compressed by QPDFWriter.
struct XImage {
  std::string dict;
  std::string filter;  // "" or a name such as "/DCTDecode"
  std::string data;
};

struct PdfPage {
  std::vector<int> images;  // indexes into the image list, drawn in a row
  std::string text;         // a text layer when not empty
  double image_width = 200;  // points per image
  double image_height = 150;
};

std::string write_pdf(const std::string& path, const std::vector<XImage>& images, const std::vector<PdfPage>& pages) {
  QPDF pdf;
  pdf.emptyPDF();
  std::vector<QPDFObjectHandle> xobjects;
  for (const XImage& im : images) {
    QPDFObjectHandle s = pdf.newStream();
    s.replaceDict(QPDFObjectHandle::parse(im.dict));
    s.replaceStreamData(im.data, im.filter.empty() ? QPDFObjectHandle::newNull() : QPDFObjectHandle::newName(im.filter),
                        QPDFObjectHandle::newNull());
    xobjects.push_back(s);
  }
  QPDFObjectHandle font = pdf.makeIndirectObject(
      QPDFObjectHandle::parse("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"));
  for (const PdfPage& p : pages) {
    QPDFObjectHandle page = pdf.makeIndirectObject(QPDFObjectHandle::parse("<< /Type /Page /MediaBox [0 0 612 792] >>"));
    QPDFObjectHandle names = QPDFObjectHandle::newDictionary();
    std::string content;
    double x = 36;
    for (size_t k = 0; k < p.images.size(); ++k) {
      std::string name = "/Im" + std::to_string(k);
      names.replaceKey(name, xobjects.at(p.images[k]));
      double h = p.image_height;
      content += "q " + std::to_string(p.image_width) + " 0 0 " + std::to_string(h) + " " + std::to_string(x) + " " +
                 std::to_string(756 - h) + " cm " + name + " Do Q\n";
      x += p.image_width + 10;
    }
    if (!p.text.empty()) content += "BT /F1 12 Tf 72 72 Td (" + p.text + ") Tj ET\n";
    QPDFObjectHandle resources = QPDFObjectHandle::newDictionary();
    resources.replaceKey("/XObject", names);
    resources.replaceKey("/Font", QPDFObjectHandle::parse("<< >>"));
    resources.getKey("/Font").replaceKey("/F1", font);
    page.replaceKey("/Resources", resources);
    page.replaceKey("/Contents", pdf.newStream(content));
    QPDFPageDocumentHelper(pdf).addPage(QPDFPageObjectHelper(page), false);
  }
  QPDFWriter w(pdf, path.c_str());
  w.setStaticID(true);
  w.write();
  return read_file(path);
}

std::string image_dict(int w, int h, const std::string& color_space, int bpc = 8) {
  return "<< /Type /XObject /Subtype /Image /Width " + std::to_string(w) + " /Height " + std::to_string(h) +
         " /ColorSpace " + color_space + " /BitsPerComponent " + std::to_string(bpc) + " >>";
}

// The samples of an 8 bpp gray or 32 bpp RGB picture, row by row, as a PDF stores them.
std::string samples(Pix* pix) {
  std::string out;
  for (int y = 0; y < pixGetHeight(pix); ++y)
    for (int x = 0; x < pixGetWidth(pix); ++x) {
      l_uint32 v = 0;
      pixGetPixel(pix, x, y, &v);
      if (pixGetDepth(pix) == 8) {
        out += static_cast<char>(v);
        continue;
      }
      l_int32 r, g, b;
      extractRGBValues(v, &r, &g, &b);
      out += {static_cast<char>(r), static_cast<char>(g), static_cast<char>(b)};
    }
  return out;
}

class IngestPdfImageTest : public IngestTest {
 protected:
  void SetUp() override {
    IngestTest::SetUp();
    options.content.image.ocr = false;  // only the scanned-page case needs it
  }
  int64_t atom_of(const std::string& name) {
    return scalar("SELECT atom_id FROM sources WHERE path LIKE '%/" + name + "'");
  }
  std::string meta(int64_t id, const std::string& field) {
    return text("SELECT json_extract(metadata, '$." + field + "') FROM atoms WHERE id = " + std::to_string(id));
  }
  // "child_id label" of the PDF's 'image' relations in ordinal order.
  std::string image_children(int64_t pdf) {
    return text("SELECT group_concat(child_id || ' ' || label, '|') FROM (SELECT child_id, label FROM atom_relations"
                " WHERE parent_id = " + std::to_string(pdf) + " AND relation = 'image' ORDER BY ordinal)");
  }
};

TEST_F(IngestPdfImageTest, AJpegInsideAPdfIsTheSameAtomAsTheJpegOnDisk) {
  PixPtr pic = draw_picture(210, 130, 32);
  std::string jpeg = encode(pic.get(), IFF_JFIF_JPEG);
  write("photo.jpg", jpeg);
  // The same XObject on both pages: one atom, one relation, labelled with its first page.
  write_pdf(path("doc.pdf"), {{image_dict(210, 130, "/DeviceRGB"), "/DCTDecode", jpeg}},
            {{{0}, "Page one"}, {{0}, "Page two"}});
  ContentRunReport r = ingest({dir.path()});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t photo = atom_of("photo.jpg"), pdf = atom_of("doc.pdf");
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE mime = 'image/jpeg'"), 1);
  EXPECT_EQ(scalar("SELECT refcount FROM atoms WHERE id = " + std::to_string(photo)), 2);  // the file and the PDF
  EXPECT_EQ(image_children(pdf), std::to_string(photo) + " page 1");
  EXPECT_EQ(meta(pdf, "images"), "1");
  EXPECT_EQ(meta(photo, "width") + "x" + meta(photo, "height"), "210x130");
  EXPECT_GE(r.dedup.atoms_reused, 1u);
}

TEST_F(IngestPdfImageTest, LosslessImagesShareTheirPixelDigestWithThePngOnDisk) {
  PixPtr rgb = draw_picture(210, 130, 32), gray = draw_picture(210, 130, 8);
  // Different files, same pixels: a resolution makes the PNG's bytes differ from ours.
  pixSetResolution(rgb.get(), 300, 300);
  pixSetResolution(gray.get(), 300, 300);
  write("rgb.png", encode(rgb.get(), IFF_PNG));
  write("gray.png", encode(gray.get(), IFF_PNG));
  std::string pdf_bytes = write_pdf(path("doc.pdf"),
                                    {{image_dict(210, 130, "/DeviceRGB"), "", samples(rgb.get())},
                                     {image_dict(210, 130, "/DeviceGray"), "", samples(gray.get())}},
                                    {{{0}, "Colour"}, {{1, 0}, "Gray"}});
  EXPECT_NE(pdf_bytes.find("/FlateDecode"), std::string::npos);
  ContentRunReport r = ingest({dir.path()});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t pdf = atom_of("doc.pdf");
  std::string children = image_children(pdf);
  ASSERT_EQ(meta(pdf, "images"), "2") << children;
  int64_t from_pdf_rgb = scalar("SELECT child_id FROM atom_relations WHERE relation = 'image' AND ordinal = 0");
  int64_t from_pdf_gray = scalar("SELECT child_id FROM atom_relations WHERE relation = 'image' AND ordinal = 1");
  EXPECT_EQ(children, std::to_string(from_pdf_rgb) + " page 1|" + std::to_string(from_pdf_gray) + " page 2");
  for (auto [from_pdf, file] : {std::pair{from_pdf_rgb, "rgb.png"}, std::pair{from_pdf_gray, "gray.png"}}) {
    int64_t on_disk = atom_of(file);
    EXPECT_NE(from_pdf, on_disk) << file;
    EXPECT_EQ(text("SELECT mime FROM atoms WHERE id = " + std::to_string(from_pdf)), "image/png");
    EXPECT_EQ(meta(from_pdf, "width") + "x" + meta(from_pdf, "height"), "210x130") << file;
    EXPECT_EQ(meta(from_pdf, "pixels_sha256"), meta(on_disk, "pixels_sha256")) << file;
    EXPECT_EQ(meta(from_pdf, "pixels_sha256").size(), 64u);
  }
  EXPECT_NE(meta(from_pdf_rgb, "pixels_sha256"), meta(from_pdf_gray, "pixels_sha256"));
}

TEST_F(IngestPdfImageTest, IndexedAndPackedSamplesAreUnpacked) {
  // 2-bit indexes into a 4-colour RGB palette, 5 px wide: rows end mid-byte.
  const int w = 5, h = 3;
  const unsigned char palette[4][3] = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {10, 20, 30}};
  PixPtr want(pixCreate(w, h, 32));
  std::string data;
  for (int y = 0; y < h; ++y) {
    unsigned bits = 0;
    int n = 0;
    for (int x = 0; x < w; ++x) {
      int i = (x + y) % 4;
      l_uint32 v = 0;
      composeRGBPixel(palette[i][0], palette[i][1], palette[i][2], &v);
      pixSetPixel(want.get(), x, y, v);
      bits = (bits << 2) | static_cast<unsigned>(i);
      if (++n == 4) {
        data += static_cast<char>(bits);
        bits = 0;
        n = 0;
      }
    }
    if (n) data += static_cast<char>(bits << (2 * (4 - n)));  // rows start on a byte
  }
  pixSetSpp(want.get(), 3);
  std::string lookup(reinterpret_cast<const char*>(palette), sizeof palette), hex;
  for (unsigned char c : lookup) {
    char b[3];
    std::snprintf(b, sizeof b, "%02X", c);
    hex += b;
  }
  write_pdf(path("doc.pdf"), {{image_dict(w, h, "[/Indexed /DeviceRGB 3 <" + hex + ">]", 2), "", data}}, {{{0}, "Tiny"}});
  ContentRunReport r = ingest({path("doc.pdf")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t image = scalar("SELECT child_id FROM atom_relations WHERE relation = 'image'");
  EXPECT_EQ(meta(image, "pixels_sha256"), pixels_sha256(want.get()));
}

TEST_F(IngestPdfImageTest, CmykAnd16BitInvertedGrayBecomeRgbAndGray) {
  // CMYK white, red, black; 16-bit gray with /Decode [1 0]: the high byte, inverted.
  const std::string cmyk("\x00\x00\x00\x00" "\x00\xff\xff\x00" "\x10\x20\x30\xff", 12);
  const std::string gray16("\x00\x00" "\x40\x01" "\xff\xff", 6);
  std::string gray_dict = image_dict(3, 1, "/DeviceGray", 16);
  gray_dict.insert(gray_dict.size() - 2, " /Decode [1 0]");
  write_pdf(path("doc.pdf"), {{image_dict(3, 1, "/DeviceCMYK"), "", cmyk}, {gray_dict, "", gray16}}, {{{0, 1}, "Two"}});
  ContentRunReport r = ingest({path("doc.pdf")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  PixPtr rgb(pixCreate(3, 1, 32)), gray(pixCreate(3, 1, 8));
  const l_uint32 rgb_want[3][3] = {{255, 255, 255}, {255, 0, 0}, {0, 0, 0}};
  for (int x = 0; x < 3; ++x) {
    l_uint32 v = 0;
    composeRGBPixel(rgb_want[x][0], rgb_want[x][1], rgb_want[x][2], &v);
    pixSetPixel(rgb.get(), x, 0, v);
  }
  const l_uint32 gray_want[3] = {255, 255 - 0x40, 0};
  for (int x = 0; x < 3; ++x) pixSetPixel(gray.get(), x, 0, gray_want[x]);
  EXPECT_EQ(meta(scalar("SELECT child_id FROM atom_relations WHERE relation = 'image' AND ordinal = 0"), "pixels_sha256"),
            pixels_sha256(rgb.get()));
  EXPECT_EQ(meta(scalar("SELECT child_id FROM atom_relations WHERE relation = 'image' AND ordinal = 1"), "pixels_sha256"),
            pixels_sha256(gray.get()));
}

// An image drawn through a form XObject (as some writers wrap every picture).
TEST_F(IngestPdfImageTest, ImagesInsideFormXObjectsAreFound) {
  PixPtr gray = draw_picture(40, 30, 8);
  QPDF pdf;
  pdf.emptyPDF();
  QPDFObjectHandle image = pdf.newStream(samples(gray.get()));
  image.replaceDict(QPDFObjectHandle::parse(image_dict(40, 30, "/DeviceGray")));
  QPDFObjectHandle form = pdf.newStream("q 40 0 0 30 0 0 cm /Pic Do Q");
  form.replaceDict(QPDFObjectHandle::parse("<< /Type /XObject /Subtype /Form /BBox [0 0 40 30] >>"));
  form.getDict().replaceKey("/Resources", QPDFObjectHandle::parse("<< /XObject << >> >>"));
  form.getDict().getKey("/Resources").getKey("/XObject").replaceKey("/Pic", image);
  QPDFObjectHandle page = pdf.makeIndirectObject(QPDFObjectHandle::parse(
      "<< /Type /Page /MediaBox [0 0 612 792] /Resources << /XObject << >> >> >>"));
  page.getKey("/Resources").getKey("/XObject").replaceKey("/Fm0", form);
  page.replaceKey("/Contents", pdf.newStream("q 1 0 0 1 100 600 cm /Fm0 Do Q"));
  QPDFPageDocumentHelper(pdf).addPage(QPDFPageObjectHelper(page), false);
  QPDFWriter w(pdf, path("form.pdf").c_str());
  w.write();
  ContentRunReport r = ingest({path("form.pdf")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t image_atom = scalar("SELECT child_id FROM atom_relations WHERE relation = 'image'");
  EXPECT_EQ(meta(image_atom, "pixels_sha256"), pixels_sha256(gray.get()));
  EXPECT_EQ(meta(atom_of("form.pdf"), "images"), "1");
}

TEST_F(IngestPdfImageTest, BrokenImagesAreRecordedAndTheRestIngests) {
  PixPtr gray = draw_picture(40, 30, 8);
  write_pdf(path("bad.pdf"),
            {{image_dict(50, 50, "/DeviceGray"), "", std::string(100, 'x')},             // short data
             {image_dict(64, 64, "/DeviceGray", 1), "/CCITTFaxDecode", "garbage"},        // unsupported filter
             {image_dict(1000000, 1000000, "/DeviceRGB"), "", std::string(300, '\1')},   // huge
             {image_dict(40, 30, "/DeviceRGB"), "/DCTDecode", "not a jpeg at all"},       // broken JPEG
             {image_dict(40, 30, "/DeviceGray", 12), "", std::string(1800, '\0')},      // odd depth
             {image_dict(40, 30, "/DeviceGray"), "", samples(gray.get())}},              // fine
            {{{0, 1, 2}, "Bad images", 50, 40}, {{3, 4, 5}, "More", 50, 40}});
  ContentRunReport r = ingest({path("bad.pdf")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t pdf = atom_of("bad.pdf");
  EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + std::to_string(pdf)), "document");
  EXPECT_EQ(meta(pdf, "images"), "1");
  EXPECT_EQ(meta(pdf, "images_skipped.count"), "1");
  EXPECT_EQ(meta(pdf, "images_failed.count"), "4");
  std::string reasons = meta(pdf, "images_failed.reasons");
  for (const char* why : {"need 2500", "100 megapixels", "does not start like a JPEG", "BitsPerComponent 12"})
    EXPECT_NE(reasons.find(why), std::string::npos) << why << " in " << reasons;
  EXPECT_NE(meta(pdf, "images_skipped.reasons").find("CCITTFaxDecode"), std::string::npos);
  EXPECT_EQ(image_children(pdf), std::to_string(scalar("SELECT child_id FROM atom_relations WHERE relation = 'image'")) +
                                     " page 2");
}

// A Letter page scanned at 150 dpi (1275 x 1650 px, sensor noise, turned 1 degree)
// whose only content is that picture, so it has no text layer.
TEST_F(IngestPdfImageTest, AScannedPageIsReadByOcr) {
  options.content.image.ocr = true;
  std::string all;
  for (const std::string& l : kLines) all += l + "\n";
  const std::pair<int, double> cases[] = {{8, 0.9}, {6, 0.9}};  // font size, word accuracy at least
  for (auto [font, at_least] : cases) {
    std::string name = "scan" + std::to_string(font) + ".pdf";
    PixPtr lines = render_text(kLines, font);
    ASSERT_LE(pixGetWidth(lines.get()), 1275 - 2 * 100) << "the text must fit the page";
    PixPtr page(pixCreate(1275, 1650, 8));
    pixSetAll(page.get());
    pixRasterop(page.get(), 100, 150, pixGetWidth(lines.get()), pixGetHeight(lines.get()), PIX_SRC, lines.get(), 0, 0);
    PixPtr turned(pixRotate(page.get(), 0.0175f, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
    PixPtr scan(pixAddGaussianNoise(turned.get(), 10.0f));
    write_pdf(path(name), {{image_dict(1275, 1650, "/DeviceGray"), "", samples(scan.get())}},
              {{{0}, "", 540, 540.0 * 1650 / 1275}});
    ContentRunReport r = ingest({path(name)});
    ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
    int64_t pdf = atom_of(name);
    EXPECT_EQ(meta(pdf, "pages_ocr"), "[1]");
    EXPECT_EQ(meta(pdf, "pages_without_text"), "<null>");
    std::string page_text = text("SELECT atom_text(child_id) FROM atom_relations WHERE relation = 'page' AND parent_id = " +
                                 std::to_string(pdf));
    double acc = word_accuracy(normalized_words(all), normalized_words(page_text));
    std::printf("OCR word accuracy, scanned PDF page (150 dpi, Leptonica font size %d, noise, 1 deg), %zu words: %.1f%%\n",
                font, normalized_words(all).size(), 100 * acc);
    EXPECT_GE(acc, at_least) << page_text;
    EXPECT_GE(scalar("SELECT count(*) FROM atom_parts(" + std::to_string(pdf) + ") WHERE relation = 'passage'"), 1);
  }
}

// Poppler is used under one lock; two ingestions at once (each with its own
// database) must both read their text and scanned pages.
TEST_F(IngestPdfImageTest, TwoThreadsReadPdfsAtOnce) {
  options.content.image.ocr = true;
  PixPtr scan = render_text({kLines[0], kLines[2]}, 10);
  int w = pixGetWidth(scan.get()), h = pixGetHeight(scan.get());
  std::vector<XImage> images = {{image_dict(w, h, "/DeviceGray"), "", samples(scan.get())}};
  std::vector<PdfPage> pages = {{{}, "Typed page"}, {{0}, "", 540, 540.0 * h / w}};
  TempDir other;
  write_pdf(path("a.pdf"), images, pages);
  write_pdf(other.file("b.pdf"), images, {pages[1], pages[0]});
  Database db2(other.file("t.db"), Database::Mode::kCreate);
  ContentRunReport ra, rb;
  std::thread ta([&] { ra = ingest({path("a.pdf")}); });
  std::thread tb([&] { rb = ingest_paths(db2, {other.file("b.pdf")}, options); });
  ta.join();
  tb.join();
  EXPECT_TRUE(ra.failures.empty() && rb.failures.empty()) << all_errors(ra.failures) << all_errors(rb.failures);
  EXPECT_EQ(meta(atom_of("a.pdf"), "pages_ocr"), "[2]");
  Stmt s = db2.prepare("SELECT json_extract(metadata, '$.pages_ocr') FROM atoms WHERE modality = 'document'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "[1]");
  std::string ocr = text("SELECT atom_text(child_id) FROM atom_relations WHERE relation = 'page' AND ordinal = 1");
  EXPECT_GE(word_accuracy(normalized_words(kLines[0] + " " + kLines[2]), normalized_words(ocr)), 0.9) << ocr;
}

}  // namespace
}  // namespace hart::test

namespace hart::test {
namespace {

// Damaged copies of a PDF holding a JPEG and a Flate image: each is stored (a PDF
// with what could be read, or binary with the error) and the run goes on.
TEST_F(IngestPdfImageTest, DamagedPdfsWithImagesNeverStopTheRun) {
  PixPtr pic = draw_picture(120, 80, 32);
  write_pdf(path("good.pdf"),
            {{image_dict(120, 80, "/DeviceRGB"), "/DCTDecode", encode(pic.get(), IFF_JFIF_JPEG)},
             {image_dict(120, 80, "/DeviceRGB"), "", samples(pic.get())}},  // Flate-compressed on writing
            {{{0}, "Page one"}, {{1}, "Page two"}});
  std::vector<std::string> paths = write_damaged_copies(dir, read_file(path("good.pdf")), "bad", "pdf", 36);
  ContentRunReport r = ingest(paths);
  EXPECT_EQ(r.files_ingested, paths.size()) << all_errors(r.failures);
  EXPECT_EQ(scalar("SELECT count(*) FROM sources WHERE atom_id IS NULL"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE refcount = 0"), 0);
}

}  // namespace
}  // namespace hart::test
