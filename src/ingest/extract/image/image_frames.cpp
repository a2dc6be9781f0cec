#include "ingest/extract/image/image_frames.h"

#include <gif_lib.h>
#include <leptonica/allheaders.h>
#include <unistd.h>
#include <webp/demux.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <unordered_set>
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

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

constexpr double kMaxTotalPixels = 3e9;    // pages decoded, or pixels composited, per file

// Broken pages or frames: counted, the first few explained.
struct Failures {
  int count = 0;
  nlohmann::json reasons = nlohmann::json::array();
  void add(const std::string& reason) {
    ++count;
    if (reasons.size() < kMaxListedReasons) reasons.push_back(reason);
  }
  void record(ExtractContext& ctx, AtomInfo& info, const std::string& key, const std::string& where) {
    if (!count) return;
    info.metadata[key] = {{"count", count}, {"reasons", reasons}};
    ctx.report({where, std::to_string(count) + " " + key + ": " + reasons[0].get<std::string>(), true});
  }
};

// One frame of an animation as a PNG image atom, related as 'frame' (ordinal: its
// index in the file; label: when it starts, in seconds).
void add_frame(ExtractContext& ctx, int64_t atom_id, Pix* shot, const std::string& where, int64_t index,
               double start_seconds, Nesting& nesting) {
  StoredAtom child = ingest_spooled(ctx, encode_png(shot, where), where, subtype::kFrame);
  char label[32];
  std::snprintf(label, sizeof label, "%.2f", start_seconds);
  ctx.relate(atom_id, child.id, relation::kFrame, index, label);
}

// A classic TIFF's chain of image file directories, read directly: Leptonica's
// readers walk the chain from the start for every page (quadratic) and give no size
// before decoding. Stops at a loop, an offset past the end, or `limit` pages.
struct TiffPage {
  size_t ifd;
  size_t next_at;  // where the next directory's offset is written
  uint32_t width = 0, height = 0;
};

std::vector<TiffPage> tiff_directories(const std::string& b, size_t limit, bool& more) {
  std::vector<TiffPage> pages;
  more = false;
  bool le = b.compare(0, 2, "II") == 0;
  auto u16 = [&](size_t o) -> uint32_t {
    auto c = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(b[o + i])); };
    return le ? c(0) | c(1) << 8 : c(0) << 8 | c(1);
  };
  auto u32 = [&](size_t o) { return le ? u16(o) | u16(o + 2) << 16 : u16(o) << 16 | u16(o + 2); };
  if (b.size() < 8 || (!le && b.compare(0, 2, "MM") != 0) || u16(2) != 42) return pages;  // BigTIFF: not here
  std::unordered_set<size_t> seen;
  size_t off = u32(4);
  while (off != 0) {
    if (pages.size() == limit) {
      more = true;
      break;
    }
    if (off > b.size() - 2 || !seen.insert(off).second) break;
    size_t n = u16(off), end = off + 2 + n * 12;
    if (end + 4 > b.size()) break;
    TiffPage page{off, end};
    for (size_t e = off + 2; e < end; e += 12) {
      uint32_t tag = u16(e), type = u16(e + 2), value = type == 3 ? u16(e + 8) : type == 4 ? u32(e + 8) : 0;
      if (tag == 256) page.width = value;
      if (tag == 257) page.height = value;
    }
    pages.push_back(page);
    off = u32(end);
  }
  return pages;
}

constexpr size_t kMaxTiffDirectories = 1000000;  // counted for `pages`; only kMaxTiffPages are read

