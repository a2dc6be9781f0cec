// Audio through libsndfile: metadata, frame atoms (MFCCs against numpy: tests/media/mfcc_test.cpp),
// transcripts of speech whose words are known (espeak-ng, and the JFK and LJ Speech
// clips in ../shared/data), and damaged recordings.
#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "media/mfcc.h"
#include "audio_fixture.h"
#include "ingest_fixture.h"
#include "word_accuracy.h"

namespace hart::test {
namespace {

class AudioIngestTest : public IngestTest {
 protected:
  std::string atom_of(const std::string& file) {
    return std::to_string(scalar("SELECT atom_id FROM sources WHERE path LIKE '%/" + file + "'"));
  }
  std::string meta(const std::string& atom, const std::string& field) {
    return text("SELECT json_extract(metadata, '$." + field + "') FROM atoms WHERE id = " + atom);
  }
  // Ingests `file`, prints and returns the word accuracy of its transcript against `said`.
  double transcript_accuracy(const std::string& file, const std::string& said) {
    std::string atom = atom_of(file);
    std::string heard = text("SELECT coalesce(atom_text(" + atom + "), '')");
    double accuracy = word_accuracy(said, heard);
    std::printf("[ word accuracy ] %s: %.1f%% (%zu words)\n  said:  %s\n  heard: %s\n", file.c_str(), 100 * accuracy,
                normalized_words(said).size(), said.c_str(), heard.c_str());
    return accuracy;
  }
};

TEST_F(AudioIngestTest, WavFlacAndOggGiveMetadataAndFixedLengthFrames) {
  options.content.audio.transcribe = false;  // tones: nothing to hear, and faster
  std::vector<short> stereo = tone(441.3, 2.5, 22050, 2);  // three different frames
  write_audio(path("a.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 22050, 2, stereo);
  write_audio(path("a.flac"), SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 22050, 2, stereo);
  write_audio(path("a.ogg"), SF_FORMAT_OGG | SF_FORMAT_VORBIS, 22050, 2, stereo);
  ContentRunReport r = ingest({path("a.wav"), path("a.flac"), path("a.ogg")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  for (const char* file : {"a.wav", "a.flac", "a.ogg"}) {
    SCOPED_TRACE(file);
    std::string id = atom_of(file);
    EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + id), "audio");
    EXPECT_EQ(meta(id, "sample_rate"), "22050");
    EXPECT_EQ(meta(id, "channels"), "2");
    EXPECT_EQ(meta(id, "sample_frames"), "55125");
    EXPECT_EQ(meta(id, "duration_seconds"), "2.5");
    EXPECT_EQ(meta(id, "frames"), "3");
    // 1 s, 1 s and the 0.5 s rest, in order, each with 13 MFCCs.
    EXPECT_EQ(text("SELECT group_concat(json_extract(a.metadata, '$.samples'), ',') FROM"
                   " (SELECT atom_id FROM atom_children(" + id + ") WHERE relation = 'frame' ORDER BY ordinal) c"
                   " JOIN atoms a ON a.id = c.atom_id"),
              "22050,22050,11025");
    EXPECT_EQ(scalar("SELECT min(json_array_length(a.metadata, '$.mfcc')) FROM atom_children(" + id +
                     ") c JOIN atoms a ON a.id = c.atom_id"), kMfccCoefficients);
  }
  EXPECT_EQ(meta(atom_of("a.flac"), "format"), "FLAC (Free Lossless Audio Codec)");
  EXPECT_EQ(meta(atom_of("a.ogg"), "encoding"), "Vorbis");
  // WAV and FLAC decode to the same samples: their frames are the same atoms.
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE subtype = 'frame' AND refcount = 2"), 3);
  // A frame's payload is a WAV file: mono 16-bit PCM at the original rate.
  EXPECT_EQ(text("SELECT hex(substr(atom_payload(atom_id), 1, 4)) || ' ' || length(atom_payload(atom_id)) FROM"
                 " atom_children(" + atom_of("a.wav") + ") WHERE ordinal = 2"),
            "52494646 " + std::to_string(44 + 11025 * 2));
}

TEST_F(AudioIngestTest, SilentFramesAreOneAtomUsedManyTimes) {
  options.content.audio.transcribe = false;
  std::vector<short> s = tone(0, 3, 16000, 1);
  std::vector<short> beep = tone(1000, 1, 16000, 1);
  s.insert(s.end(), beep.begin(), beep.end());
  write_audio(path("quiet.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, s);
  ContentRunReport r = ingest({path("quiet.wav")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::string id = atom_of("quiet.wav");
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_children(" + id + ") WHERE relation = 'frame'"), 4);
  EXPECT_EQ(scalar("SELECT count(DISTINCT atom_id) FROM atom_children(" + id + ")"), 2);
  EXPECT_EQ(scalar("SELECT refcount FROM atoms a JOIN atom_children(" + id + ") c ON c.atom_id = a.id"
                   " WHERE c.ordinal = 0"), 3);
}

TEST_F(AudioIngestTest, FrameLengthAndTranscriptLimitAreOptions) {
  options.content.audio.frame_seconds = 0.5;
  options.content.audio.max_transcript_seconds = 2;  // the header says 2.5 s: not started
  write_audio(path("tone.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, tone(441.3, 2.5, 8000, 1));
  ContentRunReport r = ingest({path("tone.wav")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::string id = atom_of("tone.wav");
  EXPECT_EQ(meta(id, "frames"), "5");
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_children(" + id + ") WHERE relation = 'frame'"), 5);
  EXPECT_EQ(meta(id, "transcript_note"), "longer than 2 s, the transcription limit");
  EXPECT_EQ(text("SELECT coalesce(atom_text(" + id + "), 'none')"), "none");
}

TEST_F(AudioIngestTest, AudioLibsndfileCannotDecodeIsKeptWholeWithoutAnError) {
  // A standard MIDI file: libmagic calls it audio/midi; it holds notes, not samples.
  write("tune.mid", std::string("MThd\0\0\0\6\0\0\0\1\0\x60MTrk\0\0\0\4\0\xff\x2f\0", 26));
  ContentRunReport r = ingest({path("tune.mid")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::string id = atom_of("tune.mid");
  EXPECT_EQ(text("SELECT modality || ' ' || mime || ' ' || coalesce(error, 'no error') FROM atoms WHERE id = " + id),
            "audio audio/midi no error");
  EXPECT_EQ(meta(id, "extracted"), "0");
}

TEST_F(AudioIngestTest, EspeakSpeechIsTranscribedWithAMeasuredWordAccuracy) {
  if (std::system("command -v espeak-ng >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "SKIPPED: espeak-ng is not installed (apt-get install espeak-ng); no speech to transcribe";
  const std::string said =
      "the weather is nice today. we will walk to the park and read a book. "
      "please call me when you get home.";
  // American voice, 130 words a minute, short gaps between words: PocketSphinx's model
  // knows American speakers, and espeak-ng's run-together words are its hardest part.
  std::string command = "espeak-ng -v en-us -s 130 -g 4 -w '" + path("speech.wav") + "' '" + said + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  ContentRunReport r = ingest({path("speech.wav")});
  ASSERT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::string id = atom_of("speech.wav");
  EXPECT_EQ(meta(id, "sample_rate"), "22050");  // resampled to 16 kHz for the recogniser
  EXPECT_NE(meta(id, "transcript_model").find("PocketSphinx"), std::string::npos);
  EXPECT_GE(scalar("SELECT count(*) FROM atom_children(" + id + ") WHERE relation = 'passage'"), 1);
  EXPECT_GE(transcript_accuracy("speech.wav", said), 0.35);  // measured: 50.0% (espeak-ng 1.51, Debian 12)
}

TEST_F(AudioIngestTest, TheJfkClipIsTranscribedInEveryFormat) {
  HART_REQUIRE_SHARED(jfk, "audio-jfk");
  std::ifstream in(jfk + "/transcript.txt");
  std::string said;
  std::getline(in, said);
  ContentRunReport r = ingest({jfk + "/jfk.wav", jfk + "/jfk.flac", jfk + "/jfk.mp3"});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_EQ(meta(atom_of("jfk.wav"), "duration_seconds"), "11.0");
  EXPECT_EQ(meta(atom_of("jfk.flac"), "sample_rate") + " " + meta(atom_of("jfk.flac"), "channels"), "44100 2");
  EXPECT_EQ(meta(atom_of("jfk.mp3"), "encoding"), "MPEG Layer III");
  EXPECT_EQ(meta(atom_of("jfk.wav"), "frames"), "11");
  // Measured: 81.8% (WAV, MP3), 77.3% (FLAC, 44.1 kHz stereo resampled to 16 kHz).
  for (const char* file : {"jfk.wav", "jfk.flac", "jfk.mp3"}) EXPECT_GE(transcript_accuracy(file, said), 0.7) << file;
}

TEST_F(AudioIngestTest, TheLjSpeechClipIsTranscribed) {
  HART_REQUIRE_SHARED(lj, "audio-ljspeech");
  std::ifstream in(lj + "/transcript.tsv");
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  std::string said = row.substr(row.find('\t') + 1);  // file <tab> transcript
  ContentRunReport r = ingest({lj + "/LJ050-0131.wav"});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_EQ(meta(atom_of("LJ050-0131.wav"), "sample_rate"), "22050");
  EXPECT_GE(transcript_accuracy("LJ050-0131.wav", said), 0.7);  // measured: 81.2% (13 of 16 words)
}

TEST_F(AudioIngestTest, DamagedRecordingsAreBinaryWithTheErrorAndTheRunGoesOn) {
  options.content.audio.transcribe = false;
  write_audio(path("good.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, tone(300, 2, 16000, 1));
  write_audio(path("whole.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, tone(523.3, 2, 16000, 1));
  write_audio(path("whole.flac"), SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16000, 1, tone(523.3, 2, 16000, 1));
  std::string wav = read_file(path("whole.wav")), flac = read_file(path("whole.flac"));
  write("cut.wav", wav.substr(0, wav.size() / 2));
  write("cut.flac", flac.substr(0, flac.size() / 2));
  std::string garbage;
  for (int i = 0; i < 4000; ++i) garbage += static_cast<char>((i * 7919 + 13) % 251);
  write("bad-header.wav", wav.substr(0, 12) + garbage);  // "RIFF....WAVE", then noise
  write("noise.wav", garbage);
  ContentRunReport r = ingest({path("good.wav"), path("cut.wav"), path("cut.flac"), path("bad-header.wav"),
                               path("noise.wav")});
  auto error_of = [&](const std::string& file) {
    return text("SELECT modality || ': ' || coalesce(error, '') FROM atoms WHERE id = " + atom_of(file));
  };
  EXPECT_NE(error_of("cut.wav").find("binary: "), std::string::npos);
  EXPECT_NE(error_of("cut.wav").find("truncated WAV"), std::string::npos) << error_of("cut.wav");
  // libFLAC loses sync at the cut, or the stream ends short of STREAMINFO's frame count.
  EXPECT_EQ(error_of("cut.flac").rfind("binary: ", 0), 0u) << error_of("cut.flac");
  EXPECT_NE(error_of("cut.flac").find(" sample frames"), std::string::npos) << error_of("cut.flac");
  EXPECT_EQ(error_of("bad-header.wav").rfind("binary: ", 0), 0u) << error_of("bad-header.wav");
  EXPECT_NE(error_of("bad-header.wav").find("not decodable"), std::string::npos) << error_of("bad-header.wav");
  EXPECT_EQ(error_of("noise.wav"), "binary: ");  // not audio by content: an ordinary binary atom
  EXPECT_EQ(r.failures.size(), 3u) << all_errors(r.failures);
  EXPECT_EQ(meta(atom_of("good.wav"), "frames"), "2");  // the run went on
  // Its two equal seconds are one atom, and the failures left no frames behind.
  EXPECT_EQ(scalar("SELECT count(*) FROM atoms WHERE subtype = 'frame'"), 1);
}

}  // namespace
}  // namespace hart::test
