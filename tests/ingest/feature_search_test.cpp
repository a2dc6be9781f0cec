// The "image" and "audio" atom embedders end to end on real files: ingest stores the
// features, embed_atoms fills atom_vectors_image / atom_vectors_audio, and a search
// like an atom finds its copies. Copies are made here: pictures resized, re-encoded as
// JPEG and cropped; recordings as stereo, resampled, at another gain and cut in
// halves. The recall figures these tests print are the ones in bench/README.md,
// "Image and audio similarity".
#include <leptonica/allheaders.h>
#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "audio_fixture.h"
#include "engine/atom_embedder.h"
#include "engine/atom_search.h"
#include "engine/atom_vectors.h"
#include "ingest_fixture.h"
#include "test_pictures.h"

namespace hart::test {
namespace {

namespace fs = std::filesystem;

class FeatureSearchTest : public IngestTest {
 protected:
  void SetUp() override {
    IngestTest::SetUp();
    options.content.image.ocr = false;           // features, not text
    options.content.audio.transcribe = false;
    fs::create_directories(path("orig"));
    fs::create_directories(path("copies"));
  }
  int64_t atom_of(const std::string& rel) {
    return scalar("SELECT atom_id FROM sources WHERE path = '" + fs::weakly_canonical(path(rel)).string() + "'");
  }
  std::string source_of(int64_t atom) {
    return text("SELECT path FROM sources WHERE atom_id = " + std::to_string(atom) + " ORDER BY path LIMIT 1");
  }
  // The atoms most like `atom` as `embedder` sees them, within `where`.
  std::vector<AtomHit> like(int64_t atom, const std::string& embedder, const std::string& where, size_t k) {
    AtomSearchRequest r;
    r.like_atom = atom;
    r.embedder = embedder;
    r.mode = "exact";
    r.where = where;
    r.k = k;
    return search_atoms(db->handle(), r);
  }
  // Rank (1-based; 0 = not in the first k) of the atom ingested from `want` among the
  // atoms like `query` whose source is in folder `within`.
  size_t rank_of(const std::string& query, const std::string& want, const std::string& embedder,
                 const std::string& within, size_t k = 5) {
    const std::vector<AtomHit> hits =
        like(atom_of(query), embedder, "source_path LIKE '" + fs::weakly_canonical(path(within)).string() + "/%'", k);
    const int64_t target = atom_of(want);
    for (const AtomHit& h : hits)
      if (h.atom_id == target) return h.rank;
    return 0;
  }
};

// ---- pictures -------------------------------------------------------------------

void write_pix(Pix* pix, const std::string& file, int format) {
  ASSERT_EQ(pixWrite(file.c_str(), pix, format), 0) << file;
}

TEST_F(FeatureSearchTest, ImageEmbedderFindsResizedReencodedAndCroppedCopies) {
  HART_REQUIRE_SHARED(images, "images-captioned");
  const char* kCopies[] = {"half", "jpeg", "crop"};
  std::vector<std::string> stems;
  for (const auto& e : fs::directory_iterator(images)) {
    const std::string ext = e.path().extension().string();
    if (ext != ".png" && ext != ".jpg") continue;
    const std::string stem = e.path().stem().string();
    stems.push_back(stem);
    fs::copy_file(e.path(), path("orig/" + stem + ext));
    PixPtr raw(pixRead(e.path().c_str()));
    ASSERT_TRUE(raw) << e.path();
    PixPtr pix(pixRemoveColormap(raw.get(), REMOVE_CMAP_BASED_ON_SRC));
    if (pixGetDepth(pix.get()) < 8) pix.reset(pixConvertTo8(pix.get(), 0));
    PixPtr half(pixScale(pix.get(), 0.5f, 0.5f));
    write_pix(half.get(), path("copies/" + stem + "-half.png"), IFF_PNG);
    PixPtr rgb(pixGetDepth(pix.get()) == 32 ? pixClone(pix.get()) : pixConvertTo32(pix.get()));
    pixSetSpp(rgb.get(), 3);
    ASSERT_EQ(pixWriteJpeg(path("copies/" + stem + "-jpeg.jpg").c_str(), rgb.get(), 60, 0), 0);
    const int w = pixGetWidth(pix.get()), h = pixGetHeight(pix.get());
    Box* box = boxCreate(w / 16, h / 16, w - w / 8, h - h / 8);  // 87.5 % of each side, centred
    PixPtr crop(pixClipRectangle(pix.get(), box, nullptr));
    boxDestroy(&box);
    write_pix(crop.get(), path("copies/" + stem + "-crop.png"), IFF_PNG);
  }
  ASSERT_GE(stems.size(), 8u);
  // Broken and unreadable pictures beside them: never embedded, never a crash.
  std::string png = encode(draw_picture(200, 120, 32).get(), IFF_PNG);
  write("copies/truncated.png", png.substr(0, png.size() / 2));
  const ContentRunReport ingested = ingest({path("orig"), path("copies")});
  EXPECT_EQ(ingested.files, stems.size() * 4 + 1);

  EmbedAtomsOptions embed;
  embed.embedder = "image";
  const EmbedAtomsReport r = embed_atoms(*db, embed);
  EXPECT_EQ(r.collection, "atom_vectors_image");
  EXPECT_EQ(r.embedded, stems.size() * 4) << "the originals and their copies, no thumbnail or patch";
  EXPECT_EQ(r.failed, 0u);
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_vectors_image_rows"), static_cast<int64_t>(stems.size() * 4));
  EXPECT_EQ(embed_atoms(*db, embed).embedded, 0u);  // incremental

  // Each copy against the originals: recall@1 and @5 of its own original.
  std::map<std::string, std::pair<size_t, size_t>> recall;  // copy kind -> hits at 1, at 5
  for (const std::string& stem : stems) {
    const std::string original =
        fs::exists(path("orig/" + stem + ".png")) ? "orig/" + stem + ".png" : "orig/" + stem + ".jpg";
    for (const char* kind : kCopies) {
      const std::string copy = "copies/" + stem + "-" + kind + (std::string(kind) == "jpeg" ? ".jpg" : ".png");
      const size_t rank = rank_of(copy, original, "image", "orig");
      recall[kind].first += rank == 1;
      recall[kind].second += rank >= 1;
      EXPECT_NE(rank, 0u) << copy << " does not find " << original << " among the first 5";
    }
    // Among everything, an original's nearest atom is one of its own copies.
    const std::vector<AtomHit> near = like(atom_of(original), "image", "", 1);
    ASSERT_EQ(near.size(), 1u);
    EXPECT_NE(source_of(near[0].atom_id).find("/copies/" + stem + "-"), std::string::npos)
        << original << " is nearest to " << source_of(near[0].atom_id);
  }
  for (const auto& [kind, hits] : recall) {
    std::printf("image copies '%s': recall@1 %zu/%zu, recall@5 %zu/%zu among %zu originals\n", kind.c_str(),
                hits.first, stems.size(), hits.second, stems.size(), stems.size());
    EXPECT_GE(hits.first + 1, stems.size()) << kind << ": at most one miss at rank 1";
  }
  EXPECT_EQ(recall["half"].first, stems.size());
  EXPECT_EQ(recall["jpeg"].first, stems.size());

  // From SQL: atom_features() is the query; a picture's vector is NULL for 'audio'.
  const int64_t astronaut = atom_of("orig/astronaut.png");
  EXPECT_EQ(scalar("SELECT length(atom_features(" + std::to_string(astronaut) + ", 'image'))"),
            static_cast<int64_t>(4 * 180));
  EXPECT_EQ(scalar("SELECT atom_features(" + std::to_string(astronaut) + ", 'audio') IS NULL"), 1);
  EXPECT_EQ(scalar("SELECT s.atom_id FROM search(atom_features(" + std::to_string(astronaut) +
                   ", 'image'), 2, 'exact', 'image') s WHERE s.rank = 2"),
            like(astronaut, "image", "", 1)[0].atom_id);
  // Words are not a query for pictures' features: the error says what is.
  AtomSearchRequest words;
  words.text = "an astronaut";
  words.embedder = "image";
  try {
    search_atoms(db->handle(), words);
    ADD_FAILURE() << "a word query to the image embedder";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("--like-atom"));
  }
}

TEST_F(FeatureSearchTest, PicturesWithoutFeaturesAreCountedAndNamed) {
  write("a.png", encode(draw_picture(200, 120, 32).get(), IFF_PNG));
  write("b.png", encode(draw_picture(180, 100, 8).get(), IFF_PNG));
  ingest({path("a.png"), path("b.png")});
  // As a database ingested before features existed holds it, and a format not decoded.
  db->exec("UPDATE atoms SET metadata = json_remove(metadata, '$.features') WHERE id = " +
           std::to_string(atom_of("b.png")));
  db->exec("INSERT INTO atoms(sha256, modality, subtype, mime, size, metadata) VALUES (randomblob(32), 'image', "
           "'file', 'image/vnd.adobe.photoshop', 0, '{\"extracted\": false, \"note\": \"not a format we read\"}')");
  EmbedAtomsOptions embed;
  embed.embedder = "image";
  const EmbedAtomsReport r = embed_atoms(*db, embed);
  EXPECT_EQ(r.embedded, 1u);
  ASSERT_EQ(r.failed, 2u);
  ASSERT_EQ(r.failures.size(), 2u);
  EXPECT_EQ(r.failures[0].atom_id, atom_of("b.png"));
  EXPECT_NE(r.failures[0].source_path.find("b.png"), std::string::npos);
  EXPECT_THAT(r.failures[0].reason, ::testing::HasSubstr("ingested before"));
  EXPECT_THAT(r.failures[1].reason, ::testing::HasSubstr("not decoded at ingest (not a format we read)"));
  EXPECT_EQ(embed_atoms(*db, embed).failed, 2u);  // still not embedded: said again
  EXPECT_THROW(like(atom_of("b.png"), "image", "", 3), UsageError);
}

// Nearest neighbours on MNIST digits (not what these features are for: a measure of how
// much shape they keep). The first n test digits as PGM files; the share whose nearest
// other digit has the same label.
std::string gunzip(const std::string& file) {
  struct archive* a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_format_raw(a);
  std::string out;
  struct archive_entry* e = nullptr;
  if (archive_read_open_filename(a, file.c_str(), 1 << 16) == ARCHIVE_OK &&
      archive_read_next_header(a, &e) == ARCHIVE_OK) {
    char buf[1 << 16];
    for (la_ssize_t n; (n = archive_read_data(a, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  }
  archive_read_free(a);
  return out;
}

TEST_F(FeatureSearchTest, ImageEmbedderMnistNearestDigitLabel) {
  HART_REQUIRE_SHARED(mnist, "mnist-t10k");
  const std::string images = gunzip(mnist + "/t10k-images-idx3-ubyte.gz");
  const std::string labels = gunzip(mnist + "/t10k-labels-idx1-ubyte.gz");
  ASSERT_EQ(images.size(), 16u + 10000 * 784);
  ASSERT_EQ(labels.size(), 8u + 10000);
  constexpr size_t kDigits = 1000;
  std::map<int64_t, int> label_of;
  for (size_t i = 0; i < kDigits; ++i)
    write("orig/" + std::to_string(i) + ".pgm", "P5 28 28 255\n" + images.substr(16 + i * 784, 784));
  ingest({path("orig")});
  for (size_t i = 0; i < kDigits; ++i) label_of[atom_of("orig/" + std::to_string(i) + ".pgm")] = labels[8 + i];
  EmbedAtomsOptions embed;
  embed.embedder = "image";
  const EmbedAtomsReport r = embed_atoms(*db, embed);
  EXPECT_EQ(r.failed, 0u);
  size_t same = 0, asked = 0;
  for (const auto& [atom, label] : label_of) {
    const std::vector<AtomHit> near = like(atom, "image", "", 1);
    if (near.empty()) continue;
    ++asked;
    same += label_of.count(near[0].atom_id) && label_of[near[0].atom_id] == label;
  }
  std::printf("MNIST: nearest other digit has the same label for %zu/%zu (%.1f %%; chance about 10 %%)\n", same, asked,
              100.0 * same / asked);
  EXPECT_GT(same * 2, asked);
}

// ---- recordings -----------------------------------------------------------------

struct Recording {
  int rate = 0;
  std::vector<float> mono;
};

Recording read_mono(const std::string& file) {
  SF_INFO info{};
  SNDFILE* f = sf_open(file.c_str(), SFM_READ, &info);
  EXPECT_NE(f, nullptr) << file;
  if (!f) return {};
  std::vector<float> all(static_cast<size_t>(info.frames) * info.channels);
  sf_readf_float(f, all.data(), info.frames);
  sf_close(f);
  Recording r{info.samplerate, {}};
  for (sf_count_t i = 0; i < info.frames; ++i) {
    float s = 0;
    for (int c = 0; c < info.channels; ++c) s += all[static_cast<size_t>(i) * info.channels + c];
    r.mono.push_back(s / info.channels);
  }
  return r;
}

std::vector<short> pcm16(const std::vector<float>& x, double gain, int channels) {
  std::vector<short> out;
  for (float v : x)
    for (int c = 0; c < channels; ++c)
      out.push_back(static_cast<short>(std::lround(std::clamp(v * gain, -1.0, 32767.0 / 32768) * 32767)));
  return out;
}

std::vector<float> resample(const std::vector<float>& x, int from, int to) {
  std::vector<float> out(static_cast<size_t>(static_cast<double>(x.size()) * to / from));
  for (size_t i = 0; i < out.size(); ++i) {
    const double at = static_cast<double>(i) * from / to;
    const size_t j = static_cast<size_t>(at);
    const double f = at - j;
    out[i] = static_cast<float>(x[j] * (1 - f) + (j + 1 < x.size() ? x[j + 1] : x[j]) * f);
  }
  return out;
}

TEST_F(FeatureSearchTest, AudioEmbedderFindsStereoResampledQuieterCopiesAndTheOtherHalf) {
  HART_REQUIRE_SHARED(jfk, "audio-jfk/jfk.wav");
  HART_REQUIRE_SHARED(lj, "audio-ljspeech/LJ050-0131.wav");
  HART_REQUIRE_SHARED(esc, "audio-esc50");
  std::vector<std::string> sources = {jfk, lj};
  for (const char* f : {"1-100032-A-0.wav", "2-100648-A-43.wav", "3-103051-C-19.wav"}) sources.push_back(esc + "/" + f);
  fs::create_directories(path("halves"));
  const int wav = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  std::vector<std::string> stems;
  for (const std::string& file : sources) {
    const std::string stem = fs::path(file).stem().string();
    stems.push_back(stem);
    fs::copy_file(file, path("orig/" + stem + ".wav"));
    const Recording r = read_mono(file);
    ASSERT_GT(r.mono.size(), static_cast<size_t>(r.rate));
    write_audio(path("copies/" + stem + "-stereo.wav"), wav, r.rate, 2, pcm16(r.mono, 1.0, 2));
    const int to = r.rate == 16000 ? 22050 : 16000;
    write_audio(path("copies/" + stem + "-resampled.wav"), wav, to, 1, pcm16(resample(r.mono, r.rate, to), 1.0, 1));
    write_audio(path("copies/" + stem + "-quieter.wav"), wav, r.rate, 1, pcm16(r.mono, 0.3, 1));
    const size_t mid = r.mono.size() / 2;
    write_audio(path("halves/" + stem + "-a.wav"), wav, r.rate, 1,
                pcm16(std::vector<float>(r.mono.begin(), r.mono.begin() + mid), 1.0, 1));
    write_audio(path("halves/" + stem + "-b.wav"), wav, r.rate, 1,
                pcm16(std::vector<float>(r.mono.begin() + mid, r.mono.end()), 1.0, 1));
  }
  write("copies/empty.wav", "");                       // zero-length: a binary atom with an error
  write("copies/header-only.wav", std::string("RIFF\x24\0\0\0WAVEfmt ", 16));  // cut in its header
  const ContentRunReport ingested = ingest({path("orig"), path("copies"), path("halves")});
  EXPECT_EQ(ingested.files, stems.size() * 6 + 2);

  EmbedAtomsOptions embed;
  embed.embedder = "audio";
  const EmbedAtomsReport r = embed_atoms(*db, embed);
  EXPECT_EQ(r.embedded, stems.size() * 6) << "recordings only: no frame, no broken file";
  EXPECT_EQ(r.failed, 0u);

  size_t copies_at_1 = 0, copies = 0, halves_at_1 = 0, halves = 0;
  for (const std::string& stem : stems) {
    for (const char* kind : {"stereo", "resampled", "quieter"}) {
      const size_t rank = rank_of("copies/" + stem + "-" + kind + ".wav", "orig/" + stem + ".wav", "audio", "orig");
      ++copies;
      copies_at_1 += rank == 1;
      EXPECT_EQ(rank, 1u) << stem << " " << kind;
    }
    for (const char* half : {"a", "b"}) {
      const size_t rank = rank_of("halves/" + stem + "-" + half + ".wav",
                                  "halves/" + stem + "-" + (half[0] == 'a' ? "b" : "a") + ".wav", "audio", "halves");
      ++halves;
      halves_at_1 += rank == 1;
    }
  }
  std::printf("audio copies (stereo, resampled, quieter): recall@1 %zu/%zu among %zu originals\n", copies_at_1,
              copies, stems.size());
  std::printf("audio halves: the other half of the same recording first %zu/%zu among %zu halves\n", halves_at_1,
              halves, halves);
  EXPECT_GE(halves_at_1 * 10, halves * 6) << "at least 60 % of halves find their other half first";
}

}  // namespace
}  // namespace hart::test
