// Real files from ../shared/data: pictures, recordings, a model, Markdown READMEs and
// a megabyte of Shakespeare, ingested as a folder walk would meet them.
#include "ingest_fixture.h"

namespace hart::test {
namespace {

TEST_F(IngestTest, SharedDataFoldersBecomeAtomsOfTheRightKinds) {
  HART_REQUIRE_SHARED(audio, "audio-jfk");
  HART_REQUIRE_SHARED(images, "images-captioned");
  HART_REQUIRE_SHARED(plays, "tinyshakespeare");
  HART_REQUIRE_SHARED(model, "stories260K");
  options.content.audio.transcribe = false;  // about kinds and re-ingesting; audio_test.cpp transcribes
  ContentRunReport r = ingest({audio, images, plays, model});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_EQ(r.files_ingested, r.files);
  auto kind = [&](const std::string& file) {
    return text("SELECT a.modality || ' ' || a.mime FROM atoms a JOIN sources s ON s.atom_id = a.id"
                " WHERE s.path LIKE '%/" + file + "'");
  };
  EXPECT_EQ(kind("audio-jfk/jfk.wav"), "audio audio/x-wav");
  EXPECT_EQ(kind("audio-jfk/jfk.flac"), "audio audio/flac");
  EXPECT_EQ(kind("images-captioned/astronaut.png"), "image image/png");
  EXPECT_EQ(kind("images-captioned/rocket.jpg"), "image image/jpeg");
  EXPECT_EQ(kind("stories260K/stories260K.gguf"), "tensor application/x-gguf");
  EXPECT_EQ(text("SELECT json_extract(a.metadata, '$.markup') FROM atoms a JOIN sources s ON s.atom_id = a.id"
                 " WHERE s.path LIKE '%/audio-jfk/README.md'"), "markdown");
  // About 1 MB of plays: hundreds of passages, every one within the size limit.
  int64_t passages = scalar("SELECT count(*) FROM atom_relations r JOIN sources s ON s.atom_id = r.parent_id"
                            " WHERE s.path LIKE '%/tinyshakespeare/input.txt'");
  EXPECT_GT(passages, 500);
  EXPECT_EQ(scalar("SELECT max(size) <= 1000 FROM atoms WHERE subtype = 'passage'"), 1);
  // Again: nothing read, nothing new.
  ContentRunReport again = ingest({audio, images, plays, model});
  EXPECT_EQ(again.files_unchanged, r.files);
  EXPECT_EQ(again.bytes_read, 0u);
  EXPECT_EQ(again.models.size(), 1u);  // the model is reported as already stored
  EXPECT_TRUE(again.models[0].already_present);
}

}  // namespace
}  // namespace hart::test
