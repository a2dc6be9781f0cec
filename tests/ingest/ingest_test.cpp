// Files and folders become deduplicated atoms: text, passages, re-ingestion,
// removal of sources, the SQL functions over atoms.
#include "ingest_fixture.h"
#include "store/atoms.h"
#include "util/sha256.h"

namespace hart::test {
namespace {

const std::string kShared = "The same paragraph appears in both documents, word for word.";

TEST_F(IngestTest, IdenticalPassagesInTwoDocumentsAreOneAtomUsedTwice) {
  write("a.txt", "Document A begins here.\n\n" + kShared + "\n");
  write("b.txt", "Document B is different.\n\n" + kShared + "\n");
  options.content.passages = {40, 0};
  ContentRunReport r = ingest({path("a.txt"), path("b.txt")});
  EXPECT_EQ(r.files_ingested, 2u) << all_errors(r.failures);
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  // Passages are split at sentences; the shared one is cut at spaces (longer than 40).
  int64_t shared_uses = scalar("SELECT refcount FROM atoms WHERE text = 'The same paragraph appears in both'");
  EXPECT_EQ(shared_uses, 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE subtype = 'passage'"), 1 + 1 + 2);  // A's, B's, the shared two
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations WHERE relation = 'passage'"), 6);
  EXPECT_EQ(text("SELECT group_concat(ordinal) FROM atom_relations r JOIN sources s ON s.atom_id = r.parent_id"
                 " WHERE s.path LIKE '%a.txt' ORDER BY ordinal"), "0,1,2");
  EXPECT_GT(r.dedup.bytes_saved, 0u);
  EXPECT_EQ(r.dedup.atoms_reused, 2u);  // the two shared passages, second time
}

TEST_F(IngestTest, TheSameContentUnderAnotherPathReusesItsAtom) {
  std::string body = "Copy me. I am the same in both places.";
  std::filesystem::create_directories(path("x"));
  std::filesystem::create_directories(path("y"));
  write("x/one.txt", body);
  write("y/two.md", body);
  ContentRunReport r = ingest({path("x"), path("y")});
  EXPECT_EQ(r.files_ingested, 2u);
  EXPECT_EQ(scalar("SELECT count(*) FROM sources"), 2);
  EXPECT_EQ(scalar("SELECT count(DISTINCT atom_id) FROM sources"), 1);
  EXPECT_EQ(scalar("SELECT refcount FROM atoms a JOIN sources s ON s.atom_id = a.id LIMIT 1"), 2);
  EXPECT_EQ(scalar("SELECT bytes_saved FROM dedup_stats WHERE modality = 'text'"), static_cast<int64_t>(body.size()));
  EXPECT_EQ(scalar("SELECT unique_atoms FROM dedup_stats WHERE modality = 'text'"), 1);
}

TEST_F(IngestTest, AnUnchangedFolderIsSkippedAndAChangedFileReplacesItsAtom) {
  std::filesystem::create_directories(path("docs"));
  write("docs/keep.txt", "This file stays the same.");
  write("docs/edit.txt", "First version of the text.");
  ContentRunReport first = ingest({path("docs")});
  EXPECT_EQ(first.files_ingested, 2u);
  ContentRunReport again = ingest({path("docs")});
  EXPECT_EQ(again.files_unchanged, 2u);
  EXPECT_EQ(again.files_ingested, 0u);
  EXPECT_EQ(again.bytes_read, 0u);  // skipped by (path, size, mtime) without reading
  EXPECT_EQ(again.dedup.atoms_new, 0u);

  write("docs/edit.txt", "Second version, longer than the first one was.");
  ContentRunReport third = ingest({path("docs")});
  EXPECT_EQ(third.files_ingested, 1u);
  EXPECT_EQ(third.files_unchanged, 1u);
  EXPECT_EQ(third.atoms_freed, 1u);  // the first version, used by nothing now
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE refcount = 0"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE subtype = 'file'"), 2);
}

TEST_F(IngestTest, Utf16AndLatin1TextIsDecodedWithItsEncodingRecorded) {
  std::string utf16("\xFF\xFE", 2);
  for (char c : std::string("Hello from UTF-16.")) utf16 += std::string{c, '\0'};
  write("utf16.txt", utf16);
  write("latin1.txt", "Voil\xE0 un fichier \xE9""crit en Latin-1, tr\xE8s simple, d\xE9j\xE0 lu et relu par tout le monde.");
  ContentRunReport r = ingest({path("utf16.txt"), path("latin1.txt")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_EQ(text("SELECT atom_text(atom_id) FROM sources WHERE path LIKE '%utf16.txt'"), "Hello from UTF-16.");
  EXPECT_EQ(text("SELECT json_extract(metadata, '$.encoding') FROM atoms a JOIN sources s ON s.atom_id = a.id"
                 " WHERE s.path LIKE '%utf16.txt'"), "UTF-16LE");
  std::string latin = text("SELECT atom_text(atom_id) FROM sources WHERE path LIKE '%latin1.txt'");
  EXPECT_NE(latin.find("Voil\xC3\xA0 un fichier \xC3\xA9" "crit"), std::string::npos) << latin;
  // A UTF-8 file's text is its payload, not stored a second time.
  write("plain.txt", "Plain UTF-8 caf\xC3\xA9.");
  ingest({path("plain.txt")});
  EXPECT_EQ(text("SELECT coalesce(a.text, 'payload') FROM atoms a JOIN sources s ON s.atom_id = a.id"
                 " WHERE s.path LIKE '%plain.txt'"), "payload");
  EXPECT_EQ(text("SELECT atom_text(atom_id) FROM sources WHERE path LIKE '%plain.txt'"), "Plain UTF-8 caf\xC3\xA9.");
}

TEST_F(IngestTest, InvalidBytesAreReportedOnTheAtom) {
  write("odd.txt", std::string("\xFF\xFE" "a\0b\0c", 7));
  ContentRunReport r = ingest({path("odd.txt")});
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].error.find("1 byte(s) invalid in UTF-16LE (first at offset 6)"), std::string::npos);
  EXPECT_EQ(scalar("SELECT json_extract(metadata, '$.invalid_bytes') FROM atoms WHERE subtype = 'file'"), 1);
  EXPECT_EQ(text("SELECT modality FROM atoms WHERE subtype = 'file'"), "text");
}

TEST_F(IngestTest, LargePayloadsAreChunkedAndReassembledExactly) {
  std::string bytes(200000, '\0');
  uint32_t x = 12345;
  for (char& c : bytes) c = static_cast<char>((x = x * 1664525u + 1013904223u) >> 24);
  write("blob.bin", bytes);
  ContentRunReport r = ingest({path("blob.bin")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_EQ(text("SELECT modality FROM atoms"), "binary");
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_chunks"), 4);  // 3 x 64 KiB + the rest
  Stmt s = db->prepare("SELECT atom_payload(atom_id), (SELECT sha256 FROM atoms) FROM sources");
  ASSERT_TRUE(s.step());
  ASSERT_EQ(s.bytes(0), bytes.size());
  EXPECT_EQ(std::string(static_cast<const char*>(s.blob(0)), s.bytes(0)), bytes);
  Sha256Digest d = sha256(bytes.data(), bytes.size());
  EXPECT_EQ(std::string(static_cast<const char*>(s.blob(1)), 32), std::string(d.begin(), d.end()));
  EXPECT_EQ(r.dedup.bytes_stored, bytes.size());
}

TEST_F(IngestTest, RemovingASourceFreesWhatNothingElseUses) {
  write("a.txt", "Only in A. " + kShared);
  write("b.txt", "Only in B. " + kShared);
  options.content.passages = {70, 0};
  ingest({path("a.txt"), path("b.txt")});
  int64_t chunks_before = scalar("SELECT count(*) FROM chunks");
  SourceRemoval rm = remove_source(*db, path("a.txt"));
  EXPECT_EQ(rm.sources, 1);
  EXPECT_EQ(rm.atoms_freed, 2);  // a.txt and its "Only in A." passage; the shared passage stays
  EXPECT_EQ(scalar("SELECT refcount FROM atoms WHERE text = '" + kShared + "'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM chunks"), chunks_before - 1);
  EXPECT_GT(rm.bytes_freed, 0);
  remove_source(*db, dir.path());  // a folder: everything below it
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM chunks"), 0);
  EXPECT_THROW(remove_source(*db, path("a.txt")), UsageError);
}

TEST_F(IngestTest, SqlSeesChildrenPartsAndWholes) {
  write_archive(path("inner.tar.gz"), "gnutar", "gzip", {{"deep.txt", "Deep inside. Two archives down."}});
  write_archive(path("outer.zip"), "zip", "none",
                {{"readme.txt", "Hello from the zip."}, {"inner.tar.gz", read_file(path("inner.tar.gz"))}});
  options.content.passages = {20, 0};
  ContentRunReport r = ingest({path("outer.zip")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t zip = scalar("SELECT atom_id FROM sources");
  EXPECT_EQ(text("SELECT modality || ' ' || mime FROM atoms WHERE id = " + std::to_string(zip)), "archive application/zip");
  EXPECT_EQ(text("SELECT group_concat(label, ',') FROM atom_children(" + std::to_string(zip) + ")"),
            "readme.txt,inner.tar.gz");
  // outer.zip > inner.tar.gz > deep.txt > its two passages.
  int64_t deep = scalar("SELECT atom_id FROM atom_parts(" + std::to_string(zip) + ") WHERE label = 'deep.txt'");
  EXPECT_EQ(scalar("SELECT depth FROM atom_parts(" + std::to_string(zip) + ") WHERE label = 'deep.txt'"), 2);
  EXPECT_EQ(text("SELECT atom_payload(" + std::to_string(deep) + ")"), "Deep inside. Two archives down.");
  EXPECT_EQ(scalar("SELECT max(depth) FROM atom_wholes(" + std::to_string(deep) + ")"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_wholes(" + std::to_string(deep) + ") WHERE atom_id = " +
                   std::to_string(zip)), 1);
  EXPECT_EQ(text("SELECT group_concat(atom_text(atom_id), '|') FROM atom_children(" + std::to_string(deep) + ")"),
            "Deep inside.|Two archives down.");
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_children"), 0);  // no root given: no rows
}

}  // namespace
}  // namespace hart::test
