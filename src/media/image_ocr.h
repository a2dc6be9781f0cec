// Text in a picture, read with Tesseract (English, LSTM engine). One engine per
// thread, loaded on first use (loading the model takes a few hundred ms).
#pragma once
#include <string>

struct Pix;  // Leptonica's image (PIX)

namespace hart {

struct OcrResult {
  bool ran = false;     // false: skipped (too small) or Tesseract unavailable; see `note`
  std::string text;     // trimmed; empty when nothing credible was read
  int confidence = 0;   // Tesseract's mean word confidence, 0..100
  int words = 0;        // words in `text`
  double scale = 1.0;   // < 1 when a big image was reduced before recognition
  bool timed_out = false;
  std::string note;     // why it did not run, or why the text was dropped
};

// Rules (documented in src/ingest/README.md): images under 32x16 px are not read;
// images over kOcrMaxPixels are reduced to that many pixels first; recognition stops
// after kOcrDeadlineMs; text whose mean confidence is under kOcrMinConfidence is
// dropped (photos without text give a few low-confidence fragments).
inline constexpr double kOcrMaxPixels = 4e6;
inline constexpr int kOcrDeadlineMs = 20000;
inline constexpr int kOcrMinConfidence = 50;

// `pix`: 8 bpp gray or 32 bpp RGB(A), no colormap.
OcrResult recognise_text(Pix* pix);

}  // namespace hart
