#include "engine/inference.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "engine/model_cache.h"
#include "engine/model_embedder.h"
#include "store/inferences.h"
#include "tensor/cpu_path.h"
#include "tensor/thread_pool.h"
#include "util/error.h"

namespace hart {
namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// The part of an inferences row every task fills the same way.
InferenceRow row_for(const LoadedModel& m, const std::string& name, const char* task, std::string_view input,
                     std::string started_at, std::chrono::steady_clock::time_point start) {
  InferenceRow row;
  row.model_id = m.info().id;
  row.model_name = name;
  row.task = task;
  row.input = std::string(input);
  row.started_at = std::move(started_at);
  row.duration_ms = ms_since(start);
  return row;
}

// Runs `generate` (generate_text or generate_from_ids) on the loaded model with the
// threads the machine gives, and records the call.
template <class Generate>
GenerateCall generate_and_record(sqlite3* db, const std::string& model, std::shared_ptr<const LoadedModel> loaded,
                                 const char* task, std::string_view input, const GenerationOptions& options,
                                 const nlohmann::json& more_options, std::string started_at,
                                 std::chrono::steady_clock::time_point start, Generate&& generate) {
  GenerationOptions used = options;
  if (used.threads == 0) used.threads = tensor::hardware_threads();
  auto lm = make_causal_lm(loaded, used.threads);
  lm->set_kv_type(used.cache_type);
  used.threads = lm->pool()->size();  // what ran: requests beyond the machine's cores are capped
  GenerateCall call;
  call.kernels = tensor::path_name(tensor::best_path());
  call.result = generate(*lm, used);
  used.seed = call.result.seed;
  InferenceRow row = row_for(*loaded, model, task, input, std::move(started_at), start);
  row.output = call.result.text;
  row.options_json = used.to_json();
  if (!more_options.empty()) {
    nlohmann::json all = nlohmann::json::parse(row.options_json);
    all.update(more_options);
    row.options_json = all.dump();
  }
  row.prompt_tokens = call.result.prompt_tokens;
  row.output_tokens = static_cast<int64_t>(call.result.tokens.size());
  row.stop_reason = call.result.stop_reason;
  call.record = record_inference(db, row);
  return call;
}

}  // namespace

GenerateCall run_generate(sqlite3* db, const std::string& model, std::string_view prompt,
                          const GenerationOptions& options, const TextCallback& on_text,
                          LogitsHook* logits_hook) {
  auto start = std::chrono::steady_clock::now();
  std::string started_at = utc_now_iso8601();
  auto loaded = ModelCache::global().get(db, model);
  return generate_and_record(db, model, loaded, "generate", prompt, options, {}, std::move(started_at), start,
                             [&](CausalLM& lm, const GenerationOptions& used) {
                               return generate_text(lm, loaded->tokenizer(), prompt, used, on_text, logits_hook);
                             });
}

GenerateCall run_chat(sqlite3* db, const std::string& model, const nlohmann::ordered_json& messages,
                      const ChatPromptOptions& chat, const GenerationOptions& options,
                      const TextCallback& on_text) {
  auto start = std::chrono::steady_clock::now();
  std::string started_at = utc_now_iso8601();
  auto loaded = ModelCache::global().get(db, model);
  ChatPrompt prompt = build_chat_prompt(*loaded, model, messages, chat);
  nlohmann::json chat_options = {{"add_generation_prompt", chat.add_generation_prompt}};
  if (!chat.chat_template.empty()) chat_options["chat_template"] = chat.chat_template;
  if (!chat.chat_template_kwargs.empty())
    chat_options["chat_template_kwargs"] = nlohmann::json::parse(chat.chat_template_kwargs.dump());
  return generate_and_record(db, model, loaded, "chat", prompt.text, options, chat_options, std::move(started_at),
                             start, [&](CausalLM& lm, const GenerationOptions& used) {
                               return generate_from_ids(lm, loaded->tokenizer(), prompt.ids, used, on_text, nullptr,
                                                        prompt.end_ids);
                             });
}

std::vector<int32_t> run_tokenize(sqlite3* db, const std::string& model, std::string_view text) {
  auto start = std::chrono::steady_clock::now();
  std::string started_at = utc_now_iso8601();
  auto loaded = ModelCache::global().get(db, model);
  std::vector<int32_t> ids = loaded->tokenizer().encode(text, /*add_special=*/true);
  InferenceRow row = row_for(*loaded, model, "tokenize", text, started_at, start);
  row.output = nlohmann::json(ids).dump();
  row.prompt_tokens = static_cast<int64_t>(ids.size());
  record_inference(db, row);
  return ids;
}

std::vector<float> run_embed(sqlite3* db, const std::string& model, std::string_view text, int threads) {
  auto start = std::chrono::steady_clock::now();
  std::string started_at = utc_now_iso8601();
  ModelEmbedder embedder(db, model, tensor::shared_pool(threads > 0 ? threads : tensor::hardware_threads()));
  size_t n_tokens = 0;
  std::vector<float> e = embedder.embed_text(text, &n_tokens);
  InferenceRow row = row_for(embedder.model(), model, "embed", text, started_at, start);
  row.output = "float32[" + std::to_string(e.size()) + "]";
  row.prompt_tokens = static_cast<int64_t>(n_tokens);
  record_inference(db, row);
  return e;
}

}  // namespace hart
