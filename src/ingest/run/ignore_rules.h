// `.hartignore` files: gitignore-like glob patterns, one per line, that keep files
// and folders out of an ingestion walk. A file's rules apply to its folder and
// everything below it; later lines (and deeper files) win.
//
//   # comment          blank lines and comments are skipped
//   *.log              a pattern without '/' matches a name at any depth
//   build/             a trailing '/' matches folders only
//   docs/*.tmp         a pattern with '/' is relative to the .hartignore's folder
//   **/cache           a leading "**/" matches at any depth
//   !keep.log          '!' re-includes what an earlier pattern excluded
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace hart {

inline constexpr const char* kIgnoreFileName = ".hartignore";

class IgnoreRules {
 public:
  // Rules of the .hartignore in `dir`, if there is one (none otherwise).
  static IgnoreRules load(const std::string& dir);
  static IgnoreRules parse(const std::string& dir, std::string_view text);

  // 1: excluded, -1: re-included, 0: no rule matched. `path` lies below dir().
  int verdict(const std::string& path, bool is_dir) const;
  const std::string& dir() const { return dir_; }
  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    std::string glob;
    bool negate = false, dir_only = false, anchored = false;
  };
  std::string dir_;
  std::vector<Rule> rules_;
};

// Whether `path` is excluded by the stack of rules from the walk's root down.
bool is_ignored(const std::vector<IgnoreRules>& stack, const std::string& path, bool is_dir);

}  // namespace hart
