// Extractors, one folder per kind of content (extract/<kind>/), all with the one
// signature `Extractor` (context.h). Each runs only for a new atom, inside a savepoint
// (dispatch/content_ingester.cpp picks it from its table by kind): it fills
// ctx.info() (text, metadata, error) and adds child atoms and relations through the
// context, or throws and leaves a binary atom with the error.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/extract/context.h"

struct archive;  // libarchive's reader
struct Pix;  // Leptonica's image (PIX)

namespace hart {

class InputFile;

// extract_text.cpp — plain text of any common encoding: decoded to UTF-8
// (text_decode.h), encoding and invalid bytes recorded, then split into passage
// atoms related to the document as 'passage' with ordinals 0, 1, ...
void extract_text(ExtractContext& ctx, InputFile& file);

// Splits `text` into passage atoms related to `parent_id` as 'passage' (ordinals 0, 1,
// ...); returns how many. `text_is_parent`: the text is the parent's own content, so
// a passage equal to all of it is the parent itself and is not added.
size_t add_passages(ExtractContext& ctx, int64_t parent_id, std::string_view text, bool text_is_parent);

// features.cpp — records a feature vector of the content (media/image_features.h,
// media/audio_features.h) as metadata.features.<key> (store/atom_names.h, namespace
// feature), each value rounded to 1e-5: what the "image" and "audio" atom embedders read.
void put_features(AtomInfo& info, const char* key, const std::vector<float>& values);

// extract_pdf.cpp — PDF through Poppler: each page's text becomes a 'page' atom
// (text modality, ordinal = page index) with its own passages; pages without a text
// layer are rendered and read by OCR (image_ocr.h; 1-based numbers in
// metadata.pages_ocr). The document records its page count, version and
// Title/Author/Subject in metadata. Embedded images: pdf_images.h.
void extract_pdf(ExtractContext& ctx, InputFile& file);

// extract_image.cpp — PNG (libpng, png_decode.h), JPEG, GIF, BMP, WebP, TIFF (and
// JPEG 2000, PNM) through Leptonica: format, width, height, channels, depth and
// pixels_sha256 (below) and features (image_features.h) in metadata; a PNG
// 'thumbnail' child (longest side ImageOptions::thumbnail_side); PNG
// 'patch' children on a grid (row-major ordinals, label "x,y,w,h"); OCR text
// (image_ocr.h) as the atom's text, split into passages. Images over 100 megapixels
// are refused; formats Leptonica cannot read are stored undecoded without an error.
// TIFF pages and GIF/WebP frames become child image atoms (image_frames.h); the file's
// own atom then keeps only the first one's metadata and thumbnail.
void extract_image(ExtractContext& ctx, InputFile& file);

// SHA-256 (hex) of a normalised picture (8 bpp gray or 32 bpp RGB/RGBA, as
// extract_image keeps it): width, height and channels (1, 3 or 4) as 32-bit
// big-endian numbers, then the rows top to bottom, each pixel's 8-bit samples in
// gray or R, G, B(, A) order, no padding. Equal pixels give equal digests whatever
// file format (or PDF) they came from.
std::string pixels_sha256(Pix* pix);

// The grid cell side for a width x height image: `patch_side`, grown until the grid
// has at most `max_patches` cells (0: no bound).
int patch_grid_side(int width, int height, int patch_side, int max_patches);

// extract_archive.cpp — zip, tar, 7z, cpio, ... and gzip/bzip2/xz streams through
// libarchive: each regular member is spooled to a temporary file, ingested as an
// atom of its own kind (recursively) and related to the archive as 'member' with its
// path as the label. Limits on depth, members and unpacked bytes (absolute, and as a
// ratio to the top-level file) stop zip bombs with an error naming the limit hit.
void extract_archive(ExtractContext& ctx, InputFile& file);

// Shared with extract_office: adds `more` unpacked bytes to the top-level file's
// budget and throws FormatError (naming `where` and the limit) once it is spent.
void charge_expansion(Nesting& nesting, uint64_t more, const IngestLimits& limits, const std::string& where);
// Copies the libarchive reader's current member into an anonymous temporary file
// (charged to the budget); returns its descriptor.
int spool_archive_member(struct archive* a, Nesting& nesting, const IngestLimits& limits, const std::string& where);

// extract_office.cpp — OOXML (docx, pptx, xlsx) and ODF (odt, odp, ods, ...) zip
// packages through libarchive and libxml2 (office_xml.h): the text in reading order
// as the document's text (one paragraph per line); each slide and sheet a text atom
// related as 'slide'/'sheet' (ordinal = index, sheets labelled with their name) with
// its passages; docx/odt text split into passages; format, title, creator, subject
// and counts in metadata. Embedded media (word/media/, ppt/media/, xl/media/,
// Pictures/) are spooled and ingested like archive members, related as 'image' (or
// 'media' when not a picture) labelled with their path. A damaged zip, a missing
// main part, malformed main XML or a part over 64 MiB throws; a bad slide or sheet
// is recorded (metadata.part_errors, a warning) and skipped.
void extract_office(ExtractContext& ctx, InputFile& file);
// Whether extract_office reads this MIME type (OOXML and ODF packages).
bool is_office_package(std::string_view mime);

// extract_video.cpp — anything FFmpeg reads: duration, frame rate, resolution, codecs
// and stream count in metadata; up to 32 key frames spread over the duration, each a
// PNG image atom related as 'keyframe' (ordinal = index, label = seconds); the first
// 10 minutes of the audio as a 16 kHz mono 16-bit WAV audio atom related as
// 'audio_track'. Both are spooled and ingested like archive members, so they get the
// image and audio extractors. Throws when neither picture nor sound can be decoded.
void extract_video(ExtractContext& ctx, InputFile& file);

// extract_audio.cpp — WAV, FLAC, OGG/Vorbis/Opus, MP3, AIFF through libsndfile:
// duration, sample rate, channels and format in metadata; the mono mix cut into
// 'frame' atoms of options.audio.frame_seconds (16-bit PCM WAV at the original rate,
// 13 mean MFCCs in each frame's metadata; the recording's MFCC statistics,
// audio_features.h, in its own); a PocketSphinx transcript as the atom's
// text, split into passages. Other audio types are kept whole.
void extract_audio(ExtractContext& ctx, InputFile& file);

}  // namespace hart
