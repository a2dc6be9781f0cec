// A database holding one small generated model with known structure:
// two blocks of F32 norms near 1.0, Q8_0 and F16 matrices, an F32 embedding.
#pragma once
#include <cmath>
#include <random>

#include "../store/store_fixture.h"
#include "store/model_ingest.h"
#include "support/model_builder.h"
#include "util/error.h"

namespace hart::test {

class SqlTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    std::mt19937 rng(42);
    std::normal_distribution<float> near_one(1.0f, 0.05f);
    for (int layer = 0; layer < 2; ++layer) {
      std::vector<float> norm(256);
      for (float& v : norm) v = near_one(rng);
      std::string blk = "blk." + std::to_string(layer) + ".";
      model.add_f32(blk + "attn_norm.weight", {256}, norm);
      model.add_normal(blk + "attn_q.weight", {256, 256}, DType::Q8_0, 0.02f, 10 + layer);
      model.add_normal(blk + "ffn_up.weight", {512, 256}, DType::F16, 0.02f, 20 + layer);
    }
    model.add_normal("token_embd.weight", {300, 256}, DType::F32, 0.02f, 30);
    model.tensors.back().bytes.replace(0, 8, std::string(8, '\0'));  // two exact zeros
    model.write_gguf(dir.file("m.gguf"));
    ingest_model(*db, dir.file("m.gguf"), {"m"});
  }
  BuiltModel model;
};

}  // namespace hart::test
