// The walk: .hartignore, symbolic link loops, missing paths.
#include <unistd.h>

#include <filesystem>

#include "ingest/run/ignore_rules.h"
#include "ingest/run/walker.h"
#include "support/test_support.h"
#include "util/error.h"

namespace hart::test {
namespace {

std::vector<std::string> names(const WalkResult& w, const std::string& root) {
  std::vector<std::string> out;
  for (const WalkEntry& e : w.files) out.push_back(e.path.substr(root.size() + 1));
  return out;
}

TEST(IgnoreRules, GitignoreLikePatterns) {
  IgnoreRules r = IgnoreRules::parse("/r", "# comment\n\n*.log\n!keep.log\nbuild/\ndocs/*.tmp\n**/cache\n");
  EXPECT_EQ(r.verdict("/r/a.log", false), 1);
  EXPECT_EQ(r.verdict("/r/sub/deep/b.log", false), 1);
  EXPECT_EQ(r.verdict("/r/keep.log", false), -1);
  EXPECT_EQ(r.verdict("/r/build", true), 1);
  EXPECT_EQ(r.verdict("/r/build", false), 0);  // a file named build is not the folder
  EXPECT_EQ(r.verdict("/r/docs/x.tmp", false), 1);
  EXPECT_EQ(r.verdict("/r/docs/sub/x.tmp", false), 0);  // anchored: '*' does not cross '/'
  EXPECT_EQ(r.verdict("/r/x/y/cache", true), 1);
  EXPECT_EQ(r.verdict("/r/notes.txt", false), 0);
}

TEST(Walker, HonoursHartignoreAtEveryLevelAndSortsByName) {
  TempDir d;
  namespace fs = std::filesystem;
  fs::create_directories(d.file("sub/build"));
  write_file(d.file(".hartignore"), "*.log\n");
  write_file(d.file("b.txt"), "b");
  write_file(d.file("a.txt"), "a");
  write_file(d.file("x.log"), "x");
  write_file(d.file("sub/.hartignore"), "build/\n!important.log\n");
  write_file(d.file("sub/important.log"), "i");
  write_file(d.file("sub/other.log"), "o");
  write_file(d.file("sub/build/out.bin"), "z");
  WalkResult w = walk_paths({d.path()}, {});
  EXPECT_EQ(names(w, d.path()), (std::vector<std::string>{"a.txt", "b.txt", "sub/important.log"}));
  EXPECT_EQ(w.ignored, 3u);  // x.log, sub/other.log, sub/build
  EXPECT_EQ(w.total_bytes, 3u);
}

TEST(Walker, FollowsLinksButNeverLoops) {
  TempDir d;
  namespace fs = std::filesystem;
  fs::create_directories(d.file("a/b"));
  write_file(d.file("a/b/file.txt"), "content");
  fs::create_directory_symlink(d.file("a"), d.file("a/b/back_to_a"));  // a loop
  fs::create_symlink(d.file("a/b/file.txt"), d.file("a/link.txt"));
  fs::create_symlink(d.file("missing"), d.file("a/dangling"));
  WalkResult w = walk_paths({d.path()}, {});
  EXPECT_EQ(names(w, d.path()), (std::vector<std::string>{"a/b/file.txt", "a/link.txt"}));
  ASSERT_EQ(w.problems.size(), 2u);
  std::string all = w.problems[0].path + w.problems[0].error + w.problems[1].path + w.problems[1].error;
  EXPECT_NE(all.find("symbolic link loop"), std::string::npos) << all;
  EXPECT_NE(all.find("broken symbolic link"), std::string::npos) << all;
}

TEST(Walker, LinksLeadingOutsideTheGivenPathsAreSkippedUnlessAsked) {
  TempDir inside, outside;
  namespace fs = std::filesystem;
  write_file(outside.file("secret"), "shadow");
  fs::create_directories(outside.file("folder"));
  write_file(outside.file("folder/more"), "x");
  write_file(inside.file("own.txt"), "own");
  fs::create_symlink(outside.file("secret"), inside.file("to_secret"));
  fs::create_directory_symlink(outside.file("folder"), inside.file("to_folder"));
  fs::create_symlink(inside.file("own.txt"), inside.file("to_own"));  // inside: followed
  WalkResult w = walk_paths({inside.path()}, {});
  EXPECT_EQ(names(w, inside.path()), (std::vector<std::string>{"own.txt", "to_own"}));
  EXPECT_EQ(w.links_skipped, 2u);
  ASSERT_EQ(w.problems.size(), 2u);
  EXPECT_EQ(w.problems[1].path, inside.file("to_secret"));
  EXPECT_THAT(w.problems[1].error, ::testing::HasSubstr("symbolic link to " + outside.file("secret")));
  EXPECT_THAT(w.problems[1].error, ::testing::HasSubstr("--follow-links"));
  // Given both folders, the links lead inside; asked to, the walk follows them anyway.
  EXPECT_EQ(walk_paths({inside.path(), outside.path()}, {}).links_skipped, 0u);
  WalkResult followed = walk_paths({inside.path()}, {}, true);
  EXPECT_EQ(names(followed, inside.path()),
            (std::vector<std::string>{"own.txt", "to_folder/more", "to_own", "to_secret"}));
  EXPECT_EQ(followed.links_skipped, 0u);
}

TEST(Walker, AMissingPathIsAClearErrorAndExcludedFilesAreSkipped) {
  TempDir d;
  try {
    walk_paths({d.file("nope")}, {});
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("nope: No such file or directory"), std::string::npos) << e.what();
  }
  write_file(d.file("db"), "x");
  write_file(d.file("keep"), "y");
  EXPECT_EQ(names(walk_paths({d.path()}, {d.file("db")}), d.path()), std::vector<std::string>{"keep"});
}

}  // namespace
}  // namespace hart::test
