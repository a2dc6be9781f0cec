// Writes content atoms: payloads streamed into content-addressed chunks while being
// hashed (never held whole in memory), atoms found or created by SHA-256, relations
// between them, and the deduplication counters the summary reports.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <functional>
#include <optional>
#include <unordered_set>
#include <string>
#include <string_view>
#include <vector>

#include "store/chunk_store.h"
#include "store/database.h"
#include "util/sha256.h"

namespace hart {

// Payloads are cut into chunks of this size (one 64 KiB database page each).
inline constexpr size_t kAtomChunkBytes = 64 * 1024;

// What an atom is, apart from its content.
struct AtomInfo {
  std::string modality;  // text, image, audio, video, document, archive, binary, tensor
  std::string subtype;   // file, member, passage, model, ...
  std::string mime;
  nlohmann::json metadata = nlohmann::json::object();
  std::optional<std::string> text;   // extracted text, when it differs from the payload
  std::optional<std::string> error;  // why extraction failed
  std::optional<int64_t> model_id;
};

struct DedupCounters {
  uint64_t atoms_new = 0, atoms_reused = 0;
  uint64_t bytes_stored = 0;  // payload and passage bytes written
  uint64_t bytes_saved = 0;   // bytes found already stored (whole atoms or chunks)
};

struct StoredAtom {
  int64_t id;
  bool is_new;
};

class AtomStore;

// An atom another database holds: a parallel ingest's worker sees the main database
// this way from its scratch store, so it does not extract known content again.
struct KnownAtom {
  uint64_t size = 0;
  std::string modality;
  std::optional<std::string> error;
};
using KnownAtomLookup = std::function<std::optional<KnownAtom>(const Sha256Digest&)>;

// Feeds a payload piece by piece; chunks are stored as they fill.
class PayloadWriter {
 public:
  explicit PayloadWriter(AtomStore& store) : store_(store) { buffer_.reserve(kAtomChunkBytes); }
  void write(const void* data, size_t n);
  uint64_t size() const { return size_; }

 private:
  friend class AtomStore;
  void flush_chunk();
  AtomStore& store_;
  Sha256Stream whole_;
  std::string buffer_;
  uint64_t size_ = 0;
  std::vector<int64_t> chunk_ids_;
  std::vector<int64_t> new_chunk_ids_;  // dropped again if the atom already exists
  uint64_t new_bytes_ = 0, shared_bytes_ = 0;
};

class AtomStore {
 public:
  explicit AtomStore(Database& db);
  Database& db() { return db_; }
  DedupCounters& counters() { return counters_; }

  // The atom with the payload's SHA-256 if one exists, else a new atom with `info`.
  StoredAtom put_payload(PayloadWriter& payload, const AtomInfo& info);
  // An atom whose content is `bytes` made in memory (a thumbnail, a patch, a frame):
  // stored in chunks like a file's payload.
  StoredAtom put_bytes(std::string_view bytes, const AtomInfo& info);
  // An atom whose content is UTF-8 `text` (no chunks: the text is the content).
  StoredAtom put_text(std::string_view text, const AtomInfo& info);
  // An atom whose content lives elsewhere (a model), known by its digest and size.
  StoredAtom put_digest(const Sha256Digest& digest, uint64_t size, const AtomInfo& info);

  // The stored atom with `digest`, counted as reused (`size` bytes not stored again).
  std::optional<int64_t> reuse(const Sha256Digest& digest, uint64_t size);
  // Counts one more use of an atom of `size` bytes that was found stored.
  void count_reused(uint64_t size) {
    counters_.atoms_reused++;
    counters_.bytes_saved += size;
  }

  // Content this store lacks but `lookup` knows is not new: a stand-in row (subtype
  // 'stand-in', no payload, the known modality and error) takes its place, so it is
  // not extracted again. stand_ins() lists those rows for the merge.
  void look_up_elsewhere(KnownAtomLookup lookup) { elsewhere_ = std::move(lookup); }
  const std::unordered_set<int64_t>& stand_ins() const { return stand_ins_; }

  void relate(int64_t parent, int64_t child, std::string_view relation, int64_t ordinal,
              std::optional<std::string> label = std::nullopt);
  // Records a failed extraction: the atom stays, as a binary atom with the error.
  void mark_failed(int64_t atom_id, std::string_view error);
  struct Problem {
    std::string modality, error;
  };
  // The error recorded on an atom, if any (binary: extraction failed; otherwise a
  // warning such as invalid bytes).
  std::optional<Problem> recorded_problem(int64_t atom_id);
  // Replaces text, metadata, error and modality after extraction.
  void update_extraction(int64_t atom_id, const AtomInfo& info);

 private:
  friend class PayloadWriter;
  std::optional<int64_t> find(const Sha256Digest& digest);
  int64_t insert(const Sha256Digest& digest, uint64_t size, const AtomInfo& info);

  Database& db_;
  ChunkStore chunks_;
  DedupCounters counters_;
  KnownAtomLookup elsewhere_;
  std::unordered_set<int64_t> stand_ins_;
  Stmt find_, insert_, insert_chunk_ref_, relate_, mark_failed_, update_, problem_;
};

}  // namespace hart
