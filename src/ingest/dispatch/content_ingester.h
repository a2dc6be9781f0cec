// Turns one piece of content (a file, or an archive member spooled to a temporary
// file) into atoms inside the caller's transaction: the payload atom first, then,
// only when that atom is new, the extractor for its kind. An extractor that fails is
// rolled back to a savepoint and the atom stays as a binary atom with the error.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ingest/dispatch/content_type.h"
#include "ingest/extract/context.h"
#include "store/atom_store.h"

namespace hart {

class InputFile;

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
  class Context;
  AtomStore& store_;
  ContentSniffer& sniffer_;
  const ContentOptions& options_;
  std::vector<ContentIssue> issues_;
};

}  // namespace hart
