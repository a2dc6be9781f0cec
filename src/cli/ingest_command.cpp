// hart ingest FILE PATH... — store files and folders of any kind. The work is done by
// the module hart-ingest.so (cli/modules.h), so other commands never load the
// media libraries.
#include <cstdio>

#include "cli/command.h"
#include "cli/modules.h"
#include "cli/terminal_progress.h"
#include "util/progress.h"

namespace hart {
namespace {

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
  if (r.links_skipped)
    std::printf("links leading outside the given paths, not followed (--follow-links follows them): %llu\n",
                static_cast<unsigned long long>(r.links_skipped));
  std::printf("atoms: %llu new, %llu reused; %s stored, %s saved by deduplication; %s read in %.2f s (%s/s)\n",
              static_cast<unsigned long long>(d.atoms_new), static_cast<unsigned long long>(d.atoms_reused),
              format_bytes(d.bytes_stored).c_str(), format_bytes(d.bytes_saved).c_str(),
              format_bytes(r.bytes_read).c_str(), r.seconds, format_bytes(r.seconds > 0 ? r.bytes_read / r.seconds : 0).c_str());
  if (r.atoms_freed) std::printf("atoms no longer used by changed files, removed: %llu\n", static_cast<unsigned long long>(r.atoms_freed));
  print_issues("failed (stored as binary with the error, or not stored)", r.failures);
  print_issues("warnings", r.warnings);
  print_issues("skipped while walking", r.skipped);
  if (!r.stopped.empty()) std::printf("%s\n", r.stopped.c_str());
  return r.failures.empty() && r.stopped.empty() ? 0 : 2;
}

struct IngestCommand : Command {
  std::vector<std::string> paths;
  ContentRunOptions options;
  bool quiet = false;
  int run() override {
    TerminalProgress terminal;
    options.progress = quiet ? nullptr : &terminal;
    options.content.audio.transcribe = options.content.audio.max_transcript_seconds > 0;
    auto db = open_database(db_path);
    return print_content_run(ingest_module().ingest_paths(*db, paths, options));  // validates the options first
  }
};

}  // namespace

std::unique_ptr<Command> ingest_command(CLI::App& parent) {
  auto c = std::make_unique<IngestCommand>();
  ContentOptions& content = c->options.content;
  CLI::App* app = c->declare(parent, "ingest",
                              "Store files and folders of any kind as deduplicated atoms (model files become models); "
                "exit status 2 when some files failed")
                      .with_file().app;
  app->add_option("PATH", c->paths, "Files or folders (a GGUF/safetensors file is stored as a model)")->required();
  app->add_option("--name", c->options.model_name,
                  "Model name for a single model file (default: the file name without extension)");
  app->add_flag("--quiet", c->quiet, "No progress output");
  app->add_flag("--follow-links", c->options.follow_links,
                "Follow symbolic links leading outside the given paths (by default they are skipped and listed)");
  auto shown = [](auto value) { return std::to_string(value); };
  add_integer_option(app, "--passage-size", content.passages.max_bytes, "Passage size in bytes", size_t{1})
      ->default_str(shown(content.passages.max_bytes));
  add_integer_option(app, "--passage-overlap", content.passages.overlap_bytes, "Passage overlap in bytes", size_t{0})
      ->default_str(shown(content.passages.overlap_bytes));
  add_integer_option(app, "--max-depth", content.limits.max_archive_depth, "Archives inside archives, levels",
                     decltype(content.limits.max_archive_depth){0})
      ->default_str(shown(content.limits.max_archive_depth));
  add_integer_option(app, "--max-expansion", content.limits.max_expansion_bytes,
                     "Bytes an archive may unpack to, all levels", decltype(content.limits.max_expansion_bytes){0})
      ->default_str(shown(content.limits.max_expansion_bytes));
  app->add_option("--max-expansion-ratio", content.limits.max_expansion_ratio,
                  "Unpacked / packed size an archive may reach (past 16 MiB)")->capture_default_str();
  add_integer_option(app, "--patch-size", content.image.patch_side,
                     "Image patch side in pixels (grows for big images)", decltype(content.image.patch_side){1})
      ->default_str(shown(content.image.patch_side));
  add_integer_option(app, "--max-patches", content.image.max_patches, "Patches per image at most",
                     decltype(content.image.max_patches){1})
      ->default_str(shown(content.image.max_patches));
  app->add_flag("!--no-ocr", content.image.ocr, "Do not read text in images (Tesseract)");
  // Ranges of these two are checked by ContentRunOptions::validate (CLI11's let NaN through).
  app->add_option("--audio-frame-seconds", content.audio.frame_seconds, "Length of an audio frame atom (0.01 to 3600)")
      ->capture_default_str();
  app->add_option("--max-transcript-seconds", content.audio.max_transcript_seconds,
                  "Longer recordings are not transcribed (0: no transcripts)")
      ->capture_default_str();
  add_integer_option(app, "--threads", c->options.threads, "Files extracted at once (default: all cores)", 1u);
  return c;
}

}  // namespace hart
