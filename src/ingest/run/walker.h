// Lists the files an ingestion run will read: the given files, and every file below
// the given folders that no .hartignore excludes. A symbolic link met while walking is
// followed when it leads inside the given paths, and one leading outside them only
// when asked (a link in an untrusted folder must not pull in /etc/shadow); the paths
// given are followed themselves. A folder already being walked (a link loop, or two
// links to one folder) is entered once. Entries come in a stable order (sorted by
// name within each folder).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hart {

struct WalkEntry {
  std::string path;  // absolute, as reached (through links, not resolved)
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

struct WalkProblem {
  std::string path, error;
};

struct WalkResult {
  std::vector<WalkEntry> files;
  std::vector<WalkProblem> problems;  // unreadable folders, broken links, loops, links not followed
  uint64_t total_bytes = 0;
  uint64_t ignored = 0;        // entries a .hartignore excluded
  uint64_t links_skipped = 0;  // links leading outside the given paths, not followed (also in problems)
};

// `exclude` lists files never to read (the database itself and its journal files).
// `follow_outside_links`: also follow links leading outside `roots`.
// Throws UsageError naming a root that does not exist.
WalkResult walk_paths(const std::vector<std::string>& roots, const std::vector<std::string>& exclude,
                      bool follow_outside_links = false);

}  // namespace hart
