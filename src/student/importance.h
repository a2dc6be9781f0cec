// Importance scores of a stored Llama-family model (the seeds' Z), computed and stored
// as a score set (store/scores.h):
//   magnitude  |W_ij|; no element scores stored (|w| / max|w| is read from the weights)
//   wanda      |W_ij| * ||X_j||_2, X_j the j-th input of the matrix over the
//              calibration tokens (Sun et al. 2023, "A Simple and Effective Pruning
//              Approach for Large Language Models"); stored for every block matrix
//   influence  per block: 1 - mean cosine similarity of its input and output hidden
//              states over the calibration tokens (Men et al. 2024, ShortGPT)
// Unit summaries, for magnitude and wanda: a query head's score is the mean element
// score of its rows of attn_q plus that of its columns of attn_output; a feed-forward
// neuron's, the mean of its rows of ffn_gate and ffn_up plus its column of ffn_down;
// a layer's, the mean over the block's matrices. Influence gives layer scores only.
#pragma once
#include <cstdint>
#include <string>

#include "store/database.h"

namespace hart {

struct ImportanceOptions {
  std::string method;        // magnitude | wanda | influence
  std::string calibration;   // SQL returning text; required by wanda and influence
  int ctx = 0;               // tokens per calibration pass (0: the model's context, at most 512)
  int64_t max_tokens = 16384;  // calibration tokens read at most
  int threads = 0;           // 0: every core
};

struct ImportanceReport {
  int64_t set_id = 0;
  std::string model, method, calibration;
  int64_t calibration_tokens = 0, passes = 0, tensors_scored = 0, units = 0;
  double seconds = 0;
  std::string to_json() const;
};

// Computes and stores (replacing the model's earlier set of the method). UsageError,
// nothing written, for an unknown model or method, a model that is not llama, a
// missing or empty calibration query, or bad numbers.
ImportanceReport compute_importance(Database& db, const std::string& model, const ImportanceOptions& options);

}  // namespace hart
