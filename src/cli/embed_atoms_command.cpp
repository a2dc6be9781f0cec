// hart embed-atoms FILE [--embedder NAME] [--modality M] [--batch N] — give atoms with
// text a vector in the collection atom_vectors_<embedder> (engine/atom_vectors.h):
// only those it lacks, a batch per transaction, so a killed run resumes where it stopped.
#include <cstdio>

#include "cli/command.h"
#include "cli/terminal_progress.h"
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
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> embed_atoms_command(CLI::App& parent) {
  auto c = std::make_unique<EmbedAtomsCommand>();
  c->declare(parent, "embed-atoms", "Embed atoms' text into a vector collection for search").with_file();
  c->app->add_option("--embedder", c->options.embedder,
                     "'text' (built in, no weights) or a stored BERT-family model's name")
      ->capture_default_str();
  c->app->add_option("--modality", c->options.modality, "Only atoms of this modality (text, image, audio, ...)");
  add_integer_option<size_t>(c->app, "--batch", c->options.batch, "Atoms per transaction", 1, 100000);
  c->app->add_flag("--quiet", c->quiet, "No progress output");
  return c;
}

}  // namespace hart
