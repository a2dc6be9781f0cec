// Bad input never stops a run: broken archives, empty files, wrong extensions, zip
// bombs, files that vanish or cannot be read. The payload is kept as a binary atom
// with the error, and the summary lists the failure.
#include <unistd.h>

#include "ingest/run/ingest_run.h"
#include "ingest_fixture.h"
#include "support/model_builder.h"

namespace hart::test {
namespace {

TEST_F(IngestTest, ACorruptZipIsABinaryAtomWithTheErrorAndTheRunGoesOn) {
  write_archive(path("good.zip"), "zip", "none", {{"a.txt", "Alpha text in a zip member."}});
  std::string broken = read_file(path("good.zip"));
  broken.resize(broken.size() / 2);  // cut through the member data and the central directory
  write("broken.zip", broken);
  write("after.txt", "This file comes after the broken zip.");
  ContentRunReport r = ingest({path("broken.zip"), path("after.txt")});
  EXPECT_EQ(r.files_ingested, 2u);
  ASSERT_EQ(r.failures.size(), 1u) << all_errors(r.failures);
  EXPECT_NE(r.failures[0].where.find("broken.zip"), std::string::npos);
  EXPECT_EQ(text("SELECT modality FROM atoms a JOIN sources s ON s.atom_id = a.id WHERE s.path LIKE '%broken.zip'"),
            "binary");
  EXPECT_NE(text("SELECT a.error FROM atoms a JOIN sources s ON s.atom_id = a.id WHERE s.path LIKE '%broken.zip'"),
            "<null>");
  // The failed extraction left no members behind.
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations WHERE relation = 'member'"), 0);
  EXPECT_EQ(text("SELECT atom_payload(atom_id) FROM sources WHERE path LIKE '%broken.zip'"), broken);
}

TEST_F(IngestTest, EmptyFilesAndWrongExtensionsAreJudgedByContent) {
  write("empty.txt", "");
  write("really_text.png", "No picture here, just words in a file with the wrong name.");
  write_archive(path("really_zip.txt"), "zip", "none", {{"m.txt", "Member of a zip named .txt."}});
  ContentRunReport r = ingest({path("empty.txt"), path("really_text.png"), path("really_zip.txt")});
  auto kind = [&](const std::string& name) {
    return text("SELECT modality || ' ' || mime FROM atoms a JOIN sources s ON s.atom_id = a.id WHERE s.path LIKE '%" +
                name + "'");
  };
  EXPECT_EQ(kind("empty.txt"), "binary application/x-empty");
  EXPECT_EQ(kind("really_text.png"), "text text/plain");
  EXPECT_EQ(kind("really_zip.txt"), "archive application/zip");
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_EQ(r.files_ingested, 3u);
  EXPECT_EQ(text("SELECT ifnull(error, 'none') || ' ' || size FROM atoms WHERE mime = 'application/x-empty'"), "none 0");
  // A second empty file is the same atom, and no failure either.
  write("empty2.dat", "");
  ContentRunReport second = ingest({path("empty2.dat")});
  EXPECT_TRUE(second.failures.empty()) << all_errors(second.failures);
  EXPECT_EQ(second.dedup.atoms_reused, 1u);
}

TEST_F(IngestTest, AZipBombStopsAtTheExpansionLimitWithAClearError) {
  write_archive(path("bomb.zip"), "zip", "none", {{"zeros.bin", std::string(4 << 20, '\0')}});
  ASSERT_LT(std::filesystem::file_size(path("bomb.zip")), 64u << 10);  // 4 MiB of zeros packs small
  options.content.limits.max_expansion_bytes = 1 << 20;
  ContentRunReport r = ingest({path("bomb.zip")});
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].error.find("zip bomb"), std::string::npos) << r.failures[0].error;
  EXPECT_NE(r.failures[0].error.find("expansion limit"), std::string::npos) << r.failures[0].error;
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms"), 1);  // the zip itself, as binary
  EXPECT_EQ(text("SELECT modality FROM atoms"), "binary");

  // Archives inside archives stop at the depth limit, with the member named.
  write_archive(path("inner.zip"), "zip", "none", {{"z.txt", "Innermost text."}});
  write_archive(path("nest.zip"), "zip", "none", {{"inner.zip", read_file(path("inner.zip"))}});
  options.content.limits.max_archive_depth = 1;
  ContentRunReport nested = ingest({path("nest.zip")});
  ASSERT_EQ(nested.failures.size(), 1u) << all_errors(nested.failures);
  EXPECT_NE(nested.failures[0].error.find("nested more than 1 deep"), std::string::npos);
  EXPECT_EQ(nested.failures[0].where, path("nest.zip") + "!inner.zip");
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations WHERE label = 'inner.zip'"), 1);  // kept, as binary
}

