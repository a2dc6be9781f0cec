// PNG decoding with libpng's messages caught: Leptonica reads PNGs through libpng's
// default handlers, which print warnings and errors to stderr (garbling the progress
// bar) and cannot tell us what went wrong. And the one PNG encoder the derived
// pictures (thumbnails, patches, frames, pages, PDF images) go through.
#pragma once
#include <cstddef>
#include <string>

struct Pix;  // Leptonica's image (PIX)

namespace hart {

// `data` as the Pix Leptonica's pixReadMemPng would give (1/2/4/8 bpp gray, a
// colormap at the PNG's depth, or 32 bpp RGB(A); 16-bit samples cut to 8), except
// that a gray or RGB tRNS colour becomes alpha (Leptonica made gray+tRNS fully
// transparent and ignored it on RGB). Images over `max_pixels` are refused before
// anything is allocated. Throws FormatError with libpng's message; warnings (bad
// ancillary CRCs, sRGB profiles) are ignored, their count in `*warnings` if given.
Pix* decode_png(const unsigned char* data, size_t size, double max_pixels, const std::string& where,
                int* warnings = nullptr);

// `pix` as PNG bytes (Leptonica's writer); throws Error "`what`: cannot encode as PNG".
std::string encode_png(Pix* pix, const std::string& what);

}  // namespace hart
