// Progress from library ingestion goes only to the ProgressSink the caller passes:
// a recording sink sees the tasks, totals and failures of a run; with no sink,
// nothing at all reaches stderr.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>

#include "ingest/ingest_fixture.h"
#include "store/model_ingest.h"
#include "support/model_builder.h"
#include "util/progress.h"

namespace hart::test {
namespace {

// Every call, in order, as one line: "begin ingest 80", "advance 25", "end 1", ...
class RecordingSink final : public ProgressSink {
 public:
  void begin(std::string_view name, uint64_t total) override {
    events.push_back("begin " + std::string(name) + " " + std::to_string(total));
    ++depth;
  }
  void status(std::string_view text) override { events.push_back("status " + std::string(text)); }
  void advance(uint64_t bytes) override {
    events.push_back("advance " + std::to_string(bytes));
    advanced[depth] += bytes;
  }
  void skip(uint64_t bytes) override {
    events.push_back("skip " + std::to_string(bytes));
    skipped[depth] += bytes;
  }
  void message(std::string_view text) override { messages.emplace_back(text); }
  void end(bool completed) override {
    events.push_back(std::string("end ") + (completed ? "1" : "0"));
    --depth;
  }
  std::vector<std::string> starting(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const std::string& e : events)
      if (e.rfind(prefix, 0) == 0) out.push_back(e);
    return out;
  }

  std::vector<std::string> events, messages;
  int depth = 0;
  uint64_t advanced[4] = {}, skipped[4] = {};
};

class ProgressTest : public IngestTest {
 protected:
  void SetUp() override {
    IngestTest::SetUp();
    std::filesystem::create_directories(dir.file("docs"));
    write("docs/a.txt", "Alpha. A small text file.");             // 25 bytes
    write("docs/b.txt", "Beta. Another small text file.");       // 30 bytes
    write("docs/c.txt", "Gamma. A third one, a little longer.");  // 36 bytes
  }
  static constexpr uint64_t kDocBytes = 25 + 30 + 36;
};

TEST_F(ProgressTest, ARecordingSinkSeesBeginAdvanceAndEndWithTheRightTotals) {
  for (unsigned threads : {1u, 2u}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    std::unique_ptr<Database> fresh = std::make_unique<Database>(dir.file("t" + std::to_string(threads) + ".db"),
                                                                 Database::Mode::kCreate);
    RecordingSink sink;
    options.progress = &sink;
    options.threads = threads;
    ContentRunReport r = ingest_paths(*fresh, {path("docs")}, options);
    EXPECT_EQ(r.files_ingested, 3u);
    ASSERT_FALSE(sink.events.empty());
    EXPECT_EQ(sink.events.front(), "begin ingest " + std::to_string(kDocBytes));
    EXPECT_EQ(sink.events.back(), "end 1");
    EXPECT_EQ(sink.depth, 0);
    EXPECT_EQ(sink.starting("advance").size(), 3u);  // one per file
    EXPECT_EQ(sink.advanced[1], kDocBytes);
    EXPECT_EQ(sink.starting("status"),
              (std::vector<std::string>{"status 0/3 files", "status 1/3 files", "status 2/3 files", "status 3/3 files"}));
    EXPECT_TRUE(sink.messages.empty());

    // Again: every file is unchanged, so its bytes are skipped, never advanced.
    RecordingSink again;
    options.progress = &again;
    r = ingest_paths(*fresh, {path("docs")}, options);
    EXPECT_EQ(r.files_unchanged, 3u);
    EXPECT_EQ(again.events.front(), "begin ingest " + std::to_string(kDocBytes));
    EXPECT_EQ(again.skipped[1], kDocBytes);
    EXPECT_EQ(again.advanced[1], 0u);
    EXPECT_EQ(again.events.back(), "end 1");
  }
}

TEST_F(ProgressTest, ALoneModelFileReportsItsOwnTaskInsideTheRun) {
  BuiltModel m;
  m.add("token_embd.weight", {64, 32}, DType::F32, 3);
  m.write_gguf(path("tiny.gguf"));
  const uint64_t file_bytes = std::filesystem::file_size(path("tiny.gguf"));
  RecordingSink sink;
  options.progress = &sink;
  ContentRunReport r = ingest({path("tiny.gguf")});
  ASSERT_EQ(r.models.size(), 1u);
  const uint64_t tensor_bytes = 64 * 32 * 4;
  EXPECT_EQ(r.models[0].tensor_bytes, tensor_bytes);
  std::vector<std::string> begins = sink.starting("begin");
  EXPECT_EQ(begins, (std::vector<std::string>{"begin ingest " + std::to_string(file_bytes),
                                              "begin ingest tiny " + std::to_string(tensor_bytes)}));
  EXPECT_EQ(sink.advanced[2], tensor_bytes);  // the model's chunks, inside the run
  EXPECT_EQ(sink.advanced[1], file_bytes);    // the file, once the model is stored
  EXPECT_EQ(sink.starting("end"), (std::vector<std::string>{"end 1", "end 1"}));

  // In a run of several files a model reports nothing of its own.
  write("docs/tiny2.gguf", read_file(path("tiny.gguf")) + std::string(1, '\0'));
  RecordingSink several;
  options.progress = &several;
  ingest({path("docs")});
  EXPECT_EQ(several.starting("begin").size(), 1u);
}

TEST_F(ProgressTest, ModelIngestReportsTensorBytes) {
  BuiltModel m;
  m.add("token_embd.weight", {300, 64}, DType::F32, 5);  // 76,800 bytes: two 64 KiB chunks
  m.write_gguf(path("m.gguf"));
  RecordingSink sink;
  IngestReport r = ingest_model(*db, path("m.gguf"), {"m", &sink});
  EXPECT_EQ(sink.events.front(), "begin ingest m 76800");
  EXPECT_EQ(sink.starting("advance"), (std::vector<std::string>{"advance 65536", "advance 11264"}));
  EXPECT_EQ(sink.events.back(), "end 1");
  EXPECT_EQ(r.tensor_bytes, 76800u);
}

TEST_F(ProgressTest, FailuresAreToldAsTheyHappen) {
  std::vector<std::string> exclude;
  WalkResult walk = walk_paths({path("docs")}, exclude);
  std::filesystem::remove(path("docs/b.txt"));  // listed, then gone before it is read
  RecordingSink sink;
  options.progress = &sink;
  options.threads = 1;
  ContentRunReport r = ingest_walk(*db, walk, options);
  ASSERT_EQ(r.failures.size(), 1u);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0], "failed: " + r.failures[0].where + ": " + r.failures[0].error);
  EXPECT_NE(sink.messages[0].find("b.txt"), std::string::npos);
}

TEST_F(ProgressTest, WithoutASinkLibraryIngestWritesNothingToStderr) {
  BuiltModel m;
  m.add("token_embd.weight", {64, 32}, DType::F32, 9);
  m.write_gguf(path("docs/model.gguf"));
  write("docs/empty.bin", "");  // a failure ("empty")
  ASSERT_EQ(options.progress, nullptr);
  ::testing::internal::CaptureStderr();
  ContentRunReport folder = ingest({path("docs")});
  m.write_gguf(path("lone.gguf"));
  ContentRunReport lone = ingest({path("lone.gguf")});
  IngestReport model = ingest_model(*db, path("docs/model.gguf"), {"again"});
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "");
  EXPECT_EQ(folder.files_ingested, 5u);
  EXPECT_EQ(lone.files_ingested, 1u);
  EXPECT_TRUE(model.already_present);
}

}  // namespace
}  // namespace hart::test
