// Opens hart-ingest.so, which sits beside the `hart` executable, on first use.
#pragma once
#include "ingest/ingest_module.h"

namespace hart {

// Throws Error naming the module's path when it is missing, fails to load, or comes
// from another build.
const IngestModule& ingest_module();

}  // namespace hart
