// Features of a picture for same-modality similarity (the "image" atom embedder):
// computed once at ingest from the decoded pixels and stored in the atom's metadata
// (`features.image_v1`), so embedding never decodes and the same pixels always give the
// same vector. Version 1, kImageFeatureDim = 180 floats, four blocks, each scaled to unit
// length and then by its weight (so the whole has length sqrt(sum of squared weights);
// the metric is cosine):
//
//   1. colour, 52: HSV histogram. A pixel with saturation < 0.15 or value < 0.15 is
//      grey: 4 value bins; the others 8 hue × 2 saturation × 3 value bins. Square roots
//      of the bins' fractions (Hellinger), weight 1.
//   2. edges, 32: gradient orientations (central differences on the 64 × 64 grey
//      grid, unsigned, 8 bins of 22.5°) in 2 × 2 quadrants, weighted by magnitude;
//      square roots, weight 1.
//   3. grey layout, 64: the grey grid averaged to 8 × 8, minus its mean, weight 1
//      (a flat picture: zeros).
//   4. colour layout, 32: opponent colour (r − g, b − (r + g) / 2) averaged to 4 × 4,
//      weight 0.5 (grey pictures: zeros).
//
// Everything is computed from the picture area-averaged to a 64 × 64 grid (aspect
// ignored), so a resized or re-encoded copy gives nearly the same vector; alpha is
// ignored. Sizes are the caller's decoded ones, checked here before any read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

struct Pix;  // Leptonica

namespace hart {

inline constexpr size_t kImageFeatureDim = 180;

// Pixels row by row, `stride` bytes apart; channels 1 (grey), 3 (RGB) or 4 (RGBA).
struct ImagePixels {
  const uint8_t* data = nullptr;
  int width = 0, height = 0, channels = 0;
  size_t stride = 0;
};

// FormatError for no pixels, a channel count other than 1, 3 or 4, or a stride
// shorter than a row.
std::vector<float> image_features(const ImagePixels& image);
// The same for a Leptonica picture of 8 bpp grey or 32 bpp RGB(A) without colormap.
std::vector<float> image_features(Pix* pix);

}  // namespace hart
