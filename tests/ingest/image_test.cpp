// Images through Leptonica and Tesseract, on pictures this test draws and writes
// itself in each format (and the shared sample photos when present).
#include <leptonica/allheaders.h>

#include <algorithm>
#include <cstdio>

#include "ingest/extract/extractors.h"
#include "ingest_fixture.h"
#include "test_pictures.h"
#include "word_accuracy.h"

namespace hart::test {
namespace {

class IngestImageTest : public IngestTest {
 protected:
  int64_t atom_of(const std::string& name) {
    return scalar("SELECT atom_id FROM sources WHERE path LIKE '%/" + name + "'");
  }
  std::string meta(int64_t id, const std::string& field) {
    return text("SELECT json_extract(metadata, '$." + field + "') FROM atoms WHERE id = " + std::to_string(id));
  }
  // Decodes a stored child atom's payload.
  PixPtr payload_pix(int64_t id) {
    Stmt s = db->prepare("SELECT atom_payload(" + std::to_string(id) + ")");
    EXPECT_TRUE(s.step());
    return PixPtr(pixReadMem(static_cast<const l_uint8*>(s.blob(0)), static_cast<size_t>(s.bytes(0))));
  }
};

// A scan-like copy: turned by 1.5 degrees, with sensor noise, saved as a poor JPEG.
std::string degraded_jpeg(Pix* pix) {
  PixPtr turned(pixRotate(pix, 0.026f, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
  PixPtr noisy(pixAddGaussianNoise(turned.get(), 12.0f));
  l_uint8* data = nullptr;
  size_t size = 0;
  EXPECT_EQ(pixWriteMemJpeg(&data, &size, noisy.get(), 40, 0), 0);
  std::string bytes(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return bytes;
}

TEST_F(IngestImageTest, OcrReadsRenderedTextWithAWordAccuracyFigure) {
  std::string all;
  for (const std::string& l : kLines) all += l + "\n";
  std::vector<std::string> ref = normalized_words(all);
  struct Case {
    const char* name;
    int font_size;
    bool degraded;
    double at_least;  // word accuracy
  };
  const Case cases[] = {{"clean10.png", 10, false, 0.95}, {"scan4.jpg", 4, true, 0.9}, {"scan6.jpg", 6, true, 0.9}};
  for (const Case& c : cases) {
    PixPtr pix = render_text(kLines, c.font_size);
    write(c.name, c.degraded ? degraded_jpeg(pix.get()) : encode(pix.get(), IFF_PNG));
    ContentRunReport r = ingest({path(c.name)});
    ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
    int64_t id = atom_of(c.name);
    std::string ocr = text("SELECT atom_text(" + std::to_string(id) + ")");
    double acc = word_accuracy(ref, normalized_words(ocr));
    std::printf("OCR word accuracy, %s (Leptonica font size %d%s), %zu words: %.1f%% (mean confidence %s)\n", c.name,
                c.font_size, c.degraded ? ", turned 1.5 deg, noise, JPEG q40" : "", ref.size(), 100 * acc,
                meta(id, "ocr.confidence").c_str());
    EXPECT_GE(acc, c.at_least) << c.name << ":\n" << ocr;
    EXPECT_EQ(meta(id, "ocr.ran"), "1");
    EXPECT_GE(scalar("SELECT count(*) FROM atom_children(" + std::to_string(id) + ") WHERE relation = 'passage'"), 1);
  }
}

TEST_F(IngestImageTest, ABigImageIsScaledDownBeforeOcr) {
  PixPtr lines = render_text({kLines[0], kLines[2]}, 20);
  PixPtr page(pixCreate(2600, 1800, 8));  // 4.7 megapixels, over the 4 MP OCR bound
  pixSetAll(page.get());
  pixRasterop(page.get(), 100, 100, pixGetWidth(lines.get()), pixGetHeight(lines.get()), PIX_SRC, lines.get(), 0, 0);
  write("page.png", encode(page.get(), IFF_PNG));
  ContentRunReport r = ingest({path("page.png")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t id = atom_of("page.png");
  EXPECT_LT(std::stod(meta(id, "ocr.scale")), 0.95);
  EXPECT_GE(word_accuracy(normalized_words(kLines[0] + " " + kLines[2]), normalized_words(text("SELECT atom_text(" + std::to_string(id) + ")"))),
            0.9);
  // 64 px cells would make 41 x 29 = 1189 > 1024 patches: the side grows by 1/8 to 72.
  EXPECT_EQ(meta(id, "patches.side") + " " + meta(id, "patches.columns") + "x" + meta(id, "patches.rows"), "72 37x25");
}

TEST_F(IngestImageTest, EachFormatGivesItsDimensions) {
  options.content.image.ocr = false;
  PixPtr rgb = draw_picture(210, 130, 32), gray = draw_picture(210, 130, 8);
  const std::vector<std::tuple<std::string, int, Pix*>> files = {
      {"png", IFF_PNG, rgb.get()},   {"jpeg", IFF_JFIF_JPEG, rgb.get()}, {"gif", IFF_GIF, gray.get()},
      {"bmp", IFF_BMP, rgb.get()},   {"webp", IFF_WEBP, rgb.get()},      {"tiff", IFF_TIFF_ZIP, rgb.get()}};
  std::vector<std::string> paths;
  for (const auto& [name, format, pix] : files) {
    write("pic." + name, encode(pix, format));
    paths.push_back(path("pic." + name));
  }
  ContentRunReport r = ingest(paths);
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  for (const auto& [name, format, pix] : files) {
    int64_t id = atom_of("pic." + name);
    EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + std::to_string(id)), "image") << name;
    EXPECT_EQ(meta(id, "format"), name);
    EXPECT_EQ(meta(id, "width") + "x" + meta(id, "height"), "210x130") << name;
  }
  EXPECT_EQ(meta(atom_of("pic.gif"), "palette"), "1");
}

TEST_F(IngestImageTest, AThumbnailAndAPatchGrid) {
  options.content.image.ocr = false;
  PixPtr pix = draw_picture(300, 200, 32);
  write("grid.png", encode(pix.get(), IFF_PNG));
  ContentRunReport r = ingest({path("grid.png")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::string id = std::to_string(atom_of("grid.png"));
  int64_t thumb = scalar("SELECT atom_id FROM atom_children(" + id + ") WHERE relation = 'thumbnail'");
  PixPtr t = payload_pix(thumb);
  ASSERT_TRUE(t);
  EXPECT_EQ(pixGetWidth(t.get()), 128);
  EXPECT_LT(pixGetHeight(t.get()), 200);
  EXPECT_EQ(text("SELECT mime || ' ' || subtype FROM atoms WHERE id = " + std::to_string(thumb)), "image/png thumbnail");
  // 300x200 in 64 px cells: 5 columns, 4 rows; the last cell is 44x8.
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_children(" + id + ") WHERE relation = 'patch'"), 20);
  EXPECT_EQ(text("SELECT label FROM atom_relations WHERE relation = 'patch' AND ordinal = 19"), "256,192,44,8");
  EXPECT_EQ(text("SELECT label FROM atom_relations WHERE relation = 'patch' AND ordinal = 5"), "0,64,64,64");
  EXPECT_EQ(meta(std::stoll(id), "patches.columns") + "x" + meta(std::stoll(id), "patches.rows"), "5x4");
  // The patch at ordinal 6 (x 64, y 64) holds the picture's pixels there.
  PixPtr cell = payload_pix(scalar("SELECT child_id FROM atom_relations WHERE relation = 'patch' AND ordinal = 6"));
  ASSERT_TRUE(cell);
  Box* box = boxCreate(64, 64, 64, 64);
  PixPtr expected(pixClipRectangle(pix.get(), box, nullptr));
  boxDestroy(&box);
  l_int32 same = 0;
  pixEqual(cell.get(), expected.get(), &same);
  EXPECT_TRUE(same);
}

TEST_F(IngestImageTest, AnIconIsItsOwnThumbnailAndPatchAndIsNotOcrd) {
  write("icon.png", encode(draw_picture(48, 12, 32).get(), IFF_PNG));
  ContentRunReport r = ingest({path("icon.png")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t id = atom_of("icon.png");
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_children(" + std::to_string(id) + ")"), 0);
  EXPECT_EQ(meta(id, "ocr.ran"), "0");
  EXPECT_EQ(meta(id, "ocr.note"), "too small to hold readable text");
}

TEST_F(IngestImageTest, AThinStripStillGetsAThumbnailAndPatches) {
  options.content.image.ocr = false;
  write("strip.png", encode(draw_picture(3000, 2, 32).get(), IFF_PNG));
  ContentRunReport r = ingest({path("strip.png")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::string id = std::to_string(atom_of("strip.png"));
  EXPECT_EQ(meta(std::stoll(id), "thumbnail.width") + "x" + meta(std::stoll(id), "thumbnail.height"), "128x1");
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_children(" + id + ") WHERE relation = 'patch'"), 47);  // 3000 / 64
}

TEST_F(IngestImageTest, TheSamePixelsInLosslessFormatsShareTheirPatches) {
  options.content.image.ocr = false;
  PixPtr gray = draw_picture(256, 192, 8);
  const std::vector<std::pair<std::string, int>> files = {
      {"a.png", IFF_PNG}, {"a.bmp", IFF_BMP}, {"a.tif", IFF_TIFF_ZIP}, {"a.gif", IFF_GIF}};
  std::vector<std::string> paths;
  for (const auto& [name, format] : files) {
    write(name, encode(gray.get(), format));
    paths.push_back(path(name));
  }
  ContentRunReport r = ingest(paths);
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_EQ(scalar("SELECT count(DISTINCT atom_id) FROM sources"), 4);
  // 4 x 3 cells per image, 12 relations each; blank cells are one atom.
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations WHERE relation = 'patch'"), 48);
  int64_t distinct = scalar("SELECT count(DISTINCT child_id) FROM atom_relations WHERE relation = 'patch'");
  int64_t in_one = scalar("SELECT count(DISTINCT child_id) FROM atom_relations WHERE relation = 'patch' AND parent_id = " +
                          std::to_string(atom_of("a.png")));
  EXPECT_EQ(distinct, in_one);
  EXPECT_LT(in_one, 12);
  EXPECT_EQ(scalar("SELECT count(DISTINCT child_id) FROM atom_relations WHERE relation = 'thumbnail'"), 1);
}

TEST(IngestImageGrid, ThePatchSideGrowsToBoundTheCount) {
  EXPECT_EQ(patch_grid_side(300, 200, 64, 1024), 64);
  int side = patch_grid_side(8000, 6000, 64, 1024);
  EXPECT_GT(side, 64);
  EXPECT_LE(static_cast<int64_t>((8000 + side - 1) / side) * ((6000 + side - 1) / side), 1024);
  EXPECT_EQ(patch_grid_side(8000, 6000, 64, 0), 64);
}

TEST_F(IngestImageTest, BrokenImagesStayBinaryWithTheErrorAndTheRunGoesOn) {
  options.content.image.ocr = false;
  std::string png = encode(draw_picture(300, 200, 32).get(), IFF_PNG);
  write("truncated.png", png.substr(0, png.size() / 2));
  write("garbage.png", png.substr(0, 33) + std::string(400, '\x5a'));  // signature and header, then nonsense
  std::string huge = png;  // IHDR claims 100000 x 100000 pixels
  const char dims[8] = {0, 1, static_cast<char>(0x86), static_cast<char>(0xa0), 0, 1, static_cast<char>(0x86),
                        static_cast<char>(0xa0)};
  huge.replace(16, 8, dims, 8);
  write("huge.png", huge);
  std::string noise;
  for (int i = 0; i < 500; ++i) noise += static_cast<char>((i * 7919 + 13) % 251);
  write("noise.png", noise);
  write("fine.png", png);
  ContentRunReport r = ingest({path("truncated.png"), path("garbage.png"), path("huge.png"), path("noise.png"),
                               path("fine.png")});
  EXPECT_EQ(r.failures.size(), 3u) << all_errors(r.failures);
  for (const char* name : {"truncated.png", "garbage.png", "huge.png"}) {
    int64_t id = atom_of(name);
    EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + std::to_string(id)), "binary") << name;
    EXPECT_NE(text("SELECT error FROM atoms WHERE id = " + std::to_string(id)), "<null>") << name;
  }
  EXPECT_NE(text("SELECT error FROM atoms WHERE id = " + std::to_string(atom_of("huge.png"))).find("100 megapixels"),
            std::string::npos);
  // Not a picture by content, whatever the name says: a plain binary atom.
  EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + std::to_string(atom_of("noise.png"))), "binary");
  EXPECT_EQ(text("SELECT modality || ' ' || json_extract(metadata, '$.width') FROM atoms WHERE id = " +
                 std::to_string(atom_of("fine.png"))), "image 300");
  // No child atoms left behind by the failed extractions.
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations WHERE relation = 'thumbnail'"), 1);
}

TEST_F(IngestImageTest, AnImageFormatLeptonicaCannotReadIsStoredWithoutAnError) {
  // A Photoshop header (signature, version 1, 3 channels, 10 x 10, 8 bits, RGB).
  std::string psd = std::string("8BPS\0\1", 6) + std::string(6, '\0') +
                    std::string("\0\3\0\0\0\x0a\0\0\0\x0a\0\x08\0\3", 14) + std::string(64, '\0');
  write("layers.psd", psd);
  ContentRunReport r = ingest({path("layers.psd")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t id = atom_of("layers.psd");
  EXPECT_EQ(text("SELECT modality || ' ' || mime FROM atoms WHERE id = " + std::to_string(id)),
            "image image/vnd.adobe.photoshop");
  EXPECT_EQ(meta(id, "extracted"), "0");
}

TEST_F(IngestImageTest, SharedSamplePhotos) {
  HART_REQUIRE_SHARED(dir_path, "images-captioned");
  ContentRunReport r = ingest({dir_path});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  const std::vector<std::tuple<std::string, std::string, std::string>> expect = {
      {"astronaut.png", "png", "512x512"}, {"camera.png", "png", "512x512"}, {"chelsea.png", "png", "451x300"},
      {"coffee.png", "png", "600x400"},    {"horse.png", "png", "400x328"},  {"page.png", "png", "384x191"},
      {"rocket.jpg", "jpeg", "640x427"},   {"CLIP.png", "png", "2162x762"}};
  for (const auto& [name, format, size] : expect) {
    int64_t id = atom_of(name);
    EXPECT_EQ(meta(id, "format"), format) << name;
    EXPECT_EQ(meta(id, "width") + "x" + meta(id, "height"), size) << name;
    EXPECT_EQ(scalar("SELECT count(*) FROM atom_children(" + std::to_string(id) + ") WHERE relation = 'thumbnail'"), 1);
  }
  // page.png is a scanned page of text; the photos hold none.
  std::string page = text("SELECT atom_text(" + std::to_string(atom_of("page.png")) + ")");
  std::printf("page.png OCR (%zu words): %s\n", normalized_words(page).size(), page.c_str());
  EXPECT_GE(normalized_words(page).size(), 20u);
  EXPECT_EQ(text("SELECT text FROM atoms WHERE id = " + std::to_string(atom_of("chelsea.png"))), "<null>");
}

}  // namespace
}  // namespace hart::test
