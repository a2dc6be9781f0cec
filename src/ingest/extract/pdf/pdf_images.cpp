#include "ingest/extract/pdf/pdf_images.h"

// qpdf 11: no deprecated PointerHolder (std::shared_ptr only), and no warning about it.
#define POINTERHOLDER_TRANSITION 4
#include <leptonica/allheaders.h>
#include <unistd.h>
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ingest/extract/content_kind.h"
#include "ingest/extract/context.h"
#include "ingest/extract/input_file.h"
#include "media/png_decode.h"
#include "ingest/extract/spool_file.h"
#include "util/error.h"
#include "store/atom_names.h"
#include "ingest/limits.h"

namespace hart {
namespace {

// The same bounds as extract_image: more is refused before anything is allocated.
// Decoded data may run a little past width x height (writers pad); more is an error.
constexpr size_t kDecodedSlack = 64 * 1024;

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

// Collects stream data and stops a decoding bomb at `cap` bytes (qpdf then reports
// the stream as failed instead of filling memory).
class CappedBuffer : public Pipeline {
 public:
  explicit CappedBuffer(size_t cap) : Pipeline("hart image", nullptr), cap_(cap) {}
  void write(unsigned char const* data, size_t len) override {
    if (len > cap_ - bytes.size()) {
      overflowed = true;
      throw std::length_error("more data than the image's size allows");
    }
    bytes.append(reinterpret_cast<const char*>(data), len);
  }
  void finish() override {}
  std::string bytes;
  bool overflowed = false;

