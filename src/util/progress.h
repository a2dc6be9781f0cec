// Progress of long work, reported to whoever asked for it. Library code never draws
// on a terminal: it reports to a ProgressSink the caller passes (the command line's
// TerminalProgress draws the bar, src/cli/terminal_progress.h), and a null sink means
// silence. Sinks are called only from the thread that started the work.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace hart {

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // A task starts; `total` is its size in bytes (0 when unknown). Tasks nest (a model
  // file inside a folder run): until its end(), the calls below refer to the task
  // begun last.
  virtual void begin(std::string_view name, uint64_t total) = 0;
  // Where the task is, in a few words shown beside its name ("3/10 files").
  virtual void status(std::string_view text) = 0;
  virtual void advance(uint64_t bytes) = 0;
  // Work that turned out not to be needed (an unchanged file): taken off the total,
  // so neither a rate nor an estimate counts bytes that were never read.
  virtual void skip(uint64_t bytes) = 0;
  // Something worth seeing while the work goes on (a file that failed); the caller's
  // final report lists it again.
  virtual void message(std::string_view text) = 0;
  // The task ends: `completed` is false when it stopped early (an exception).
  virtual void end(bool completed) = 0;
};

// One task on a sink that may be null: begun here, ended as not completed by the
// destructor unless finish() ran. Library code holds one of these.
class ProgressTask {
 public:
  ProgressTask(ProgressSink* sink, std::string_view name, uint64_t total) : sink_(sink) {
    if (sink_) sink_->begin(name, total);
  }
  ~ProgressTask() {
    if (sink_ && open_) sink_->end(false);
  }
  ProgressTask(const ProgressTask&) = delete;
  ProgressTask& operator=(const ProgressTask&) = delete;

  void status(std::string_view text) { if (sink_) sink_->status(text); }
  void advance(uint64_t bytes) { if (sink_) sink_->advance(bytes); }
  void skip(uint64_t bytes) { if (sink_) sink_->skip(bytes); }
  void message(std::string_view text) { if (sink_) sink_->message(text); }
  void finish() {
    if (sink_ && open_) sink_->end(true);
    open_ = false;
  }

 private:
  ProgressSink* sink_;
  bool open_ = true;
};

std::string format_bytes(double bytes);       // "512.0 MB"
std::string format_duration(double seconds);  // "1:05"

}  // namespace hart
