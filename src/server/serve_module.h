// The server as a loadable module: cpp-httplib and the OpenSSL, zlib and brotli it
// brings are loaded only by `hart serve`. `hart` opens hart-serve.so from its own folder
// (cli/modules.h) and calls through this table.
#pragma once
#include <cstddef>

#include "server/http_server.h"

namespace hart {

inline constexpr char kServeModuleFile[] = "hart-serve.so";
inline constexpr char kServeModuleSymbol[] = "hart_serve_module";

// Both sides were built from the same sources when these sizes agree.
struct ServeModuleAbi {
  size_t options = sizeof(server::ServerOptions);
  size_t limits = sizeof(server::SchedulerLimits);
  bool operator==(const ServeModuleAbi&) const = default;
};

struct ServeModule {
  ServeModuleAbi abi;
  // Binds (an Error if it cannot), calls on_listening with the bound port, then serves
  // until stop() — one server per process.
  void (*serve)(const server::ServerOptions& options,
                void (*on_listening)(const server::ServerOptions&, int port, bool keys_configured));
  // Called from a signal handler: it only shuts the listening socket (system calls)
  // once serve() is running, and does nothing before.
  void (*stop)();
};

}  // namespace hart