 private:
  size_t cap_;
};

// Thrown for an image that is skipped (not supported), as opposed to broken.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<std::string> filters_of(QPDFObjectHandle dict) {
  QPDFObjectHandle f = dict.getKey("/Filter");
  std::vector<std::string> names;
  if (f.isName()) names.push_back(f.getName());
  if (f.isArray())
    for (int i = 0; i < f.getArrayNItems(); ++i) {
      QPDFObjectHandle item = f.getArrayItem(i);
      names.push_back(item.isName() ? item.getName() : "?");
    }
  return names;
}

bool decodable(const std::string& filter) {
  static const std::set<std::string> kKnown = {"/FlateDecode",   "/Fl",  "/LZWDecode",       "/LZW",
                                               "/ASCII85Decode", "/A85", "/ASCIIHexDecode",  "/AHx",
                                               "/RunLengthDecode", "/RL"};
  return kKnown.count(filter) > 0;
}

std::string stream_bytes(QPDFObjectHandle stream, qpdf_stream_decode_level_e level, size_t cap) {
  CappedBuffer out(cap);
  bool attempted = false;
  bool ok = false;
  try {
    ok = stream.pipeStreamData(&out, &attempted, 0, level, true);
  } catch (const std::exception& e) {
    throw FormatError(out.overflowed ? "more data than its size allows" : std::string("cannot read: ") + e.what());
  }
  if (out.overflowed) throw FormatError("decodes to more data than its size allows");
  if (!ok) throw FormatError("its data cannot be decoded (damaged stream)");
  if (level != qpdf_dl_none && !attempted && !filters_of(stream.getDict()).empty())
    throw Unsupported("qpdf cannot decode its filters");
  return std::move(out.bytes);
}

int int_key(QPDFObjectHandle dict, const std::string& key) {
  QPDFObjectHandle v = dict.getKey(key);
  if (!v.isInteger()) throw FormatError(key.substr(1) + " missing or not an integer");
  long long n = v.getIntValue();
  if (n <= 0 || n > (1 << 30)) throw FormatError(key.substr(1) + " " + std::to_string(n) + " is out of range");
  return static_cast<int>(n);
}

// How to turn samples into 8-bit gray or RGB.
struct ColorModel {
  int components = 0;     // per sample in the data
  bool cmyk = false;
  int base = 0;           // Indexed: components of the palette entries; else 0
  std::string palette;    // Indexed: 256 entries of `base` bytes (a short table padded with black)
};

int device_components(QPDFObjectHandle cs) {
  if (cs.isArray() && cs.getArrayNItems() >= 1) {
    std::string family = cs.getArrayItem(0).isName() ? cs.getArrayItem(0).getName() : "";
    if (family == "/CalGray") return 1;
    if (family == "/CalRGB") return 3;
    if (family == "/ICCBased" && cs.getArrayNItems() >= 2 && cs.getArrayItem(1).isStream()) {
      QPDFObjectHandle n = cs.getArrayItem(1).getDict().getKey("/N");
      if (n.isInteger() && (n.getIntValue() == 1 || n.getIntValue() == 3 || n.getIntValue() == 4))
        return static_cast<int>(n.getIntValue());
    }
    throw Unsupported("colour space " + (family.empty() ? std::string("?") : family) + " not supported");
  }
  if (cs.isNull()) throw FormatError("no ColorSpace");
  std::string name = cs.isName() ? cs.getName() : "";
  if (name == "/DeviceGray" || name == "/G") return 1;
  if (name == "/DeviceRGB" || name == "/RGB") return 3;
  if (name == "/DeviceCMYK" || name == "/CMYK") return 4;
  throw Unsupported("colour space " + (name.empty() ? std::string("?") : name) + " not supported");
}

ColorModel color_model(QPDFObjectHandle cs) {
  ColorModel m;
  if (cs.isArray() && cs.getArrayNItems() == 4 && cs.getArrayItem(0).isNameAndEquals("/Indexed")) {
    m.components = 1;
    m.base = device_components(cs.getArrayItem(1));
    QPDFObjectHandle hival = cs.getArrayItem(2), lookup = cs.getArrayItem(3);
    if (!hival.isInteger() || hival.getIntValue() < 0 || hival.getIntValue() > 255)
      throw FormatError("Indexed colour space with a bad hival");
    if (lookup.isString()) m.palette = lookup.getStringValue();
    else if (lookup.isStream()) m.palette = stream_bytes(lookup, qpdf_dl_specialized, 256 * 4 + kDecodedSlack);
    else throw FormatError("Indexed colour space without a lookup table");
    // Short tables are padded with black: indexes past the end are not read.
    m.palette.resize(static_cast<size_t>(m.base) * 256, '\0');
  } else {
    m.components = device_components(cs);
  }
  m.cmyk = (m.base ? m.base : m.components) == 4;
  return m;
}

uint8_t to_byte(double v) { return static_cast<uint8_t>(std::clamp(v, 0.0, 255.0) + 0.5); }

// The decoded samples as an 8 bpp gray or 32 bpp RGB Pix. `data` holds at least
// height rows of row_bytes each (checked by the caller).
PixPtr make_pix(const std::string& data, int w, int h, int bpc, const ColorModel& m, const std::vector<bool>& invert) {
  int out = (m.base ? m.base : m.components) == 1 ? 1 : 3;
  PixPtr pix(pixCreate(w, h, out == 1 ? 8 : 32));
  if (!pix) throw Error("out of memory for the decoded image");
  if (out == 3) pixSetSpp(pix.get(), 3);
  size_t row_bytes = (static_cast<size_t>(w) * m.components * bpc + 7) / 8;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  unsigned max = (1u << std::min(bpc, 8)) - 1;
  std::vector<uint8_t> s(4);
  for (int y = 0; y < h; ++y) {
    const uint8_t* row = bytes + static_cast<size_t>(y) * row_bytes;
    l_uint32* line = pixGetData(pix.get()) + static_cast<size_t>(y) * pixGetWpl(pix.get());
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < m.components; ++c) {
        size_t bit = (static_cast<size_t>(x) * m.components + c) * bpc;
        unsigned v = bpc >= 8 ? row[bit / 8] : (row[bit / 8] >> (8 - bpc - bit % 8)) & max;  // 16 bits: the high byte
        if (!m.base && invert[c]) v = max - v;
        s[c] = m.base ? static_cast<uint8_t>(v) : static_cast<uint8_t>(v * 255 / max);
      }
      uint8_t px[4] = {s[0], s[1], s[2], s[3]};
      if (m.base)
        for (int c = 0; c < m.base; ++c) px[c] = static_cast<uint8_t>(m.palette[static_cast<size_t>(s[0]) * m.base + c]);
      if (m.cmyk) {  // naive, without a colour profile: enough to see the picture
        double k = 255.0 - px[3];
        for (int c = 0; c < 3; ++c) px[c] = to_byte((255.0 - px[c]) * k / 255.0);
      }
      if (out == 1) {
        SET_DATA_BYTE(line, x, px[0]);
      } else {
        l_uint32 p = 0;
        composeRGBPixel(px[0], px[1], px[2], &p);
        line[x] = p;
      }
    }
  }
  return pix;
}

