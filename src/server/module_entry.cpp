// The one symbol hart-serve.so exports (see server/serve_module.h).
#include <atomic>

#include "server/serve_module.h"

namespace {

std::atomic<hart::server::HttpServer*> g_running{nullptr};

void serve(const hart::server::ServerOptions& options,
           void (*on_listening)(const hart::server::ServerOptions&, int port, bool keys_configured)) {
  hart::server::HttpServer srv(options);
  srv.bind();
  g_running = &srv;
  struct Clear {
    ~Clear() { g_running = nullptr; }
  } clear;
  on_listening(options, srv.port(), srv.keys_configured());
  srv.run();
}

void stop() {
  if (auto* srv = g_running.load()) srv->stop();
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const hart::ServeModule* hart_serve_module() {
  static const hart::ServeModule module{hart::ServeModuleAbi{}, &serve, &stop};
  return &module;
}
