// Keeping a collection's segments few and sealed, off the inserting statement.
//
// Policy: the writable segment is sealed once it holds seal_threshold rows. Sealed
// segments are merged by size tier, as log-structured stores do: a segment's tier is
// how many times merge_factor × seal_threshold fits in its live rows, counted in
// powers of merge_factor; when merge_factor segments share a tier they become one of
// the next. A collection of n rows so keeps O(merge_factor × log n) segments, and each
// row is rebuilt into a graph O(log n) times. A segment more than half deleted is
// rewritten alone (its tombstones dropped).
//
// Known problem: one CI run crashed (SIGSEGV after the tests passed) in a process that
// ended while the thread was building; hence background=0 by default until that is
// understood. The hart CLI waits for the thread before it exits.
//
// Where it runs: with background=1 and a database file, on one process-
// wide thread with its own connection. Each step reads what to write in a short
// transaction, builds the graph with no lock held, then writes in a second one,
// reconciling with what changed meanwhile (Collection::commit), so inserts and queries
// go on and a crash at any point leaves the collection as the last commit did. An
// inserting statement seals and merges itself when background=0 and for in-memory and
// temporary databases. A writer outpacing the thread (or one long transaction) lets
// the writable segment grow, scanned exactly, up to kBackpressure × seal_threshold
// rows; past that each insert that finds it so seals its oldest seal_threshold rows.
#pragma once
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "search/collection.h"

namespace hart::search {

constexpr size_t kBackpressure = 16;

// The sealed segments the policy would merge next (oldest first), or nullopt.
std::optional<std::vector<SegmentRow>> merge_due(const std::vector<SegmentRow>& segments, const CollectionSpec& spec);

// Seals or merges once if the policy says so, in the caller's transaction; false when
// nothing was due.
bool maintain_step(Collection& c);

// Called after a write (and by queries) that left the writable segment at `fresh`
// rows: does nothing below seal_threshold; otherwise hands the collection to the
// background thread, or (see above) seals and merges in the caller's transaction.
void after_write(Collection& c, size_t fresh);

// Called by searches with the writable segment's rows: hands a collection due for
// sealing to the thread (one left so by a process that ended mid-build); never works
// itself.
void before_read(Collection& c, size_t fresh);

struct MaintenanceStatus {
  size_t queued = 0;            // collections waiting or being worked on
  size_t steps = 0;             // seals and merges committed by the thread
  size_t stale = 0;             // steps dropped: a segment they merged was merged elsewhere
  size_t rows_changed_meanwhile = 0;  // left out of a step's segment as tombstones
  size_t failures = 0;          // steps given up (the collection is left as it was)
  std::string last_error;
};
MaintenanceStatus maintenance_status();
std::string to_json(const MaintenanceStatus& s);

// Waits until the thread has nothing queued; false on timeout. For tests and for CLI
// commands that should leave their collections sealed before they exit.
bool wait_for_maintenance(std::chrono::milliseconds timeout);

}  // namespace hart::search
