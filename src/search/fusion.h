// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): each list votes
// weight / (k + rank) for every item it ranks (rank 1 first), and items are ordered by
// their summed votes, ties by id. k = 60 is the paper's constant.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace hart::search {

struct RankedList {
  std::vector<int64_t> ids;  // best first
  double weight = 1;
};

struct Fused {
  int64_t id;
  double score;
};

std::vector<Fused> reciprocal_rank_fusion(std::span<const RankedList> lists, double k = 60);

}  // namespace hart::search
