// The project's own trained model (models/shakespeare-3m, tools/train/README.md) is in
// the repository, so these run everywhere: its greedy continuations, and those of
// students exported from it, equal what llama.cpp printed for the same GGUFs
// (tests/golden/llamacpp/shakespeare-3m-greedy.json records the commands).
#include <nlohmann/json.hpp>

#include "../store/store_fixture.h"
#include "engine/inference.h"
#include "store/model_export.h"
#include "store/model_ingest.h"
#include "student/student.h"
#include "student/student_query.h"

namespace hart::test {
namespace {

class OwnModelTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    IngestOptions o;
    o.name = "shakespeare-3m";
    ingest_model(*db, source_dir() + "/models/shakespeare-3m/shakespeare-3m.gguf", o);
    golden = nlohmann::json::parse(read_file(source_dir() + "/tests/golden/llamacpp/shakespeare-3m-greedy.json"));
  }
  std::string greedy(const std::string& model, const std::string& prompt, int64_t n) {
    GenerationOptions g;
    g.max_tokens = static_cast<int32_t>(n);
    g.threads = 1;
    return run_generate(db->handle(), model, prompt, g, {}).result.text;
  }
  nlohmann::json golden;
};

TEST_F(OwnModelTest, GreedyContinuationsMatchLlamaCpp) {
  for (const auto& model : golden["models"]) {
    const std::string name = model["name"];
    if (model.contains("student")) {
      LayerChoice layers;
      layers.drop = model["student"]["drop_last"].get<int64_t>();
      layers.by = "last";
      extract_student(*db, "shakespeare-3m", name, student_query(*db, "shakespeare-3m", layers),
                      model["student"]["options"].dump());
      // The golden came from this export: the file must be the same bytes.
      export_model(*db, name, ExportFormat::kGguf, dir.file(name + ".gguf"));
      EXPECT_EQ(file_sha(dir.file(name + ".gguf")), model["gguf_sha256"].get<std::string>()) << name;
    }
    for (const auto& c : model["cases"])
      EXPECT_EQ(greedy(name, c["prompt"], c["n_predict"]), c["continuation"].get<std::string>())
          << name << ": " << c["prompt"];
  }
}

}  // namespace
}  // namespace hart::test
