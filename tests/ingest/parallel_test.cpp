// Parallel ingest (scratch_ingest.h): workers extract into scratch databases and one
// thread merges them. Whatever the thread count, the database must come out the same
// as a serial run's, atom ids and counters included.
#include <leptonica/allheaders.h>

#include <cmath>
#include <map>
#include <sstream>

#include "audio_fixture.h"
#include "ingest/run/scratch_ingest.h"
#include "ingest_fixture.h"
#include "test_pictures.h"
#include "store/atoms.h"

namespace hart::test {
namespace {

// A w x h RGB PNG whose pixels follow from `seed`: smooth gradients with a few blocks
// that repeat, so patches are shared within and between pictures.
std::string picture_png(int w, int h, int seed) {
  Pix* p = pixCreate(w, h, 32);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      bool block = (x / 64 + y / 64) % 3 == 0;
      l_int32 r = block ? 200 : (x * 255 / w + seed * 40) % 256, g = block ? 30 : (y * 255 / h) % 256,
              b = block ? 90 : (x + y + seed) % 256;
      pixSetRGBPixel(p, x, y, r, g, b);
    }
  std::string bytes = encode(p, IFF_PNG);
  pixDestroy(&p);
  return bytes;
}

std::string sentences(int seed, int n) {
  static const char* kWords[] = {"atoms", "share", "bytes", "when", "their", "content", "is", "equal", "and",
                                 "every", "passage", "counts", "how", "often", "it", "appears", "in", "files"};
  std::ostringstream s;
  for (int i = 0; i < n; ++i) {
    s << "Sentence " << (seed * 1000 + i) << ":";
    for (int w = 0; w < 9; ++w) s << ' ' << kWords[(seed * 7 + i * 3 + w * 5) % 18];
    s << ". ";
    if (i % 6 == 5) s << "\n\n";
  }
  return s.str();
}

class ParallelIngestTest : public IngestTest {
 protected:
  // A folder of mixed content with duplicates inside and across files and archives.
  void write_corpus() {
    std::filesystem::create_directories(path("corpus/docs"));
    std::filesystem::create_directories(path("corpus/media"));
    std::string shared = sentences(99, 40);  // the same passages in several documents
    for (int i = 0; i < 12; ++i)
      write("corpus/docs/doc" + std::to_string(i) + ".txt", sentences(i, 30 + i) + (i % 3 == 0 ? shared : ""));
    write("corpus/docs/copy-of-doc4.txt", sentences(4, 34));
    write("corpus/docs/page.html", "<html><head><title>T</title></head><body><p>" + shared + "</p></body></html>");
    write("corpus/docs/empty.txt", "");
    write("corpus/docs/latin1.txt", "caf\xe9 cr\xe8me br\xfbl\xe9" "e, na\xefve fa\xe7" "ade. " + sentences(3, 5));
    for (int i = 0; i < 4; ++i) write("corpus/media/pic" + std::to_string(i) + ".png", picture_png(300 + 40 * i, 200, i));
    write("corpus/media/pic-again.png", picture_png(300, 200, 0));
    write("corpus/media/broken.png", picture_png(300, 200, 7).substr(0, 500));
    write_audio(path("corpus/media/tones.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, tone(440, 3.5, 16000, 1));
    write_audio(path("corpus/media/silence.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 2, tone(0, 2.2, 8000, 2));
    write_archive(path("corpus/bundle.zip"), "zip", "none",
                  {{"a/doc1.txt", sentences(1, 31)}, {"b/pic.png", picture_png(340, 200, 1)}, {"c/new.txt", sentences(50, 9)}});
    write_archive(path("corpus/bundle.tar.gz"), "gnutar", "gzip", {{"same.txt", sentences(2, 32)}, {"x.bin", "\x01\x02\x03"}});
  }

  // Everything that defines the stored content, ids included, one line per row.
  std::string dump(Database& d) {
    std::string out;
    for (const char* sql :
         {"SELECT id, hex(sha256), modality, subtype, mime, size, refcount, text, metadata, error FROM atoms ORDER BY id",
          "SELECT atom_id, ordinal, hex(c.sha256) FROM atom_chunks JOIN chunks c ON c.id = chunk_id ORDER BY 1, 2",
          "SELECT parent_id, child_id, relation, ordinal, label, weight FROM atom_relations ORDER BY 1, 3, 4",
          "SELECT path, size, atom_id, error FROM sources ORDER BY path",
          "SELECT * FROM dedup_stats ORDER BY modality", "SELECT count(*), sum(refcount) FROM chunks"}) {
      Stmt s = d.prepare(sql);
      int cols = sqlite3_column_count(s.raw());
      while (s.step()) {
        for (int c = 0; c < cols; ++c) out += (s.is_null(c) ? "<null>" : s.text(c)) + "|";
        out += "\n";
      }
    }
    return out;
  }

  static std::string counters(const ContentRunReport& r) {
    return std::to_string(r.dedup.atoms_new) + " new, " + std::to_string(r.dedup.atoms_reused) + " reused, " +
           std::to_string(r.dedup.bytes_stored) + " stored, " + std::to_string(r.dedup.bytes_saved) + " saved, " +
           std::to_string(r.files_ingested) + " files, " + std::to_string(r.failures.size()) + " failures, " +
           std::to_string(r.warnings.size()) + " warnings";
  }
};

TEST_F(ParallelIngestTest, AnyThreadCountGivesTheSerialRunsDatabase) {
  write_corpus();
  options.threads = 1;
  ContentRunReport serial = ingest({path("corpus")});
  ASSERT_GT(serial.files_ingested, 20u);
  ASSERT_EQ(serial.failures.size(), 1u) << all_errors(serial.failures);  // broken.png (empty.txt is no failure)
  std::string expected = dump(*db);
  for (unsigned threads : {2u, 3u, 8u}) {
    Database other(path("t" + std::to_string(threads) + ".db"), Database::Mode::kCreate);
    ContentRunOptions o = options;
    o.threads = threads;
    ContentRunReport r = ingest_paths(other, {path("corpus")}, o);
    EXPECT_EQ(counters(r), counters(serial)) << threads << " threads";
    EXPECT_EQ(all_errors(r.failures), all_errors(serial.failures)) << threads << " threads";
    EXPECT_EQ(dump(other), expected) << threads << " threads";
  }
}

TEST_F(ParallelIngestTest, KnownContentIsNotExtractedAgainAndChangesAreMerged) {
  write_corpus();
  options.threads = 3;
  ingest({path("corpus")});
  // A second folder repeating known content: the workers find it in the database.
  std::filesystem::create_directories(path("more"));
  std::filesystem::copy_file(path("corpus/media/pic1.png"), path("more/pic1-copy.png"));
  write("more/doc1-copy.txt", sentences(1, 31));
  write("more/fresh.txt", sentences(77, 12));
  int64_t atoms_before = scalar("SELECT count(*) FROM atoms");
  ContentRunReport r = ingest({path("more")});
  EXPECT_EQ(r.files_ingested, 3u);
  EXPECT_EQ(r.dedup.atoms_reused, 2u) << counters(r);  // the two copies; fresh.txt is new
  EXPECT_GT(scalar("SELECT count(*) FROM atoms"), atoms_before);
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE subtype = 'stand-in'"), 0);
  EXPECT_EQ(scalar("SELECT refcount FROM atoms a JOIN sources s ON s.atom_id = a.id WHERE s.path = '" +
                   path("more/pic1-copy.png") + "'"),
            3);  // pic1.png, the zip's b/pic.png and the copy
  // Changing a document releases what only it used, in the merge's transaction.
  write("corpus/docs/doc5.txt", sentences(555, 8));
  ContentRunReport changed = ingest({path("corpus")});
  EXPECT_EQ(changed.files_ingested, 1u);
  EXPECT_GT(changed.atoms_freed, 0u);
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE refcount = 0"), 0);
}

// A worker took an atom as known, and it was removed before the merge: the merge
// says so and nothing of the file is kept (the run then extracts it again itself).
TEST_F(ParallelIngestTest, AStandInRemovedBeforeTheMergeIsRefused) {
  std::filesystem::create_directories(path("first"));
  std::filesystem::create_directories(path("second"));
  std::string picture = picture_png(200, 150, 3);
  write("first/a.png", picture);
  write("second/a-copy.png", picture);
  ingest({path("first")});
  ScratchExtractor extractor(db->path(), options.content);
  ScratchFile f = extractor.extract({path("second/a-copy.png"), picture.size(), 0});
  ASSERT_TRUE(f.error.empty()) << f.error;
  ASSERT_FALSE(f.store_here);  // pictures are extracted by workers
  ASSERT_EQ(f.stand_ins.size(), 1u);
  ASSERT_EQ(f.stand_ins.count(f.root), 1u);  // the whole file is known: nothing was extracted
  remove_source(*db, path("first"));
  AtomStore store(*db);
  Transaction tx(*db);
  EXPECT_THROW(merge_scratch(f, store), StandInGone);
}

}  // namespace
}  // namespace hart::test
