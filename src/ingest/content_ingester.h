// Turns one piece of content (a file, or an archive member spooled to a temporary
// file) into atoms inside the caller's transaction: the payload atom first, then,
// only when that atom is new, the extractor for its kind. An extractor that fails is
// rolled back to a savepoint and the atom stays as a binary atom with the error.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "store/atom_store.h"
#include "ingest/content_type.h"
#include "media/passages.h"

namespace hart {

class InputFile;

struct IngestLimits {
  int max_archive_depth = 8;                  // archives inside archives, levels
  uint64_t max_expansion_bytes = 8ull << 30;  // bytes unpacked from one file, all levels
  uint64_t max_expansion_ratio = 1000;        // unpacked / packed, once past 16 MiB
  uint64_t max_members = 1000000;             // archive members per file, all levels
  uint64_t max_text_bytes = 64ull << 20;      // larger text is stored but not decoded
};

// What an image yields besides its own atom (extract_image.cpp).
struct ImageOptions {
  int thumbnail_side = 128;  // longest side of the thumbnail; smaller images get none
  int patch_side = 64;       // grid cell; grows for big images to keep within max_patches
  int max_patches = 1024;
  bool ocr = true;           // Tesseract, English
};

// Audio (extract_audio.cpp): frame atoms of a fixed length and a transcript.
struct AudioOptions {
  double frame_seconds = 1.0;           // length of a frame atom (the last one may be shorter)
  double max_transcript_seconds = 600;  // longer recordings are not transcribed (time bound)
  bool transcribe = true;
};

struct ContentOptions {
  PassageOptions passages;
  IngestLimits limits;
  ImageOptions image;
  AudioOptions audio;
};

// Something that went wrong with part of the content; the run carried on.
struct ContentIssue {
  std::string where;  // a path, or "archive.zip!member/path"
  std::string error;
  bool warning = false;  // stored as intended, with something to know (invalid bytes)
};

// What is above the content being stored: the chain of archive atoms (to refuse
// cycles) and the budget unpacking the top-level file may still spend.
struct Nesting {
  std::vector<int64_t> ancestors;
  uint64_t top_size = 0;        // size of the top-level file
  uint64_t expanded_bytes = 0;  // unpacked so far below it
  uint64_t members = 0;
  int depth() const { return static_cast<int>(ancestors.size()); }
};

class ContentIngester {
 public:
  ContentIngester(AtomStore& store, ContentSniffer& sniffer, const ContentOptions& options)
      : store_(store), sniffer_(sniffer), options_(options) {}

  // The atom for `file`'s content (`subtype`: file or member). Extraction problems
  // are recorded on the atom and in issues(), never thrown; read errors are thrown.
  // `type`: the file's kind when the caller has sniffed it already (libmagic takes
  // a few milliseconds a file).
  StoredAtom ingest(InputFile& file, const std::string& subtype, Nesting& nesting, const ContentType* type = nullptr);
  // The kind of `file`'s content, from its first bytes.
  ContentType sniff(InputFile& file);

  AtomStore& store() { return store_; }
  const ContentOptions& options() const { return options_; }
  std::vector<ContentIssue>& issues() { return issues_; }

 private:
  void extract(int64_t atom_id, InputFile& file, const ContentType& type, AtomInfo& info, Nesting& nesting);

  AtomStore& store_;
  ContentSniffer& sniffer_;
  const ContentOptions& options_;
  std::vector<ContentIssue> issues_;
};

}  // namespace hart
