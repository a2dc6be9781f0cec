// Evaluation from SQL (engine/evaluation.h): perplexity as llama-perplexity computes
// it, and a teacher compared with a student on the same text.
//
//   SELECT hart_perplexity('stories260K', CAST(readfile('wiki.test.raw') AS TEXT), 128);
//   -- 125.547 (6,322 chunks; readfile is the sqlite3 shell's, and returns a BLOB)
//   SELECT json_extract(eval('stories260K', :text, '{"ctx": 128, "chunks": 4}'), '$.standard_error');
//   SELECT compare_models('teacher', 'student', :text, '{"ctx": 128, "gen_tokens": 32}');
//   -- {"teacher": {...}, "student": {...}, "mean_kl": ..., "top1_agreement": ..., ...}
//
// Options (JSON): ctx, chunks, threads, gen_tokens; unknown keys are errors naming them.
#include <string>

#include "engine/evaluation.h"
#include "store/database.h"
#include "store/model_evaluations.h"
#include "sql/surface.h"
#include "sql/function_args.h"
#include "sql/vtab.h"

namespace hart {
namespace {

void result_json(sqlite3_context* ctx, const std::string& json) {
  sqlite3_result_text(ctx, json.c_str(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
}

void result_error(sqlite3_context* ctx, const char* fn, const std::exception& e) {
  std::string msg = std::string(fn) + ": " + e.what();
  sqlite3_result_error(ctx, msg.c_str(), -1);
}

}  // namespace

void perplexity_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (!require_text(ctx, argv[0], "perplexity", "the model name") ||
      !require_text(ctx, argv[1], "perplexity", "the text"))
    return;
  if (argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_INTEGER) {
    sqlite3_result_error(ctx, "perplexity: ctx must be an integer (tokens per chunk)", -1);
    return;
  }
  try {
    EvalOptions o;
    if (argc > 2) o = EvalOptions::parse("{\"ctx\": " + std::to_string(sqlite3_value_int64(argv[2])) + "}");
    sqlite3_result_double(
        ctx, run_perplexity(sqlite3_context_db_handle(ctx), value_text(argv[0]), value_text(argv[1]), o).perplexity);
  } catch (const std::exception& e) {
    result_error(ctx, "perplexity", e);
  }
}

void eval_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (!require_text(ctx, argv[0], "eval", "the model name") || !require_text(ctx, argv[1], "eval", "the text")) return;
  try {
    const EvalOptions o = EvalOptions::parse(argc > 2 ? value_text(argv[2]) : "");
    result_json(ctx, run_perplexity(sqlite3_context_db_handle(ctx), value_text(argv[0]), value_text(argv[1]), o).to_json());
  } catch (const std::exception& e) {
    result_error(ctx, "eval", e);
  }
}

void compare_models_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (!require_text(ctx, argv[0], "compare_models", "the teacher's name") ||
      !require_text(ctx, argv[1], "compare_models", "the student's name") ||
      !require_text(ctx, argv[2], "compare_models", "the text"))
    return;
  try {
    const EvalOptions o = EvalOptions::parse(argc > 3 ? value_text(argv[3]) : "");
    const std::string json =
        run_comparison(sqlite3_context_db_handle(ctx), value_text(argv[0]), value_text(argv[1]), value_text(argv[2]), o)
            .to_json();
    Database db(sqlite3_context_db_handle(ctx));
    record_evaluation(db, value_text(argv[1]), value_text(argv[0]), "", json);
    result_json(ctx, json);
  } catch (const std::exception& e) {
    result_error(ctx, "compare_models", e);
  }
}

}  // namespace hart
