// The command line's progress display: a bar redrawn in place (done, total, rate,
// ETA) when stderr is a terminal, plain log lines at most every few seconds
// otherwise. Library code reports to it through util/progress.h's ProgressSink.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "util/progress.h"

namespace hart {

class TerminalProgress final : public ProgressSink {
 public:
  TerminalProgress();
  ~TerminalProgress() override;

  void begin(std::string_view name, uint64_t total) override;
  void status(std::string_view text) override;
  void advance(uint64_t bytes) override;
  void skip(uint64_t bytes) override;
  void message(std::string_view text) override;
  void end(bool completed) override;

 private:
  struct Task {
    std::string name, status;
    uint64_t total = 0, done = 0;
    std::chrono::steady_clock::time_point start, last_draw;
  };
  void draw(const Task& t, bool final);
  std::vector<Task> tasks_;  // nested; the last one is drawn
  bool tty_;
};

}  // namespace hart
