// Inference from SQL. Each call loads the model through the process cache, runs it
// from the stored tensors, and records a row in `inferences`.
//
//   SELECT generate('stories260K', 'Once upon a time', '{"max_tokens": 8}');
//   -- , there was a little girl named Lily
//
//   SELECT position, token_id, text, round(logprob, 3)
//     FROM generate_tokens('stories260K', 'Once upon a time', '{"max_tokens": 3}');
//   -- 5 | 432 | ,      | -0.03
//   -- 6 | 383 |  there | -0.02
//   -- 7 | 286 |  was   | -0.01
//
//   SELECT chat('qwen', '[{"role": "user", "content": "Hi"}]', '{"max_tokens": 32}');
//   -- Hello! How can I help you today?
//   (the model's tokenizer.chat_template, or the options' "chat_template": a built-in
//   name such as "chatml" or a template text; "add_generation_prompt", default true)
//
//   SELECT tokenize('stories260K', 'Once upon a time');   -- [1,403,407,261,378]
//
//   SELECT length(embed('bge-small', 'a sentence'));      -- 1536 (384 float32, little-endian)
//
// generate_tokens: columns position, token_id, text, logprob and the hidden
// arguments model, prompt, options (all three must be given as equalities; options
// may be omitted). The whole generation runs in xFilter; rows are then returned.
#include "sql/surface.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/inference.h"
#include "sql/function_args.h"
#include "sql/vtab.h"
#include "util/error.h"

namespace hart {

void generate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (!require_text(ctx, argv[0], "generate", "the model name") || !require_text(ctx, argv[1], "generate", "the prompt"))
    return;
  try {
    GenerationOptions o = parse_generation_options(argc > 2 ? value_text(argv[2]) : "");
    GenerateCall call = run_generate(sqlite3_context_db_handle(ctx), value_text(argv[0]), value_text(argv[1]), o);
    sqlite3_result_text(ctx, call.result.text.c_str(), static_cast<int>(call.result.text.size()), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    std::string msg = std::string("generate: ") + e.what();
    sqlite3_result_error(ctx, msg.c_str(), -1);
  }
}

void chat_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (!require_text(ctx, argv[0], "chat", "the model name") ||
      !require_text(ctx, argv[1], "chat", "the messages (a JSON array of {\"role\", \"content\"} objects)"))
    return;
  try {
    nlohmann::ordered_json messages = nlohmann::ordered_json::parse(value_text(argv[1]), nullptr, false);
    if (messages.is_discarded()) throw UsageError("the messages are not valid JSON");
    ChatPromptOptions chat;
    nlohmann::json options = nlohmann::json::object();
    if (argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_NULL) {
      options = nlohmann::json::parse(value_text(argv[2]), nullptr, false);
      if (options.is_discarded()) throw UsageError("the options are not valid JSON");
    }
    GenerationOptions o = parse_generation_options_object(take_chat_options(std::move(options), chat));
    GenerateCall call = run_chat(sqlite3_context_db_handle(ctx), value_text(argv[0]), messages, chat, o);
    sqlite3_result_text(ctx, call.result.text.c_str(), static_cast<int>(call.result.text.size()), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    std::string msg = std::string("chat: ") + e.what();
    sqlite3_result_error(ctx, msg.c_str(), -1);
  }
}

void tokenize_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (!require_text(ctx, argv[0], "tokenize", "the model name") || !require_text(ctx, argv[1], "tokenize", "the text"))
    return;
  try {
    std::string json = nlohmann::json(run_tokenize(sqlite3_context_db_handle(ctx), value_text(argv[0]), value_text(argv[1]))).dump();
    sqlite3_result_text(ctx, json.c_str(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    std::string msg = std::string("tokenize: ") + e.what();
    sqlite3_result_error(ctx, msg.c_str(), -1);
  }
}

void embed_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (!require_text(ctx, argv[0], "embed", "the model name") || !require_text(ctx, argv[1], "embed", "the text")) return;
  try {
    std::vector<float> e = run_embed(sqlite3_context_db_handle(ctx), value_text(argv[0]), value_text(argv[1]));
    // float32 little-endian, the layout sqlite-vec reads.
    sqlite3_result_blob(ctx, e.data(), static_cast<int>(e.size() * sizeof(float)), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    std::string msg = std::string("embed: ") + e.what();
    sqlite3_result_error(ctx, msg.c_str(), -1);
  }
}

// ---- generate_tokens ----------------------------------------------------------

namespace {

enum Col { kPosition, kTokenId, kText, kLogprob, kModel, kPrompt, kOptions };

struct GenerateTokensTable {
  static constexpr const char* kName = "generate_tokens";
  static constexpr const char* kSchema =
      "CREATE TABLE x(position INTEGER, token_id INTEGER, text TEXT, logprob REAL,"
      " model HIDDEN, prompt HIDDEN, options HIDDEN)";

  // Plan: argv holds model, prompt, then options if bit 0 of idxNum is set.
  static int best_index(sqlite3_index_info& info) {
    int slot[3] = {-1, -1, -1};
    for (int i = 0; i < info.nConstraint; ++i) {
      const auto& c = info.aConstraint[i];
      if (c.op != SQLITE_INDEX_CONSTRAINT_EQ || c.iColumn < kModel) continue;
      if (!c.usable) return SQLITE_CONSTRAINT;  // try another join order
      slot[c.iColumn - kModel] = i;
    }
    if (slot[0] < 0 || slot[1] < 0)
      throw UsageError("give the model and the prompt, e.g. generate_tokens('model', 'prompt')");
    int argc = 0;
    for (int k = 0; k < 3; ++k)
      if (slot[k] >= 0) {
        info.aConstraintUsage[slot[k]].argvIndex = ++argc;
        info.aConstraintUsage[slot[k]].omit = 1;
      }
    info.idxNum = slot[2] >= 0;
    info.estimatedCost = 1e6;
    return SQLITE_OK;
  }

  // The whole generation runs in filter; the rows are then returned.
  class Cursor {
   public:
    explicit Cursor(const VtabContext& ctx) : db_(ctx.db) {}
    void filter(int plan, const char*, int, sqlite3_value** argv) {
      GenerationOptions o = parse_generation_options(plan & 1 ? value_text(argv[2]) : "");
      rows_ = run_generate(db_, value_text(argv[0]), value_text(argv[1]), o).result.tokens;
      i_ = 0;
    }
    void next() { ++i_; }
    bool eof() const { return i_ >= rows_.size(); }
    void column(sqlite3_context* ctx, int col) {
      const GeneratedToken& t = rows_[i_];
      switch (col) {
        case kPosition: sqlite3_result_int(ctx, t.position); break;
        case kTokenId: sqlite3_result_int(ctx, t.id); break;
        case kText: sqlite3_result_text(ctx, t.text.c_str(), static_cast<int>(t.text.size()), SQLITE_TRANSIENT); break;
        case kLogprob: sqlite3_result_double(ctx, t.logprob); break;
        default: sqlite3_result_null(ctx);
      }
    }
    sqlite3_int64 rowid() const { return static_cast<sqlite3_int64>(i_); }

   private:
    sqlite3* db_;
    std::vector<GeneratedToken> rows_;
    size_t i_ = 0;
  };
};

}  // namespace

const sqlite3_module* generate_tokens_module() { return vtab_module<GenerateTokensTable>(); }

}  // namespace hart
