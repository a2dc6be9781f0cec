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
//   SELECT tokenize('stories260K', 'Once upon a time');   -- [1,403,407,261,378]
//
//   SELECT length(embed('bge-small', 'a sentence'));      -- 1536 (384 float32, little-endian)
//
// generate_tokens: columns position, token_id, text, logprob and the hidden
// arguments model, prompt, options (all three must be given as equalities; options
// may be omitted). The whole generation runs in xFilter; rows are then returned.
#include "sql/inference_functions.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/inference.h"
#include "util/error.h"

namespace hart {
namespace {

std::string text_arg(sqlite3_value* v) {
  const unsigned char* p = sqlite3_value_text(v);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_value_bytes(v)) : std::string();
}

bool require_text(sqlite3_context* ctx, sqlite3_value* v, const char* fn, const char* what) {
  if (sqlite3_value_type(v) == SQLITE_TEXT) return true;
  std::string msg = std::string(fn) + ": " + what + " must be text";
  sqlite3_result_error(ctx, msg.c_str(), -1);
  return false;
}

void generate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (!require_text(ctx, argv[0], "generate", "the model name") || !require_text(ctx, argv[1], "generate", "the prompt"))
    return;
  try {
    GenerationOptions o = parse_generation_options(argc > 2 ? text_arg(argv[2]) : "");
    GenerateCall call = run_generate(sqlite3_context_db_handle(ctx), text_arg(argv[0]), text_arg(argv[1]), o);
    sqlite3_result_text(ctx, call.result.text.c_str(), static_cast<int>(call.result.text.size()), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    std::string msg = std::string("generate: ") + e.what();
    sqlite3_result_error(ctx, msg.c_str(), -1);
  }
}

void tokenize_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (!require_text(ctx, argv[0], "tokenize", "the model name") || !require_text(ctx, argv[1], "tokenize", "the text"))
    return;
  try {
    std::string json = nlohmann::json(run_tokenize(sqlite3_context_db_handle(ctx), text_arg(argv[0]), text_arg(argv[1]))).dump();
    sqlite3_result_text(ctx, json.c_str(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    std::string msg = std::string("tokenize: ") + e.what();
    sqlite3_result_error(ctx, msg.c_str(), -1);
  }
}

void embed_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (!require_text(ctx, argv[0], "embed", "the model name") || !require_text(ctx, argv[1], "embed", "the text")) return;
  try {
    std::vector<float> e = run_embed(sqlite3_context_db_handle(ctx), text_arg(argv[0]), text_arg(argv[1]));
    // float32 little-endian, the layout sqlite-vec reads.
    sqlite3_result_blob(ctx, e.data(), static_cast<int>(e.size() * sizeof(float)), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    std::string msg = std::string("embed: ") + e.what();
    sqlite3_result_error(ctx, msg.c_str(), -1);
  }
}

// ---- generate_tokens --------------------------------------------------------

enum Col { kPosition, kTokenId, kText, kLogprob, kModel, kPrompt, kOptions };

struct TokensVtab {
  sqlite3_vtab base;
  sqlite3* db;
};

struct TokensCursor {
  sqlite3_vtab_cursor base;
  sqlite3* db;
  std::vector<GeneratedToken> rows;
  size_t i = 0;
};

int tConnect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char**) {
  int rc = sqlite3_declare_vtab(db,
      "CREATE TABLE x(position INTEGER, token_id INTEGER, text TEXT, logprob REAL,"
      " model HIDDEN, prompt HIDDEN, options HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  auto* vt = new TokensVtab{};
  vt->db = db;
  *out = &vt->base;
  return SQLITE_OK;
}

int tDisconnect(sqlite3_vtab* vt) {
  delete reinterpret_cast<TokensVtab*>(vt);
  return SQLITE_OK;
}

// Plan: argv holds model, prompt, then options if bit 0 of idxNum is set.
int tBestIndex(sqlite3_vtab* vt, sqlite3_index_info* info) {
  int slot[3] = {-1, -1, -1};
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.op != SQLITE_INDEX_CONSTRAINT_EQ || c.iColumn < kModel) continue;
    if (!c.usable) return SQLITE_CONSTRAINT;  // try another join order
    slot[c.iColumn - kModel] = i;
  }
  if (slot[0] < 0 || slot[1] < 0) {
    sqlite3_free(vt->zErrMsg);
    vt->zErrMsg = sqlite3_mprintf("generate_tokens: give the model and the prompt, e.g. generate_tokens('model', 'prompt')");
    return SQLITE_ERROR;
  }
  int argc = 0;
  for (int k = 0; k < 3; ++k)
    if (slot[k] >= 0) {
      info->aConstraintUsage[slot[k]].argvIndex = ++argc;
      info->aConstraintUsage[slot[k]].omit = 1;
    }
  info->idxNum = slot[2] >= 0;
  info->estimatedCost = 1e6;
  return SQLITE_OK;
}

