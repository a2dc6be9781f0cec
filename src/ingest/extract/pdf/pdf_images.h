// Images embedded in a PDF, read with qpdf (extract_pdf.cpp calls this after the pages).
#pragma once
#include <cstdint>

namespace hart {

class ExtractContext;
class InputFile;
struct AtomInfo;
struct Nesting;

// Each distinct image XObject of the pages (and of their form XObjects) becomes an
// image atom, ingested like an archive member so it gets the image extractor:
// DCTDecode/JPXDecode streams as their raw bytes (the embedded JPEG / JPEG 2000 file
// itself, so it is the same atom as that file on disk), losslessly coded ones decoded
// and re-encoded as PNG. Related to the PDF as 'image', one relation per distinct
// atom: ordinal = order of first appearance, label "page N" (1-based) of that page.
// Unsupported images are counted in `info.metadata.images_skipped`, broken ones in
// `images_failed` (with reasons); neither fails the PDF.
void add_pdf_images(ExtractContext& ctx, int64_t pdf_atom, InputFile& file, AtomInfo& info, Nesting& nesting);

}  // namespace hart
