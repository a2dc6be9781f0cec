#include "media/image_ocr.h"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>

#include <cmath>
#include <memory>
#include <sstream>

namespace hart {
namespace {

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

// The thread's engine, or null with the reason when the English model cannot load.
tesseract::TessBaseAPI* engine(std::string& why) {
  struct Engine {
    std::unique_ptr<tesseract::TessBaseAPI> api;
    std::string error;
    Engine() : api(std::make_unique<tesseract::TessBaseAPI>()) {
      // Tesseract prints progress and warnings ("Estimating resolution...") to stderr.
      api->SetVariable("debug_file", "/dev/null");
      if (api->Init(nullptr, "eng", tesseract::OEM_LSTM_ONLY) != 0) {
        error = "Tesseract cannot load its English model (install tesseract-ocr-eng, or set TESSDATA_PREFIX)";
        api.reset();
        return;
      }
      api->SetPageSegMode(tesseract::PSM_AUTO);  // find text blocks anywhere, as on a page or a photo
    }
  };
  static thread_local Engine e;
  why = e.error;
  return e.api.get();
}

std::string trim_lines(const char* raw) {
  std::string s = raw ? raw : "";
  // Tesseract ends every line with '\n' and blocks with a blank line; keep the
  // structure, drop trailing spaces and the final newlines.
  std::string out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    out += line;
    out += '\n';
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  while (!out.empty() && out.front() == '\n') out.erase(out.begin());
  return out;
}

int count_words(const std::string& text) {
  int n = 0;
  std::istringstream in(text);
  for (std::string w; in >> w;) ++n;
  return n;
}

}  // namespace

OcrResult recognise_text(Pix* pix) {
  OcrResult r;
  int w = pixGetWidth(pix), h = pixGetHeight(pix);
  if (w < 32 || h < 16) {
    r.note = "too small to hold readable text";
    return r;
  }
  std::string why;
  tesseract::TessBaseAPI* api = engine(why);
  if (!api) {
    r.note = why;
    return r;
  }
  // Bounded time: big scans are reduced to kOcrMaxPixels (a 300 dpi A4 page becomes
  // about 200 dpi, still readable), and recognition has a deadline besides.
  PixPtr work;
  double pixels = static_cast<double>(w) * h;
  if (pixels > kOcrMaxPixels) {
    r.scale = std::sqrt(kOcrMaxPixels / pixels);
    work.reset(pixScale(pix, static_cast<float>(r.scale), static_cast<float>(r.scale)));
  } else {
    work.reset(pixClone(pix));
  }
  if (!work) {
    r.note = "could not reduce the image for OCR (out of memory?)";
    return r;
  }
  // Transparent areas would read as black: put the picture on white first.
  if (pixGetSpp(work.get()) == 4) work.reset(pixAlphaBlendUniform(work.get(), 0xffffff00));
  if (!work) {
    r.note = "could not flatten the image's alpha channel for OCR";
    return r;
  }
  api->SetImage(work.get());
  tesseract::ETEXT_DESC monitor;
  monitor.set_deadline_msecs(kOcrDeadlineMs);
  r.ran = true;
  if (api->Recognize(&monitor) != 0) {
    r.timed_out = monitor.deadline_exceeded();
    r.note = r.timed_out ? "OCR stopped at its time limit" : "Tesseract could not recognise the image";
    api->Clear();
    return r;
  }
  r.timed_out = monitor.deadline_exceeded();
  std::unique_ptr<char[]> raw(api->GetUTF8Text());
  r.confidence = api->MeanTextConf();
  api->Clear();
  std::string text = trim_lines(raw.get());
  if (text.empty()) return r;
  if (r.confidence < kOcrMinConfidence) {
    r.note = "text dropped: mean confidence " + std::to_string(r.confidence) + " < " +
             std::to_string(kOcrMinConfidence);
    return r;
  }
  r.text = std::move(text);
  r.words = count_words(r.text);
  return r;
}

}  // namespace hart
