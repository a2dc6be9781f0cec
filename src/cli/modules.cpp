#include "cli/modules.h"

#include <dlfcn.h>

#include <filesystem>

#include "util/error.h"

namespace hart {

namespace {

// Opens `file` beside the hart executable and returns what its entry point returns,
// once its ABI sizes match this build's. The module is never closed: its code runs
// until the process ends.
template <class Module>
const Module& open_module(const char* file, const char* symbol, const char* what) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find the hart executable's folder (/proc/self/exe): " + ec.message());
  const std::string path = (self.parent_path() / file).string();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    throw Error(std::string("cannot load the ") + what + " module: " + dlerror() +
                " (it is built beside hart; rebuild, or reinstall both together)");
  using Entry = const Module* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, symbol));
  if (!entry) throw Error(path + ": not a Hartonomous " + what + " module (no " + symbol + ")");
  const Module* module = entry();
  if (!(module->abi == decltype(module->abi){}))
    throw Error(path + ": built from other sources than this hart; rebuild both together");
  return *module;
}

}  // namespace

const IngestModule& ingest_module() {
  static const IngestModule& module = open_module<IngestModule>(kIngestModuleFile, kIngestModuleSymbol, "ingestion");
  return module;
}

const ServeModule& serve_module() {
  static const ServeModule& module = open_module<ServeModule>(kServeModuleFile, kServeModuleSymbol, "server");
  return module;
}

}  // namespace hart
