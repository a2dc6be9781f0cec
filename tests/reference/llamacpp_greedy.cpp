// llamacpp-greedy: llama.cpp's greedy continuation of a prompt given as token ids,
// for the architecture goldens (tests/golden/llamacpp/decoder-families.json). Not
// part of the build: it links a llama.cpp built beside the project (never committed),
//   g++ -std=c++17 -O2 tests/reference/llamacpp_greedy.cpp -I$LLAMA/include -I$LLAMA/ggml/include \
//       -L$LLAMA/build/bin -lllama -lggml -lggml-base -Wl,-rpath,$LLAMA/build/bin -o /tmp/llamacpp-greedy
//   /tmp/llamacpp-greedy MODEL.gguf STEPS ID ID ...
// prints one JSON line: {"greedy": [...], "margin": [...]} (top-1 minus top-2 logit at
// each step). One thread, an F32 KV cache, no flash attention: the closest llama.cpp
// gets to exact float arithmetic, so a disagreement is a formula, not rounding.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "llama.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s MODEL.gguf STEPS ID [ID ...]\n", argv[0]);
    return 2;
  }
  if (!std::getenv("LLAMACPP_LOG")) llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
  llama_backend_init();
  llama_model_params mp = llama_model_default_params();
  llama_model* model = llama_model_load_from_file(argv[1], mp);
  if (!model) {
    std::fprintf(stderr, "cannot load %s\n", argv[1]);
    return 1;
  }
  const int steps = std::atoi(argv[2]);
  std::vector<llama_token> tokens;
  for (int i = 3; i < argc; ++i) tokens.push_back(std::atoi(argv[i]));
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 64;
  cp.n_batch = 64;
  cp.n_ubatch = 64;
  cp.n_threads = cp.n_threads_batch = 1;
  cp.type_k = cp.type_v = GGML_TYPE_F32;
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  cp.swa_full = true;
  llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) {
    std::fprintf(stderr, "cannot create a context\n");
    return 1;
  }
  const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
  std::vector<llama_token> greedy;
  std::vector<float> margin;
  llama_batch batch = llama_batch_get_one(tokens.data(), static_cast<int32_t>(tokens.size()));
  for (int s = 0; s < steps; ++s) {
    if (llama_decode(ctx, batch)) {
      std::fprintf(stderr, "llama_decode failed at step %d\n", s);
      return 1;
    }
    const float* logits = llama_get_logits_ith(ctx, -1);
    int best = 0, second = -1;
    for (int j = 1; j < n_vocab; ++j) {
      if (logits[j] > logits[best]) {
        second = best;
        best = j;
      } else if (second < 0 || logits[j] > logits[second]) {
        second = j;
      }
    }
    greedy.push_back(best);
    margin.push_back(logits[best] - logits[second]);
    batch = llama_batch_get_one(&greedy.back(), 1);
  }
  std::printf("{\"greedy\": [");
  for (size_t i = 0; i < greedy.size(); ++i) std::printf("%s%d", i ? ", " : "", greedy[i]);
  std::printf("], \"margin\": [");
  for (size_t i = 0; i < margin.size(); ++i) std::printf("%s%.6g", i ? ", " : "", margin[i]);
  std::printf("]}\n");
  llama_free(ctx);
  llama_model_free(model);
  return 0;
}
