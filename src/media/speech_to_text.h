// Speech to text with PocketSphinx (Debian 12: 0.8+5prealpha, the ps_decoder/cmd_ln
// API) and its US English model from pocketsphinx-en-us. Each thread loads its own
// decoder (about 30 MB of language model) on first use and keeps it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace hart {

inline constexpr int kSpeechSampleRate = 16000;  // what the acoustic model was trained on

// Names the recogniser and the model folder, for metadata.
std::string speech_model_name();
// The model directory, or an empty string with `why` set when it is not installed.
std::string find_speech_model(std::string& why);

// One recording: feed 16 kHz mono 16-bit samples in order, then take the text.
// The recording is decoded in pieces of at most 30 s, each cut at the quietest 100 ms
// of its last 5 s and decoded as one whole utterance: the cepstral mean is then
// computed over the piece itself. PocketSphinx's live estimate instead starts from
// the model's default and drifts from one recording to the next: on the JFK clip it
// got 5% of the words right in a fresh process and 73% after one earlier run, the
// whole-piece mean 82% every time. Memory stays bounded.
class Transcriber {
 public:
  Transcriber();  // throws Error when the model is missing or does not load
  ~Transcriber();
  Transcriber(const Transcriber&) = delete;
  Transcriber& operator=(const Transcriber&) = delete;

  void feed(const int16_t* samples, size_t n);
  // The words heard, separated by spaces (empty when none); ends the recording.
  std::string finish();

 private:
  struct Session;
  std::unique_ptr<Session> session_;
};

}  // namespace hart
