// The blocks and their rules: image_features.h.
#include "media/image_features.h"

#include <leptonica/allheaders.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>

#include "util/error.h"

namespace hart {
namespace {

constexpr int kGrid = 64;                      // the picture is averaged to kGrid x kGrid first
constexpr int kHue = 8, kSat = 2, kVal = 3, kGreyBins = 4;
constexpr int kColourBins = kGreyBins + kHue * kSat * kVal;  // 52
constexpr int kOrientations = 8, kQuadrants = 4;             // 32
constexpr int kLayout = 8, kChroma = 4;                      // 64, 2 * 16 = 32
constexpr double kGreySaturation = 0.15, kGreyValue = 0.15;
constexpr double kWeightColour = 1, kWeightEdges = 1, kWeightLayout = 1, kWeightChroma = 0.5;
static_assert(kColourBins + kOrientations * kQuadrants + kLayout * kLayout + 2 * kChroma * kChroma == kImageFeatureDim);

struct Rgb {
  double r = 0, g = 0, b = 0;
};

// The picture area-averaged to kGrid x kGrid cells; a cell no pixel falls in (a side
// shorter than kGrid) takes the pixel under its corner. `at(x, y)` gives RGB in 0..1.
template <typename At>
std::vector<Rgb> average_grid(int width, int height, At at) {
  std::vector<Rgb> sum(kGrid * kGrid);
  std::vector<uint32_t> count(kGrid * kGrid, 0);
  for (int y = 0; y < height; ++y) {
    const int gy = static_cast<int>(static_cast<int64_t>(y) * kGrid / height);
    for (int x = 0; x < width; ++x) {
      const int cell = gy * kGrid + static_cast<int>(static_cast<int64_t>(x) * kGrid / width);
      const Rgb p = at(x, y);
      sum[cell].r += p.r;
      sum[cell].g += p.g;
      sum[cell].b += p.b;
      ++count[cell];
    }
  }
  for (int gy = 0; gy < kGrid; ++gy)
    for (int gx = 0; gx < kGrid; ++gx) {
      const int cell = gy * kGrid + gx;
      if (count[cell] == 0) {
        sum[cell] = at(static_cast<int>(static_cast<int64_t>(gx) * width / kGrid),
                       static_cast<int>(static_cast<int64_t>(gy) * height / kGrid));
        continue;
      }
      sum[cell].r /= count[cell];
      sum[cell].g /= count[cell];
      sum[cell].b /= count[cell];
    }
  return sum;
}

// Square roots of a histogram's fractions (zeros stay zeros).
void hellinger(std::vector<double>& bins) {
  double total = 0;
  for (double b : bins) total += b;
  for (double& b : bins) b = total > 0 ? std::sqrt(b / total) : 0;
}

// Scales to unit length, or less when the length is below `floor` (faint blocks stay faint).
void scale(std::vector<double>& block, double floor, double weight) {
  double norm = 0;
  for (double v : block) norm += v * v;
  norm = std::max(std::sqrt(norm), floor);
  for (double& v : block) v = norm > 0 ? v / norm * weight : 0;
}

int colour_bin(const Rgb& p) {
  const double mx = std::max({p.r, p.g, p.b}), mn = std::min({p.r, p.g, p.b});
  const double v = mx, s = mx > 0 ? (mx - mn) / mx : 0;
  if (s < kGreySaturation || v < kGreyValue) return std::min(kGreyBins - 1, static_cast<int>(v * kGreyBins));
  double h;  // 0..6
  const double d = mx - mn;
  if (mx == p.r) h = std::fmod((p.g - p.b) / d + 6, 6);
  else if (mx == p.g) h = (p.b - p.r) / d + 2;
  else h = (p.r - p.g) / d + 4;
  const int hb = std::min(kHue - 1, static_cast<int>(h / 6 * kHue));
  const int sb = std::min(kSat - 1, static_cast<int>((s - kGreySaturation) / (1 - kGreySaturation) * kSat));
  const int vb = std::min(kVal - 1, static_cast<int>((v - kGreyValue) / (1 - kGreyValue) * kVal));
  return kGreyBins + (hb * kSat + sb) * kVal + vb;
}

std::vector<float> features_of_grid(const std::vector<Rgb>& grid) {
  std::vector<double> colour(kColourBins, 0), edges(kOrientations * kQuadrants, 0), layout(kLayout * kLayout, 0),
      chroma(2 * kChroma * kChroma, 0);
  std::vector<double> grey(kGrid * kGrid);
  for (int i = 0; i < kGrid * kGrid; ++i) {
    const Rgb& p = grid[i];
    colour[colour_bin(p)] += 1;
    grey[i] = 0.299 * p.r + 0.587 * p.g + 0.114 * p.b;
    const int gx = i % kGrid, gy = i / kGrid;
    layout[(gy * kLayout / kGrid) * kLayout + gx * kLayout / kGrid] += grey[i];
    const int c = (gy * kChroma / kGrid) * kChroma + gx * kChroma / kGrid;
    chroma[2 * c] += p.r - p.g;
    chroma[2 * c + 1] += p.b - (p.r + p.g) / 2;
  }
  for (int y = 1; y + 1 < kGrid; ++y)
    for (int x = 1; x + 1 < kGrid; ++x) {
      const double dx = grey[y * kGrid + x + 1] - grey[y * kGrid + x - 1];
      const double dy = grey[(y + 1) * kGrid + x] - grey[(y - 1) * kGrid + x];
      const double magnitude = std::hypot(dx, dy);
      if (magnitude <= 0) continue;
      double angle = std::atan2(dy, dx);
      if (angle < 0) angle += std::numbers::pi;
      const int o = std::min(kOrientations - 1, static_cast<int>(angle / std::numbers::pi * kOrientations));
      const int q = (y >= kGrid / 2 ? 2 : 0) + (x >= kGrid / 2 ? 1 : 0);
      edges[q * kOrientations + o] += magnitude;
    }
  hellinger(colour);
  hellinger(edges);
  const double cells_per_layout = static_cast<double>(kGrid * kGrid) / (kLayout * kLayout);
  double mean = 0;
  for (double& v : layout) mean += (v /= cells_per_layout);
  mean /= layout.size();
  for (double& v : layout) v -= mean;
  const double cells_per_chroma = static_cast<double>(kGrid * kGrid) / (kChroma * kChroma);
  for (double& v : chroma) v /= cells_per_chroma;
  scale(colour, 0, kWeightColour);
  scale(edges, 0, kWeightEdges);
  scale(layout, 0.5, kWeightLayout);
  scale(chroma, 1.0, kWeightChroma);
  std::vector<float> out;
  out.reserve(kImageFeatureDim);
  for (const auto* block : {&colour, &edges, &layout, &chroma})
    for (double v : *block) out.push_back(static_cast<float>(v));
  return out;
}

}  // namespace

std::vector<float> image_features(const ImagePixels& image) {
  const int w = image.width, h = image.height, c = image.channels;
  if (!image.data || w <= 0 || h <= 0)
    throw FormatError("image features: no pixels (" + std::to_string(w) + "x" + std::to_string(h) + ")");
  if (c != 1 && c != 3 && c != 4)
    throw FormatError("image features: " + std::to_string(c) + " channels; 1, 3 or 4 are read");
  if (image.stride < static_cast<size_t>(w) * c)
    throw FormatError("image features: rows of " + std::to_string(image.stride) + " bytes are shorter than " +
                      std::to_string(w) + " pixels of " + std::to_string(c) + " bytes");
  return features_of_grid(average_grid(w, h, [&](int x, int y) {
    const uint8_t* p = image.data + static_cast<size_t>(y) * image.stride + static_cast<size_t>(x) * c;
    if (c == 1) return Rgb{p[0] / 255.0, p[0] / 255.0, p[0] / 255.0};
    return Rgb{p[0] / 255.0, p[1] / 255.0, p[2] / 255.0};
  }));
}

std::vector<float> image_features(Pix* pix) {
  if (!pix || pixGetWidth(pix) <= 0 || pixGetHeight(pix) <= 0)
    throw FormatError("image features: no pixels");
  const int depth = pixGetDepth(pix);
  if ((depth != 8 && depth != 32) || pixGetColormap(pix))
    throw FormatError("image features: " + std::to_string(depth) + "-bit pixels; 8-bit grey or 32-bit RGB are read");
  const l_uint32* data = pixGetData(pix);
  const size_t wpl = static_cast<size_t>(pixGetWpl(pix));
  return features_of_grid(average_grid(pixGetWidth(pix), pixGetHeight(pix), [&](int x, int y) {
    const l_uint32* line = data + static_cast<size_t>(y) * wpl;
    if (depth == 8) {
      const double v = GET_DATA_BYTE(line, x) / 255.0;
      return Rgb{v, v, v};
    }
    l_int32 r = 0, g = 0, b = 0;
    extractRGBValues(line[x], &r, &g, &b);
    return Rgb{r / 255.0, g / 255.0, b / 255.0};
  }));
}

}  // namespace hart