FramesResult add_tiff_pages(ExtractContext& ctx, int64_t atom_id, const std::string& bytes,
                            const std::string& where, AtomInfo& info, Nesting& nesting) {
  FramesResult r;
  bool more = false;
  std::vector<TiffPage> pages = tiff_directories(bytes, kMaxTiffDirectories, more);
  if (pages.size() <= 1) return r;  // one page (or none: the first-page path says why)
  r.count = static_cast<int>(pages.size());
  info.metadata["pages"] = r.count;
  if (more) info.metadata["pages_not_counted"] = true;  // over a million directories
  int take = std::min<int>(r.count, kMaxTiffPages);
  // libtiff walks the whole chain (a loop check) whenever it seeks to a directory: when
  // more directories follow than are read, each page is read from a copy whose chain
  // ends at that page.
  std::string cut = take < r.count ? bytes : std::string();
  const std::string& chain = cut.empty() ? bytes : cut;
  const auto* data = reinterpret_cast<const l_uint8*>(chain.data());
  Failures failed;
  double total = 0;
  for (int n = 0; n < take; ++n) {
    std::string page = "page " + std::to_string(n + 1);
    uint32_t w = pages[n].width, h = pages[n].height;
    double pixels = static_cast<double>(w) * h;
    if (w == 0 || h == 0 || pixels > kMaxImagePixels) {
      failed.add(page + ": " + std::to_string(w) + "x" + std::to_string(h) + " pixels; over " + max_image_pixels_text() + " or none");
      continue;
    }
    if (total + pixels > kMaxTotalPixels) {
      take = n;
      info.metadata["pages_note"] = "stopped before " + page + ": more than 3 gigapixels in all";
      break;
    }
    total += pixels;
    size_t offset = pages[n].ifd;
    char next[4] = {};
    if (!cut.empty()) std::memcpy(next, &cut[pages[n].next_at], 4), std::memset(&cut[pages[n].next_at], 0, 4);
    PixPtr pix(pixReadMemFromMultipageTiff(data, chain.size(), &offset));
    if (!cut.empty()) std::memcpy(&cut[pages[n].next_at], next, 4);
    if (!pix || pixGetWidth(pix.get()) != static_cast<l_int32>(w) || pixGetHeight(pix.get()) != static_cast<l_int32>(h)) {
      failed.add(page + ": cannot decode (damaged or an unsupported compression)");
      continue;
    }
    std::string page_where = where + "!" + page;
    StoredAtom child = ingest_spooled(ctx, encode_png(pix.get(), page_where), page_where, subtype::kPage);
    ctx.relate(atom_id, child.id, relation::kPage, n);
    ++r.children;
  }
  if (take < r.count) info.metadata["pages_taken"] = take;
  failed.record(ctx, info, "pages_failed", where);
  return r;
}

// ---- GIF: giflib reads records one at a time from memory.

struct GifSource {
  const std::string* bytes;
  size_t pos;
};

int gif_input(GifFileType* gif, GifByteType* out, int n) {
  auto* s = static_cast<GifSource*>(gif->UserData);
  size_t k = std::min(static_cast<size_t>(std::max(n, 0)), s->bytes->size() - s->pos);
  std::memcpy(out, s->bytes->data() + s->pos, k);
  s->pos += k;
  return static_cast<int>(k);
}

class GifWalk {
 public:
  explicit GifWalk(const std::string& bytes) : src_{&bytes, 0} {
    int err = 0;
    gif_ = DGifOpen(&src_, gif_input, &err);
    if (!gif_) error_ = GifErrorString(err) ? GifErrorString(err) : "cannot open";
  }
  ~GifWalk() {
    int err = 0;
    if (gif_) DGifCloseFile(gif_, &err);
  }
  GifWalk(const GifWalk&) = delete;
  GifWalk& operator=(const GifWalk&) = delete;

  GifFileType* gif() { return gif_; }
  const std::string& error() const { return error_; }

