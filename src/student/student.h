// Students by SELECT: a smaller model made from a stored parent by a query over its
// tensors (which tensors, hence which layers, it keeps) and options (which heads and
// feed-forward neurons, which weights are zeroed), written as a new model that runs
// at once. Tensors kept whole share the parent's chunks (no bytes copied); cut or
// sparsified ones are written anew, and their unchanged chunks are found by hash.
//
// The query returns the parent's tensors to keep: a column `id` (tensors.id) or
// `name` / `tensor` (their names). Outside blocks every tensor of the parent must be
// kept; a block is kept whole or not at all, and kept blocks are renumbered in order.
//
// Options (a JSON object; every key optional, unknown keys refused):
//   heads      fraction of query heads kept per layer, (0, 1]; with grouped-query
//              attention the same number is kept in every KV group
//   heads_by   magnitude | wanda | random (default magnitude): the head scores used
//   neurons    fraction of feed-forward neurons kept per layer, (0, 1]
//   neurons_by magnitude | wanda | random
//   sparsity   fraction of each block matrix's weights zeroed, [0, 1)
//   threshold  zero the weights whose importance (0..1) is below this
//   nm         "N:M": keep N of every M consecutive weights of a row
//   method     magnitude | wanda | random: the element scores sparsity uses
//              (magnitude and random compare within the matrix, wanda within a row)
//   seed       for random choices (default 0)
// Sparsity is decided on the parent's matrices, before heads and neurons are cut.
#pragma once
#include <cstdint>
#include <string>

#include "store/database.h"

namespace hart {

struct StudentReport {
  std::string name, parent;
  int64_t model_id = 0, layers = 0, heads = 0, kv_heads = 0, ffn = 0;
  int64_t tensors_shared = 0, tensors_written = 0, weights_zeroed = 0;
  int64_t parameter_count = 0, n_bytes = 0;
  uint64_t bytes_written = 0, chunks_new = 0, chunks_shared = 0;
  double seconds = 0;
  std::string to_json() const;
};

// UsageError, with nothing written, when the name is taken or invalid, the parent
// missing or not llama, the query fails or selects nothing, another model's tensors,
// a tensor twice or an incomplete set, or an option is unknown or out of range.
StudentReport extract_student(Database& db, const std::string& parent, const std::string& name,
                              const std::string& query, const std::string& options_json);

}  // namespace hart
