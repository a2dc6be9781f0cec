// What the SQL functions and the CLI call: load the named model (through the
// process cache), run it, and record the call in the inferences table.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat_prompt.h"
#include "model/generator.h"
#include "store/inferences.h"
#include "store/sqlite_api.h"

namespace hart {

struct GenerateCall {
  GenerationResult result;
  RecordedInference record;  // the inferences row: written, late (queued) or not recorded
  const char* kernels = "";   // the kernel path that ran (tensor/cpu_path.h: "avx2", "avx512", ...)
};

// `logits_hook` (optional) steers sampling, as in generate_text (model/logits_hook.h).
GenerateCall run_generate(sqlite3* db, const std::string& model, std::string_view prompt,
                          const GenerationOptions& options, const TextCallback& on_text = {},
                          LogitsHook* logits_hook = nullptr);

// chat(): `messages` (a JSON array of {"role", "content"}) through the model's chat
// template (engine/chat_prompt.h), generated until the end of the assistant's turn.
// Recorded as task "chat" with the rendered prompt as its input.
GenerateCall run_chat(sqlite3* db, const std::string& model, const nlohmann::ordered_json& messages,
                      const ChatPromptOptions& chat, const GenerationOptions& options,
                      const TextCallback& on_text = {});

std::vector<int32_t> run_tokenize(sqlite3* db, const std::string& model, std::string_view text);

// The sentence embedding of `text` (BERT family: mean-pooled, L2-normalised).
// A model of another architecture is an error naming the supported ones.
std::vector<float> run_embed(sqlite3* db, const std::string& model, std::string_view text, int threads = 0);

}  // namespace hart