TEST_F(IngestTest, AFileThatVanishesAfterTheWalkIsAFailureAndOthersAreStored) {
  write("stays.txt", "I am still here.");
  write("goes.txt", "I will be gone before I am read.");
  WalkResult walk = walk_paths({dir.path()}, {dir.file("t.db"), dir.file("t.db-wal"), dir.file("t.db-shm")});
  ASSERT_EQ(walk.files.size(), 2u);
  std::filesystem::remove(path("goes.txt"));
  ContentRunReport r = ingest_walk(*db, walk, options);
  EXPECT_EQ(r.files_ingested, 1u);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].error.find("No such file or directory"), std::string::npos) << r.failures[0].error;
  EXPECT_EQ(scalar("SELECT count(*) FROM sources"), 1);  // nothing recorded for a file that is gone
}

TEST_F(IngestTest, AFileReplacedByAFolderAfterTheWalkKeepsASourceRowWithTheError) {
  write("turns.txt", "I will become a folder.");
  WalkResult walk = walk_paths({path("turns.txt")}, {});
  std::filesystem::remove(path("turns.txt"));
  std::filesystem::create_directory(path("turns.txt"));
  ContentRunReport r = ingest_walk(*db, walk, options);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].error.find("not a regular file"), std::string::npos) << r.failures[0].error;
  EXPECT_EQ(text("SELECT error FROM sources"), path("turns.txt") + ": not a regular file");
  EXPECT_EQ(scalar("SELECT atom_id FROM sources"), -1);
  // The next run tries again rather than trusting the failed row.
  std::filesystem::remove(path("turns.txt"));
  write("turns.txt", "A file again.");
  ContentRunReport again = ingest({path("turns.txt")});
  EXPECT_EQ(again.files_ingested, 1u);
  EXPECT_EQ(text("SELECT coalesce(error, 'none') FROM sources"), "none");
}

TEST_F(IngestTest, AnUnreadableFileKeepsASourceRowWithTheError) {
  if (geteuid() == 0) GTEST_SKIP() << "SKIPPED: running as root, which reads any file regardless of permissions";
  write("secret.txt", "No one may read me.");
  std::filesystem::permissions(path("secret.txt"), std::filesystem::perms::none);
  ContentRunReport r = ingest({path("secret.txt")});
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].error.find("Permission denied"), std::string::npos);
  EXPECT_NE(text("SELECT error FROM sources"), "<null>");
  EXPECT_EQ(scalar("SELECT atom_id FROM sources"), -1);
}

TEST_F(IngestTest, AModelFileBecomesAModelAndATensorAtom) {
  BuiltModel m;
  m.add("token_embd.weight", {16, 8}, DType::F32, 1);
  m.write_gguf(path("tiny.gguf"));
  std::filesystem::copy_file(path("tiny.gguf"), path("tiny-copy.bin"));
  write("notes.txt", "A note next to the model.");
  ContentRunReport r = ingest({path("tiny.gguf"), path("tiny-copy.bin"), path("notes.txt")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  ASSERT_EQ(r.models.size(), 2u);
  EXPECT_FALSE(r.models[0].already_present);
  EXPECT_TRUE(r.models[1].already_present);  // same bytes under another name and extension
  EXPECT_EQ(scalar("SELECT count(*) FROM models"), 1);
  EXPECT_EQ(text("SELECT modality || ' ' || subtype || ' ' || mime FROM atoms WHERE model_id IS NOT NULL"),
            "tensor model application/x-gguf");
  EXPECT_EQ(scalar("SELECT refcount FROM atoms WHERE modality = 'tensor'"), 2);
  EXPECT_EQ(text("SELECT hex(sha256) FROM atoms WHERE modality = 'tensor'"),
            text("SELECT upper(source_sha256) FROM models"));
  // Removing the model leaves the atom saying so; ingesting again restores the link.
  db->exec("DELETE FROM models");
  EXPECT_NE(text("SELECT error FROM atoms WHERE modality = 'tensor'"), "<null>");
  ContentRunReport again = ingest({path("tiny.gguf")});
  EXPECT_EQ(again.files_ingested, 1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE modality = 'tensor' AND model_id IS NOT NULL AND error IS NULL"), 1);
}

TEST_F(IngestTest, ATruncatedModelFileIsStoredAsBinaryWithTheParseError) {
  BuiltModel m;
  m.add("token_embd.weight", {64, 64}, DType::F32, 1);
  m.write_gguf(path("whole.gguf"));
  std::string bytes = read_file(path("whole.gguf"));
  write("cut.gguf", bytes.substr(0, bytes.size() / 2));
  ContentRunReport r = ingest({path("cut.gguf")});
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].error.find("stored as a binary atom"), std::string::npos) << r.failures[0].error;
  EXPECT_EQ(scalar("SELECT count(*) FROM models"), 0);
  EXPECT_EQ(text("SELECT modality FROM atoms"), "binary");
  EXPECT_NE(text("SELECT error FROM atoms"), "<null>");
}

}  // namespace
}  // namespace hart::test
