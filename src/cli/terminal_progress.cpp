#include "cli/terminal_progress.h"

#include <unistd.h>

#include <cstdio>

namespace hart {

TerminalProgress::TerminalProgress() : tty_(isatty(STDERR_FILENO)) {}

TerminalProgress::~TerminalProgress() {
  if (!tasks_.empty() && tty_) std::fputc('\n', stderr);
}

void TerminalProgress::begin(std::string_view name, uint64_t total) {
  Task t;
  t.name = name;
  t.total = total;
  t.start = t.last_draw = std::chrono::steady_clock::now();
  tasks_.push_back(std::move(t));
}

void TerminalProgress::status(std::string_view text) {
  if (!tasks_.empty()) tasks_.back().status = text;
}

void TerminalProgress::advance(uint64_t bytes) {
  if (tasks_.empty()) return;
  Task& t = tasks_.back();
  t.done += bytes;
  auto now = std::chrono::steady_clock::now();
  auto gap = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (now - t.last_draw >= gap) {
    t.last_draw = now;
    draw(t, false);
  }
}

void TerminalProgress::skip(uint64_t bytes) {
  if (tasks_.empty()) return;
  Task& t = tasks_.back();
  t.total -= bytes < t.total - t.done ? bytes : t.total - t.done;
}

void TerminalProgress::message(std::string_view text) {
  // On a terminal the message replaces the bar's line and the bar is drawn below it.
  std::fprintf(stderr, "%s%.*s\n", tty_ ? "\r\x1b[K" : "", static_cast<int>(text.size()), text.data());
  if (tty_ && !tasks_.empty()) draw(tasks_.back(), false);
  std::fflush(stderr);
}

void TerminalProgress::end(bool completed) {
  if (tasks_.empty()) return;
  if (completed) draw(tasks_.back(), true);
  else if (tty_) std::fputc('\n', stderr);
  tasks_.pop_back();
}

void TerminalProgress::draw(const Task& t, bool final) {
  const std::string label = t.status.empty() ? t.name : t.name + " " + t.status;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t.start).count();
  double rate = secs > 0 ? t.done / secs : 0;
  double frac = t.total ? static_cast<double>(t.done) / t.total : 1.0;
  std::string eta = rate > 0 && t.total > t.done ? format_duration((t.total - t.done) / rate) : "0:00";
  if (tty_) {
    const int width = 30;
    int filled = static_cast<int>(frac * width);
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%s [%s] %3.0f%% %s/%s %s/s %s %s\x1b[K%s", label.c_str(), bar.c_str(), frac * 100,
                 format_bytes(t.done).c_str(), format_bytes(t.total).c_str(), format_bytes(rate).c_str(),
                 final ? "in" : "ETA", final ? format_duration(secs).c_str() : eta.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s: %.0f%% %s of %s, %s/s, %s %s\n", label.c_str(), frac * 100,
                 format_bytes(t.done).c_str(), format_bytes(t.total).c_str(), format_bytes(rate).c_str(),
                 final ? "took" : "ETA", final ? format_duration(secs).c_str() : eta.c_str());
  }
  std::fflush(stderr);
}

}  // namespace hart
