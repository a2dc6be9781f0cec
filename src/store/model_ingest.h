// Ingestion of a model file (GGUF or safetensors) into the database: one
// transaction, content-addressed chunks stored once, zone maps and tensor
// statistics computed on the way.
#pragma once
#include <cstdint>
#include <string>

#include "store/models.h"

namespace hart {

class Database;
class ProgressSink;

struct IngestOptions {
  std::string name;                  // model name; empty means the file name without extension
  ProgressSink* progress = nullptr;  // where progress goes (bytes of tensor data); null: nowhere
};

struct IngestReport {
  ModelRow model;
  bool already_present = false;  // the same file (by SHA-256) was stored before; nothing written
  uint64_t tensor_bytes = 0;     // tensor data in the file
  uint64_t bytes_written = 0;    // bytes of chunks that were new
  uint64_t bytes_shared = 0;     // bytes of chunks already stored (saved by deduplication)
  uint64_t chunks_new = 0, chunks_shared = 0;
  double seconds = 0;
};

IngestReport ingest_model(Database& db, const std::string& path, const IngestOptions& options);

}  // namespace hart
