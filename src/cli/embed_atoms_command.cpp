// hart embed-atoms FILE [--embedder NAME] [--modality M] [--batch N] — give the atoms an
// embedder takes (those with text; pictures for 'image', recordings for 'audio') a
// vector in the collection atom_vectors_<embedder> (engine/atom_vectors.h): only those
// it lacks, a batch per transaction, so a killed run resumes where it stopped. Atoms it
// could not embed are counted and the first ones named, with the reason.
#include <cstdio>

#include "cli/command.h"
#include "cli/terminal_progress.h"
#include "engine/atom_embedder.h"
#include "engine/atom_vectors.h"

namespace hart {
namespace {

struct EmbedAtomsCommand : Command {
  EmbedAtomsOptions options;
  bool quiet = false;

  int run() override {
    auto db = open_database(db_path);
    TerminalProgress terminal;
    const EmbedAtomsReport r = embed_atoms(*db, options, quiet ? nullptr : &terminal);
    if (r.stats_built)
      std::printf("built the text embedder's document frequencies from the database's text first\n");
    std::printf("%s: embedded %zu atom%s (%zu held before) with '%s'\n", r.collection.c_str(), r.embedded,
                r.embedded == 1 ? "" : "s", r.already, options.embedder.c_str());
    if (r.failed == 0) return 0;
    std::printf("%zu atom%s not embedded:\n", r.failed, r.failed == 1 ? "" : "s");
    for (const EmbedFailure& f : r.failures)
      std::printf("  atom %lld%s%s: %s\n", static_cast<long long>(f.atom_id), f.source_path.empty() ? "" : " ",
                  f.source_path.c_str(), f.reason.c_str());
    if (r.failed > r.failures.size()) std::printf("  ... and %zu more\n", r.failed - r.failures.size());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> embed_atoms_command(CLI::App& parent) {
  auto c = std::make_unique<EmbedAtomsCommand>();
  c->declare(parent, "embed-atoms", "Embed atoms into a vector collection for search").with_file();
  std::string names;
  for (const AtomEmbedderName& b : builtin_atom_embedders())
    names += std::string(names.empty() ? "" : "; ") + "'" + b.name + "': " + b.what;
  c->app->add_option("--embedder", c->options.embedder, names + "; or a stored BERT-family model's name")
      ->capture_default_str();
  c->app->add_option("--modality", c->options.modality, "Only atoms of this modality (text, image, audio, ...)");
  add_integer_option<size_t>(c->app, "--batch", c->options.batch, "Atoms per transaction", 1, 100000);
  c->app->add_flag("--quiet", c->quiet, "No progress output");
  return c;
}

}  // namespace hart
