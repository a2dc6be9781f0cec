// The modules `hart` opens from its own folder on first use, so that only the commands
// that need their libraries load them: hart-ingest.so (media libraries) for `hart
// ingest`, hart-serve.so (cpp-httplib, OpenSSL) for `hart serve`.
#pragma once
#include "ingest/ingest_module.h"
#include "server/serve_module.h"

namespace hart {

// Each throws Error naming the module's path when it is missing, fails to load, or
// comes from another build.
const IngestModule& ingest_module();
const ServeModule& serve_module();

}  // namespace hart
