// The seam between logits and sampling (model/logits_hook.h) in generate_text, on
// stories260K: a hook that bans a token never sees it generated, one that forces a
// token gets it, and no hook (or one that changes nothing) generates exactly what a
// plain greedy loop over eval() does.
#include <cmath>
#include <limits>
#include <map>

#include "engine/inference.h"
#include "engine/stored_model.h"
#include "model/causal_lm.h"
#include "model/forward_observer.h"
#include "model/generator.h"
#include "model/logits_hook.h"
#include "stories_fixture.h"

namespace hart::test {
namespace {

constexpr float kBanned = -std::numeric_limits<float>::infinity();

// Records what it was shown; optionally bans one token or forces one.
class TestHook : public LogitsHook {
 public:
  int32_t ban = -1, force = -1;
  std::vector<LogitsContext> seen;
  std::vector<size_t> sizes;
  std::vector<int32_t> lengths;
  void on_logits(std::span<float> logits, const LogitsContext& c) override {
    seen.push_back(c);
    sizes.push_back(logits.size());
    lengths.push_back(static_cast<int32_t>(c.tokens.size()));
    if (ban >= 0) logits[ban] = kBanned;
    if (force >= 0)
      for (size_t v = 0; v < logits.size(); ++v)
        if (static_cast<int32_t>(v) != force) logits[v] = kBanned;
  }
};

class LogitsHookTest : public StoriesTest {
 protected:
  GenerationResult generate(const std::string& json, LogitsHook* hook) {
    return generate_text(*lm, model->tokenizer(), "Once upon a time", parse_generation_options(json), {}, hook);
  }
  static std::vector<int32_t> ids(const GenerationResult& r) {
    std::vector<int32_t> v;
    for (const GeneratedToken& t : r.tokens) v.push_back(t.id);
    return v;
  }
};

const char* kGreedy = R"({"max_tokens": 48})";
const char* kSampled = R"({"max_tokens": 48, "temperature": 1.0, "top_k": 0, "seed": 11})";

TEST_F(LogitsHookTest, NoHookIsThePlainGreedyLoop) {
  GenerationResult r = generate(kGreedy, nullptr);
  // The same loop by hand: prompt, then argmax and one token at a time.
  std::vector<int32_t> prompt = model->tokenizer().encode("Once upon a time", true), want;
  std::vector<float> logits;
  lm->reset();
  lm->eval(prompt, logits);
  for (size_t i = 0; i < r.tokens.size(); ++i) {
    want.push_back(static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin()));
    lm->eval(std::span<const int32_t>(&want.back(), 1), logits);
  }
  EXPECT_EQ(ids(r), want);
  EXPECT_GT(r.tokens.size(), 10u);

  // A hook that changes nothing changes nothing, greedy or sampled.
  for (const char* json : {kGreedy, kSampled}) {
    TestHook idle;
    GenerationResult a = generate(json, nullptr), b = generate(json, &idle);
    EXPECT_EQ(ids(a), ids(b)) << json;
    EXPECT_EQ(a.text, b.text);
    for (size_t i = 0; i < a.tokens.size(); ++i) EXPECT_EQ(a.tokens[i].logprob, b.tokens[i].logprob);
    // Called once per sampled token (and once more for an end-of-sequence token),
    // with the sequence so far.
    ASSERT_GE(idle.seen.size(), b.tokens.size());
    for (size_t s = 0; s < idle.seen.size(); ++s) {
      EXPECT_EQ(idle.seen[s].step, static_cast<int32_t>(s));
      EXPECT_EQ(idle.lengths[s], b.prompt_tokens + static_cast<int32_t>(s));
      EXPECT_EQ(idle.sizes[s], 512u);
    }
  }
}

TEST_F(LogitsHookTest, ABannedTokenIsNeverGenerated) {
  for (const char* json : {kGreedy, kSampled}) {
    // Ban the token the unhooked run generates most often.
    std::vector<int32_t> free = ids(generate(json, nullptr));
    ASSERT_FALSE(free.empty());
    std::map<int32_t, int> count;
    for (int32_t id : free) ++count[id];
    TestHook hook;
    hook.ban = std::max_element(count.begin(), count.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    std::vector<int32_t> got = ids(generate(json, &hook));
    EXPECT_FALSE(got.empty());
    EXPECT_EQ(std::count(got.begin(), got.end(), hook.ban), 0) << json << ": token " << hook.ban;
    EXPECT_NE(got, free);
  }
}

TEST_F(LogitsHookTest, AForcedTokenIsGeneratedUnderGreedy) {
  TestHook hook;
  hook.force = 300;
  GenerationResult r = generate(R"({"max_tokens": 12})", &hook);
  ASSERT_EQ(r.tokens.size(), 12u);
  for (const GeneratedToken& t : r.tokens) {
    EXPECT_EQ(t.id, 300);
    EXPECT_NEAR(t.logprob, 0.0f, 1e-6);  // the only finite logit left
  }
  // Sampling with a temperature sees the same forced distribution.
  GenerationResult s = generate(R"({"max_tokens": 12, "temperature": 0.9, "seed": 3})", &hook);
  EXPECT_EQ(ids(s), std::vector<int32_t>(12, 300));
}

// The engine's entry point (what SQL and the CLI call) passes the hook through, and
// records the call as usual.
TEST_F(LogitsHookTest, RunGeneratePassesTheHookThrough) {
  TestHook hook;
  hook.force = 300;
  GenerateCall call = run_generate(db->handle(), "stories260K", "Once upon a time",
                                   parse_generation_options(R"({"max_tokens": 5})"), {}, &hook);
  EXPECT_EQ(ids(call.result), std::vector<int32_t>(5, 300));
  EXPECT_EQ(call.record.state, RecordedInference::State::kWritten);
  EXPECT_GT(call.record.id, 0);
}

// The two seams together, as kNN-LM uses them: the observer's final hidden row is
// that of the last token of the sequence the hook is shown, so a hook can look up
// neighbours of the very state that produced its logits.
TEST_F(LogitsHookTest, TheObserversFinalHiddenIsTheHooksToken) {
  struct LastHidden : ForwardObserver {
    std::vector<float> row;
    int32_t position = -1, token = -1;
    void on_final_hidden(const HiddenRows& r) override {
      ASSERT_EQ(r.n_tokens(), 1u);
      row.assign(r.row(0).begin(), r.row(0).end());
      position = r.position(0);
      token = r.tokens[0];
    }
  } observer;
  struct Check : LogitsHook {
    LastHidden* seen = nullptr;
    int calls = 0;
    void on_logits(std::span<float>, const LogitsContext& c) override {
      ++calls;
      EXPECT_EQ(seen->position, static_cast<int32_t>(c.tokens.size()) - 1);
      EXPECT_EQ(seen->token, c.tokens.back());
      EXPECT_EQ(seen->row.size(), 64u);
    }
  } hook;
  hook.seen = &observer;
  lm->set_observer(&observer);
  GenerationResult r = generate(R"({"max_tokens": 16})", &hook);
  EXPECT_EQ(hook.calls, static_cast<int>(r.tokens.size()) + (r.stop_reason == "eos"));
}

}  // namespace
}  // namespace hart::test
