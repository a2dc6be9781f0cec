// stories260K stored in a fresh database and loaded as generate() loads it, for the
// tests of what sits around the forward pass (hooks, constraints). Skips loudly
// when ../shared is absent.
#pragma once
#include "../store/store_fixture.h"
#include "engine/stored_model.h"
#include "model/causal_lm.h"
#include "store/model_ingest.h"

namespace hart::test {

class StoriesTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (shared_data("stories260K/stories260K.gguf").empty()) GTEST_SKIP() << "no shared stories260K";
    ingest_model(*db, shared_data("stories260K/stories260K.gguf"), {"stories260K"});
    model = load_stored_model(db->handle(), require_model(*db, "stories260K"));
    lm = make_causal_lm(model, 1);
  }
  std::shared_ptr<const LoadedModel> model;
  std::unique_ptr<CausalLM> lm;
};

}  // namespace hart::test