  // Up to the next image descriptor (in gif()->Image) and its control block; false
  // at the end, with error() set if the stream is broken.
  bool next(GraphicsControlBlock& gcb) {
    if (!gif_ || !error_.empty()) return false;
    gcb = {DISPOSAL_UNSPECIFIED, false, 0, NO_TRANSPARENT_COLOR};
    for (;;) {
      GifRecordType type;
      if (DGifGetRecordType(gif_, &type) == GIF_ERROR) return fail();
      if (type == TERMINATE_RECORD_TYPE) return false;
      if (type == IMAGE_DESC_RECORD_TYPE) return DGifGetImageDesc(gif_) != GIF_ERROR || fail();
      if (type != EXTENSION_RECORD_TYPE) return fail();
      int code = 0;
      GifByteType* block = nullptr;
      if (DGifGetExtension(gif_, &code, &block) == GIF_ERROR) return fail();
      if (code == GRAPHICS_EXT_FUNC_CODE && block && block[0] == 4) DGifExtensionToGCB(block[0], block + 1, &gcb);
      while (block)
        if (DGifGetExtensionNext(gif_, &block) == GIF_ERROR) return fail();
    }
  }
  bool skip_pixels() {
    int size = 0;
    GifByteType* block = nullptr;
    if (DGifGetCode(gif_, &size, &block) == GIF_ERROR) return fail();
    while (block)
      if (DGifGetCodeNext(gif_, &block) == GIF_ERROR) return fail();
    return true;
  }
  // The current image's rows onto `canvas` (32 bpp, screen-sized) at its offset;
  // the transparent index and indices past the colour table leave the canvas as is.
  bool draw(const ColorMapObject* cmap, int transparent, Pix* canvas) {
    const GifImageDesc& d = gif_->Image;
    std::vector<GifByteType> row(static_cast<size_t>(d.Width));
    l_uint32* data = pixGetData(canvas);
    int wpl = pixGetWpl(canvas);
    static constexpr int kStart[] = {0, 4, 2, 1}, kStep[] = {8, 8, 4, 2};  // interlace passes
    for (int pass = 0; pass < (d.Interlace ? 4 : 1); ++pass) {
      for (int y = d.Interlace ? kStart[pass] : 0; y < d.Height; y += d.Interlace ? kStep[pass] : 1) {
        if (DGifGetLine(gif_, row.data(), d.Width) == GIF_ERROR) return fail();
        l_uint32* line = data + static_cast<size_t>(d.Top + y) * wpl + d.Left;
        for (int x = 0; x < d.Width; ++x) {
          int i = row[x];
          if (i == transparent || i >= cmap->ColorCount) continue;
          composeRGBAPixel(cmap->Colors[i].Red, cmap->Colors[i].Green, cmap->Colors[i].Blue, 255, line + x);
        }
      }
    }
    return true;
  }

 private:
  bool fail() {
    const char* m = gif_ ? GifErrorString(gif_->Error) : nullptr;
    error_ = m ? m : "damaged GIF";
    return false;
  }

  GifSource src_;
  GifFileType* gif_ = nullptr;
  std::string error_;
};

// Which frames to take: those on screen at kMaxGifFrames evenly spaced moments of
// the playing time (of the frame sequence when no frame has a delay).
std::vector<bool> spread(const std::vector<int>& starts, int total) {
  int n = static_cast<int>(starts.size());
  std::vector<bool> take(n, false);
  for (int k = 0; k < kMaxGifFrames; ++k) {
    if (total <= 0) {
      take[static_cast<size_t>(k) * n / kMaxGifFrames] = true;
      continue;
    }
    double t = static_cast<double>(total) * k / kMaxGifFrames;
    auto after = std::upper_bound(starts.begin(), starts.end(), t, [](double v, int s) { return v < s; });
    take[static_cast<size_t>(after - starts.begin()) - 1] = true;  // starts[0] is 0 <= t
  }
  return take;
}

