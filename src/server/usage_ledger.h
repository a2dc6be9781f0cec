// The usage rows of the requests in flight (store/usage.h): begun when a request that
// runs inferences needs the row's id, finished when the last byte is written, and
// written on the server's log connection. A row that cannot be written (the database
// stays locked past its busy timeout) is counted and reported, never the request's
// failure.
#pragma once
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "server/gatekeeper.h"
#include "store/usage.h"

namespace hart::server {

struct RequestUsage {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::mutex m;
  Caller caller;
  UsageRow row;
  int64_t id = 0;  // 0: not written yet
};

class UsageLedger {
 public:
  // `write` runs a function on the log connection, serialised with the inference records.
  using Writer = std::function<void(const std::function<void(sqlite3*)>&)>;
  explicit UsageLedger(Writer write) : write_(std::move(write)) {}

  std::shared_ptr<RequestUsage> begin(const httplib::Request& req, Caller caller, UsageRow row);
  // The request's usage, or null for one that was never begun.
  std::shared_ptr<RequestUsage> of(const httplib::Request& req);
  // The row's id, inserting it now if it was not yet (0 if it cannot be written).
  int64_t id(RequestUsage& u);
  // Adds an inference's model and tokens to the request's row.
  static void add(RequestUsage& u, const std::string& model, int64_t prompt_tokens, int64_t completion_tokens);
  // Writes the row's end and forgets the request; returns its usage (null if none).
  std::shared_ptr<RequestUsage> end(const httplib::Request& req, int status);

  uint64_t rows_lost() const { return lost_; }

 private:
  Writer write_;
  std::mutex m_;
  std::map<const httplib::Request*, std::shared_ptr<RequestUsage>> running_;
  std::atomic<uint64_t> lost_{0};
};

}  // namespace hart::server
