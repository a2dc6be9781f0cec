// The one symbol hart-ingest.so exports (see ingest/ingest_module.h).
#include "ingest/ingest_module.h"

extern "C" __attribute__((visibility("default"))) const hart::IngestModule* hart_ingest_module() {
  static const hart::IngestModule module{hart::IngestModuleAbi{}, &hart::ingest_paths};
  return &module;
}
