// POST /v1/completions and /v1/chat/completions: a prompt (text, token ids, or a
// conversation rendered by the model's chat template) through the model's batch
// scheduler, answered whole or streamed as server-sent events; every choice is an
// inferences row.
#include <chrono>
#include <ctime>

#include "engine/chat_prompt.h"
#include "server/openai_api.h"
#include "server/server_state.h"

namespace hart::server {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Running {
  std::shared_ptr<GenerationJob> job;
  std::string text;
  std::vector<GeneratedToken> tokens;
  bool done = false;
};

// Ends every choice's generation (an error, or a client that left); their slots free.
void cancel_all(std::vector<Running>& runs) {
  for (Running& run : runs)
    if (run.job) run.job->cancel();
}

// Completions' logprobs object for a choice's tokens (OpenAI's legacy shape).
json completion_logprobs(const std::vector<GeneratedToken>& tokens, const Tokenizer& tok, size_t text_offset) {
  json t = json::array(), lp = json::array(), top = json::array(), off = json::array();
  for (const GeneratedToken& g : tokens) {
    t.push_back(g.text);
    lp.push_back(g.logprob);
    json alternatives = json::object();
    for (const auto& [id, p] : g.top) alternatives[tok.token_bytes(id)] = p;
    top.push_back(g.top.empty() ? json(nullptr) : alternatives);
    off.push_back(text_offset);
    text_offset += g.text.size();
  }
  return {{"tokens", t}, {"token_logprobs", lp}, {"top_logprobs", top}, {"text_offset", off}};
}

// The choice's inferences row, linked to the request's usage row, whose tokens it adds to.
void record_choice(ServerState& state, RequestUsage* usage, const BatchScheduler& s, bool chat, const std::string& model,
                   const std::string& prompt, const GenerationJob& job, const std::string& started_at, Clock::time_point start) {
  const GenerationResult& r = job.result();
  InferenceRow row;
  if (usage) {
    if (const int64_t id = state.ledger.id(*usage)) row.usage_id = id;
    UsageLedger::add(*usage, model, r.prompt_tokens, static_cast<int64_t>(r.tokens.size()));
  }
  row.model_id = s.model().info().id;
  row.model_name = model;
  row.task = chat ? "chat" : "completion";
  row.input = prompt;
  row.output = r.text;
  GenerationOptions used = job.options();
  used.seed = r.seed;
  row.options_json = used.to_json();
  row.started_at = started_at;
  row.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  row.prompt_tokens = r.prompt_tokens;
  row.output_tokens = static_cast<int64_t>(r.tokens.size());
  row.stop_reason = r.stop_reason;
  state.record(row);
}

// The conversation of a chat request made into the model's prompt (its template, or the
// server's --chat-template); a template that fails is the client's 400.
ChatPrompt render_conversation(ServerState& state, const LoadedModel& model, const CompletionRequest& r) {
  ChatPromptOptions co;
  co.chat_template = state.options.chat_template;
  co.chat_template_kwargs = r.chat_template_kwargs;
  try {
    return build_chat_prompt(model, r.model, r.messages, co);
  } catch (const std::exception& e) {
    throw ApiError(400, "invalid_request_error", e.what(), "messages", "chat_template_error");
  }
}

}  // namespace

void handle_apply_template(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const CompletionRequest r = parse_completion_request(req.body, /*chat=*/true);
  ChatPrompt p = render_conversation(state, *state.registry.model(r.model), r);
  res.set_content(json{{"prompt", p.text}, {"tokens", p.ids.size()}}.dump(), "application/json");
}

