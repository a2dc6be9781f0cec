// hart export FILE MODEL OUT [--format gguf|safetensors] — write a stored model.
#include <cstdio>

#include "cli/command.h"
#include "store/model_export.h"
#include "util/progress.h"

namespace hart {
namespace {

struct ExportCommand : Command {
  std::string out_path, format = "gguf";
  int run() override {
    auto db = open_database(db_path);
    ExportReport r = export_model(*db, model, format == "gguf" ? ExportFormat::kGguf : ExportFormat::kSafetensors,
                                  out_path);
    std::printf("wrote %s: %lld tensors, %s\n", r.path.c_str(), static_cast<long long>(r.tensors),
                format_bytes(static_cast<double>(r.bytes)).c_str());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> export_command(CLI::App& parent) {
  auto c = std::make_unique<ExportCommand>();
  c->declare(parent, "export", "Write a stored model as GGUF or safetensors").with_file().with_model();
  c->app->add_option("OUT", c->out_path, "Output file")->required();
  c->app->add_option("--format", c->format, "gguf or safetensors")->check(CLI::IsMember({"gguf", "safetensors"}));
  return c;
}

}  // namespace hart
