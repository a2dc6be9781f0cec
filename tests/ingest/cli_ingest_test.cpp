// `hart ingest` on folders and `hart rm-source`, run as a user runs them.
#include <filesystem>

#include "ingest_fixture.h"
#include "support/test_support.h"

namespace hart::test {
namespace {

class CliIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db = dir.file("c.db");
    ASSERT_EQ(hart("init " + db), 0) << out;
    std::filesystem::create_directories(dir.file("docs/sub"));
    write_file(dir.file("docs/a.txt"), "Alpha. A small text file.");
    write_file(dir.file("docs/sub/b.txt"), "Beta. Another small text file.");
    write_file(dir.file("docs/sub/a-copy.txt"), "Alpha. A small text file.");
  }
  int hart(const std::string& args) { return run_command(binary_dir() + "/src/hart " + args, &out); }
  TempDir dir;
  std::string db, out;
};

TEST_F(CliIngestTest, IngestsAFolderSummarisesAndSkipsItWhenUnchanged) {
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("docs")), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("files: 3 found, 3 ingested, 0 unchanged (skipped), 0 failed"));
  EXPECT_THAT(out, ::testing::HasSubstr("atoms: 2 new, 1 reused;"));
  EXPECT_THAT(out, ::testing::HasSubstr("ingest 3/3 files: 100%"));  // log lines, not a bar, off a terminal
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("docs")), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("files: 3 found, 0 ingested, 3 unchanged (skipped)"));
  // Unchanged files are never read, so the progress line does not count them as read.
  EXPECT_THAT(out, ::testing::HasSubstr("ingest 3/3 files: 100% 0 B of 0 B, 0 B/s"));
  ASSERT_EQ(hart("sql " + db + " \"SELECT modality, unique_atoms, total_references FROM dedup_stats\" --csv"), 0);
  EXPECT_EQ(out, "modality,unique_atoms,total_references\ntext,2,3\n");
}

TEST_F(CliIngestTest, ATerminalGetsABarWithFilesBytesRateAndEta) {
  std::string version;
  if (run_command("script --version", &version) != 0) GTEST_SKIP() << "SKIPPED: util-linux `script` not found";
  // `script` gives hart a pseudo-terminal, as an interactive user has.
  ASSERT_EQ(run_command("script -qec '" + binary_dir() + "/src/hart ingest " + db + " " + dir.file("docs") +
                            "' /dev/null", &out), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("\r"));
  EXPECT_THAT(out, ::testing::HasSubstr("ingest 3/3 files [##############################] 100% 80 B/80 B"));
  EXPECT_THAT(out, ::testing::HasSubstr("/s in 0:00"));
}

TEST_F(CliIngestTest, FailuresAreListedWithExitStatusTwoAndMissingPathsAreErrors) {
  write_archive(dir.file("whole.zip"), "zip", "none", {{"m.txt", "A member that will be cut in half."}});
  std::string zip = read_file(dir.file("whole.zip"));
  write_file(dir.file("docs/broken.zip"), zip.substr(0, zip.size() / 2));
  EXPECT_EQ(hart("ingest " + db + " " + dir.file("docs") + " --quiet"), 2) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("1 failed"));
  EXPECT_THAT(out, ::testing::HasSubstr("failed (stored as binary with the error, or not stored) (1):"));
  EXPECT_THAT(out, ::testing::HasSubstr("broken.zip: "));
  EXPECT_EQ(hart("ingest " + db + " " + dir.file("nowhere")), 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("hart: error: " + dir.file("nowhere") + ": No such file or directory"));
}

TEST_F(CliIngestTest, RmSourceFreesAtomsNothingElseUses) {
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("docs") + " --quiet"), 0) << out;
  ASSERT_EQ(hart("rm-source " + db + " " + dir.file("docs/sub")), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("removed 2 source(s) under " + dir.file("docs/sub") + "; freed 1 atoms"));
  ASSERT_EQ(hart("sql " + db + " \"SELECT count(*) AS n FROM atoms\" --csv"), 0);
  EXPECT_EQ(out, "n\n1\n");
  EXPECT_EQ(hart("rm-source " + db + " " + dir.file("docs/sub")), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("nothing was ingested from this path"));
}

// `hart embed-atoms --embedder image` and `hart search --like-atom` on real pictures,
// with a broken picture and an unreadable one beside them.
TEST_F(CliIngestTest, PicturesAreEmbeddedByTheirFeaturesAndFoundLikeAnAtom) {
  HART_REQUIRE_SHARED(images, "images-captioned");
  std::filesystem::create_directories(dir.file("pics"));
  for (const char* f : {"astronaut.png", "rocket.jpg", "coffee.png"})
    std::filesystem::copy_file(images + "/" + f, dir.file(std::string("pics/") + f));
  std::string png;
  ASSERT_EQ(run_command("head -c 3000 " + images + "/horse.png", &png), 0);
  write_file(dir.file("pics/cut.png"), png);  // truncated: a binary atom with the error, never a picture
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("pics")), 2) << out;  // the cut file is listed as failed
  ASSERT_EQ(hart("sql " + db + " \"UPDATE atoms SET metadata = json_remove(metadata, '$.features') WHERE id = "
                 "(SELECT atom_id FROM sources WHERE path LIKE '%/coffee.png')\""), 0) << out;
  ASSERT_EQ(hart("embed-atoms " + db + " --embedder image --quiet"), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("atom_vectors_image: embedded 2 atoms (0 held before) with 'image'"));
  EXPECT_THAT(out, ::testing::HasSubstr("1 atom not embedded:"));
  EXPECT_THAT(out, ::testing::HasSubstr("coffee.png: no image_v1 features in its metadata"));
  ASSERT_EQ(hart("sql " + db + " \"SELECT atom_id FROM sources WHERE path LIKE '%/astronaut.png'\" --csv"), 0);
  const std::string astronaut = out.substr(out.find('\n') + 1, out.size() - out.find('\n') - 2);
  ASSERT_EQ(hart("search " + db + " --like-atom " + astronaut + " --embedder image -k 5 --csv"), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("rocket.jpg"));
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("astronaut.png")));  // the query itself is left out
  EXPECT_NE(hart("search " + db + " \"an astronaut\" --embedder image"), 0);
  EXPECT_THAT(out, ::testing::HasSubstr("--like-atom"));
  ASSERT_EQ(hart("search " + db + " --like-file " + dir.file("pics/astronaut.png") + " --embedder image -k 5 --csv"), 0)
      << out;
  EXPECT_THAT(out, ::testing::HasSubstr("rocket.jpg"));
  EXPECT_NE(hart("search " + db + " --like-file " + dir.file("c.db") + " --embedder image"), 0);
  EXPECT_THAT(out, ::testing::HasSubstr("was not ingested into this database"));
  EXPECT_NE(hart("search " + db + " --embedder image"), 0);
  EXPECT_THAT(out, ::testing::HasSubstr("give one query: QUERY (words), --like-atom ID or --like-file PATH"));
}

}  // namespace
}  // namespace hart::test
