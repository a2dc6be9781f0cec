// The one way a model gets into the database: a ModelWriter takes tensors (bytes in
// memory, a parsed file's data section, or another stored tensor's chunk list) and
// makes the model visible whole, or not at all. ingest_model (a file) goes through it;
// so do models written from memory and models derived from others (subsets,
// students), which have no source file.
//
// Bytes are cut by the chunk layout (store/chunk_layout.h), hashed and summarised
// (zone maps, statistics) on a worker thread, and stored once per distinct chunk, in
// batches of about 32 MiB or 250 ms per transaction so that other writers get the lock
// in between; the chunks are reserved for the model meanwhile (store/pending_writes.h).
// The models, tensors and tensor_chunks rows are written in one short final
// transaction. A tensor taken from another model copies no bytes: the new
// tensor_chunks rows point at the same chunks (the schema's triggers count them).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/model_file.h"
#include "store/models.h"
#include "store/tensor_data.h"

namespace hart {

class Database;
class ProgressTask;

// What a new model is, apart from its tensors.
struct NewModel {
  std::string name;                   // unique in the database, 1..200 bytes
  std::string architecture;           // "llama", "gpt2", ...; empty: "unknown"
  std::string format = "gguf";        // what `export` reproduces by default: gguf or safetensors
  uint32_t format_version = 3;        // GGUF version (2 or 3); 0 for safetensors
  uint64_t alignment = 32;            // GGUF data alignment; 8 for safetensors
  ordered_json metadata = ordered_json::object();        // key -> value, in order
  ordered_json metadata_types = ordered_json::object();  // key -> type tag (formats/model_file.h)
  std::string config;                 // a Hugging Face config.json, or empty
  int64_t parent_id = 0;              // the stored model it derives from; 0: none
  ordered_json derivation;            // how it was made: a JSON object, or null (read from a file)
};

// A model like `parent` (architecture, format, metadata, config) that derives from
// it; `derivation` (an object, e.g. {"kind": "subset", "tensors": [...]}) gets
// "parent": the parent's name, which stays readable after the parent is removed.
NewModel derived_model(Database& db, const ModelRow& parent, std::string name, ordered_json derivation);

// The file a model was read from.
struct ModelSource {
  std::string path;    // absolute
  std::string sha256;  // hex SHA-256 of the whole file
  uint64_t size = 0;
};

struct WriteCounters {
  uint64_t tensor_bytes = 0;                   // bytes of all tensors added
  uint64_t bytes_written = 0, chunks_new = 0;  // chunks that were not stored before
  uint64_t bytes_shared = 0, chunks_shared = 0;  // chunks already stored (or reused by reference)
};

// Throws UsageError when a model name is empty or longer than 200 bytes.
void check_model_name(std::string_view name);

class ModelWriter {
 public:
  // Reserves the name (a short transaction; the connection must be outside one).
  // UsageError (nothing written) when the name is invalid, stored or being written by
  // another writer, the format unknown, the metadata not two objects with a type for
  // every key, or the parent missing. Writes abandoned by crashed processes are
  // reclaimed first. `progress` (optional) advances by tensor bytes.
  ModelWriter(Database& db, const NewModel& model, ProgressTask* progress = nullptr);
  ~ModelWriter();  // releases what was stored unless commit() succeeded
  ModelWriter(const ModelWriter&) = delete;
  ModelWriter& operator=(const ModelWriter&) = delete;

  // A tensor whose `n` bytes are at `bytes` (outermost dimension first in `shape`).
  // UsageError, before anything is written, when the name is empty or already added,
  // or `n` is not the size of `shape` elements of `dtype`.
  void add_tensor(const std::string& name, const std::vector<uint64_t>& shape, DType dtype, const void* bytes,
                  size_t n);
  // Every tensor of a parsed model file (formats/model_reader.h validated it), whose
  // data section starts at `data`; hashing runs ahead of the inserts on a second core.
  void add_tensors(const ModelFile& layout, const uint8_t* data);
  // A stored tensor (of any model), by reference: its chunks, zone maps and statistics,
  // no bytes copied. `name` empty keeps the tensor's name.
  void add_tensor_from(const TensorRow& tensor, const std::string& name = "");

  // Makes the model visible in one transaction (models, tensors and tensor_chunks rows,
  // the source file if there is one); returns the stored row. When `source` is given
  // and a model of the same file (SHA-256) was stored meanwhile by another writer,
  // nothing is added, that model is returned and already_stored() is true. An Error if
  // an earlier add failed part way.
  ModelRow commit(const std::optional<ModelSource>& source = std::nullopt);

  bool already_stored() const;
  const WriteCounters& counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hart
