// Reading and releasing content atoms (schema version 4). Writing them is
// atom_store.h's job; these are the parts SQL functions and the CLI share.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "store/sqlite_api.h"

namespace hart {

class Database;

// Deletes every atom nothing uses (refcount 0), repeatedly, since deleting a parent
// releases its children. Returns the atoms removed. Chunks left unused go with them
// (the chunks_orphaned trigger).
int64_t collect_unused_atoms(sqlite3* db);

// Calls `piece` with an atom's payload in order: its chunks, or its text when it has
// no chunks (passages). Returns false when the atom does not exist.
bool read_atom_payload(sqlite3* db, int64_t atom_id, const std::function<void(const void*, size_t)>& piece);

// `path` made absolute and lexically normal without resolving links (the file need
// not exist): the form `sources.path` records.
std::string source_path(const std::string& path);

struct SourceRemoval {
  int64_t sources = 0;
  int64_t atoms_freed = 0;
  int64_t bytes_freed = 0;  // chunk bytes no atom or tensor uses any more
};

// Forgets the source at `path` (a file, or every source under a folder) and frees
// the atoms nothing else uses; one transaction. Throws UsageError when nothing was
// ingested from `path`.
SourceRemoval remove_source(Database& db, const std::string& path);

}  // namespace hart
