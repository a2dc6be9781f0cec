// Images (`extract_image.cpp`, `image_ocr.cpp`): the file is read into memory (at most
// 512 MiB) and Leptonica's `findFileFormatBuffer` names the format; one it cannot decode
// (PSD, ICO, HEIC...) stays an image atom marked `extracted: false`. The header's width
// and height are checked (over 100 megapixels → error) before `pixReadMem` decodes the
// first frame (PNG: `png_decode.cpp`, libpng with its messages caught), and the decoded
// size must equal the header's. The pages of a multi-page TIFF and spread, composited
// frames of an animated GIF (giflib) or WebP (libwebp) are spooled as PNGs and ingested
// recursively as `page` / `frame` image atoms (`image_frames.cpp`); the file's own atom
// then keeps metadata and a thumbnail. The pixels are normalised to 8-bit gray or RGB(A)
// without palette, resolution or comment, so identical pixels from any lossless format
// encode to identical PNG bytes; their features (media/image_features.h) go to
// `metadata.features.image_v1`, what the "image" atom embedder reads.
// `AtomStore::put_bytes` stores each child (an in-memory payload, chunked and
// content-addressed like a file): a `thumbnail` (longest side 128
// px, area-mapped down-scaling) and `patch` atoms on a square grid (64 px, grown until
// at most 1024 cells; ordinal row-major, `label` = `x,y,w,h`, since a shared patch atom
// has no single position). OCR runs a thread-local Tesseract engine (English LSTM,
// `PSM_AUTO`, debug output to /dev/null) on the image scaled to at most 4 MP, with a 20
// s `ETEXT_DESC` deadline; text with mean confidence ≥ 50 becomes `atoms.text` and
// passages. A decoding failure throws, so a truncated or forged image is binary with the
// error.
#include <leptonica/allheaders.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "ingest/extract/content_kind.h"
#include "ingest/extract/context.h"
#include "ingest/extract/extractors.h"
#include "ingest/extract/image/image_frames.h"
#include "media/image_features.h"
#include "media/image_ocr.h"
#include "ingest/extract/input_file.h"
#include "media/png_decode.h"
#include "util/error.h"
#include "util/sha256.h"
#include "store/atom_names.h"
#include "ingest/limits.h"

