#include "media/speech_to_text.h"

#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sys/stat.h>

#include <cstdlib>
#include <mutex>
#include <vector>

#include "util/error.h"

namespace hart {
namespace {

constexpr const char* kModelDir = "/usr/share/pocketsphinx/model/en-us";

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Loaded on first use in each thread and kept until the thread ends: loading costs
// about half a second, and a decoder serves one recording at a time.
ps_decoder_t* thread_decoder() {
  struct Owned {
    ps_decoder_t* ps = nullptr;
    ~Owned() {
      if (ps) ps_free(ps);
    }
  };
  static thread_local Owned decoder;
  if (decoder.ps) return decoder.ps;
  std::string why;
  std::string dir = find_speech_model(why);
  if (dir.empty()) throw Error(why);
  // sphinxbase's log is one process-wide FILE: a decoder made with -logfn opens a
  // new one and closes the old, under another thread's feet (two threads loading at
  // once deadlocked in stdio). So logging is switched off once, no decoder names a
  // log file, and decoders are made one at a time.
  static std::mutex loading;
  std::lock_guard<std::mutex> lock(loading);
  static const bool quiet = (err_set_logfp(nullptr), true);  // it logs every setting otherwise
  (void)quiet;
  std::string hmm = dir + "/en-us", lm = dir + "/en-us.lm.bin", dict = dir + "/cmudict-en-us.dict";
  cmd_ln_t* config = cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-lm", lm.c_str(), "-dict",
                                 dict.c_str(), nullptr);
  if (!config) throw Error("PocketSphinx: the configuration for the model in " + dir + " was refused");
  decoder.ps = ps_init(config);
  cmd_ln_free_r(config);  // the decoder holds its own reference
  if (!decoder.ps) throw Error("PocketSphinx: cannot load the model in " + dir + " (damaged files?)");
  return decoder.ps;
}

}  // namespace

std::string speech_model_name() {
  std::string why, dir = find_speech_model(why);
  return "PocketSphinx 5prealpha, en-us acoustic model, en-us.lm.bin and cmudict-en-us.dict in " + dir;
}

std::string find_speech_model(std::string& why) {
  const char* override_dir = std::getenv("HART_SPEECH_MODEL_DIR");  // a model elsewhere, same layout
  std::string dir = override_dir && *override_dir ? override_dir : kModelDir;
  for (const char* part : {"/en-us/mdef", "/en-us.lm.bin", "/cmudict-en-us.dict"}) {
    if (!exists(dir + part)) {
      why = "no speech model: " + dir + part + " is missing (install pocketsphinx-en-us)";
      return {};
    }
  }
  return dir;
}

struct Transcriber::Session {
  static constexpr size_t kPiece = 30 * kSpeechSampleRate;  // longest piece decoded at once
  static constexpr size_t kCutZone = 5 * kSpeechSampleRate;  // where a cut is looked for
  static constexpr size_t kCutWindow = kSpeechSampleRate / 10;

  ps_decoder_t* ps = thread_decoder();
  std::vector<int16_t> pending;
  std::string text;

  // The start of the quietest 100 ms in the last kCutZone samples of `pending`.
  size_t quietest_cut() const {
    size_t best = pending.size(), from = pending.size() - kCutZone;
    double best_energy = -1;
    for (size_t at = from; at + kCutWindow <= pending.size(); at += kCutWindow / 2) {
      double energy = 0;
      for (size_t i = at; i < at + kCutWindow; ++i) energy += double(pending[i]) * pending[i];
      if (best_energy < 0 || energy < best_energy) best_energy = energy, best = at;
    }
    return best;
  }
  void decode(size_t n) {
    ps_start_stream(ps);  // forget the previous piece's noise estimate
    if (ps_start_utt(ps) < 0) throw Error("PocketSphinx: cannot start an utterance");
    int rc = ps_process_raw(ps, pending.data(), n, FALSE, TRUE);
    ps_end_utt(ps);
    if (rc < 0) throw Error("PocketSphinx: decoding failed");
    const char* hyp = ps_get_hyp(ps, nullptr);
    if (hyp && *hyp) {
      if (!text.empty()) text += ' ';
      text += hyp;
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
  }
};

Transcriber::Transcriber() : session_(std::make_unique<Session>()) {}

Transcriber::~Transcriber() = default;

void Transcriber::feed(const int16_t* samples, size_t n) {
  Session& s = *session_;
  s.pending.insert(s.pending.end(), samples, samples + n);
  while (s.pending.size() >= Session::kPiece) s.decode(s.quietest_cut());
}

std::string Transcriber::finish() {
  Session& s = *session_;
  if (!s.pending.empty()) s.decode(s.pending.size());
  std::string text = std::move(s.text);
  session_.reset();
  return text;
}

}  // namespace hart
