// Multi-page TIFFs and animated GIFs (child page and frame atoms), and PNGs decoded
// with our own libpng reader: Leptonica's pixels, no messages on stderr.
#include <gif_lib.h>
#include <leptonica/allheaders.h>
#include <png.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "media/png_decode.h"
#include "ingest_fixture.h"
#include "test_pictures.h"
#include "word_accuracy.h"

namespace hart::test {
namespace {

class IngestFramesTest : public IngestTest {
 protected:
  int64_t atom_of(const std::string& name) {
    return scalar("SELECT atom_id FROM sources WHERE path LIKE '%/" + name + "'");
  }
  std::string meta(int64_t id, const std::string& field) {
    return text("SELECT json_extract(metadata, '$." + field + "') FROM atoms WHERE id = " + std::to_string(id));
  }
  int64_t count(const std::string& where) { return scalar("SELECT count(*) FROM atom_relations WHERE " + where); }
  PixPtr payload_pix(int64_t id) {
    Stmt s = db->prepare("SELECT atom_payload(" + std::to_string(id) + ")");
    EXPECT_TRUE(s.step());
    return PixPtr(pixReadMem(static_cast<const l_uint8*>(s.blob(0)), static_cast<size_t>(s.bytes(0))));
  }
  int64_t child(int64_t parent, const std::string& relation, int ordinal) {
    return scalar("SELECT child_id FROM atom_relations WHERE parent_id = " + std::to_string(parent) +
                  " AND relation = '" + relation + "' AND ordinal = " + std::to_string(ordinal));
  }
};

std::string multipage_tiff(const std::vector<Pix*>& pages) {
  Pixa* pixa = pixaCreate(0);
  for (Pix* p : pages) pixaAddPix(pixa, p, L_COPY);
  l_uint8* data = nullptr;
  size_t size = 0;
  EXPECT_EQ(pixaWriteMemMultipageTiff(&data, &size, pixa), 0);
  pixaDestroy(&pixa);
  std::string bytes(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return bytes;
}

// A little-endian TIFF of `pages` 1x1 gray pages: one shared strip, a chain of IFDs.
// Page `huge` (0-based) claims 20000 x 20000 pixels instead.
std::string chained_tiff(int pages, int huge = -1) {
  std::string t("II*\0\x0c\0\0\0\x80\0\0\0", 12);  // header (first IFD at 12), then the pixel
  auto u16 = [&](unsigned v) { t += static_cast<char>(v & 0xff), t += static_cast<char>(v >> 8); };
  auto u32 = [&](uint32_t v) { u16(v & 0xffff), u16(v >> 16); };
  const unsigned tags[][3] = {{256, 3, 1}, {257, 3, 1}, {258, 3, 8},   {259, 3, 1}, {262, 3, 1},
                              {273, 4, 8}, {277, 3, 1}, {278, 3, 1}, {279, 4, 1}};
  for (int p = 0; p < pages; ++p) {
    u16(9);
    for (const auto& tag : tags) {
      u16(tag[0]), u16(tag[1]), u32(1);
      if (tag[0] <= 257 && p == huge) u16(20000), u16(0);
      else if (tag[1] == 3) u16(tag[2]), u16(0);
      else u32(tag[2]);
    }
    u32(p + 1 < pages ? static_cast<uint32_t>(t.size() + 4) : 0);
  }
  return t;
}

TEST_F(IngestFramesTest, EveryTiffPageIsAnImageAtomWithItsOwnText) {
  std::string all;
  for (const std::string& l : kLines) all += l + "\n";
  PixPtr first = draw_picture(300, 200, 8), text_page = render_text(kLines, 10), third = draw_picture(240, 180, 32);
  write("scan.tif", multipage_tiff({first.get(), text_page.get(), third.get()}));
  ContentRunReport r = ingest({path("scan.tif")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t id = atom_of("scan.tif");
  EXPECT_EQ(meta(id, "format") + " " + meta(id, "pages"), "tiff 3");
  EXPECT_EQ(count("parent_id = " + std::to_string(id) + " AND relation = 'page'"), 3);
  // The file's own atom: first page's thumbnail only; patches and text are the pages'.
  EXPECT_EQ(count("parent_id = " + std::to_string(id) + " AND relation IN ('patch', 'passage')"), 0);
  EXPECT_EQ(count("parent_id = " + std::to_string(id) + " AND relation = 'thumbnail'"), 1);
  EXPECT_EQ(meta(id, "ocr.note"), "read on each page or frame atom");
  for (int n = 0; n < 3; ++n) {
    int64_t page = child(id, "page", n);
    EXPECT_EQ(text("SELECT modality || ' ' || subtype FROM atoms WHERE id = " + std::to_string(page)), "image page");
    EXPECT_GT(count("parent_id = " + std::to_string(page) + " AND relation = 'patch'"), 0) << n;
  }
  // Page 1 holds the same pixels as the first picture.
  PixPtr p1 = payload_pix(child(id, "page", 0));
  l_int32 same = 0;
  pixEqual(p1.get(), first.get(), &same);
  EXPECT_TRUE(same);
  std::string ocr = text("SELECT atom_text(" + std::to_string(child(id, "page", 1)) + ")");
  double acc = word_accuracy(all, ocr);
  std::printf("OCR word accuracy, page 2 of a 3-page TIFF (Leptonica font size 10): %.1f%%\n", 100 * acc);
  EXPECT_GE(acc, 0.95) << ocr;
}

TEST_F(IngestFramesTest, ABilevelFaxTiffPageIsReadToo) {
  // Small text thresholded to 1 bit: written as CCITT G4, the usual scanner output.
  PixPtr cover = draw_picture(200, 120, 8), small = render_text(kLines, 6);
  PixPtr bits(pixThresholdToBinary(small.get(), 128));
  write("fax.tif", multipage_tiff({cover.get(), bits.get()}));
  ContentRunReport r = ingest({path("fax.tif")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t page = child(atom_of("fax.tif"), "page", 1);
  std::string all;
  for (const std::string& l : kLines) all += l + "\n";
  std::string ocr = text("SELECT atom_text(" + std::to_string(page) + ")");
  double acc = word_accuracy(all, ocr);
  std::printf("OCR word accuracy, 1-bit G4 page 2 of a TIFF (Leptonica font size 6): %.1f%%\n", 100 * acc);
  EXPECT_GE(acc, 0.9) << ocr;
  EXPECT_EQ(meta(page, "depth"), "1");  // a 1-bit PNG: the page stays compact
}

TEST_F(IngestFramesTest, ATiffOfAHundredThousandPagesIsCutAtAThousand) {
  options.content.image.ocr = false;
  write("many.tif", chained_tiff(100000));
  auto start = std::chrono::steady_clock::now();
  ContentRunReport r = ingest({path("many.tif")});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("100000-page TIFF (11 MB of IFDs): %.1f s\n", seconds);
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t id = atom_of("many.tif");
  EXPECT_EQ(meta(id, "pages") + " " + meta(id, "pages_taken"), "100000 1000");
  EXPECT_EQ(count("parent_id = " + std::to_string(id) + " AND relation = 'page'"), 1000);
  EXPECT_EQ(scalar("SELECT count(DISTINCT child_id) FROM atom_relations WHERE relation = 'page'"), 1);
}

TEST_F(IngestFramesTest, APageOverAHundredMegapixelsIsRecordedNotDecoded) {
  options.content.image.ocr = false;
  write("forged.tif", chained_tiff(3, 1));
  ContentRunReport r = ingest({path("forged.tif")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t id = atom_of("forged.tif");
  EXPECT_EQ(meta(id, "pages") + " " + meta(id, "pages_failed.count"), "3 1");
  EXPECT_EQ(meta(id, "pages_failed.reasons[0]"), "page 2: 20000x20000 pixels; over 100 megapixels or none");
  EXPECT_EQ(text("SELECT group_concat(ordinal) FROM atom_relations WHERE relation = 'page'"), "0,2");
  EXPECT_EQ(r.warnings.size(), 1u);
}

// ---- GIF

struct GifFrameSpec {
  int left, top, width, height;
  std::vector<GifByteType> indices;  // width * height
  int delay_cs = 10;
  int disposal = DISPOSE_DO_NOT;
  int transparent = NO_TRANSPARENT_COLOR;
};

int append_gif(GifFileType* gif, const GifByteType* data, int n) {
  static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  return n;
}

// Palette: 0 white, 1 red, 2 green, 3 blue.
std::string animated_gif(int sw, int sh, const std::vector<GifFrameSpec>& frames) {
  std::string out;
  int err = 0;
  GifFileType* gif = EGifOpen(&out, append_gif, &err);
  EXPECT_NE(gif, nullptr);
  const GifColorType colours[4] = {{255, 255, 255}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  gif->SWidth = sw;
  gif->SHeight = sh;
  gif->SColorResolution = 8;
  gif->SBackGroundColor = 0;
  gif->SColorMap = GifMakeMapObject(4, colours);
  for (const GifFrameSpec& f : frames) {
    SavedImage* img = GifMakeSavedImage(gif, nullptr);
    img->ImageDesc = {f.left, f.top, f.width, f.height, false, nullptr};
    img->RasterBits = static_cast<GifByteType*>(std::malloc(f.indices.size()));
    std::memcpy(img->RasterBits, f.indices.data(), f.indices.size());
    GraphicsControlBlock gcb{f.disposal, false, f.delay_cs, f.transparent};
    EGifGCBToSavedExtension(&gcb, gif, gif->ImageCount - 1);
  }
  EXPECT_EQ(EGifSpew(gif), GIF_OK) << GifErrorString(gif->Error);
  return out;
}

GifFrameSpec fill(int left, int top, int w, int h, GifByteType index) {
  return {left, top, w, h, std::vector<GifByteType>(static_cast<size_t>(w) * h, index)};
}

l_uint32 rgb_at(Pix* pix, int x, int y) {
  l_int32 r = 0, g = 0, b = 0;
  pixGetRGBPixel(pix, x, y, &r, &g, &b);
  return static_cast<l_uint32>(r << 16 | g << 8 | b);
}

TEST_F(IngestFramesTest, AnimatedGifFramesAreCompositedOnTheScreen) {
  options.content.image.ocr = false;
  std::vector<GifFrameSpec> frames;
  frames.push_back(fill(0, 0, 96, 64, 1));  // red screen
  GifFrameSpec blue = fill(16, 16, 32, 16, 3);  // a blue box, its left half transparent
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) blue.indices[static_cast<size_t>(y) * 32 + x] = 0;
  blue.transparent = 0;
  blue.disposal = DISPOSE_BACKGROUND;
  frames.push_back(blue);
  frames.push_back(fill(60, 40, 8, 8, 2));  // green square; the blue box was cleared
  write("anim.gif", animated_gif(96, 64, frames));
  ContentRunReport r = ingest({path("anim.gif")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t id = atom_of("anim.gif");
  EXPECT_EQ(meta(id, "frames") + " " + meta(id, "frames_taken") + " " + meta(id, "duration_seconds"), "3 3 0.3");
  EXPECT_EQ(text("SELECT group_concat(label, ' ') FROM atom_relations WHERE relation = 'frame' AND parent_id = " +
                 std::to_string(id)), "0.00 0.10 0.20");
  EXPECT_EQ(text("SELECT subtype FROM atoms WHERE id = " + std::to_string(child(id, "frame", 1))), "frame");
  PixPtr f1 = payload_pix(child(id, "frame", 1)), f2 = payload_pix(child(id, "frame", 2));
  ASSERT_TRUE(f1 && f2);
  EXPECT_EQ(rgb_at(f1.get(), 20, 20), 0xff0000u);  // transparent: red shows through
  EXPECT_EQ(rgb_at(f1.get(), 40, 20), 0x0000ffu);
  EXPECT_EQ(rgb_at(f2.get(), 40, 20), 0u);  // disposed to the (transparent black) background
  EXPECT_EQ(rgb_at(f2.get(), 62, 42), 0x00ff00u);
  EXPECT_EQ(rgb_at(f2.get(), 2, 2), 0xff0000u);
  EXPECT_EQ(count("parent_id = " + std::to_string(id) + " AND relation = 'patch'"), 0);
}

TEST_F(IngestFramesTest, ALongAnimationGivesThirtyTwoSpreadFrames) {
  options.content.image.ocr = false;
  std::vector<GifFrameSpec> frames;
  for (int i = 0; i < 100; ++i) frames.push_back(fill(i % 10, i / 10, 1, 1, static_cast<GifByteType>(1 + i % 3)));
  frames[0] = fill(0, 0, 16, 16, 0);
  write("long.gif", animated_gif(16, 16, frames));
  ContentRunReport r = ingest({path("long.gif")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t id = atom_of("long.gif");
  EXPECT_EQ(meta(id, "frames") + " " + meta(id, "frames_taken"), "100 32");
  EXPECT_EQ(text("SELECT max(label) FROM atom_relations WHERE relation = 'frame'"), "9.60");
}

TEST_F(IngestFramesTest, BrokenFramesAreRecordedAndTheRestKept) {
  options.content.image.ocr = false;
  std::vector<GifFrameSpec> frames = {fill(0, 0, 32, 32, 1), fill(20, 20, 16, 16, 2), fill(4, 4, 8, 8, 3)};
  write("outside.gif", animated_gif(32, 32, frames));
  std::string whole = animated_gif(32, 32, {fill(0, 0, 32, 32, 1), fill(0, 0, 32, 32, 2), fill(0, 0, 32, 32, 3)});
  write("cut.gif", whole.substr(0, whole.size() - 12));
  ContentRunReport r = ingest({path("outside.gif"), path("cut.gif")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t outside = atom_of("outside.gif"), cut = atom_of("cut.gif");
  EXPECT_EQ(meta(outside, "frames_failed.count") + " " + meta(outside, "frames_taken"), "1 2");
  EXPECT_NE(meta(outside, "frames_failed.reasons[0]").find("outside the 32x32 screen"), std::string::npos);
  EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + std::to_string(cut)), "image");
  EXPECT_EQ(meta(cut, "frames_taken"), "2");
  EXPECT_NE(meta(cut, "frames_failed.count"), "<null>");
  EXPECT_FALSE(r.warnings.empty());
}

// Full-canvas frames of one colour each (0xAARRGGBB), `ms` apart, losslessly.
std::string animated_webp(int w, int h, const std::vector<uint32_t>& colours, int ms) {
  WebPAnimEncoderOptions eo;
  EXPECT_TRUE(WebPAnimEncoderOptionsInit(&eo));
  WebPAnimEncoder* enc = WebPAnimEncoderNew(w, h, &eo);
  WebPConfig config;
  EXPECT_TRUE(WebPConfigInit(&config));
  config.lossless = 1;
  int t = 0;
  for (uint32_t c : colours) {
    WebPPicture pic;
    EXPECT_TRUE(WebPPictureInit(&pic));
    pic.use_argb = 1;
    pic.width = w;
    pic.height = h;
    EXPECT_TRUE(WebPPictureAlloc(&pic));
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) pic.argb[y * pic.argb_stride + x] = x < w / 2 ? c : 0xff000000u;
    EXPECT_TRUE(WebPAnimEncoderAdd(enc, &pic, t, &config));
    WebPPictureFree(&pic);
    t += ms;
  }
  EXPECT_TRUE(WebPAnimEncoderAdd(enc, nullptr, t, nullptr));
  WebPData out;
  WebPDataInit(&out);
  EXPECT_TRUE(WebPAnimEncoderAssemble(enc, &out));
  std::string bytes(reinterpret_cast<const char*>(out.bytes), out.size);
  WebPDataClear(&out);
  WebPAnimEncoderDelete(enc);
  return bytes;
}

TEST_F(IngestFramesTest, AnimatedWebpFramesAreImageAtoms) {
  options.content.image.ocr = false;
  write("anim.webp", animated_webp(40, 30, {0xffff0000u, 0xff00ff00u, 0xff0000ffu}, 100));
  ContentRunReport r = ingest({path("anim.webp")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_TRUE(r.warnings.empty()) << all_errors(r.warnings);
  int64_t id = atom_of("anim.webp");
  EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + std::to_string(id)), "image");
  EXPECT_EQ(meta(id, "frames") + " " + meta(id, "frames_taken") + " " + meta(id, "duration_seconds"), "3 3 0.3");
  EXPECT_EQ(text("SELECT group_concat(label, ' ') FROM atom_relations WHERE relation = 'frame' AND parent_id = " +
                 std::to_string(id)), "0.00 0.10 0.20");
  PixPtr f1 = payload_pix(child(id, "frame", 1));
  ASSERT_TRUE(f1);
  EXPECT_EQ(rgb_at(f1.get(), 5, 5), 0x00ff00u);
  EXPECT_EQ(rgb_at(f1.get(), 35, 5), 0u);
}

TEST_F(IngestFramesTest, AGifTooBigToLoadIsRefusedBeforeLeptonicaLoadsIt) {
  // One 30000 x 15000 frame (450 megapixels, a byte each once loaded), two colours.
  std::string gif("GIF89a\x30\x75\x98\x3a\x80\0\0" "\0\0\0\xff\xff\xff", 19);
  gif += std::string("\x2c\0\0\0\0\x30\x75\x98\x3a\0" "\x02\x02\x4c\x01\0\x3b", 16);
  write("vast.gif", gif);
  ContentRunReport r = ingest({path("vast.gif")});
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].error.find("over 400 megapixels"), std::string::npos) << r.failures[0].error;
}

// ---- PNG

// A PNG written with libpng itself: Leptonica writes neither interlaced nor tRNS files.
std::string write_png(int w, int h, int color, int depth, bool interlaced, const std::vector<png_byte>& pixels,
                      const std::vector<png_color>& palette = {}, const std::vector<png_byte>& trns = {},
                      const png_color_16* key = nullptr) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, [](png_structp p, png_bytep d, size_t n) {
    static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<const char*>(d), n);
  }, nullptr);
  png_set_IHDR(png, info, w, h, depth, color, interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!palette.empty()) png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  if (!trns.empty()) png_set_tRNS(png, info, trns.data(), static_cast<int>(trns.size()), nullptr);
  if (key) png_set_tRNS(png, info, nullptr, 0, key);  // a gray or RGB colour that is transparent
  png_write_info(png, info);
  size_t rowbytes = png_get_rowbytes(png, info);
  std::vector<png_bytep> rows(static_cast<size_t>(h));
  for (int y = 0; y < h; ++y) rows[static_cast<size_t>(y)] = const_cast<png_bytep>(pixels.data()) + rowbytes * y;
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

void expect_same_as_leptonica(const std::string& png, const std::string& what) {
  PixPtr ours(decode_png(reinterpret_cast<const unsigned char*>(png.data()), png.size(), 100e6, what));
  PixPtr theirs(pixReadMem(reinterpret_cast<const l_uint8*>(png.data()), png.size()));
  ASSERT_TRUE(ours && theirs) << what;
  EXPECT_EQ(pixGetDepth(ours.get()), pixGetDepth(theirs.get())) << what;
  EXPECT_EQ(pixGetSpp(ours.get()), pixGetSpp(theirs.get())) << what;
  EXPECT_EQ(pixGetColormap(ours.get()) != nullptr, pixGetColormap(theirs.get()) != nullptr) << what;
  l_int32 same = 0;
  pixEqualWithAlpha(ours.get(), theirs.get(), pixGetSpp(ours.get()) == 4, &same);
  EXPECT_TRUE(same) << what;
  EXPECT_EQ(pixGetXRes(ours.get()), pixGetXRes(theirs.get())) << what;
}

TEST(PngDecode, GivesLeptonicasPixelsForEachKindOfPng) {
  setMsgSeverity(L_SEVERITY_NONE);
  PixPtr rgb = draw_picture(70, 50, 32), gray = draw_picture(70, 50, 8);
  pixSetResolution(rgb.get(), 300, 300);
  expect_same_as_leptonica(encode(rgb.get(), IFF_PNG), "rgb");
  expect_same_as_leptonica(encode(gray.get(), IFF_PNG), "gray");
  PixPtr rgba(pixCopy(nullptr, rgb.get()));
  pixSetSpp(rgba.get(), 4);
  pixSetAllArbitrary(rgba.get(), 0x20406080);
  expect_same_as_leptonica(encode(rgba.get(), IFF_PNG), "rgba");
  PixPtr binary(pixThresholdToBinary(gray.get(), 128));
  expect_same_as_leptonica(encode(binary.get(), IFF_PNG), "1-bit");
  PixPtr gray4(pixThresholdTo4bpp(gray.get(), 16, 0));
  expect_same_as_leptonica(encode(gray4.get(), IFF_PNG), "4-bit gray");
  PixPtr quant(pixOctreeQuantNumColors(rgb.get(), 16, 0));
  expect_same_as_leptonica(encode(quant.get(), IFF_PNG), "palette");
  PixPtr gray_cmap(pixConvertGrayToColormap(gray.get()));
  expect_same_as_leptonica(encode(gray_cmap.get(), IFF_PNG), "gray palette");
  PixPtr deep(pixConvert8To16(gray.get(), 8));
  expect_same_as_leptonica(encode(deep.get(), IFF_PNG), "16-bit gray");
  // Interlaced RGB, a 2-bit palette with tRNS, and 16-bit RGB, written with libpng.
  std::vector<png_byte> px(23 * 17 * 3);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<png_byte>(i * 37 % 251);
  expect_same_as_leptonica(write_png(23, 17, PNG_COLOR_TYPE_RGB, 8, true, px), "interlaced rgb");
  std::vector<png_byte> idx(17 * 11);  // 2-bit: 4 pixels a byte, rows of 5 bytes
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<png_byte>(i * 0x1b);
  std::vector<png_color> pal = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  std::string plain = write_png(17, 11, PNG_COLOR_TYPE_PALETTE, 2, false, std::vector<png_byte>(idx.begin(), idx.begin() + 55), pal);
  expect_same_as_leptonica(plain, "2-bit palette");
  std::vector<png_byte> wide(9 * 7 * 6);
  for (size_t i = 0; i < wide.size(); ++i) wide[i] = static_cast<png_byte>(i * 53 % 256);
  expect_same_as_leptonica(write_png(9, 7, PNG_COLOR_TYPE_RGB, 16, false, wide), "16-bit rgb");
  std::vector<png_byte> idx8(13 * 5);
  for (size_t i = 0; i < idx8.size(); ++i) idx8[i] = static_cast<png_byte>(i % 4);
  expect_same_as_leptonica(write_png(13, 5, PNG_COLOR_TYPE_PALETTE, 8, true, idx8, pal, {0, 128}), "palette with tRNS");
  // Where we differ on purpose: a gray tRNS colour is transparent, the rest opaque.
  std::vector<png_byte> g(6 * 4);
  for (size_t i = 0; i < g.size(); ++i) g[i] = static_cast<png_byte>(i % 2 ? 200 : 7);
  png_color_16 key{};
  key.gray = 7;
  std::string keyed = write_png(6, 4, PNG_COLOR_TYPE_GRAY, 8, false, g, {}, {}, &key);
  PixPtr ours(decode_png(reinterpret_cast<const unsigned char*>(keyed.data()), keyed.size(), 100e6, "keyed"));
  ASSERT_TRUE(ours);
  EXPECT_EQ(pixGetSpp(ours.get()), 4);
  l_uint32 keyed_px = 0, plain_px = 0;
  pixGetPixel(ours.get(), 0, 0, &keyed_px);  // gray 7: the key
  pixGetPixel(ours.get(), 1, 0, &plain_px);  // gray 200
  l_int32 r = 0, gr = 0, b = 0, a = 0;
  extractRGBAValues(keyed_px, &r, &gr, &b, &a);
  EXPECT_EQ(a, 0);
  extractRGBAValues(plain_px, &r, &gr, &b, &a);
  EXPECT_EQ(r * 1000 + a, 200255);
}

// Real files, some with iCCP chunks libpng warns about: the "libpng warning" lines
// this test prints come from the Leptonica side of the comparison.
TEST(PngDecode, GivesLeptonicasPixelsForTheSharedPhotos) {
  HART_REQUIRE_SHARED(dir_path, "images-captioned");
  setMsgSeverity(L_SEVERITY_NONE);
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_path)) {
    if (entry.path().extension() != ".png") continue;
    expect_same_as_leptonica(read_file(entry.path().string()), entry.path().filename().string());
    ++seen;
  }
  EXPECT_GE(seen, 5);
}

// The CRC of the first ancillary chunk after IHDR (a pHYs or tEXt) made wrong.
std::string with_bad_ancillary_crc(std::string png) {
  png.insert(33, std::string("\0\0\0\x05tEXta\0bcd\0\0\0\0", 17));  // keyword "a", text "bcd", CRC 0
  return png;
}

TEST_F(IngestFramesTest, PngTroubleStaysOffStderr) {
  options.content.image.ocr = false;
  std::string png = encode(draw_picture(120, 80, 32).get(), IFF_PNG);
  write("cut.png", png.substr(0, png.size() * 2 / 3));
  write("crc.png", with_bad_ancillary_crc(png));
  testing::internal::CaptureStderr();
  ContentRunReport r = ingest({path("cut.png"), path("crc.png")});
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "");
  ASSERT_EQ(r.failures.size(), 1u) << all_errors(r.failures);
  EXPECT_NE(r.failures[0].error.find("cannot decode the png image: "), std::string::npos) << r.failures[0].error;
  EXPECT_EQ(text("SELECT modality || ' ' || json_extract(metadata, '$.width') FROM atoms WHERE id = " +
                 std::to_string(atom_of("crc.png"))), "image 120");
  int warnings = 0;
  std::string bad = with_bad_ancillary_crc(png);
  PixPtr pix(decode_png(reinterpret_cast<const unsigned char*>(bad.data()), bad.size(), 100e6, "crc.png", &warnings));
  EXPECT_TRUE(pix);
  EXPECT_GE(warnings, 1);
}

}  // namespace
}  // namespace hart::test

namespace hart::test {
namespace {

// Damaged copies of every multi-frame and PNG kind, all in one run (so on the
// parallel path too): each is stored, as a picture or as binary with the error, and
// the run goes on.
TEST_F(IngestFramesTest, DamagedMultiFrameFilesAndPngsNeverStopTheRun) {
  options.content.image.ocr = false;
  PixPtr a = draw_picture(120, 80, 32), b = draw_picture(90, 60, 8);
  std::vector<std::pair<std::string, std::string>> goods = {
      {"tif", multipage_tiff({a.get(), b.get(), a.get()})},
      {"gif", animated_gif(40, 30, {fill(0, 0, 40, 30, 1), fill(5, 5, 10, 10, 2), fill(20, 10, 20, 20, 3)})},
      {"webp", animated_webp(40, 30, {0xffff0000u, 0xff00ff00u, 0xff0000ffu}, 100)},
      {"png", encode(a.get(), IFF_PNG)}};
  std::vector<std::string> paths;
  for (const auto& [ext, good] : goods) {
    ASSERT_FALSE(good.empty()) << ext;
    for (const std::string& p : write_damaged_copies(dir, good, "bad-" + ext + "-", ext, 24)) paths.push_back(p);
  }
  ContentRunReport r = ingest(paths);
  EXPECT_EQ(r.files_ingested, paths.size()) << all_errors(r.failures);
  EXPECT_EQ(scalar("SELECT count(*) FROM sources WHERE atom_id IS NULL"), 0);
  // Nothing half-extracted is left (a copy libmagic no longer calls a picture is
  // plain binary, which is right too).
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE refcount = 0"), 0);
  EXPECT_GT(r.failures.size(), 0u);
}

}  // namespace
}  // namespace hart::test