void handle_completion(ServerState& state, const httplib::Request& req, httplib::Response& res, bool chat) {
  const auto start = Clock::now();
  const std::string started_at = utc_now_iso8601();
  const std::shared_ptr<RequestUsage> usage = state.ledger.of(req);
  CompletionRequest r = parse_completion_request(req.body, chat);
  std::shared_ptr<BatchScheduler> scheduler = state.registry.get(r.model);
  const Tokenizer& tok = scheduler->model().tokenizer();
  const Tokenizer* tokp = &tok;
  std::vector<int32_t> ids = r.prompt_ids, end_ids;
  std::string prompt_text = r.prompt;
  if (chat) {
    ChatPrompt p = render_conversation(state, scheduler->model(), r);
    ids = std::move(p.ids);
    end_ids = std::move(p.end_ids);
    prompt_text = std::move(p.text);
    if (static_cast<int64_t>(ids.size()) >= scheduler->slot_ctx())
      throw ApiError(400, "invalid_request_error",
                     "the conversation is " + std::to_string(ids.size()) +
                         " tokens; this server's context per request is " + std::to_string(scheduler->slot_ctx()) + " tokens",
                     "messages", "context_length_exceeded");
  } else if (ids.empty()) {
    try {
      ids = prompt_tokens(tok, r.prompt, scheduler->slot_ctx(), "this server's context per request");
    } catch (const UsageError& e) {
      throw ApiError(400, "invalid_request_error", e.what(), "prompt", "context_length_exceeded");
    }
  } else {
    for (int32_t id : ids)
      if (id < 0 || id >= tok.vocab_size())
        throw bad_request("prompt token " + std::to_string(id) + " is outside the vocabulary (0.." +
                              std::to_string(tok.vocab_size() - 1) + ")",
                          "prompt");
    prompt_text = tok.decode(ids);
  }
  if (r.logprobs) r.options.top_logprobs = chat ? r.top_logprobs.value_or(0) : *r.logprobs;

  // One job per choice; a seed gives choice i seed + i, so they differ but repeat.
  std::vector<Running> runs(static_cast<size_t>(r.n));
  try {
    for (int i = 0; i < r.n; ++i) {
      GenerationOptions o = r.options;
      if (o.seed) o.seed = *o.seed + static_cast<uint64_t>(i);
      runs[i].job = scheduler->submit(ids, o, end_ids);
    }
  } catch (const QueueFull& e) {
    cancel_all(runs);
    res.set_header("Retry-After", "1");
    throw ApiError(429, "server_overloaded", e.what(), "", "server_busy");
  } catch (const UsageError& e) {
    cancel_all(runs);
    throw ApiError(400, "invalid_request_error", e.what(), "prompt", "context_length_exceeded");
  }
  const std::string id = response_id(chat ? "chatcmpl-" : "cmpl-");
  const int64_t created = static_cast<int64_t>(std::time(nullptr));
  const int prompt_tokens_n = static_cast<int>(ids.size());

  if (!r.stream) {
    std::vector<Choice> choices;
    int completion_tokens = 0;
    for (Running& run : runs) {
      try {
        while (!run.job->next(std::chrono::milliseconds(1000)).done) {
        }
      } catch (const std::exception& e) {
        cancel_all(runs);
        throw ApiError(500, "server_error", std::string("generation failed: ") + e.what());
      }
      const GenerationResult& g = run.job->result();
      Choice c{g.text, finish_reason(g.stop_reason), nullptr};
      if (r.logprobs) c.logprobs = completion_logprobs(g.tokens, tok, 0);
      completion_tokens += static_cast<int>(g.tokens.size());
      choices.push_back(std::move(c));
      record_choice(state, usage.get(), *scheduler, chat, r.model, prompt_text, *run.job, started_at, start);
    }
    res.set_content(completion_response(id, created, r.model, chat, choices, prompt_tokens_n, completion_tokens).dump(),
                    "application/json");
    return;
  }

  // Streaming: one chunk per piece of text as it is final, each choice's finish,
  // the usage when asked, then [DONE]. A client that goes away cancels its jobs.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  auto shared_runs = std::make_shared<std::vector<Running>>(std::move(runs));
  res.set_chunked_content_provider(
      "text/event-stream",
      [&state, usage, scheduler, shared_runs, r, id, created, prompt_tokens_n, chat, prompt_text, started_at, start,
       tokp](size_t, httplib::DataSink& sink) {
        const Tokenizer& tok = *tokp;
        auto& runs = *shared_runs;
        auto write = [&](const std::string& s) { return sink.is_writable() && sink.write(s.data(), s.size()); };
        if (chat)
          for (size_t i = 0; i < runs.size(); ++i)
            if (!write(sse_event(completion_chunk(id, created, r.model, chat, static_cast<int>(i), "", "", true))))
              return false;
        int completion_tokens = 0;
        size_t remaining = runs.size();
        const auto wait = std::chrono::milliseconds(runs.size() == 1 ? 1000 : 5);
        while (remaining) {
          for (size_t i = 0; i < runs.size(); ++i) {
            Running& run = runs[i];
            if (run.done) continue;
            GenerationJob::Update u;
            try {
              u = run.job->next(wait);
            } catch (const std::exception& e) {
              cancel_all(runs);
              write(sse_event(error_body(std::string("generation failed: ") + e.what(), "server_error")));
              sink.done();
              return true;
            }
            if (!u.text.empty()) {
              json lp = r.logprobs ? completion_logprobs(u.tokens, tok, run.text.size()) : json(nullptr);
              if (!write(sse_event(completion_chunk(id, created, r.model, chat, static_cast<int>(i), u.text, "", false, lp)))) {
                cancel_all(runs);
                return false;
              }
            }
            run.text += u.text;
            if (u.done) {
              run.done = true;
              --remaining;
              const GenerationResult& g = run.job->result();
              completion_tokens += static_cast<int>(g.tokens.size());
              record_choice(state, usage.get(), *scheduler, chat, r.model, prompt_text, *run.job, started_at, start);
              if (!write(sse_event(completion_chunk(id, created, r.model, chat, static_cast<int>(i), "",
                                                    finish_reason(g.stop_reason), false)))) {
                cancel_all(runs);
                return false;
              }
            }
          }
        }
        if (r.include_usage && !write(sse_event(usage_chunk(id, created, r.model, chat, prompt_tokens_n, completion_tokens))))
          return false;
        write(kSseDone);
        sink.done();
        return true;
      },
      [shared_runs](bool success) {
        if (!success)
          cancel_all(*shared_runs);
      });
}

}  // namespace hart::server
