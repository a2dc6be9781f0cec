#include "search/fusion.h"

#include <algorithm>
#include <unordered_map>

namespace hart::search {

std::vector<Fused> reciprocal_rank_fusion(std::span<const RankedList> lists, double k) {
  std::unordered_map<int64_t, double> score;
  for (const RankedList& list : lists)
    for (size_t r = 0; r < list.ids.size(); ++r) score[list.ids[r]] += list.weight / (k + double(r + 1));
  std::vector<Fused> out;
  out.reserve(score.size());
  for (const auto& [id, s] : score) out.push_back({id, s});
  std::sort(out.begin(), out.end(), [](const Fused& a, const Fused& b) { return a.score > b.score || (a.score == b.score && a.id < b.id); });
  return out;
}

}  // namespace hart::search