FramesResult add_gif_frames(ExtractContext& ctx, int64_t atom_id, const std::string& bytes,
                            const std::string& where, AtomInfo& info, Nesting& nesting) {
  FramesResult r;
  std::vector<int> starts;  // centiseconds
  int total = 0;
  std::string scan_error;
  {
    GifWalk walk(bytes);
    GraphicsControlBlock gcb;
    while (static_cast<int>(starts.size()) < kMaxGifFramesScanned && walk.next(gcb)) {
      starts.push_back(total);
      total += std::max(gcb.DelayTime, 0);
      r.gif_frame_pixels += static_cast<double>(walk.gif()->Image.Width) * walk.gif()->Image.Height;
      if (!walk.skip_pixels()) break;
    }
    scan_error = walk.error();
    GraphicsControlBlock unused;
    r.gif_more_frames = static_cast<int>(starts.size()) == kMaxGifFramesScanned && walk.next(unused);
    if (r.gif_more_frames) info.metadata["frames_capped"] = true;
  }
  if (starts.size() <= 1) return r;
  r.count = static_cast<int>(starts.size());
  info.metadata["frames"] = r.count;
  if (total > 0) info.metadata["duration_seconds"] = total / 100.0;
  std::vector<bool> take = spread(starts, total);
  int last = static_cast<int>(std::find(take.rbegin(), take.rend(), true).base() - take.begin()) - 1;

  Failures failed;
  GifWalk walk(bytes);
  GifFileType* gif = walk.gif();
  int sw = gif ? gif->SWidth : 0, sh = gif ? gif->SHeight : 0;
  double screen = static_cast<double>(sw) * sh, work = 0;
  PixPtr canvas(sw > 0 && sh > 0 && screen <= kMaxImagePixels ? pixCreate(sw, sh, 32) : nullptr);  // transparent black
  if (!canvas) {
    failed.add("logical screen " + std::to_string(sw) + "x" + std::to_string(sh) + ": over " + max_image_pixels_text() + " or none");
    failed.record(ctx, info, "frames_failed", where);
    return r;
  }
  pixSetSpp(canvas.get(), 4);
  bool broken = false;
  for (int i = 0; i <= last; ++i) {
    std::string frame = "frame " + std::to_string(i + 1);
    GraphicsControlBlock gcb;
    if (!walk.next(gcb)) {
      failed.add(frame + ": " + (walk.error().empty() ? "missing" : walk.error()));
      broken = true;
      break;
    }
    const GifImageDesc& d = gif->Image;
    const ColorMapObject* cmap = d.ColorMap ? d.ColorMap : gif->SColorMap;
    bool inside = d.Width > 0 && d.Height > 0 && d.Left >= 0 && d.Top >= 0 && d.Left + d.Width <= sw &&
                  d.Top + d.Height <= sh;
    if (!inside || !cmap) {
      std::string rect = std::to_string(d.Width) + "x" + std::to_string(d.Height) + " at " + std::to_string(d.Left) +
                         "," + std::to_string(d.Top);
      std::string screen_size = std::to_string(sw) + "x" + std::to_string(sh);
      failed.add(frame + (inside ? ": no colour table" : ": " + rect + " lies outside the " + screen_size + " screen"));
      if (walk.skip_pixels()) continue;
      failed.add(frame + ": " + walk.error());
      broken = true;
      break;
    }
    bool restore = gcb.DisposalMode == DISPOSE_PREVIOUS;
    work += static_cast<double>(d.Width) * d.Height + (take[i] || restore ? screen : 0);
    if (work > kMaxTotalPixels) {
      info.metadata["frames_note"] = "stopped at " + frame + ": more than 3 gigapixels to composite";
      break;
    }
    PixPtr before(restore ? pixCopy(nullptr, canvas.get()) : nullptr);
    if (!walk.draw(cmap, gcb.TransparentColor, canvas.get())) {
      failed.add(frame + ": " + walk.error());
      broken = true;
      break;
    }
    if (take[i]) {
      PixPtr shot(pixCopy(nullptr, canvas.get()));
      l_int32 opaque = 0;
      if (shot && pixAlphaIsOpaque(shot.get(), &opaque) == 0 && opaque) pixSetSpp(shot.get(), 3);
      add_frame(ctx, atom_id, shot.get(), where + "!" + frame, i, starts[i] / 100.0, nesting);
      ++r.children;
    }
    if (gcb.DisposalMode == DISPOSE_BACKGROUND) {  // back to transparent, as browsers do
      BOX* box = boxCreate(d.Left, d.Top, d.Width, d.Height);
      pixClearInRect(canvas.get(), box);
      boxDestroy(&box);
    } else if (restore && before) {
      canvas = std::move(before);
    }
  }
  if (!broken && !scan_error.empty()) failed.add("after frame " + std::to_string(r.count) + ": " + scan_error);
  info.metadata["frames_taken"] = r.children;
  failed.record(ctx, info, "frames_failed", where);
  return r;
}

// ---- WebP: libwebp's animation decoder composites the frames itself.

