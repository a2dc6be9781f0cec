#include <cmath>

#include "ingest/extract/extractors.h"
#include "store/atom_names.h"

namespace hart {

void put_features(AtomInfo& info, const char* key, const std::vector<float>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (float v : values) out.push_back(std::round(static_cast<double>(v) * 1e5) / 1e5);
  info.metadata[feature::kMetadataKey][key] = std::move(out);
}

}  // namespace hart
