// hart check FILE — SQLite's integrity and foreign key checks, the engine's own
// invariants (store/consistency_check.h) and every vector collection's 'check' (each
// segment's chunks, hashes and graph read back): what was checked, then each problem.
// Exit status 0 when all hold, 2 when any problem was found (1: the check could not run).
#include <cstdio>
#include <string>

#include "cli/command.h"
#include "store/consistency_check.h"
#include "store/database.h"
#include "store/pending_writes.h"
#include "util/progress.h"

namespace hart {
namespace {

struct CheckCommand : Command {
  int run() override {
    auto opened = open_database(db_path);
    Database& db = *opened;
    ConsistencyReport report = check_consistency(db, kListedPerCheck);
    check_vector_collections(db, report);
    std::printf("checked %s:\n", db_path.c_str());
    size_t failed = 0;
    int64_t problems = 0;
    for (const ConsistencyCheckResult& c : report.checks) {
      std::printf("  %-6s %-18s %s", c.problems ? "FAILED" : "ok", c.name.c_str(), c.description.c_str());
      if (c.problems) std::printf(" (%lld problem%s)", static_cast<long long>(c.problems), c.problems == 1 ? "" : "s");
      std::printf("\n");
      failed += c.problems != 0;
      problems += c.problems;
    }
    // Not a problem: a crashed model write whose chunks are still reserved (nothing visible).
    for (const AbandonedWrite& w : find_abandoned_writes(db))
      std::printf("  note   a write of model '%s' (started %s by a process that has ended) reserves %lld chunks,"
                  " %s of them used by nothing else; the next model write or `hart rm` frees them\n",
                  w.model_name.c_str(), w.started_at.c_str(), static_cast<long long>(w.chunks),
                  format_bytes(static_cast<double>(w.bytes)).c_str());
    if (report.ok()) {
      std::printf("no problems found\n");
      return 0;
    }
    std::printf("problems:\n");
    for (const ConsistencyFinding& f : report.findings) {
      std::string problem = f.problem;  // integrity_check's rows may span lines: keep them indented
      for (size_t at = 0; (at = problem.find('\n', at)) != std::string::npos; at += 5) problem.insert(at + 1, "    ");
      std::printf("  %s: %s\n", f.check.c_str(), problem.c_str());
    }
    if (static_cast<int64_t>(report.findings.size()) < problems)
      std::printf("  (the first %zu of each check are listed)\n", static_cast<size_t>(kListedPerCheck));
    std::printf("%lld problem%s found by %zu of %zu checks\n", static_cast<long long>(problems),
                problems == 1 ? "" : "s", failed, report.checks.size());
    std::printf("keep a copy of %s before changing it; the rows named may not export or run correctly (restore a"
                " backup, or ingest their models and files again into a new database)\n",
                db_path.c_str());
    return 2;
  }
  static constexpr size_t kListedPerCheck = 100;

  // One check over all hart_vectors tables; each collection's problems are one finding.
  static void check_vector_collections(Database& db, ConsistencyReport& report) {
    ConsistencyCheckResult& result = report.checks.emplace_back();
    result.name = "vector_collections";
    result.description = "every vector collection's segments read back: chunk hashes and sizes, graphs, row counts";
    Stmt tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING hart_vectors%' ORDER BY name");
    while (tables.step()) {
      const std::string t = quote_identifier(tables.text(0));
      try {
        db.exec("INSERT INTO " + t + "(" + t + ") VALUES ('check')");
      } catch (const std::exception& e) {
        ++result.problems;
        report.findings.push_back({result.name, tables.text(0) + ": " + e.what()});
      }
    }
  }
};

}  // namespace

std::unique_ptr<Command> check_command(CLI::App& parent) {
  auto c = std::make_unique<CheckCommand>();
  c->declare(parent, "check",
             "Check a database: SQLite's integrity and foreign keys, reference counts, chunk data, zone maps, "
             "tensor and model totals (exit status 2 when a problem is found)")
      .with_file();
  return c;
}

}  // namespace hart
