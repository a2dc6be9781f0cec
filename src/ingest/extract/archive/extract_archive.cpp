// Archives (`extract_archive.cpp`): libarchive reads the file descriptor; each regular
// member is spooled to an unlinked temporary file while the unpacked bytes are charged
// to the top-level file's budget (`max_expansion_bytes`, and `max_expansion_ratio` once
// past 16 MiB), then ingested recursively as subtype `member` and related `member` with
// its path as `label`. `max_archive_depth` and `max_members` bound recursion; an archive
// containing itself is not related to itself (cycle refused, counted in metadata). A
// model file inside an archive is a binary atom for now.
#include "ingest/extract/extractors.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "ingest/extract/content_kind.h"
#include "ingest/extract/context.h"
#include "ingest/extract/input_file.h"
#include "util/error.h"
#include "util/progress.h"
#include "store/atom_names.h"

namespace hart {
namespace {

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

constexpr uint64_t kRatioFloor = 16ull << 20;  // small archives may expand any amount up to this

std::string archive_message(struct archive* a) {
  const char* m = archive_error_string(a);
  return m ? m : "unknown libarchive error";
}

ArchivePtr open_archive(InputFile& file, bool compressed_stream) {
  ArchivePtr a(archive_read_new(), archive_read_free);
  if (!a) throw Error("libarchive: cannot allocate a reader (out of memory?)");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  // A lone .gz/.xz/... holds one file, not an archive: read it as one member.
  if (compressed_stream) archive_read_support_format_raw(a.get());
  if (::lseek(file.fd(), 0, SEEK_SET) != 0) throw Error(file.display() + ": cannot seek to the start");
  if (archive_read_open_fd(a.get(), file.fd(), 1 << 16) != ARCHIVE_OK)
    throw FormatError(file.display() + ": not a readable archive: " + archive_message(a.get()));
  return a;
}

}  // namespace

void charge_expansion(Nesting& n, uint64_t more, const IngestLimits& limits, const std::string& where) {
  n.expanded_bytes += more;
  if (n.expanded_bytes > limits.max_expansion_bytes)
    throw FormatError(where + ": unpacks to more than " + format_bytes(limits.max_expansion_bytes) +
                      " (the expansion limit); refusing a possible zip bomb. Raise --max-expansion if the archive is genuine");
  if (n.expanded_bytes > kRatioFloor && n.expanded_bytes / std::max<uint64_t>(n.top_size, 1) > limits.max_expansion_ratio)
    throw FormatError(where + ": unpacks to more than " + std::to_string(limits.max_expansion_ratio) +
                      " times its packed size (" + format_bytes(n.top_size) +
                      "); refusing a possible zip bomb. Raise --max-expansion-ratio if the archive is genuine");
}

int spool_archive_member(struct archive* a, Nesting& nesting, const IngestLimits& limits, const std::string& where) {
  int fd = make_spool_file();
  try {
    const void* block;
    size_t size;
    la_int64_t offset;
    for (;;) {
      int rc = archive_read_data_block(a, &block, &size, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) throw FormatError(where + ": corrupt archive member: " + archive_message(a));
      charge_expansion(nesting, size, limits, where);
      // Sparse members give an offset; pwrite leaves the hole as zeros.
      spool_write(fd, block, size, static_cast<uint64_t>(offset), where);
    }
    return fd;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

void extract_archive(ExtractContext& ctx, InputFile& file) {
  const int64_t atom_id = ctx.atom_id();
  const ContentType& type = ctx.type();
  AtomInfo& info = ctx.info();
  Nesting& nesting = ctx.nesting();
  const IngestLimits& limits = ctx.options().limits;
  if (nesting.depth() == 0) nesting.top_size = file.size();
  if (nesting.depth() >= limits.max_archive_depth)
    throw FormatError(file.display() + ": archives nested more than " + std::to_string(limits.max_archive_depth) +
                      " deep; not unpacked (raise --max-depth to go further)");
  ArchivePtr a = open_archive(file, type.compressed_stream);
  nesting.ancestors.push_back(atom_id);
  struct PopAncestor {
    Nesting& n;
    ~PopAncestor() { n.ancestors.pop_back(); }
  } pop{nesting};
  int64_t ordinal = 0;
  uint64_t skipped = 0;
  for (;;) {
    struct archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) throw FormatError(file.display() + ": corrupt archive: " + archive_message(a.get()));
    if (archive_entry_filetype(entry) != AE_IFREG) {
      skipped += archive_entry_filetype(entry) != AE_IFDIR;  // links, devices: not content
      continue;
    }
    if (++nesting.members > limits.max_members)
      throw FormatError(file.display() + ": more than " + std::to_string(limits.max_members) +
                        " archive members; refusing a possible zip bomb");
    const char* name = archive_entry_pathname(entry);
    std::string label = name ? name : ("member " + std::to_string(ordinal));
    std::string where = file.display() + "!" + label;
    InputFile member(spool_archive_member(a.get(), nesting, limits, where), where);
    StoredAtom child = ctx.ingest_child(member, subtype::kMember);
    // An archive that contains itself (a zip quine) must not become a cycle.
    if (std::find(nesting.ancestors.begin(), nesting.ancestors.end(), child.id) != nesting.ancestors.end()) {
      info.metadata["cycles_refused"] = info.metadata.value("cycles_refused", 0) + 1;
      continue;
    }
    ctx.relate(atom_id, child.id, relation::kMember, ordinal++, label);
  }
  info.metadata["members"] = ordinal;
  if (skipped) info.metadata["non_file_members_skipped"] = skipped;
  const char* format = archive_format_name(a.get());
  if (format) info.metadata["format"] = format;
}

}  // namespace hart
