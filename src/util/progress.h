// Progress of long work: a redrawn bar (done, total, rate, ETA) when stderr is a
// terminal, plain log lines at most every few seconds otherwise.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace hart {

class Progress {
 public:
  // `total` in bytes; `quiet` prints nothing at all (library callers, tests).
  Progress(std::string label, uint64_t total, bool quiet = false);
  ~Progress();
  void set_label(std::string label) { label_ = std::move(label); }
  void advance(uint64_t bytes);  // cheap: redraws at most ~10 times a second
  // Work that turned out not to be needed (an unchanged file): leaves the total, so
  // neither the rate nor the ETA counts bytes that were never read.
  void drop(uint64_t bytes) { total_ -= bytes < total_ - done_ ? bytes : total_ - done_; }
  void finish();                 // final line with the average rate

 private:
  void draw(bool final);
  std::string label_;
  uint64_t total_, done_ = 0;
  bool quiet_, tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

std::string format_bytes(double bytes);     // "512.0 MB"
std::string format_duration(double seconds);  // "1:05"

}  // namespace hart
