// The database schema and its forward migrations. ARCHITECTURE.md documents the
// tables; this file is the truth they describe.
#pragma once
#include <string>

namespace hart {

class Database;

// 'HART' in PRAGMA application_id marks a file as a Hartonomous database.
inline constexpr int kApplicationId = 0x48415254;
// Large pages keep 64 KiB tensor chunks to one overflow page each.
inline constexpr int kPageSize = 65536;

int schema_version_latest();

// Brings the schema to the latest version, one migration per transaction. A file
// that is not a Hartonomous database, or one written by a newer version, is an
// error naming the path.
void migrate(Database& db, const std::string& path, bool created);
// The same, stopping at `version` (at most the latest): a database as an older hart
// left it, for the tests of the migrations.
void migrate_to(Database& db, const std::string& path, bool created, int version);
// For a database open read-only, where migrating is impossible: the same checks, and
// an older schema is a UsageError rather than read by code that expects the latest.
void refuse_outdated_schema(Database& db, const std::string& path);

}  // namespace hart
