// The content-addressed chunk store shared by tensors and atoms: a chunk is stored
// once per distinct SHA-256; its users (tensor_chunks, atom_chunks rows) count it
// through triggers.
#pragma once
#include <cstdint>

#include "store/database.h"
#include "util/sha256.h"

namespace hart {

class ChunkStore {
 public:
  explicit ChunkStore(Database& db);

  struct Put {
    int64_t id;
    bool is_new;  // false: an identical chunk was already stored
  };
  // Finds the chunk with digest `h`, or stores `n` bytes at `p` under it.
  Put put(const Sha256Digest& h, const void* p, uint64_t n);
  // Removes a chunk nothing references yet (one put by a writer whose result was
  // discarded); a referenced chunk is left alone.
  void drop_if_unused(int64_t id);

 private:
  Database& db_;
  Stmt find_, insert_chunk_, insert_data_, drop_data_, drop_chunk_;
};

}  // namespace hart
