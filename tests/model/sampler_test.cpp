#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>

#include "model/generation_options.h"
#include "model/sampler.h"
#include "support/test_support.h"
#include "util/error.h"

namespace hart::test {
namespace {

std::vector<float> logits_of(std::vector<double> p) {
  std::vector<float> l;
  for (double x : p) l.push_back(static_cast<float>(std::log(x)));
  return l;
}

TEST(Sampler, GreedyTakesTheLargestLogitAndReportsItsLogProbability) {
  Sampler s(GenerationOptions{});
  std::vector<float> l = logits_of({0.1, 0.6, 0.3});
  SampledToken t = s.sample(l, {});
  EXPECT_EQ(t.id, 1);
  EXPECT_NEAR(t.logprob, std::log(0.6), 1e-6);
}

TEST(Sampler, SameSeedSameTokens) {
  GenerationOptions o = parse_generation_options(R"({"temperature": 1.0, "seed": 7, "top_k": 0})");
  Sampler a(o), b(o);
  for (int i = 0; i < 200; ++i) {
    std::vector<float> la = logits_of({0.2, 0.2, 0.2, 0.2, 0.2}), lb = la;
    EXPECT_EQ(a.sample(la, {}).id, b.sample(lb, {}).id);
  }
}

TEST(Sampler, FrequenciesFollowTheSoftmax) {
  Sampler s(parse_generation_options(R"({"temperature": 1.0, "seed": 1, "top_k": 0})"));
  std::vector<double> p = {0.5, 0.3, 0.15, 0.05};
  std::vector<int> hits(4, 0);
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    std::vector<float> l = logits_of(p);
    hits[s.sample(l, {}).id]++;
  }
  for (size_t i = 0; i < p.size(); ++i) {
    double sd = std::sqrt(n * p[i] * (1 - p[i]));
    EXPECT_NEAR(hits[i], n * p[i], 5 * sd) << i;  // five standard deviations
  }
}

TEST(Sampler, TopKTopPAndMinPCutTheTail) {
  std::vector<double> p = {0.5, 0.3, 0.15, 0.05};
  for (auto [opts, allowed] : std::vector<std::pair<std::string, int>>{
           {R"({"temperature": 1, "top_k": 2, "seed": 3})", 2},
           {R"({"temperature": 1, "top_k": 0, "top_p": 0.79, "seed": 3})", 2},
           {R"({"temperature": 1, "top_k": 0, "top_p": 0.81, "seed": 3})", 3},
           {R"({"temperature": 1, "top_k": 0, "min_p": 0.5, "seed": 3})", 2},
           {R"({"temperature": 1, "top_k": 1, "seed": 3})", 1}}) {
    Sampler s(parse_generation_options(opts));
    int highest = 0;
    for (int i = 0; i < 3000; ++i) {
      std::vector<float> l = logits_of(p);
      highest = std::max(highest, s.sample(l, {}).id);
    }
    EXPECT_EQ(highest, allowed - 1) << opts;
  }
}

TEST(Sampler, RepetitionPenaltyDiscouragesRecentTokens) {
  Sampler s(parse_generation_options(R"({"repeat_penalty": 2.0, "repeat_last_n": 4})"));
  std::vector<float> l = {2.0f, 1.5f, 0.1f};
  std::vector<int32_t> history = {0};
  EXPECT_EQ(s.sample(l, history).id, 1);  // 2.0 / 2 = 1.0 < 1.5
  std::vector<float> l2 = {2.0f, 1.5f, 0.1f};
  std::vector<int32_t> old = {0, 2, 2, 2, 2};  // token 0 is outside the last 4
  EXPECT_EQ(s.sample(l2, old).id, 0);
}

TEST(GenerationOptions, ParsesEveryKeyAndRoundTrips) {
  GenerationOptions o = parse_generation_options(
      R"({"max_tokens": 5, "temperature": 0.7, "top_k": 3, "top_p": 0.9, "min_p": 0.05, "repeat_penalty": 1.1,
          "repeat_last_n": 8, "seed": 99, "stop": ["\n", "The end"], "threads": 2, "cache_type": "f16"})");
  EXPECT_EQ(o.max_tokens, 5);
  EXPECT_EQ(o.cache_type, KvType::kF16);
  EXPECT_THAT(o.to_json(), ::testing::HasSubstr("\"cache_type\":\"f16\""));
  EXPECT_THAT(parse_generation_options("{}").to_json(), ::testing::Not(::testing::HasSubstr("cache_type")));
  EXPECT_EQ(o.stop.size(), 2u);
  EXPECT_EQ(*o.seed, 99u);
  GenerationOptions again = parse_generation_options(o.to_json());
  EXPECT_EQ(again.to_json(), o.to_json());
  EXPECT_EQ(parse_generation_options("").max_tokens, 128);
  EXPECT_EQ(parse_generation_options(R"({"stop": "x"})").stop.at(0), "x");
}

TEST(GenerationOptions, BadOptionsNameTheKeyAndTheRange) {
  for (auto [json, phrase] : std::vector<std::pair<std::string, std::string>>{
           {R"({"max_tokenz": 5})", "unknown key \"max_tokenz\""},
           {R"({"max_tokens": "5"})", "\"max_tokens\" must be an integer from 1 to"},
           {R"({"max_tokens": 0})", "\"max_tokens\" must be an integer from 1"},
           {R"({"temperature": -1})", "\"temperature\" must be a number from 0 to 100"},
           {R"({"top_p": 1.5})", "\"top_p\" must be a number from 0 to 1"},
           {R"({"top_p": 2.0})", "\"top_p\" must be a number from 0 to 1, got 2"},  // as the CLI's --top-p 2
           // A penalty of 0 divides positive logits by zero: the same token forever.
           {R"({"repeat_penalty": 0})", "\"repeat_penalty\" must be a number greater than 0 and at most 100, got 0"},
           {R"({"threads": 0})", "\"threads\" must be an integer from 1 to 512, got 0"},
           {R"({"seed": -3})", "\"seed\" must be a non-negative integer"},
           {R"({"stop": [1]})", "\"stop\" must be a non-empty string"},
           {R"({"stop": ""})", "\"stop\" must be a non-empty string"},
           {R"({"cache_type": "q8_0"})", "\"cache_type\" must be \"f32\" or \"f16\", got \"q8_0\""},
           {R"([1, 2])", "expected a JSON object"},
           {R"({"max_tokens": )", "not valid JSON"}}) {
    try {
      parse_generation_options(json);
      ADD_FAILURE() << json;
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(phrase)) << json;
    }
  }
}

// The CLI merges its flags into a JSON object, whose numbers (unlike JSON text's) may
// be NaN or infinite: refused with the value named, never replaced by a default.
TEST(GenerationOptions, NonFiniteNumbersAreRefusedAndNamed) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (auto [key, value, shown] : std::vector<std::tuple<std::string, double, std::string>>{
           {"temperature", nan, "nan"}, {"top_p", nan, "nan"}, {"min_p", inf, "inf"},
           {"repeat_penalty", -inf, "-inf"}, {"temperature", inf, "inf"}}) {
    try {
      parse_generation_options_object(nlohmann::json{{key, value}});
      ADD_FAILURE() << key << " = " << shown;
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("\"" + key + "\" must be a number ")) << key;
      EXPECT_THAT(e.what(), ::testing::EndsWith(", got " + shown)) << key;
    }
  }
}

}  // namespace
}  // namespace hart::test
