// The inferences table: one row per generate / tokenize / embed call, written so that
// recording can never cost the caller its answer.
//
// record_inference first inserts on the caller's connection. When that cannot be done
// at that instant (another process committed since the calling statement's snapshot
// began, a writer holds the lock past the busy timeout, the disk is full), the row goes
// to a background writer with its own connection to the same file, which retries with
// backoff until it is written (and, at process exit, for up to kLateRecordExitWait).
// The row's model_id is the model's id if the model still exists, else NULL (a model
// removed during the call keeps its name in model_name). What is kept of input and
// output follows the database's inference_log setting (store/settings.h).
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "store/sqlite_api.h"

namespace hart {

struct InferenceRow {
  int64_t model_id = 0;
  std::string model_name, task, input, output, options_json;  // options_json may be empty
  std::string started_at;                                     // ISO 8601 UTC
  double duration_ms = 0;
  std::optional<int64_t> prompt_tokens, output_tokens;
  std::string stop_reason;
  std::optional<int64_t> usage_id;  // the server's usage row of the request (schema 10)
  // Set by record_inference when the inference_log setting keeps only the start of
  // input or output: the whole's length and hex SHA-256.
  std::optional<int64_t> input_bytes, output_bytes;
  std::string input_sha256, output_sha256;
};

struct RecordedInference {
  enum class State {
    kWritten,      // id is the row
    kLate,         // queued for the background writer (id 0)
    kNotRecorded,  // the log is off, the database read-only, or an in-memory one was busy (id 0)
  };
  State state = State::kNotRecorded;
  int64_t id = 0;
  std::string why;  // for kLate / kNotRecorded: what stopped the immediate write
};

RecordedInference record_inference(sqlite3* db, const InferenceRow& row);

// How long a process exiting with late records waits for them to be written.
inline constexpr std::chrono::seconds kLateRecordExitWait{10};

// The background writer's counts since the process started.
struct InferenceLogStatus {
  uint64_t late = 0;          // rows that could not be written at once
  uint64_t written_late = 0;  // of those, written since
  uint64_t pending = 0;       // still queued
  uint64_t dropped = 0;       // given up on (each reported on stderr)
  std::string last_error;
};
InferenceLogStatus inference_log_status();
std::string to_json(const InferenceLogStatus& s);

// Waits until no record is pending or `timeout` passes; returns how many remain.
uint64_t flush_late_inferences(std::chrono::milliseconds timeout);

// The current time as stored in started_at.
std::string utc_now_iso8601();

}  // namespace hart
