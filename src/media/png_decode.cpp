#include "media/png_decode.h"

#include <leptonica/allheaders.h>
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "util/error.h"

namespace hart {
namespace {

// Everything the setjmp function touches lives here, outside its frame, so it is
// still valid after libpng longjmps back; no C++ object is skipped by the jump.
struct PngJob {
  const unsigned char* data;
  size_t size;
  size_t pos;
  double max_pixels;
  png_structp png;
  png_infop info;
  unsigned char* rows;  // the decoded image, malloc'd
  png_bytep* row_pointers;
  Pix* pix;
  int warnings;
  char error[256];
};

void on_error(png_structp png, png_const_charp message) {
  auto* job = static_cast<PngJob*>(png_get_error_ptr(png));
  std::snprintf(job->error, sizeof job->error, "%s", message ? message : "unknown libpng error");
  png_longjmp(png, 1);
}

void on_warning(png_structp png, png_const_charp) { ++static_cast<PngJob*>(png_get_error_ptr(png))->warnings; }

void on_read(png_structp png, png_bytep out, size_t n) {
  auto* job = static_cast<PngJob*>(png_get_io_ptr(png));
  if (n > job->size - job->pos) png_error(png, "unexpected end of data (truncated PNG)");
  std::memcpy(out, job->data + job->pos, n);
  job->pos += n;
}

// Fills job->pix, laid out as Leptonica's reader lays it out; false with job->error
// set when libpng gives up.
bool run(PngJob* job) {
  if (setjmp(png_jmpbuf(job->png))) return false;
  png_structp png = job->png;
  png_infop info = job->info;
  png_set_read_fn(png, job, on_read);
  png_read_info(png, info);
  png_uint_32 w = 0, h = 0;
  int depth = 0, color = 0, interlace = 0;
  png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, nullptr, nullptr);
  if (w == 0 || h == 0 || static_cast<double>(w) * h > job->max_pixels) {
    std::snprintf(job->error, sizeof job->error,
                  "header says %ux%u pixels; refusing images over %.0f megapixels or with no pixels",
                  static_cast<unsigned>(w), static_cast<unsigned>(h), job->max_pixels / 1e6);
    return false;
  }
  bool trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  bool palette = color == PNG_COLOR_TYPE_PALETTE;
  png_set_strip_16(png);
  if (trns) {
    if (palette) png_set_palette_to_rgb(png);
    png_set_tRNS_to_alpha(png);  // also widens gray under 8 bits
    palette = false;
  } else if (depth < 8) {
    png_set_packing(png);  // one byte per index or gray value, unscaled
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  int channels = png_get_channels(png, info);
  size_t rowbytes = png_get_rowbytes(png, info);
  if (channels < 1 || channels > 4 || rowbytes < static_cast<size_t>(w) * channels) png_error(png, "unexpected row layout");

  job->rows = static_cast<unsigned char*>(std::malloc(rowbytes * h));
  job->row_pointers = static_cast<png_bytep*>(std::malloc(sizeof(png_bytep) * h));
  int d = channels == 1 ? std::min(depth, 8) : 32;
  job->pix = pixCreate(static_cast<l_int32>(w), static_cast<l_int32>(h), d);
  if (!job->rows || !job->row_pointers || !job->pix) png_error(png, "out of memory");
  for (png_uint_32 y = 0; y < h; ++y) job->row_pointers[y] = job->rows + rowbytes * y;
  png_read_image(png, job->row_pointers);
  png_read_end(png, nullptr);  // as Leptonica: a PNG cut after its pixels is truncated too

  Pix* pix = job->pix;
  int colours = 0;
  if (palette) {
    png_colorp entries = nullptr;
    png_get_PLTE(png, info, &entries, &colours);
    PIXCMAP* cmap = pixcmapCreate(d);
    for (int i = 0; i < colours; ++i) pixcmapAddColor(cmap, entries[i].red, entries[i].green, entries[i].blue);
    colours = pixcmapGetCount(cmap);
    pixSetColormap(pix, cmap);
    if (colours == 0) png_error(png, "palette image without palette entries");
  }
  if (channels != 1) pixSetSpp(pix, channels == 3 ? 3 : 4);  // gray + alpha becomes RGBA
  l_uint32* data = pixGetData(pix);
  int wpl = pixGetWpl(pix);
  for (png_uint_32 y = 0; y < h; ++y) {
    l_uint32* line = data + static_cast<size_t>(y) * wpl;
    const unsigned char* row = job->row_pointers[y];
    for (png_uint_32 x = 0; x < w; ++x) {
      const unsigned char* s = row + static_cast<size_t>(x) * channels;
      switch (channels) {
        case 1: {
          unsigned v = s[0];
          if (palette) v = std::min<unsigned>(v, static_cast<unsigned>(colours - 1));  // indices past the palette
          if (d == 1) SET_DATA_BIT_VAL(line, x, palette ? v : !v);  // Leptonica's 1 bpp: 1 is black
          else if (d == 2) SET_DATA_DIBIT(line, x, v);
          else if (d == 4) SET_DATA_QBIT(line, x, v);
          else SET_DATA_BYTE(line, x, v);
          break;
        }
        case 2: composeRGBAPixel(s[0], s[0], s[0], s[1], line + x); break;
        case 3: composeRGBPixel(s[0], s[1], s[2], line + x); break;
        default: composeRGBAPixel(s[0], s[1], s[2], s[3], line + x); break;
      }
    }
  }
  pixSetXRes(pix, static_cast<l_int32>(static_cast<float>(png_get_x_pixels_per_meter(png, info)) / 39.37f + 0.5f));
  pixSetYRes(pix, static_cast<l_int32>(static_cast<float>(png_get_y_pixels_per_meter(png, info)) / 39.37f + 0.5f));
  pixSetInputFormat(pix, IFF_PNG);
  return true;
}

}  // namespace

Pix* decode_png(const unsigned char* data, size_t size, double max_pixels, const std::string& where, int* warnings) {
  PngJob job{};
  job.data = data;
  job.size = size;
  job.max_pixels = max_pixels;
  job.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
  if (!job.png) throw Error("libpng: cannot allocate a reader (out of memory?)");
  job.info = png_create_info_struct(job.png);
  bool ok = job.info && run(&job);
  png_destroy_read_struct(&job.png, job.info ? &job.info : nullptr, nullptr);
  std::free(job.rows);
  std::free(job.row_pointers);
  if (warnings) *warnings = job.warnings;
  if (!ok) {
    pixDestroy(&job.pix);
    throw FormatError(where + ": cannot decode the png image: " + (job.error[0] ? job.error : "out of memory"));
  }
  // Leptonica's reader drops a 1 bpp colormap at once (black and white stays 1 bpp).
  if (pixGetDepth(job.pix) == 1 && pixGetColormap(job.pix)) {
    Pix* plain = pixRemoveColormap(job.pix, REMOVE_CMAP_BASED_ON_SRC);
    pixDestroy(&job.pix);
    if (!plain) throw Error(where + ": out of memory removing a 1-bit palette");
    job.pix = plain;
  }
  return job.pix;
}

std::string encode_png(Pix* pix, const std::string& what) {
  l_uint8* data = nullptr;
  size_t size = 0;
  if (pixWriteMem(&data, &size, pix, IFF_PNG) != 0 || !data) throw Error(what + ": cannot encode as PNG");
  std::string bytes(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return bytes;
}

}  // namespace hart
