#include "util/progress.h"

#include <unistd.h>

#include <cstdio>

namespace hart {

std::string format_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, units[u]);
  return buf;
}

std::string format_duration(double s) {
  long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

Progress::Progress(std::string label, uint64_t total, bool quiet)
    : label_(std::move(label)), total_(total), quiet_(quiet), tty_(isatty(STDERR_FILENO)) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  if (!finished_ && tty_ && !quiet_) std::fputc('\n', stderr);
}

void Progress::advance(uint64_t bytes) {
  done_ += bytes;
  if (quiet_) return;
  auto now = std::chrono::steady_clock::now();
  auto gap = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (now - last_draw_ >= gap) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!quiet_) draw(true);
}

void Progress::draw(bool final) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? done_ / secs : 0;
  double frac = total_ ? static_cast<double>(done_) / total_ : 1.0;
  std::string eta = rate > 0 && total_ > done_ ? format_duration((total_ - done_) / rate) : "0:00";
  if (tty_) {
    const int width = 30;
    int filled = static_cast<int>(frac * width);
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%s [%s] %3.0f%% %s/%s %s/s %s %s\x1b[K%s", label_.c_str(), bar.c_str(),
                 frac * 100, format_bytes(done_).c_str(), format_bytes(total_).c_str(),
                 format_bytes(rate).c_str(), final ? "in" : "ETA",
                 format_duration(final ? secs : (rate > 0 && total_ > done_ ? (total_ - done_) / rate : 0)).c_str(),
                 final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s: %.0f%% %s of %s, %s/s, %s %s\n", label_.c_str(), frac * 100,
                 format_bytes(done_).c_str(), format_bytes(total_).c_str(), format_bytes(rate).c_str(),
                 final ? "took" : "ETA", final ? format_duration(secs).c_str() : eta.c_str());
  }
  std::fflush(stderr);
}

}  // namespace hart
