#include "cli/ingest_module.h"

#include <dlfcn.h>

#include <filesystem>

#include "util/error.h"

namespace hart {

namespace {

const IngestModule& open_module() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find the hart executable's folder (/proc/self/exe): " + ec.message());
  const std::string path = (self.parent_path() / kIngestModuleFile).string();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    throw Error(std::string("cannot load the ingestion module: ") + dlerror() +
                " (it is built beside hart; rebuild, or reinstall both together)");
  auto entry = reinterpret_cast<IngestModuleEntry>(dlsym(handle, kIngestModuleSymbol));
  if (!entry) throw Error(path + ": not a Hartonomous ingestion module (no " + kIngestModuleSymbol + ")");
  const IngestModule* module = entry();
  if (!(module->abi == IngestModuleAbi{}))
    throw Error(path + ": built from other sources than this hart; rebuild both together");
  return *module;  // never closed: its code runs until the process ends
}

}  // namespace

const IngestModule& ingest_module() {
  static const IngestModule& module = open_module();
  return module;
}

}  // namespace hart
