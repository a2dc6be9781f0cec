#pragma once
#include <cstdint>
#include <string>

#include "store/sqlite_api.h"

namespace hart {

// Points a single tensor_geometry() call may return (32 bytes each in WKB ZM):
// 16 million points, a 512 MiB BLOB. Larger tensors are exported by range.
inline constexpr uint64_t kMaxGeometryPoints = 16u << 20;

int register_geometry(sqlite3* db);

}  // namespace hart