FramesResult add_webp_frames(ExtractContext& ctx, int64_t atom_id, const std::string& bytes,
                             const std::string& where, AtomInfo& info, Nesting& nesting) {
  FramesResult r;
  WebPData webp{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
  std::unique_ptr<WebPDemuxer, void (*)(WebPDemuxer*)> demux(WebPDemux(&webp), WebPDemuxDelete);
  if (!demux || !(WebPDemuxGetI(demux.get(), WEBP_FF_FORMAT_FLAGS) & ANIMATION_FLAG)) return r;
  uint32_t sw = WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_WIDTH), sh = WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_HEIGHT);
  int n = static_cast<int>(std::min<uint32_t>(WebPDemuxGetI(demux.get(), WEBP_FF_FRAME_COUNT), kMaxGifFramesScanned));
  if (n <= 1) return r;
  r.count = n;
  info.metadata["frames"] = n;
  Failures failed;
  double screen = static_cast<double>(sw) * sh, work = 0;
  if (sw == 0 || sh == 0 || screen > kMaxImagePixels) {  // the decoder allocates the canvas at once
    failed.add("canvas " + std::to_string(sw) + "x" + std::to_string(sh) + ": over " + max_image_pixels_text() + " or none");
    failed.record(ctx, info, "frames_failed", where);
    return r;
  }
  std::vector<int> starts;  // milliseconds
  int total = 0;
  for (int i = 1; i <= n; ++i) {
    WebPIterator it;
    int duration = 0;
    if (WebPDemuxGetFrame(demux.get(), i, &it)) duration = std::max(it.duration, 0), WebPDemuxReleaseIterator(&it);
    starts.push_back(total);
    total += duration;
  }
  if (total > 0) info.metadata["duration_seconds"] = total / 1000.0;
  std::vector<bool> take = spread(starts, total);
  int last = static_cast<int>(std::find(take.rbegin(), take.rend(), true).base() - take.begin()) - 1;

  WebPAnimDecoderOptions options;
  WebPAnimDecoderOptionsInit(&options);
  options.color_mode = MODE_RGBA;  // not premultiplied
  options.use_threads = 0;
  std::unique_ptr<WebPAnimDecoder, void (*)(WebPAnimDecoder*)> dec(WebPAnimDecoderNew(&webp, &options),
                                                                   WebPAnimDecoderDelete);
  for (int i = 0; dec && i <= last; ++i) {
    std::string frame = "frame " + std::to_string(i + 1);
    uint8_t* rgba = nullptr;
    int timestamp = 0;
    if ((work += screen) > kMaxTotalPixels) {
      info.metadata["frames_note"] = "stopped at " + frame + ": more than 3 gigapixels to composite";
      break;
    }
    if (!WebPAnimDecoderGetNext(dec.get(), &rgba, &timestamp)) {
      failed.add(frame + ": cannot decode (damaged or truncated)");
      break;
    }
    if (!take[i]) continue;
    PixPtr shot(pixCreate(static_cast<l_int32>(sw), static_cast<l_int32>(sh), 32));
    if (!shot) throw Error(where + ": out of memory for a " + std::to_string(sw) + "x" + std::to_string(sh) + " frame");
    pixSetSpp(shot.get(), 4);
    l_uint32* data = pixGetData(shot.get());
    bool opaque = true;
    for (uint32_t y = 0; y < sh; ++y)
      for (uint32_t x = 0; x < sw; ++x) {
        const uint8_t* p = rgba + (static_cast<size_t>(y) * sw + x) * 4;
        opaque = opaque && p[3] == 255;
        composeRGBAPixel(p[0], p[1], p[2], p[3], data + static_cast<size_t>(y) * pixGetWpl(shot.get()) + x);
      }
    if (opaque) pixSetSpp(shot.get(), 3);
    add_frame(ctx, atom_id, shot.get(), where + "!" + frame, i, starts[i] / 1000.0, nesting);
    ++r.children;
  }
  if (!dec) failed.add("cannot start decoding the animation");
  info.metadata["frames_taken"] = r.children;
  failed.record(ctx, info, "frames_failed", where);
  return r;
}

}  // namespace

FramesResult add_image_frames(ExtractContext& ctx, int64_t atom_id, const std::string& bytes,
                              const std::string& format, const std::string& where, AtomInfo& info, Nesting& nesting) {
  if (format == "tiff") return add_tiff_pages(ctx, atom_id, bytes, where, info, nesting);
  if (format == "gif") return add_gif_frames(ctx, atom_id, bytes, where, info, nesting);
  if (format == "webp") return add_webp_frames(ctx, atom_id, bytes, where, info, nesting);
  return {};
}

}  // namespace hart
