// The pages of a multi-page TIFF and the frames of an animated GIF or WebP, each
// ingested as a child image atom (extract_image.cpp). Leptonica reads only the first
// of them (and no animated WebP at all).
#pragma once
#include <cstdint>
#include <string>

namespace hart {

class ExtractContext;
struct AtomInfo;
struct Nesting;

struct FramesResult {
  int count = 1;     // pages or frames in the file (1: nothing was added)
  int children = 0;  // pages or frames ingested as child atoms
  // GIF: the frames' rectangles summed, and whether frames went unscanned: Leptonica
  // loads every frame before it looks at the first.
  double gif_frame_pixels = 0;
  bool gif_more_frames = false;
};

// For `format` "tiff": every page (at most kMaxTiffPages) as a PNG 'page' child,
// related as 'page' with ordinal = page index. For "gif" with several frames: at most
// kMaxGifFrames frames spread over the animation, composited on the logical screen,
// each a PNG 'frame' child related as 'frame' (ordinal = frame index, label = start
// in seconds). Metadata `pages` or `frames`, and `*_failed` {count, reasons} for
// broken ones, which never throw. "webp" with several frames: as GIF, composited by
// libwebp (delays in ms). Other formats: nothing.
FramesResult add_image_frames(ExtractContext& ctx, int64_t atom_id, const std::string& bytes,
                              const std::string& format, const std::string& where, AtomInfo& info, Nesting& nesting);

inline constexpr int kMaxTiffPages = 1000;
inline constexpr int kMaxGifFrames = 32;          // taken, spread over the animation
inline constexpr int kMaxGifFramesScanned = 10000;

}  // namespace hart
