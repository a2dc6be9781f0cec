// The forward pass's observer seam (model/forward_observer.h) on real weights:
// stories260K (Llama), and the reference GPT-2 and BERT models the tests write.
// The observer sees one input, FFN input and output per block, in order, of the
// right shape and positions; a block's output is the next block's input; the final
// hidden rows times the output matrix are the model's logits; and a model with an
// observer gives bit-identical outputs to one without.
#include <cmath>
#include <cstring>
#include <thread>

#include "../store/store_fixture.h"
#include "engine/stored_model.h"
#include "model/bert.h"
#include "model/causal_lm.h"
#include "model/forward_observer.h"
#include "model/ops.h"
#include "reference_models.h"
#include "store/model_ingest.h"

namespace hart::test {
namespace {

struct Seen {
  std::string what;  // block_input, ffn_input, block_output, final_hidden
  int layer = -1;
  std::vector<float> data;
  size_t dim = 0;
  std::vector<int32_t> tokens;
  int32_t first_position = 0;
};

class Recorder : public ForwardObserver {
 public:
  std::vector<Seen> seen;
  void on_block_input(int layer, const HiddenRows& r) override { keep("block_input", layer, r); }
  void on_ffn_input(int layer, const HiddenRows& r) override { keep("ffn_input", layer, r); }
  void on_block_output(int layer, const HiddenRows& r) override { keep("block_output", layer, r); }
  void on_final_hidden(const HiddenRows& r) override { keep("final_hidden", -1, r); }

 private:
  void keep(const char* what, int layer, const HiddenRows& r) {
    seen.push_back({what, layer, std::vector<float>(r.data, r.data + r.n_tokens() * r.dim), r.dim,
                    std::vector<int32_t>(r.tokens.begin(), r.tokens.end()), r.first_position});
    for (size_t i = 0; i < r.n_tokens(); ++i) {  // row() and position() agree with the raw view
      EXPECT_EQ(r.row(i).data(), r.data + i * r.dim);
      EXPECT_EQ(r.position(i), r.first_position + static_cast<int32_t>(i));
    }
  }
};

// The calls of one eval: per block input, FFN input, output (in that order), then
// the final hidden rows; every block's rows are `tokens` at `first_position`.
void expect_block_calls(const std::vector<Seen>& seen, int n_layer, size_t dim, const std::vector<int32_t>& tokens,
                        int32_t first_position) {
  ASSERT_EQ(seen.size(), size_t(3 * n_layer + 1));
  const char* order[] = {"block_input", "ffn_input", "block_output"};
  for (int l = 0; l < n_layer; ++l)
    for (int k = 0; k < 3; ++k) {
      const Seen& s = seen[3 * l + k];
      EXPECT_EQ(s.what, order[k]) << "call " << 3 * l + k;
      EXPECT_EQ(s.layer, l);
      EXPECT_EQ(s.dim, dim);
      EXPECT_EQ(s.tokens, tokens);
      EXPECT_EQ(s.first_position, first_position);
      EXPECT_EQ(s.data.size(), tokens.size() * dim);
    }
  EXPECT_EQ(seen.back().what, "final_hidden");
  for (int l = 0; l + 1 < n_layer; ++l)
    EXPECT_EQ(seen[3 * l + 2].data, seen[3 * (l + 1)].data) << "block " << l << " output vs block " << l + 1 << " input";
}

// logits[i][v] == final_hidden[i] . output_row[v], recomputed in double from the
// dequantized output matrix, to 1e-4 of the row's largest logit.
void expect_logits_from_hidden(const LoadedModel& m, const Seen& final_hidden, const std::vector<float>& logits) {
  const TensorView& out = m.find("output.weight") ? m.require("output.weight") : m.require("token_embd.weight");
  const size_t vocab = out.rows(), dim = final_hidden.dim, rows = final_hidden.tokens.size();
  ASSERT_EQ(logits.size(), rows * vocab);
  std::vector<float> w(dim);
  for (size_t i = 0; i < rows; ++i) {
    double peak = 0;
    for (size_t v = 0; v < vocab; ++v) peak = std::max(peak, std::fabs(double(logits[i * vocab + v])));
    for (size_t v = 0; v < vocab; ++v) {
      ops::read_row(out, v, w.data());
      double dot = 0;
      for (size_t d = 0; d < dim; ++d) dot += double(final_hidden.data[i * dim + d]) * w[d];
      ASSERT_NEAR(logits[i * vocab + v], dot, 1e-4 * peak) << "row " << i << " token " << v;
    }
  }
}

class ForwardObserverTest : public StoreTest {
 protected:
  std::shared_ptr<const LoadedModel> load(const std::string& path, const std::string& name) {
    ingest_model(*db, path, {name});
    return load_stored_model(db->handle(), require_model(*db, name));
  }

