#include "ingest/run/walker.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>

#include "ingest/run/ignore_rules.h"
#include "store/atoms.h"
#include "util/error.h"

namespace hart {
namespace {

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

class Walker {
 public:
  Walker(WalkResult& out, const std::vector<std::string>& exclude, bool follow_outside_links)
      : out_(out), follow_outside_links_(follow_outside_links) {
    for (const std::string& e : exclude) {
      struct stat st {};
      if (::stat(e.c_str(), &st) == 0) excluded_.insert({st.st_dev, st.st_ino});
    }
  }

  // Every root is known before any is walked, so a link from one to another is inside.
  void add_root(const std::string& path) {
    if (std::string real = real_path(path); !real.empty()) real_roots_.push_back(real);
  }

  void root(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      struct stat lst {};
      if (errno == ENOENT && ::lstat(path.c_str(), &lst) == 0)
        throw UsageError(path + ": a symbolic link to something that does not exist");
      throw UsageError(path + ": " + std::strerror(errno) + "; check the path");
    }
    visit(path, st, {});
  }

 private:
  void visit(const std::string& path, const struct stat& st, std::vector<IgnoreRules> rules) {
    if (S_ISREG(st.st_mode)) {
      if (excluded_.count({st.st_dev, st.st_ino})) return;
      out_.files.push_back({path, static_cast<uint64_t>(st.st_size), mtime_ns(st)});
      out_.total_bytes += static_cast<uint64_t>(st.st_size);
    } else if (S_ISDIR(st.st_mode)) {
      directory(path, st, std::move(rules));
    } else {
      out_.problems.push_back({path, "not a regular file or folder (device, socket or pipe); skipped"});
    }
  }

  void directory(const std::string& path, const struct stat& st, std::vector<IgnoreRules> rules) {
    // A folder already on the way down (or seen before) is not entered again.
    if (!entered_.insert({st.st_dev, st.st_ino}).second) {
      out_.problems.push_back({path, "folder already walked (a symbolic link loop or a second link to it); skipped"});
      return;
    }
    DIR* d = ::opendir(path.c_str());
    if (!d) {
      out_.problems.push_back({path, std::string("cannot open folder: ") + std::strerror(errno)});
      return;
    }
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != ".." && name != kIgnoreFileName) names.push_back(std::move(name));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    IgnoreRules here = IgnoreRules::load(path);
    if (!here.empty()) rules.push_back(std::move(here));
    std::string prefix = path == "/" ? "/" : path + "/";
    for (const std::string& name : names) {
      std::string child = prefix + name;
      if (leads_outside(child)) {
        out_.problems.push_back({child, "symbolic link to " + real_path(child) +
                                            ", outside the paths being ingested; not followed (--follow-links follows it)"});
        out_.links_skipped++;
        continue;
      }
      struct stat cst {};
      if (::stat(child.c_str(), &cst) != 0) {
        out_.problems.push_back({child, errno == ENOENT ? "broken symbolic link (or vanished while walking); skipped"
                                                        : std::string("cannot stat: ") + std::strerror(errno)});
        continue;
      }
      if (is_ignored(rules, child, S_ISDIR(cst.st_mode))) {
        out_.ignored++;
        continue;
      }
      visit(child, cst, rules);
    }
  }

  static std::string real_path(const std::string& path) {
    char* real = ::realpath(path.c_str(), nullptr);
    if (!real) return {};
    std::string out = real;
    std::free(real);
    return out;
  }

  // A link whose target exists and lies outside every root (a broken one is reported
  // as broken by the caller).
  bool leads_outside(const std::string& path) const {
    struct stat lst {};
    if (follow_outside_links_ || ::lstat(path.c_str(), &lst) != 0 || !S_ISLNK(lst.st_mode)) return false;
    std::string target = real_path(path);
    if (target.empty()) return false;
    for (const std::string& r : real_roots_)
      if (target == r || target.starts_with(r == "/" ? r : r + "/")) return false;
    return true;
  }

  WalkResult& out_;
  bool follow_outside_links_;
  std::vector<std::string> real_roots_;
  std::set<std::pair<dev_t, ino_t>> entered_, excluded_;
};

}  // namespace

WalkResult walk_paths(const std::vector<std::string>& roots, const std::vector<std::string>& exclude,
                      bool follow_outside_links) {
  WalkResult out;
  Walker w(out, exclude, follow_outside_links);
  for (const std::string& r : roots) w.add_root(source_path(r));
  for (const std::string& r : roots) w.root(source_path(r));
  return out;
}

}  // namespace hart
