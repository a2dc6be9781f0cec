// hart — the command-line face of the Hartonomous engine.
//
//   hart init demo.db
//   hart ingest demo.db stories260K.gguf
//   hart ingest demo.db ~/Documents photos.zip     (files and folders of any kind)
//   hart rm-source demo.db ~/Documents
//   hart models demo.db
//   hart tensors demo.db stories260K
//   hart sql demo.db "SELECT count(*) FROM weights WHERE model = 'stories260K'"
//   hart export demo.db stories260K --format gguf out.gguf
//   hart rm demo.db stories260K
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/ingest_module.h"
#include "cli/table_printer.h"
#include "ingest/run/ingest_run.h"
#include "store/atoms.h"
#include "engine/inference.h"
#include "sql/register.h"
#include "store/database.h"
#include "store/model_export.h"
#include "store/model_ingest.h"
#include "store/models.h"
#include "util/error.h"
#include "util/progress.h"

namespace hart {
namespace {

struct OutputFlags {
  bool csv = false, json = false;
  OutputMode mode() const { return json ? OutputMode::kJson : csv ? OutputMode::kCsv : OutputMode::kTable; }
};

void add_output_flags(CLI::App* cmd, OutputFlags& f) {
  auto* csv = cmd->add_flag("--csv", f.csv, "Print CSV");
  cmd->add_flag("--json", f.json, "Print a JSON array of objects")->excludes(csv);
}

// Runs every statement in `sql`, printing the rows of those that return any.
void run_sql(Database& db, const std::string& sql, OutputMode mode) {
  const char* tail = sql.c_str();
  while (*tail) {
    sqlite3_stmt* st = nullptr;
    const char* next = nullptr;
    if (sqlite3_prepare_v2(db.handle(), tail, -1, &st, &next) != SQLITE_OK)
      throw Error(std::string("SQL error: ") + sqlite3_errmsg(db.handle()));
    tail = next;
    if (!st) continue;  // whitespace or a comment
    try {
      ResultTable t = collect(st);
      if (!t.columns.empty()) print_table(t, mode, stdout);
    } catch (...) {
      sqlite3_finalize(st);
      throw;
    }
    sqlite3_finalize(st);
  }
}

void print_ingest(const IngestReport& r) {
  const ModelRow& m = r.model;
  if (r.already_present) {
    std::printf("already stored: this file is model '%s' (sha256 %s); nothing written\n", m.name.c_str(),
                m.source_sha256.c_str());
    return;
  }
  std::printf("stored model '%s' (%s, %s): %lld parameters in %lld tensors, %s of tensor data\n", m.name.c_str(),
              m.architecture.c_str(), m.format.c_str(), static_cast<long long>(m.parameter_count),
              static_cast<long long>(m.n_tensors), format_bytes(r.tensor_bytes).c_str());
  std::printf("chunks: %llu new (%s written), %llu already stored (%s saved by deduplication); %.2f s, %s/s\n",
              static_cast<unsigned long long>(r.chunks_new), format_bytes(r.bytes_written).c_str(),
              static_cast<unsigned long long>(r.chunks_shared), format_bytes(r.bytes_shared).c_str(), r.seconds,
              format_bytes(r.seconds > 0 ? r.tensor_bytes / r.seconds : 0).c_str());
}

void print_issues(const char* title, const std::vector<ContentIssue>& issues) {
  if (issues.empty()) return;
  std::printf("%s (%zu):\n", title, issues.size());
  for (const ContentIssue& i : issues) std::printf("  %s: %s\n", i.where.c_str(), i.error.c_str());
}

// Returns the exit status: 0, or 2 when some files could not be stored as intended.
int print_content_run(const ContentRunReport& r) {
  for (const IngestReport& m : r.models) print_ingest(m);
  const DedupCounters& d = r.dedup;
  std::printf("files: %llu found, %llu ingested, %llu unchanged (skipped), %llu failed; %llu ignored by .hartignore\n",
              static_cast<unsigned long long>(r.files), static_cast<unsigned long long>(r.files_ingested),
              static_cast<unsigned long long>(r.files_unchanged), static_cast<unsigned long long>(r.failures.size()),
              static_cast<unsigned long long>(r.ignored));
  std::printf("atoms: %llu new, %llu reused; %s stored, %s saved by deduplication; %s read in %.2f s (%s/s)\n",
              static_cast<unsigned long long>(d.atoms_new), static_cast<unsigned long long>(d.atoms_reused),
              format_bytes(d.bytes_stored).c_str(), format_bytes(d.bytes_saved).c_str(),
              format_bytes(r.bytes_read).c_str(), r.seconds, format_bytes(r.seconds > 0 ? r.bytes_read / r.seconds : 0).c_str());
  if (r.atoms_freed) std::printf("atoms no longer used by changed files, removed: %llu\n", static_cast<unsigned long long>(r.atoms_freed));
  print_issues("failed (stored as binary with the error, or not stored)", r.failures);
  print_issues("warnings", r.warnings);
  print_issues("skipped while walking", r.skipped);
  return r.failures.empty() ? 0 : 2;
}

int run(int argc, char** argv) {
  CLI::App app{"hart — models and content in one SQL database"};
  app.require_subcommand(1);
  std::string db_path, model_name, name, out_path, format = "gguf", query;
  bool quiet = false;
  OutputFlags out;

  auto* init = app.add_subcommand("init", "Create a new database file");
  init->add_option("FILE", db_path, "Database file to create")->required();

  std::vector<std::string> ingest_paths_arg, rm_paths;
  ContentRunOptions content;
  auto* ingest = app.add_subcommand(
      "ingest", "Store files and folders of any kind as deduplicated atoms (model files become models); "
                "exit status 2 when some files failed");
  ingest->add_option("FILE", db_path, "Database file")->required();
  ingest->add_option("PATH", ingest_paths_arg, "Files or folders (a GGUF/safetensors file is stored as a model)")
      ->required();
  ingest->add_option("--name", name, "Model name for a single model file (default: the file name without extension)");
  ingest->add_flag("--quiet", quiet, "No progress output");
  ingest->add_option("--passage-size", content.content.passages.max_bytes, "Passage size in bytes")
      ->check(CLI::PositiveNumber)->capture_default_str();
  ingest->add_option("--passage-overlap", content.content.passages.overlap_bytes, "Passage overlap in bytes")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  ingest->add_option("--max-depth", content.content.limits.max_archive_depth, "Archives inside archives, levels")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  ingest->add_option("--max-expansion", content.content.limits.max_expansion_bytes,
                     "Bytes an archive may unpack to, all levels")->capture_default_str();
  ingest->add_option("--max-expansion-ratio", content.content.limits.max_expansion_ratio,
                     "Unpacked / packed size an archive may reach (past 16 MiB)")->capture_default_str();
  ingest->add_option("--patch-size", content.content.image.patch_side, "Image patch side in pixels (grows for big images)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  ingest->add_option("--max-patches", content.content.image.max_patches, "Patches per image at most")
      ->check(CLI::PositiveNumber)->capture_default_str();
  ingest->add_flag("!--no-ocr", content.content.image.ocr, "Do not read text in images (Tesseract)");
  ingest->add_option("--audio-frame-seconds", content.content.audio.frame_seconds, "Length of an audio frame atom")
      ->check(CLI::Range(0.01, 3600.0))->capture_default_str();
  ingest->add_option("--max-transcript-seconds", content.content.audio.max_transcript_seconds,
                     "Longer recordings are not transcribed (0: no transcripts)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();

  ingest->add_option("--threads", content.threads, "Files extracted at once (default: all cores)")
      ->check(CLI::PositiveNumber);

  auto* rm_source = app.add_subcommand("rm-source", "Forget ingested files or folders; free atoms nothing else uses");
  rm_source->add_option("FILE", db_path, "Database file")->required();
  rm_source->add_option("PATH", rm_paths, "Files or folders as they were ingested")->required();

  auto* models = app.add_subcommand("models", "List stored models");
  models->add_option("FILE", db_path, "Database file")->required();
  add_output_flags(models, out);

  auto* tensors = app.add_subcommand("tensors", "List a model's tensors");
  tensors->add_option("FILE", db_path, "Database file")->required();
  tensors->add_option("MODEL", model_name, "Model name")->required();
  add_output_flags(tensors, out);

  auto* rm = app.add_subcommand("rm", "Remove a model; chunks no other model uses are freed");
  rm->add_option("FILE", db_path, "Database file")->required();
  rm->add_option("MODEL", model_name, "Model name")->required();

  auto* exp = app.add_subcommand("export", "Write a stored model as GGUF or safetensors");
  exp->add_option("FILE", db_path, "Database file")->required();
  exp->add_option("MODEL", model_name, "Model name")->required();
  exp->add_option("OUT", out_path, "Output file")->required();
  exp->add_option("--format", format, "gguf or safetensors")->check(CLI::IsMember({"gguf", "safetensors"}));

  auto* gen = app.add_subcommand("generate", "Generate text with a stored model, streaming tokens as they come");
  gen->add_option("FILE", db_path, "Database file")->required();
  gen->add_option("MODEL", model_name, "Model name")->required();
  gen->add_option("PROMPT", query, "The prompt (may be empty)")->required();
  std::string options_json;
  int max_tokens = 0, threads = 0, top_k = -1;
  double temperature = -1, top_p = -1;
  long long seed = -1;
  gen->add_option("--options", options_json, "Options as JSON (see README), e.g. '{\"stop\": [\"\\n\"]}'");
  gen->add_option("--max-tokens,-n", max_tokens, "New tokens at most")->check(CLI::PositiveNumber);
  gen->add_option("--temperature,-t", temperature, "0 = greedy")->check(CLI::NonNegativeNumber);
  gen->add_option("--top-k", top_k, "0 = all")->check(CLI::NonNegativeNumber);
  gen->add_option("--top-p", top_p, "Nucleus sampling mass")->check(CLI::Range(0.0, 1.0));
  gen->add_option("--seed", seed, "Random seed")->check(CLI::NonNegativeNumber);
  gen->add_option("--threads", threads, "Threads (default: all cores)")->check(CLI::PositiveNumber);

  auto* tok = app.add_subcommand("tokenize", "Show the token ids a model's tokenizer gives a text");
  tok->add_option("FILE", db_path, "Database file")->required();
  tok->add_option("MODEL", model_name, "Model name")->required();
  tok->add_option("TEXT", query, "Text")->required();

  auto* emb = app.add_subcommand("embed", "Print a BERT-family model's sentence embedding of a text (JSON array)");
  emb->add_option("FILE", db_path, "Database file")->required();
  emb->add_option("MODEL", model_name, "Model name")->required();
  emb->add_option("TEXT", query, "Text")->required();

  auto* sql = app.add_subcommand("sql", "Run SQL (all Hartonomous functions and tables available)");
  sql->add_option("FILE", db_path, "Database file")->required();
  sql->add_option("QUERY", query, "One or more SQL statements")->required();
  add_output_flags(sql, out);

  CLI11_PARSE(app, argc, argv);

  if (*init) {
    Database db(db_path, Database::Mode::kCreate);
    std::printf("created %s\n", db_path.c_str());
    return 0;
  }
  Database db(db_path, Database::Mode::kOpenExisting);
  register_sql(db);
  if (*ingest) {
    if (!name.empty() && ingest_paths_arg.size() != 1)
      throw UsageError("--name names one model file; give a single PATH with it");
    content.model_name = name;
    content.quiet = quiet;
    content.content.audio.transcribe = content.content.audio.max_transcript_seconds > 0;
    if (content.content.passages.overlap_bytes >= content.content.passages.max_bytes)
      throw UsageError("--passage-overlap must be smaller than --passage-size");
    return print_content_run(ingest_module().ingest_paths(db, ingest_paths_arg, content));
  } else if (*rm_source) {
    for (const std::string& p : rm_paths) {
      SourceRemoval r = remove_source(db, p);
      std::printf("removed %lld source(s) under %s; freed %lld atoms (%s of chunks) nothing else used\n",
                  static_cast<long long>(r.sources), source_path(p).c_str(), static_cast<long long>(r.atoms_freed),
                  format_bytes(static_cast<double>(r.bytes_freed)).c_str());
    }
  } else if (*models) {
    run_sql(db,
            "SELECT name, architecture, format, parameter_count AS parameters, n_tensors AS tensors,"
            " n_bytes AS bytes, substr(source_sha256, 1, 16) AS sha256, created_at FROM models ORDER BY id",
            out.mode());
  } else if (*tensors) {
    ModelRow m = require_model(db, model_name);
    run_sql(db,
            "SELECT position AS pos, name, layer, kind, shape, dtype, n_elements AS elements, n_bytes AS bytes,"
            " round(v_min, 6) AS min, round(v_max, 6) AS max, round(v_std, 6) AS std"
            " FROM tensors WHERE model_id = " + std::to_string(m.id) + " ORDER BY position",
            out.mode());
  } else if (*rm) {
    RemoveReport r = remove_model(db, model_name);
    std::printf("removed model '%s'; freed %lld chunks (%s) no other model used\n", model_name.c_str(),
                static_cast<long long>(r.chunks_freed), format_bytes(static_cast<double>(r.bytes_freed)).c_str());
  } else if (*exp) {
    ExportReport r = export_model(db, model_name, format == "gguf" ? ExportFormat::kGguf : ExportFormat::kSafetensors,
                                  out_path);
    std::printf("wrote %s: %lld tensors, %s\n", r.path.c_str(), static_cast<long long>(r.tensors),
                format_bytes(static_cast<double>(r.bytes)).c_str());
  } else if (*gen) {
    // Flags override the same keys in --options.
    nlohmann::json o = options_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(options_json, nullptr, false);
    if (o.is_discarded() || !o.is_object()) throw UsageError("--options: not a JSON object: " + options_json);
    if (max_tokens > 0) o["max_tokens"] = max_tokens;
    if (temperature >= 0) o["temperature"] = temperature;
    if (top_k >= 0) o["top_k"] = top_k;
    if (top_p >= 0) o["top_p"] = top_p;
    if (seed >= 0) o["seed"] = seed;
    if (threads > 0) o["threads"] = threads;
    GenerationOptions opts = parse_generation_options(o.dump());
    std::fputs(query.c_str(), stdout);
    std::fflush(stdout);
    GenerateCall call = run_generate(db.handle(), model_name, query, opts, [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
      return true;
    });
    const GenerationResult& r = call.result;
    std::printf("\n");
    std::fflush(stdout);  // the text ends before the statistics line, even through a pipe
    std::fprintf(stderr, "[%d prompt tokens in %.1f ms (%.0f tok/s); %zu generated in %.1f ms (%.0f tok/s); stop: %s; seed %llu; inference #%lld]\n",
                 r.prompt_tokens, r.prompt_seconds * 1e3, r.prompt_tokens / std::max(r.prompt_seconds, 1e-9),
                 r.tokens.size(), r.generate_seconds * 1e3, r.tokens.size() / std::max(r.generate_seconds, 1e-9),
                 r.stop_reason.c_str(), static_cast<unsigned long long>(r.seed), static_cast<long long>(call.inference_id));
  } else if (*emb) {
    std::printf("%s\n", nlohmann::json(run_embed(db.handle(), model_name, query)).dump().c_str());
  } else if (*tok) {
    std::vector<int32_t> ids = run_tokenize(db.handle(), model_name, query);
    std::printf("%s\n", nlohmann::json(ids).dump().c_str());
  } else if (*sql) {
    run_sql(db, query, out.mode());
  }
  return 0;
}

}  // namespace
}  // namespace hart

int main(int argc, char** argv) {
  // SQLite's memory statistics take a process-wide mutex on every allocation, which
  // parallel ingest threads then fight over; settable only before SQLite initialises.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  try {
    return hart::run(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "hart: error: %s\n", e.what());
    return 1;
  }
}