// A losslessly coded image decoded with qpdf and re-encoded as PNG.
std::string decode_to_png(QPDFObjectHandle image, QPDFObjectHandle dict, const std::vector<std::string>& filters) {
  for (const std::string& f : filters)
    if (!decodable(f)) throw Unsupported("filter " + f + " not supported");
  int w = int_key(dict, "/Width"), h = int_key(dict, "/Height");
  if (static_cast<double>(w) * h > kMaxImagePixels)
    throw FormatError(std::to_string(w) + "x" + std::to_string(h) + " pixels; refusing images over " + max_image_pixels_text());
  int bpc = int_key(dict, "/BitsPerComponent");
  if (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16)
    throw FormatError("BitsPerComponent " + std::to_string(bpc) + " is not 1, 2, 4, 8 or 16");
  ColorModel m = color_model(dict.getKey("/ColorSpace"));
  if (m.base && bpc == 16) throw FormatError("16-bit indexes into a palette");
  std::vector<bool> invert(m.components, false);
  QPDFObjectHandle decode = dict.getKey("/Decode");  // [1 0] pairs: inverted components
  if (decode.isArray() && decode.getArrayNItems() == 2 * m.components)
    for (int c = 0; c < m.components; ++c)
      invert[c] = decode.getArrayItem(2 * c).isNumber() && decode.getArrayItem(2 * c).getNumericValue() > 0.5 &&
                  decode.getArrayItem(2 * c + 1).isNumber() && decode.getArrayItem(2 * c + 1).getNumericValue() < 0.5;
  size_t row_bytes = (static_cast<size_t>(w) * m.components * bpc + 7) / 8;
  size_t expected = row_bytes * static_cast<size_t>(h);
  std::string data = stream_bytes(image, qpdf_dl_specialized, expected + kDecodedSlack);
  if (data.size() < expected)
    throw FormatError("decodes to " + std::to_string(data.size()) + " bytes but " + std::to_string(w) + "x" +
                      std::to_string(h) + " pixels need " + std::to_string(expected));
  PixPtr pix = make_pix(data, w, h, bpc, m, invert);
  return encode_png(pix.get(), "the decoded image");
}

// The bytes to ingest for one image XObject: an image file.
std::string image_file(QPDFObjectHandle image) {
  QPDFObjectHandle dict = image.getDict();
  if (dict.getKey("/ImageMask").isBool() && dict.getKey("/ImageMask").getBoolValue())
    throw Unsupported("stencil mask (ImageMask), not a picture");
  std::vector<std::string> filters = filters_of(dict);
  if (!filters.empty() && (filters.back() == "/DCTDecode" || filters.back() == "/DCT" || filters.back() == "/JPXDecode")) {
    if (filters.size() > 1) throw Unsupported("filters before " + filters.back() + " not supported");
    // The stream is the embedded file itself: the same bytes as the JPEG on disk.
    std::string bytes = stream_bytes(image, qpdf_dl_none, kMaxImageFileBytes);
    bool jpeg = bytes.size() > 3 && bytes.compare(0, 3, "\xFF\xD8\xFF") == 0;
    bool jp2 = bytes.size() > 12 && (bytes.compare(0, 4, "\xFF\x4F\xFF\x51") == 0 ||
                                     bytes.compare(4, 8, "jP  \r\n\x87\n") == 0);
    if (filters.back() == "/JPXDecode" ? !jp2 : !jpeg)
      throw FormatError(filters.back().substr(1) + " data does not start like a " +
                        (filters.back() == "/JPXDecode" ? "JPEG 2000" : "JPEG") + " file");
    return bytes;
  }
  return decode_to_png(image, dict, filters);
}