namespace hart {
namespace {

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

// Encoded images are decoded from memory (at most kMaxImageFileBytes, refused before
// reading); a decoded image of kMaxImagePixels takes 400 MB as RGBA (limits.h).
// Leptonica decodes a GIF's every frame (a byte a pixel) to give the first one.
constexpr double kMaxGifLoadPixels = 400e6;

// Leptonica prints every decoding complaint to stderr; the atom's error says what matters.
void silence_leptonica() {
  static const bool once = [] {
    setMsgSeverity(L_SEVERITY_NONE);
    return true;
  }();
  (void)once;
}

const char* format_name(l_int32 format) {
  switch (format) {
    case IFF_PNG: return "png";
    case IFF_JFIF_JPEG: return "jpeg";
    case IFF_GIF: return "gif";
    case IFF_BMP: return "bmp";
    case IFF_WEBP: return "webp";
    case IFF_JP2: return "jp2";
    case IFF_PNM: return "pnm";
    case IFF_TIFF: case IFF_TIFF_PACKBITS: case IFF_TIFF_RLE: case IFF_TIFF_G3: case IFF_TIFF_G4:
    case IFF_TIFF_LZW: case IFF_TIFF_ZIP: case IFF_TIFF_JPEG: return "tiff";
    default: return nullptr;  // SPIX and the like: Leptonica's own, not met in the wild
  }
}

// The decoded picture in one of two layouts: 8 bpp gray or 32 bpp RGB(A), no
// colormap, no resolution or comment. The same pixels from any file format then give
// the same patch and thumbnail bytes, so they deduplicate.
PixPtr normalise(Pix* decoded) {
  PixPtr p(pixRemoveColormap(decoded, REMOVE_CMAP_BASED_ON_SRC));
  if (p && pixGetDepth(p.get()) != 8 && pixGetDepth(p.get()) != 32) p.reset(pixConvertTo8(p.get(), 0));
  if (!p)
    throw Error("image: cannot convert the decoded " + std::to_string(pixGetDepth(decoded)) +
                "-bit pixels to 8-bit gray or RGB");
  PixPtr own(pixCopy(nullptr, p.get()));  // a copy: the clone above may share `decoded`
  if (!own) throw Error("image: out of memory copying the decoded pixels");
  if (pixGetDepth(own.get()) == 32 && pixGetSpp(own.get()) == 4) {
    l_int32 opaque = 0;
    if (pixAlphaIsOpaque(own.get(), &opaque) == 0 && opaque) pixSetSpp(own.get(), 3);
  } else if (pixGetDepth(own.get()) == 32) {
    pixSetSpp(own.get(), 3);
  }
  pixSetXRes(own.get(), 0);  // (pixSetResolution ignores zeros)
  pixSetYRes(own.get(), 0);
  pixSetText(own.get(), nullptr);
  return own;
}

AtomInfo png_atom(const char* subtype, Pix* pix) {
  AtomInfo a;
  a.modality = modality::kImage;
  a.subtype = subtype;
  a.mime = "image/png";
  a.metadata["width"] = pixGetWidth(pix);
  a.metadata["height"] = pixGetHeight(pix);
  return a;
}

void add_thumbnail(ExtractContext& ctx, int64_t atom_id, Pix* pix, int side, AtomInfo& info) {
  int w = pixGetWidth(pix), h = pixGetHeight(pix);
  if (side <= 0 || std::max(w, h) <= side) return;  // already thumbnail-sized: its own thumbnail
  // Each side at least 1 px: a 3000 x 2 strip must still get a thumbnail.
  double f = static_cast<double>(side) / std::max(w, h);
  int tw = std::max(1, static_cast<int>(w * f + 0.5)), th = std::max(1, static_cast<int>(h * f + 0.5));
  float fx = static_cast<float>(tw) / static_cast<float>(w), fy = static_cast<float>(th) / static_cast<float>(h);
  PixPtr t(pixGetSpp(pix) == 4 ? pixScaleWithAlpha(pix, fx, fy, nullptr, 1.0f) : pixScale(pix, fx, fy));
  if (!t) throw Error("image: cannot scale the picture down to a thumbnail");
  StoredAtom thumb = ctx.put_bytes(encode_png(t.get(), "image: the thumbnail"), png_atom(subtype::kThumbnail, t.get()));
  ctx.relate(atom_id, thumb.id, relation::kThumbnail, 0);
  info.metadata["thumbnail"] = {{"width", pixGetWidth(t.get())}, {"height", pixGetHeight(t.get())}};
}

}  // namespace

std::string pixels_sha256(Pix* pix) {
  int w = pixGetWidth(pix), h = pixGetHeight(pix);
  int channels = pixGetDepth(pix) == 8 ? 1 : pixGetSpp(pix);
  Sha256Stream sha;
  const uint32_t header[3] = {static_cast<uint32_t>(w), static_cast<uint32_t>(h), static_cast<uint32_t>(channels)};
  for (uint32_t v : header) {
    const unsigned char be[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                                 static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
    sha.update(be, 4);
  }
  std::string row(static_cast<size_t>(w) * channels, '\0');
  for (int y = 0; y < h; ++y) {
    const l_uint32* line = pixGetData(pix) + static_cast<size_t>(y) * pixGetWpl(pix);
    for (int x = 0; x < w; ++x) {
      if (channels == 1) {
        row[x] = static_cast<char>(GET_DATA_BYTE(line, x));
        continue;
      }
      l_int32 rgba[4];
      extractRGBAValues(line[x], &rgba[0], &rgba[1], &rgba[2], &rgba[3]);
      for (int c = 0; c < channels; ++c) row[static_cast<size_t>(x) * channels + c] = static_cast<char>(rgba[c]);
    }
    sha.update(row.data(), row.size());
  }
  return to_hex(sha.finish());
}

int patch_grid_side(int width, int height, int patch_side, int max_patches) {
  int s = std::max(patch_side, 1);
  auto cells = [&](int side) {
    return static_cast<int64_t>((width + side - 1) / side) * ((height + side - 1) / side);
  };
  while (max_patches > 0 && cells(s) > max_patches) s += std::max(1, s / 8);
  return s;
}

namespace {

// Square cells of patch_grid_side() px, row-major; the last row and column are
// narrower when the size is not a multiple. Relation label: "x,y,w,h".
void add_patches(ExtractContext& ctx, int64_t atom_id, Pix* pix, const ImageOptions& opt, AtomInfo& info) {
  int w = pixGetWidth(pix), h = pixGetHeight(pix);
  if (opt.patch_side <= 0 || (w <= opt.patch_side && h <= opt.patch_side)) return;  // one patch: the image
  int side = patch_grid_side(w, h, opt.patch_side, opt.max_patches);
  int cols = (w + side - 1) / side, rows = (h + side - 1) / side;
  int64_t ordinal = 0;
  for (int y = 0; y < h; y += side) {
    for (int x = 0; x < w; x += side) {
      int pw = std::min(side, w - x), ph = std::min(side, h - y);
      std::unique_ptr<Box, void (*)(Box*)> box(boxCreate(x, y, pw, ph), [](Box* b) { boxDestroy(&b); });
      PixPtr cell(box ? pixClipRectangle(pix, box.get(), nullptr) : nullptr);
      if (!cell) throw Error("image: cannot cut the patch at " + std::to_string(x) + "," + std::to_string(y));
      StoredAtom patch = ctx.put_bytes(encode_png(cell.get(), "image: a patch"), png_atom(subtype::kPatch, cell.get()));
      ctx.relate(atom_id, patch.id, relation::kPatch, ordinal++,
                   std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(pw) + "," + std::to_string(ph));
    }
  }
  info.metadata["patches"] = {{"side", side}, {"columns", cols}, {"rows", rows}};
}

}  // namespace

namespace {

// The first frame or page, checked against its header, with its metadata.
PixPtr decode_first(const std::string& bytes, l_int32 format, const char* name, const std::string& where,
                    AtomInfo& info) {
  const auto* data = reinterpret_cast<const l_uint8*>(bytes.data());
  // The header's size first: a forged header must not make us allocate gigabytes.
  l_int32 hw = 0, hh = 0, bps = 0, spp = 0, cmap = 0;
  if (pixReadHeaderMem(data, bytes.size(), nullptr, &hw, &hh, &bps, &spp, &cmap) != 0)
    throw FormatError(where + ": unreadable " + name + " header (damaged or truncated image)");
  if (hw <= 0 || hh <= 0 || static_cast<double>(hw) * hh > kMaxImagePixels)
    throw FormatError(where + ": " + name + " header says " + std::to_string(hw) + "x" + std::to_string(hh) +
                      " pixels; refusing images over " + max_image_pixels_text() + " or with no pixels");
  // PNG through our own libpng reader: Leptonica's would print libpng's messages.
  PixPtr decoded(format == IFF_PNG ? decode_png(data, bytes.size(), kMaxImagePixels, where)
                                   : pixReadMem(data, bytes.size()));
  if (!decoded) throw FormatError(where + ": cannot decode the " + name + " image (damaged or truncated)");
  int w = pixGetWidth(decoded.get()), h = pixGetHeight(decoded.get());
  if (w != hw || h != hh)
    throw FormatError(where + ": decoded " + std::to_string(w) + "x" + std::to_string(h) +
                      " pixels but the header says " + std::to_string(hw) + "x" + std::to_string(hh));
  info.metadata["width"] = w;
  info.metadata["height"] = h;
  info.metadata["bits_per_sample"] = bps;
  info.metadata["channels"] = spp;
  info.metadata["depth"] = pixGetDepth(decoded.get());  // bits per pixel as decoded (RGB: 32)
  if (cmap) info.metadata["palette"] = true;
  l_int32 xres = pixGetXRes(decoded.get()), yres = pixGetYRes(decoded.get());
  if (xres > 0 && yres > 0) info.metadata["ppi"] = {xres, yres};
  return decoded;
}

}  // namespace

void extract_image(ExtractContext& ctx, InputFile& file) {
  const int64_t atom_id = ctx.atom_id();
  AtomInfo& info = ctx.info();
  Nesting& nesting = ctx.nesting();
  silence_leptonica();
  if (file.size() > kMaxImageFileBytes)
    throw FormatError(file.display() + ": image file larger than " + std::to_string(kMaxImageFileBytes >> 20) +
                      " MiB; stored, not decoded");
  std::string bytes = file.read_all(kMaxImageFileBytes);
  // findFileFormatBuffer reads a fixed number of leading bytes without a length:
  // give it a zero-padded copy of the start, never the end of a tiny buffer.
  std::string head = bytes.substr(0, 64);
  head.resize(64, '\0');
  l_int32 format = IFF_UNKNOWN;
  findFileFormatBuffer(reinterpret_cast<const l_uint8*>(head.data()), &format);
  const char* name = format_name(format);
  if (!name) {
    // PSD, ICO, HEIC...: a picture, but not one Leptonica decodes. Not an error.
    info.metadata["extracted"] = false;
    info.metadata["note"] = "image format not decoded (Leptonica reads PNG, JPEG, GIF, BMP, WebP, TIFF, JPEG 2000, PNM)";
    return;
  }
  info.metadata["format"] = name;
  // Pages and frames first: when the first one cannot be decoded, the others may.
  FramesResult frames = add_image_frames(ctx, atom_id, bytes, name, file.display(), info, nesting);
  PixPtr decoded;
  try {
    if (format == IFF_GIF && (frames.gif_frame_pixels > kMaxGifLoadPixels || frames.gif_more_frames))
      throw FormatError(file.display() + ": the GIF's frames hold over " +
                        std::to_string(static_cast<int>(kMaxGifLoadPixels / 1e6)) + " megapixels in all (or over " +
                        std::to_string(kMaxGifFramesScanned) + " frames); Leptonica would load them all at once");
    decoded = decode_first(bytes, format, name, file.display(), info);
  } catch (const FormatError& e) {
    if (frames.children == 0) throw;
    // Leptonica reads no animated WebP at all; elsewhere the first page or frame is damaged.
    if (std::strcmp(name, "webp") == 0) info.metadata["note"] = "animated WebP: its frames are the child atoms";
    else ctx.report({file.display(), e.what(), true});  // the rest is stored: a warning
    return;
  }

  PixPtr pix = normalise(decoded.get());
  decoded.reset();
  info.metadata["pixels_sha256"] = pixels_sha256(pix.get());
  put_features(info, feature::kImage, image_features(pix.get()));
  const ImageOptions& opt = ctx.options().image;
  add_thumbnail(ctx, atom_id, pix.get(), opt.thumbnail_side, info);
  if (frames.count > 1) {  // patches and text are on the page and frame atoms: page 1 is not read twice
    info.metadata["ocr"] = {{"ran", false}, {"note", "read on each page or frame atom"}};
    return;
  }
  add_patches(ctx, atom_id, pix.get(), opt, info);
  if (!opt.ocr) return;
  OcrResult ocr = recognise_text(pix.get());
  nlohmann::json o = {{"ran", ocr.ran}};
  if (ocr.ran) o["confidence"] = ocr.confidence;
  if (ocr.ran) o["words"] = ocr.words;
  if (ocr.scale < 1.0) o["scale"] = ocr.scale;
  if (ocr.timed_out) o["timed_out"] = true;
  if (!ocr.note.empty()) o["note"] = ocr.note;
  info.metadata["ocr"] = o;
  if (ocr.text.empty()) return;
  info.text = ocr.text;
  add_passages(ctx, atom_id, ocr.text, false);
}

}  // namespace hart
