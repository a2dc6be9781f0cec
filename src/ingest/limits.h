// Bounds shared by more than one extractor, each defined once. A bound used by one
// file alone is a named constant at the top of that file; the limits a run may change
// are IngestLimits (content_ingester.h) and the options beside it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace hart {

// A picture (a file, a TIFF page, a GIF screen, a WebP canvas, an image inside a PDF)
// over this many pixels is refused before its pixels are allocated.
inline constexpr double kMaxImagePixels = 100e6;
// "100 megapixels", for messages.
inline std::string max_image_pixels_text() { return std::to_string(static_cast<int>(kMaxImagePixels / 1e6)) + " megapixels"; }

// An encoded picture (an image file, an image stream inside a PDF) is read into
// memory whole; larger ones are refused.
inline constexpr uint64_t kMaxImageFileBytes = 512ull << 20;

// Reasons listed in metadata (`pages_failed`, `images_skipped`, ...); the counts go on.
inline constexpr size_t kMaxListedReasons = 32;

}  // namespace hart
