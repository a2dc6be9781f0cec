// The built-in text embedder (engine/text_embedder.h) on a database: document
// frequencies are counted over the atoms with text, stored and read back unchanged,
// and with them a question lands nearest the passage it is about.
#include <cmath>

#include "../store/store_fixture.h"
#include "engine/text_embedder.h"
#include "store/atom_store.h"
#include "util/error.h"
#include "vector/exact_index.h"
#include "vector/text_features.h"

namespace hart::test {
namespace {

// Short passages on unrelated subjects (paraphrased from Wikipedia articles).
const std::vector<std::string> kPassages = {
    "The honey bee is a eusocial flying insect. Bees collect nectar and pollen from flowers and store honey in "
    "wax combs inside the hive.",
    "A volcano is a rupture in the crust of a planet through which lava, volcanic ash and gases escape from a "
    "magma chamber below the surface.",
    "The violin is a wooden string instrument played with a bow. It is the smallest and highest-pitched "
    "instrument of the violin family.",
    "Photosynthesis is the process by which plants use sunlight, water and carbon dioxide to make glucose and "
    "release oxygen.",
    "The Roman Empire was ruled by emperors from Augustus onwards; its legions built roads and forts across "
    "Europe.",
};
const std::vector<std::pair<std::string, size_t>> kQuestions = {
    {"Where do bees keep their honey?", 0},
    {"What comes out of an erupting volcano?", 1},
    {"Which string instruments are played with a bow?", 2},
    {"How do plants turn sunlight into sugar?", 3},
    {"Who ruled the Roman emperors' legions?", 4},
};

class TextEmbedderTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    Transaction tx(*db);
    AtomStore atoms(*db);
    for (const std::string& p : kPassages) ids.push_back(atoms.put_text(p, {"text", "passage", "text/plain"}).id);
    tx.commit();
  }
  std::vector<int64_t> ids;
};

TEST_F(TextEmbedderTest, StatsCountDocumentsPerFeatureAndReadBackUnchanged) {
  TextEmbedderStats built = build_text_embedder_stats(*db);
  EXPECT_EQ(built.documents, kPassages.size());
  EXPECT_EQ(scalar(*db, "SELECT documents FROM text_embedder_corpus"), 5);
  // "the" is in every passage; "volcano" in one.
  const uint32_t the = vector::HashedFeature{vector::fnv1a64("w:the"), 1}.id();
  const uint32_t volcano = vector::HashedFeature{vector::fnv1a64("w:volcano"), 1}.id();
  EXPECT_EQ(built.df[the], 5u);
  EXPECT_GE(built.df[volcano], 1u);
  EXPECT_EQ(scalar(*db, "SELECT df FROM text_embedder_stats WHERE feature = " + std::to_string(the)), 5);

  TextEmbedderStats read = read_text_embedder_stats(db->handle());
  EXPECT_EQ(read.documents, built.documents);
  EXPECT_EQ(read.df, built.df);
  EXPECT_EQ(read.built_at, built.built_at);
  // Query-time weights are the stored ones: an embedder opened on the database embeds
  // exactly as one given the built statistics.
  EXPECT_EQ(TextEmbedder(db->handle()).embed_text(kPassages[1]), TextEmbedder(built).embed_text(kPassages[1]));

  // Rebuilding after a new atom replaces the snapshot.
  db->exec("INSERT INTO atoms(sha256, modality, subtype, size, text) VALUES(randomblob(32), 'text', 'passage', 3, 'the')");
  EXPECT_EQ(build_text_embedder_stats(*db).df[the], 6u);
  EXPECT_EQ(scalar(*db, "SELECT documents FROM text_embedder_corpus"), 6);
  expect_check_passes(*db);
}

TEST_F(TextEmbedderTest, WithoutStatsEveryFeatureWeighsOne) {
  TextEmbedder e(db->handle());
  EXPECT_EQ(e.stats().documents, 0u);
  EXPECT_TRUE(e.stats().df.empty());
  EXPECT_EQ(e.dim(), kTextEmbedderDefaultDim);
  EXPECT_EQ(e.space().metric(), vector::Metric::Cosine);
}

TEST_F(TextEmbedderTest, QuestionsAreNearestTheirPassage) {
  build_text_embedder_stats(*db);
  TextEmbedder embedder(db->handle());
  std::vector<float> rows = embedder.embed(kPassages);
  ASSERT_EQ(rows.size(), kPassages.size() * embedder.dim());
  vector::ExactIndex index(embedder.space());
  for (size_t i = 0; i < kPassages.size(); ++i)
    index.add(ids[i], std::span<const float>(rows).subspan(i * embedder.dim(), embedder.dim()));
  for (const auto& [question, answer] : kQuestions) {
    std::vector<vector::Neighbor> r = index.search(embedder.embed_text(question), 2);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].id, ids[answer]) << question;
    EXPECT_LT(r[0].distance, r[1].distance) << question;
  }
  // Deterministic: the same text gives the same vector, run after run.
  EXPECT_EQ(embedder.embed_text(kPassages[0]), TextEmbedder(db->handle()).embed_text(kPassages[0]));
}

TEST_F(TextEmbedderTest, DimensionOutOfRangeIsAnErrorNamingTheRange) {
  try {
    TextEmbedder e(db->handle(), 8);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("dimension 8 is out of range; allowed 16 to 8192"));
  }
}

}  // namespace
}  // namespace hart::test
