// Pictures drawn by the ingest tests with Leptonica: shapes, and known text in its
// bitmap font for OCR, and their encodings (image, PDF, office and parallel tests).
#pragma once
#include <leptonica/allheaders.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace hart::test {

struct PixFree {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixFree>;

// A w x h picture: 8 bpp gray, or 32 bpp RGB. A white background (blank patches)
// with a few dark rectangles whose shade depends on their position.
inline PixPtr draw_picture(int w, int h, int depth) {
  PixPtr p(pixCreate(w, h, depth));
  pixSetAll(p.get());
  for (int i = 0; i < 4; ++i) {
    Box* b = boxCreate(10 + 37 * i, 5 + 23 * i, 30, 20);
    l_uint32 v = depth == 8 ? static_cast<l_uint32>(40 * i) : 0x20406000u + 0x30000000u * i;
    pixSetInRectArbitrary(p.get(), b, v);
    boxDestroy(&b);
  }
  return p;
}

// `pix` encoded as `format` (IFF_PNG, IFF_JFIF_JPEG, ...).
inline std::string encode(Pix* pix, int format) {
  l_uint8* data = nullptr;
  size_t size = 0;
  EXPECT_EQ(pixWriteMem(&data, &size, pix, format), 0) << "format " << format;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return bytes;
}

// Known text drawn with Leptonica's built-in bitmap font, several lines.
inline const std::vector<std::string> kLines = {
    "Hartonomous keeps every document as atoms in one database.",
    "Pictures are cut into patches and their text is read aloud by OCR.",
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Seven wizards quietly judged the boxing match on Friday evening.",
    "Numbers such as 2048 and 365 should survive recognition intact.",
};

inline PixPtr render_text(const std::vector<std::string>& lines, int font_size) {
  L_BMF* font = bmfCreate(nullptr, font_size);
  EXPECT_NE(font, nullptr);
  int line_height = font->lineheight + font->vertlinesep, widest = 0;
  for (const std::string& line : lines) {
    l_int32 w = 0;
    bmfGetStringWidth(font, line.c_str(), &w);
    widest = std::max(widest, static_cast<int>(w));
  }
  PixPtr p(pixCreate(widest + 40, line_height * static_cast<int>(lines.size()) + 40, 8));
  pixSetAll(p.get());
  int y = 20 + font->lineheight;  // y is the baseline
  for (const std::string& line : lines) {
    l_int32 width = 0, overflow = 0;
    pixSetTextline(p.get(), font, line.c_str(), 0, 20, y, &width, &overflow);
    EXPECT_EQ(overflow, 0) << line;
    y += line_height;
  }
  bmfDestroy(&font);
  return p;
}

}  // namespace hart::test