int tOpen(sqlite3_vtab* vt, sqlite3_vtab_cursor** out) {
  auto* c = new TokensCursor{};
  c->db = reinterpret_cast<TokensVtab*>(vt)->db;
  *out = &c->base;
  return SQLITE_OK;
}

int tClose(sqlite3_vtab_cursor* cur) {
  delete reinterpret_cast<TokensCursor*>(cur);
  return SQLITE_OK;
}

int tFilter(sqlite3_vtab_cursor* cur, int plan, const char*, int, sqlite3_value** argv) {
  auto* c = reinterpret_cast<TokensCursor*>(cur);
  try {
    GenerationOptions o = parse_generation_options(plan & 1 ? text_arg(argv[2]) : "");
    c->rows = run_generate(c->db, text_arg(argv[0]), text_arg(argv[1]), o).result.tokens;
    c->i = 0;
    return SQLITE_OK;
  } catch (const std::exception& e) {
    sqlite3_free(cur->pVtab->zErrMsg);
    cur->pVtab->zErrMsg = sqlite3_mprintf("generate_tokens: %s", e.what());
    return SQLITE_ERROR;
  }
}

int tNext(sqlite3_vtab_cursor* cur) {
  reinterpret_cast<TokensCursor*>(cur)->i++;
  return SQLITE_OK;
}

int tEof(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<TokensCursor*>(cur);
  return c->i >= c->rows.size();
}

int tColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = reinterpret_cast<TokensCursor*>(cur);
  const GeneratedToken& t = c->rows[c->i];
  switch (col) {
    case kPosition: sqlite3_result_int(ctx, t.position); break;
    case kTokenId: sqlite3_result_int(ctx, t.id); break;
    case kText: sqlite3_result_text(ctx, t.text.c_str(), static_cast<int>(t.text.size()), SQLITE_TRANSIENT); break;
    case kLogprob: sqlite3_result_double(ctx, t.logprob); break;
    default: sqlite3_result_null(ctx);
  }
  return SQLITE_OK;
}

int tRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(reinterpret_cast<TokensCursor*>(cur)->i);
  return SQLITE_OK;
}

sqlite3_module kTokensModule = {
    .iVersion = 0, .xCreate = nullptr, .xConnect = tConnect, .xBestIndex = tBestIndex,
    .xDisconnect = tDisconnect, .xDestroy = nullptr, .xOpen = tOpen, .xClose = tClose,
    .xFilter = tFilter, .xNext = tNext, .xEof = tEof, .xColumn = tColumn, .xRowid = tRowid,
};

}  // namespace

int register_inference_functions(sqlite3* db) {
  int rc = SQLITE_OK;
  for (int argc : {2, 3})
    if ((rc = sqlite3_create_function(db, "generate", argc, SQLITE_UTF8, nullptr, generate_fn, nullptr, nullptr)))
      return rc;
  if ((rc = sqlite3_create_function(db, "tokenize", 2, SQLITE_UTF8, nullptr, tokenize_fn, nullptr, nullptr))) return rc;
  if ((rc = sqlite3_create_function(db, "embed", 2, SQLITE_UTF8, nullptr, embed_fn, nullptr, nullptr))) return rc;
  return sqlite3_create_module(db, "generate_tokens", &kTokensModule, nullptr);
}

}  // namespace hart
