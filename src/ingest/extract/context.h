// What every extractor sees (ONE signature for all: `void extract_x(ExtractContext&,
// InputFile&)`, chosen from the dispatcher's table, dispatch/content_ingester.cpp).
// The context names the atom being extracted and its kind, holds the run's options
// and limits, and offers the only ways an extractor changes the database: put a
// derived atom, relate two atoms, ingest an embedded file as a child (its own kind's
// extractor runs on it), report an issue. Extractors never see the dispatcher.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/extract/content_kind.h"
#include "media/passages.h"
#include "store/atom_store.h"

namespace hart {

class InputFile;

struct IngestLimits {
  int max_archive_depth = 8;                  // archives inside archives, levels
  uint64_t max_expansion_bytes = 8ull << 30;  // bytes unpacked from one file, all levels
  uint64_t max_expansion_ratio = 1000;        // unpacked / packed, once past 16 MiB
  uint64_t max_members = 1000000;             // archive members per file, all levels
  uint64_t max_text_bytes = 64ull << 20;      // larger text is stored but not decoded
};

// What an image yields besides its own atom (extract/image/).
struct ImageOptions {
  int thumbnail_side = 128;  // longest side of the thumbnail; smaller images get none
  int patch_side = 64;       // grid cell; grows for big images to keep within max_patches
  int max_patches = 1024;
  bool ocr = true;           // Tesseract, English
};

// Audio (extract/audio/): frame atoms of a fixed length and a transcript.
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

class ExtractContext {
 public:
  virtual ~ExtractContext() = default;

  // The atom being extracted (new, inside a savepoint), its content's kind, and what
  // the extractor records on it (text, metadata, error) once it returns.
  virtual int64_t atom_id() const = 0;
  virtual const ContentType& type() const = 0;
  virtual AtomInfo& info() = 0;
  // Options and limits of the run; the nesting budget of the top-level file.
  virtual const ContentOptions& options() const = 0;
  virtual Nesting& nesting() = 0;

  // put: a derived atom made in memory (chunked like a file) or a text atom.
  virtual StoredAtom put_bytes(std::string_view bytes, const AtomInfo& info) = 0;
  virtual StoredAtom put_text(std::string_view text, const AtomInfo& info) = 0;
  // relate: an edge parent → child.
  virtual void relate(int64_t parent, int64_t child, std::string_view relation, int64_t ordinal,
                      std::optional<std::string> label) = 0;
  void relate(int64_t parent, int64_t child, std::string_view relation, int64_t ordinal) {
    relate(parent, child, relation, ordinal, std::nullopt);
  }
  // ingest child: an embedded file (archive member, key frame, page...) becomes an
  // atom of its own kind, extracted in turn, within nesting()'s limits.
  virtual StoredAtom ingest_child(InputFile& file, const std::string& subtype) = 0;
  // The kind of an embedded file, without ingesting it.
  virtual ContentType sniff(InputFile& file) = 0;
  // report issue: a warning (stored, with something to know) or a failure of a part.
  virtual void report(ContentIssue issue) = 0;
};

// Every extractor has this signature; throwing leaves the atom binary with the error.
using Extractor = void (*)(ExtractContext& ctx, InputFile& file);

}  // namespace hart