  // Prompt with every token's logits, then one more token with the last one's: the
  // observer's calls, the logits recomputed from the final hidden rows, and outputs
  // identical to an unobserved model's.
  void check_decoder(const std::shared_ptr<const LoadedModel>& model, int n_layer, size_t dim,
                     const std::vector<int32_t>& prompt, int32_t next) {
    auto plain = make_causal_lm(model, 1), observed = make_causal_lm(model, 1);
    Recorder rec;
    observed->set_observer(&rec);
    std::vector<float> want, got;
    plain->eval(prompt, want, /*all_logits=*/true);
    observed->eval(prompt, got, /*all_logits=*/true);
    EXPECT_EQ(got, want) << "the observer changed the logits";
    expect_block_calls(rec.seen, n_layer, dim, prompt, 0);
    ASSERT_EQ(rec.seen.back().tokens, prompt);
    expect_logits_from_hidden(*model, rec.seen.back(), got);

    rec.seen.clear();
    const std::vector<int32_t> one = {next};
    plain->eval(one, want);
    observed->eval(one, got);
    EXPECT_EQ(got, want);
    expect_block_calls(rec.seen, n_layer, dim, one, static_cast<int32_t>(prompt.size()));
    EXPECT_EQ(rec.seen.back().first_position, static_cast<int32_t>(prompt.size()));
    ASSERT_EQ(rec.seen.back().tokens, one);
    expect_logits_from_hidden(*model, rec.seen.back(), got);

    // The last token of a prompt alone, when only its logits are asked for.
    rec.seen.clear();
    observed->reset();
    observed->eval(prompt, got);
    ASSERT_EQ(rec.seen.back().tokens, std::vector<int32_t>{prompt.back()});
    EXPECT_EQ(rec.seen.back().first_position, static_cast<int32_t>(prompt.size() - 1));
    expect_logits_from_hidden(*model, rec.seen.back(), got);

    observed->set_observer(nullptr);  // detached: no more calls
    rec.seen.clear();
    observed->eval(one, got);
    EXPECT_TRUE(rec.seen.empty());
  }
};

TEST_F(ForwardObserverTest, LlamaStories260K) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  auto model = load(path, "stories260K");
  check_decoder(model, 5, 64, {1, 403, 407, 261, 378}, 432);
  // Block 0's input is the token embeddings.
  auto lm = make_causal_lm(model, 1);
  Recorder rec;
  lm->set_observer(&rec);
  std::vector<float> logits;
  lm->eval(std::vector<int32_t>{1, 403}, logits);
  std::vector<float> emb(2 * 64);
  ops::read_row(model->require("token_embd.weight"), 1, emb.data());
  ops::read_row(model->require("token_embd.weight"), 403, emb.data() + 64);
  EXPECT_EQ(rec.seen.at(0).data, emb);
}

TEST_F(ForwardObserverTest, Gpt2Reference) {
  TempDir models;
  reference::write_reference_models(models.path());
  auto model = load(models.file("gpt2_f32.gguf"), "gpt2");
  const int64_t n_layer = model->require_int("gpt2.block_count"), dim = model->require_int("gpt2.embedding_length");
  check_decoder(model, static_cast<int>(n_layer), static_cast<size_t>(dim), {1, 7, 3, 12, 5, 9}, 4);
}

TEST_F(ForwardObserverTest, BertReference) {
  TempDir models;
  reference::write_reference_models(models.path());
  auto model = load(models.file("bert_f32.gguf"), "bert");
  BertEncoder plain(model, 1), observed(model, 1);
  Recorder rec;
  observed.set_observer(&rec);
  const std::vector<int32_t> tokens = {2, 11, 5, 8, 3};
  std::vector<float> want = plain.encode(tokens, {}), got = observed.encode(tokens, {});
  EXPECT_EQ(got, want) << "the observer changed the hidden states";
  const BertConfig& c = observed.config();
  expect_block_calls(rec.seen, c.n_layer, c.dim, tokens, 0);
  EXPECT_EQ(rec.seen.back().data, got) << "final hidden = what encode returns";
  EXPECT_EQ(rec.seen[3 * (c.n_layer - 1) + 2].data, got) << "the last block's output";
  EXPECT_EQ(observed.embed(tokens), plain.embed(tokens));
}

// Several models on one pool: the same object, sized once (not once per model),
// and the same outputs as a model on a private pool.
TEST_F(ForwardObserverTest, ModelsShareOnePool) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  auto model = load(path, "stories260K");
  auto a = make_causal_lm(model, tensor::process_pool()), b = make_causal_lm(model, nullptr);
  auto c = make_causal_lm(model, tensor::hardware_threads());
  auto d = make_causal_lm(model, 64 * tensor::hardware_threads());  // capped
  for (const auto* lm : {&a, &b, &c, &d}) EXPECT_EQ((*lm)->pool().get(), tensor::process_pool().get());
  EXPECT_EQ(a->pool()->size(), tensor::hardware_threads());
  TempDir models;
  reference::write_reference_models(models.path());
  BertEncoder bert(load(models.file("bert_f32.gguf"), "bert"), tensor::hardware_threads());
  EXPECT_EQ(bert.pool().get(), tensor::process_pool().get());

  auto own = make_causal_lm(model, std::make_shared<tensor::ThreadPool>(1));
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
  std::vector<float> want, got;
  own->eval(prompt, want, /*all_logits=*/true);
  for (const auto* lm : {&a, &b, &c, &d}) {
    (*lm)->eval(prompt, got, /*all_logits=*/true);
    EXPECT_EQ(got, want);
  }
}

// Two models evaluating at once from two threads on the one pool (a server's
// connections): its jobs are serialised, and each gets its unshared answer.
TEST_F(ForwardObserverTest, ModelsOnOnePoolRunConcurrently) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  auto model = load(path, "stories260K");
  const std::vector<int32_t> p1 = {1, 403, 407, 261, 378}, p2 = {1, 300, 301, 302};
  std::vector<float> want1, want2, got1, got2;
  make_causal_lm(model, std::make_shared<tensor::ThreadPool>(1))->eval(p1, want1, /*all_logits=*/true);
  make_causal_lm(model, std::make_shared<tensor::ThreadPool>(1))->eval(p2, want2, /*all_logits=*/true);
  for (int round = 0; round < 20; ++round) {
    auto a = make_causal_lm(model, nullptr), b = make_causal_lm(model, nullptr);
    std::thread t([&] { a->eval(p1, got1, /*all_logits=*/true); });
    b->eval(p2, got2, /*all_logits=*/true);
    t.join();
    ASSERT_EQ(got1, want1) << "round " << round;
    ASSERT_EQ(got2, want2) << "round " << round;
  }
}

}  // namespace
}  // namespace hart::test