class ImageWalk {
 public:
  ImageWalk(ExtractContext& ctx, int64_t pdf_atom, InputFile& file, Nesting& nesting)
      : ctx_(ctx), pdf_atom_(pdf_atom), file_(file), nesting_(nesting) {}

  void visit(QPDFObjectHandle& image, const std::string& key, int page) {
    if (!seen_.insert(image.getObjGen()).second) return;  // the same XObject on another page (or form)
    std::string where = file_.display() + "!page " + std::to_string(page) + " image " + key;
    std::string bytes;
    try {
      bytes = image_file(image);
    } catch (const Unsupported& e) {
      note(skipped_, skipped_count_, page, key, e.what());
      return;
    } catch (const std::exception& e) {
      note(failed_, failed_count_, page, key, e.what());
      return;
    }
    const IngestLimits& limits = ctx_.options().limits;
    nesting_.expanded_bytes += bytes.size();
    if (nesting_.expanded_bytes > limits.max_expansion_bytes || ++nesting_.members > limits.max_members) {
      note(failed_, failed_count_, page, key, "over the expansion or member limit; not stored");
      return;
    }
    StoredAtom child = ingest_spooled(ctx_, bytes, where, subtype::kEmbedded);
    if (child.id == pdf_atom_ || !related_.insert(child.id).second) return;
    ctx_.relate(pdf_atom_, child.id, relation::kImage, static_cast<int64_t>(related_.size() - 1),
                             "page " + std::to_string(page));
  }

  void report(AtomInfo& info) const {
    info.metadata["images"] = related_.size();
    if (skipped_count_) info.metadata["images_skipped"] = {{"count", skipped_count_}, {"reasons", skipped_}};
    if (failed_count_) info.metadata["images_failed"] = {{"count", failed_count_}, {"reasons", failed_}};
  }

 private:
  static void note(nlohmann::json& list, size_t& count, int page, const std::string& key, const std::string& why) {
    if (count++ < kMaxListedReasons) list.push_back({{"page", page}, {"image", key.substr(key.empty() ? 0 : 1)}, {"reason", why}});
  }

  ExtractContext& ctx_;
  int64_t pdf_atom_;
  InputFile& file_;
  Nesting& nesting_;
  std::set<QPDFObjGen> seen_;
  std::set<int64_t> related_;
  nlohmann::json skipped_ = nlohmann::json::array(), failed_ = nlohmann::json::array();
  size_t skipped_count_ = 0, failed_count_ = 0;
};

}  // namespace

void add_pdf_images(ExtractContext& ctx, int64_t pdf_atom, InputFile& file, AtomInfo& info, Nesting& nesting) {
  ImageWalk walk(ctx, pdf_atom, file, nesting);
  try {
    QPDF pdf;
    pdf.setSuppressWarnings(true);
    // Its own handle on the same descriptor (Poppler has closed its own by now).
    FILE* f = std::fopen(("/proc/self/fd/" + std::to_string(file.fd())).c_str(), "rb");
    if (!f) throw Error(file.display() + ": cannot reopen for qpdf");
    pdf.processFile(file.display().c_str(), f, true);  // closes f, also when it throws
    std::vector<QPDFPageObjectHelper> pages = QPDFPageDocumentHelper(pdf).getAllPages();
    for (size_t i = 0; i < pages.size(); ++i)
      pages[i].forEachImage(true, [&](QPDFObjectHandle& image, QPDFObjectHandle&, const std::string& key) {
        walk.visit(image, key, static_cast<int>(i) + 1);
      });
  } catch (const Error&) {
    throw;  // reading the file or the database failed: not the PDF's fault
  } catch (const std::exception& e) {
    info.metadata["images_note"] = std::string("qpdf could not read the images: ") + e.what();
  }
  walk.report(info);
}

}  // namespace hart
