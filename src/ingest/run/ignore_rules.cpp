#include "ingest/run/ignore_rules.h"

#include <fnmatch.h>

#include <fstream>
#include <sstream>

namespace hart {

IgnoreRules IgnoreRules::load(const std::string& dir) {
  std::ifstream in(dir + "/" + kIgnoreFileName, std::ios::binary);
  if (!in) return parse(dir, "");
  std::stringstream text;
  text << in.rdbuf();
  return parse(dir, text.str());
}

IgnoreRules IgnoreRules::parse(const std::string& dir, std::string_view text) {
  IgnoreRules r;
  r.dir_ = dir;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    Rule rule;
    if (line[0] == '!') {
      rule.negate = true;
      line.erase(0, 1);
    }
    if (!line.empty() && line.back() == '/') {
      rule.dir_only = true;
      line.pop_back();
    }
    if (line.rfind("**/", 0) == 0) {
      line.erase(0, 3);  // any depth: the same as a pattern without '/'
    } else if (line.find('/') != std::string::npos) {
      rule.anchored = true;
      if (line[0] == '/') line.erase(0, 1);
    }
    if (line.empty()) continue;
    rule.glob = line;
    r.rules_.push_back(rule);
  }
  return r;
}

int IgnoreRules::verdict(const std::string& path, bool is_dir) const {
  std::string rel = path.size() > dir_.size() ? path.substr(dir_.size() + 1) : std::string();
  std::string base = path.substr(path.rfind('/') + 1);
  int result = 0;
  for (const Rule& r : rules_) {
    if (r.dir_only && !is_dir) continue;
    bool match = r.anchored ? fnmatch(r.glob.c_str(), rel.c_str(), FNM_PATHNAME) == 0
                            : fnmatch(r.glob.c_str(), base.c_str(), 0) == 0;
    if (match) result = r.negate ? -1 : 1;
  }
  return result;
}

bool is_ignored(const std::vector<IgnoreRules>& stack, const std::string& path, bool is_dir) {
  bool ignored = false;
  for (const IgnoreRules& rules : stack) {
    int v = rules.verdict(path, is_dir);
    if (v != 0) ignored = v > 0;
  }
  return ignored;
}

}  // namespace hart
