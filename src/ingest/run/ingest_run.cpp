#include "ingest/run/ingest_run.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "ingest/extract/input_file.h"
#include "ingest/run/file_batch.h"
#include "ingest/run/scratch_ingest.h"
#include "store/atoms.h"
#include "store/database.h"
#include "store/models.h"
#include "util/error.h"
#include "util/ordered_pipeline.h"
#include "util/progress.h"
#include "store/atom_names.h"

namespace hart {
namespace {

// Refused before anything is walked or read, rather than every file failing to write.
void refuse_read_only(const Database& db) {
  if (db.read_only())
    throw UsageError(db.path() + ": the database is open read-only (a mode=ro or immutable=1 URI, or a file or " +
                     "folder that cannot be written), so nothing can be ingested into it; ingest into a writable copy");
}

struct SourceRow {
  int64_t size = -1, mtime_ns = -1;
  std::optional<int64_t> atom_id;
  bool failed = false;  // unread last time, or its model was removed since: try again
  std::optional<int64_t> model_id;
};

Sha256Digest digest_from_hex(const std::string& hex, const std::string& what) {
  Sha256Digest d{};
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw Error(what + ": stored SHA-256 '" + hex + "' is not lowercase hex");
  };
  if (hex.size() != 64) throw Error(what + ": stored SHA-256 '" + hex + "' is not 64 hex digits");
  for (size_t i = 0; i < 32; ++i) d[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  return d;
}

// Ends the walk early: a batch could not be committed (the report says why).
struct RunStopped : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Run {
 public:
  Run(Database& db, const ContentRunOptions& options, ContentRunReport& report, size_t n_files)
      : db_(db), options_(options), report_(report), batch_(db), store_(db), ingester_(store_, sniffer_, options.content),
        n_files_(n_files),
        find_source_(db.prepare(
            std::string("SELECT s.size, s.mtime_ns, s.atom_id, s.error IS NOT NULL OR (a.modality = '") +
            modality::kTensor + "' AND a.model_id IS NULL),"
            " a.model_id"
            " FROM sources s LEFT JOIN atoms a ON a.id = s.atom_id WHERE s.path = ?")),
        upsert_source_(db.prepare(
            "INSERT INTO sources(path, size, mtime_ns, atom_id, error) VALUES(?1, ?2, ?3, ?4, ?5)"
            " ON CONFLICT(path) DO UPDATE SET size = ?2, mtime_ns = ?3, atom_id = ?4, error = ?5,"
            " ingested_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")) {}

  // True (and counted) when the file's source row says it is stored as it is now.
  bool unchanged(const WalkEntry& entry) {
    std::optional<SourceRow> prev = find_source(entry.path);
    if (prev && prev->size == static_cast<int64_t>(entry.size) && prev->mtime_ns == entry.mtime_ns &&
        prev->atom_id && !prev->failed) {
      report_.files_unchanged++;
      if (prev->model_id) note_model_already_stored(*prev->model_id);
      return true;
    }
    return false;
  }

  // A file a worker extracted (ScratchExtractor), merged as one savepoint of the batch.
  void merge(const WalkEntry& entry, ScratchFile& extracted) {
    if (extracted.store_here) return store_here(entry, extracted.type);
    report_.bytes_read += extracted.size;  // 0 when it could not be opened, as in store_here
    if (!extracted.error.empty()) {
      report_.failures.push_back({entry.path, extracted.error});
      record_unreadable(entry, extracted.error);
      return;
    }
    std::optional<SourceRow> prev = find_source(entry.path);
    const DedupCounters counted = store_.counters();
    try {
      FileBatch::File tx(batch_, extracted.size);
      int64_t atom = merge_scratch(extracted, store_);
      commit_file(tx, entry.path, extracted.size, extracted.mtime_ns, atom, prev);
    } catch (const StandInGone&) {
      // Rolled back; extracted here, it sees the database as it is now (and is read again).
      store_.counters() = counted;
      report_.bytes_read -= extracted.size;
      return store_here(entry);
    } catch (const std::exception& e) {
      store_.counters() = counted;  // rolled back: none of it was stored
      report_.failures.push_back({entry.path, e.what()});
      settle(e.what());
      record_unreadable(entry, e.what());
      return;
    }
    for (ContentIssue& i : extracted.issues) ingester_.issues().push_back(std::move(i));
  }

  // Extracts and stores the file on this thread, as one savepoint of the batch.
  // `known`: the kind a worker found (the file is sniffed once).
  void store_here(const WalkEntry& entry, const std::optional<ContentType>& known = std::nullopt) {
    std::optional<SourceRow> prev = find_source(entry.path);
    size_t issues_before = ingester_.issues().size();
    const DedupCounters counted = store_.counters();
    try {
      InputFile file(entry.path, entry.path);
      report_.bytes_read += file.size();
      ContentType type = known ? *known : ingester_.sniff(file);
      if (type.kind == ContentKind::kModel && try_model(file, type)) return;
      FileBatch::File tx(batch_, file.size());
      Nesting nesting;
      StoredAtom atom = ingester_.ingest(file, subtype::kFile, nesting, &type);
      commit_file(tx, entry.path, file.size(), file.mtime_ns(), atom.id, prev);
    } catch (const std::exception& e) {
      // Nothing of this file was kept (its transaction rolled back): one failure
      // replaces whatever its members reported, and it counts no atoms.
      store_.counters() = counted;
      ingester_.issues().resize(issues_before);
      report_.failures.push_back({entry.path, e.what()});
      settle(e.what());
      record_unreadable(entry, e.what());
    }
  }

  // Failures since the last call, as "path: error" lines for the progress display.
  void report_new_failures(ProgressTask& progress) {
    for (; failures_told_ < report_.failures.size(); ++failures_told_) {
      const ContentIssue& i = report_.failures[failures_told_];
      progress.message("failed: " + i.where + ": " + i.error);
    }
    const std::vector<ContentIssue>& issues = ingester_.issues();
    for (issues_told_ = std::min(issues_told_, issues.size()); issues_told_ < issues.size(); ++issues_told_)
      if (!issues[issues_told_].warning)
        progress.message("failed: " + issues[issues_told_].where + ": " + issues[issues_told_].error);
  }

  // Commits the batch when it is full or old enough; called between files. Throws
  // RunStopped when the COMMIT fails.
  void commit_if_due() {
    try {
      batch_.commit_if_due();
    } catch (const std::exception& e) {
      throw RunStopped(stop(e.what()));
    }
    settle("");
  }

  void finish() {
    try {
      batch_.commit();
      settle("");
    } catch (const std::exception& e) {
      report_.stopped = stop(e.what());
    }
    for (ContentIssue& i : ingester_.issues()) (i.warning ? report_.warnings : report_.failures).push_back(std::move(i));
    ingester_.issues().clear();
    report_.dedup = store_.counters();
  }

 private:
  // Counts the files whose batch committed. Those lost with their batch (`error`
  // rolled it back) become failures, and what they added to the counters is taken
  // back; they have no source row, so the next run stores them.
  void settle(const std::string& error) {
    FileBatch::Settled s = batch_.take_settled();
    report_.files_ingested += s.committed;
    if (!s.lost.empty()) store_.counters() = committed_counters_;
    for (std::string& path : s.lost)
      report_.failures.push_back(
          {std::move(path), "not stored: the batch of files it was in was rolled back (" + error + "); ingest it again"});
    if (s.lost.empty() && !batch_.open()) committed_counters_ = store_.counters();
  }

  // A COMMIT failed: the batch's files are failures, and the run ends here.
  std::string stop(const std::string& error) {
    settle(error);
    return "the run stopped: a batch of files could not be committed (" + error + ")";
  }

  std::optional<SourceRow> find_source(const std::string& path) {
    find_source_.bind(1, path);
    std::optional<SourceRow> row;
    if (find_source_.step()) {
      row = SourceRow{};
      if (!find_source_.is_null(0)) row->size = find_source_.int64(0);
      if (!find_source_.is_null(1)) row->mtime_ns = find_source_.int64(1);
      if (!find_source_.is_null(2)) row->atom_id = find_source_.int64(2);
      row->failed = find_source_.int64(3) != 0;
      if (!find_source_.is_null(4)) row->model_id = find_source_.int64(4);
    }
    find_source_.reset();
    return row;
  }

  // The file's source row points at `atom`; what its previous atom alone used is
  // freed; the file joins the batch.
  void commit_file(FileBatch::File& tx, const std::string& path, uint64_t size, int64_t mtime_ns, int64_t atom,
                   const std::optional<SourceRow>& prev) {
    set_source(path, size, mtime_ns, atom, std::nullopt);
    if (prev && prev->atom_id && *prev->atom_id != atom) report_.atoms_freed += collect_unused_atoms(db_.handle());
    tx.commit(path);
  }

  void set_source(const std::string& path, uint64_t size, int64_t mtime_ns, std::optional<int64_t> atom_id,
                  std::optional<std::string> error) {
    upsert_source_.bind(1, path).bind(2, static_cast<int64_t>(size)).bind(3, mtime_ns);
    if (atom_id) upsert_source_.bind(4, *atom_id); else upsert_source_.bind_null(4);
    if (error) upsert_source_.bind(5, *error); else upsert_source_.bind_null(5);
    upsert_source_.run();
  }

  // A file that could not be read at all keeps a source row with the error (so
  // rm-source can forget it and the next run retries it); a vanished one does not.
  void record_unreadable(const WalkEntry& entry, const std::string& error) {
    std::error_code ec;
    if (!std::filesystem::exists(entry.path, ec)) return;
    try {
      FileBatch::File tx(batch_, 0);
      upsert_source_.bind(1, entry.path).bind(2, static_cast<int64_t>(entry.size)).bind(3, entry.mtime_ns)
          .bind_null(4).bind(5, error).run();
      tx.commit("");
    } catch (const std::exception&) {  // the failure is already in the report
    }
  }

  void note_model_already_stored(int64_t model_id) {
    Stmt s = db_.prepare("SELECT name FROM models WHERE id = ?");
    s.bind(1, model_id);
    if (!s.step()) return;
    IngestReport r;
    r.model = *find_model(db_, s.text(0));
    r.already_present = true;
    report_.models.push_back(r);
  }

  std::string free_model_name(const std::string& path) {
    std::string stem = std::filesystem::path(path).stem().string();
    std::string name = stem;
    for (int i = 2; find_model(db_, name); ++i) name = stem + "-" + std::to_string(i);
    return name;
  }

  // Stores a model file through the model store and links it as a tensor atom.
  // Returns false when the file is not a valid model (it is then stored as content).
  bool try_model(InputFile& file, const ContentType& type) {
    const std::string& path = file.display();
    IngestReport r;
    try {
      // A lone model's own progress is reported, nested in the run's.
      ProgressSink* progress = n_files_ > 1 ? nullptr : options_.progress;
      std::string name = options_.model_name.empty() ? free_model_name(path) : options_.model_name;
      commit_batch();  // the model commits in its own transaction
      r = ingest_model(db_, path, {name, progress});
    } catch (const FormatError& e) {
      report_.failures.push_back({path, std::string(e.what()) + " (stored as a binary atom)"});
      FileBatch::File tx(batch_, file.size());
      Nesting nesting;
      size_t issues_before = ingester_.issues().size();
      StoredAtom atom = ingester_.ingest(file, subtype::kFile, nesting, &type);
      ingester_.issues().resize(issues_before);  // the failure above says it all
      if (atom.is_new) store_.mark_failed(atom.id, e.what());
      set_source(path, file.size(), file.mtime_ns(), atom.id, std::nullopt);
      tx.commit(path);
      return true;
    }
    DedupCounters& c = store_.counters();
    c.bytes_stored += r.bytes_written;
    c.bytes_saved += r.already_present ? file.size() : r.bytes_shared;
    AtomInfo info;
    info.modality = modality::kTensor;
    info.subtype = subtype::kModel;
    info.mime = type.mime;
    info.metadata = {{"model", r.model.name}, {"architecture", r.model.architecture}, {"format", r.model.format}};
    info.model_id = r.model.id;
    FileBatch::File tx(batch_, 0);
    StoredAtom atom = store_.put_digest(digest_from_hex(r.model.source_sha256, path), file.size(), info);
    if (!atom.is_new)  // the atom outlived its model (rm), or is being linked again
      db_.prepare("UPDATE atoms SET model_id = ?, error = NULL WHERE id = ?").bind(1, r.model.id).bind(2, atom.id).run();
    set_source(path, file.size(), file.mtime_ns(), atom.id, std::nullopt);
    tx.commit(path);
    report_.models.push_back(r);
    return true;
  }

  // Commits the open batch before something with its own transaction; a failed
  // COMMIT throws after settling the batch's files as failures.
  void commit_batch() {
    try {
      batch_.commit();
    } catch (const std::exception& e) {
      settle(e.what());
      throw;
    }
    settle("");
  }

  Database& db_;
  const ContentRunOptions& options_;
  ContentRunReport& report_;
  FileBatch batch_;
  ContentSniffer sniffer_;
  AtomStore store_;
  ContentIngester ingester_;
  size_t n_files_;
  size_t failures_told_ = 0, issues_told_ = 0;
  DedupCounters committed_counters_;  // as of the last COMMIT
  Stmt find_source_, upsert_source_;
};

}  // namespace

ContentRunReport ingest_walk(Database& db, const WalkResult& walk, const ContentRunOptions& options) {
  refuse_read_only(db);
  auto start = std::chrono::steady_clock::now();
  ContentRunReport report;
  report.files = walk.files.size();
  report.ignored = walk.ignored;
  report.links_skipped = walk.links_skipped;
  for (const WalkProblem& p : walk.problems) report.skipped.push_back({p.path, p.error});
  Run run(db, options, report, walk.files.size());
  ProgressTask progress(options.progress, "ingest", walk.total_bytes);
  const size_t n = walk.files.size();
  size_t settled = 0;
  auto label = [&] { progress.status(std::to_string(settled) + "/" + std::to_string(n) + " files"); };
  auto done = [&](size_t i) {
    ++settled;
    run.commit_if_due();
    run.report_new_failures(progress);
    label();
    progress.advance(walk.files[i].size);
  };
  // Unchanged files are settled first, unread: they are not part of the rate.
  std::vector<char> wanted(n, 1);
  for (size_t i = 0; i < n; ++i) {
    if (!run.unchanged(walk.files[i])) continue;
    wanted[i] = 0;
    ++settled;
    progress.skip(walk.files[i].size);
  }
  label();
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  size_t to_do = static_cast<size_t>(std::count(wanted.begin(), wanted.end(), 1));
  try {
    if (threads < 2 || to_do < 2 || db.path().empty()) {
      for (size_t i = 0; i < n; ++i)
        if (wanted[i]) run.store_here(walk.files[i]), done(i);
    } else {
      // Workers extract ahead (at most four files each waiting); this thread merges,
      // and stores text itself.
      run_ordered<ScratchFile>(
          n, static_cast<unsigned>(std::min<size_t>(threads, to_do)), 4 * threads,
          [&](size_t i) { return wanted[i] != 0; },
          [&] {
            auto extractor = std::make_shared<ScratchExtractor>(db.path(), options.content);
            return std::function<ScratchFile(size_t)>([extractor, &walk](size_t i) {
              return extractor->extract(walk.files[i]);
            });
          },
          [&](size_t i, ScratchFile& f) {
            run.merge(walk.files[i], f);
            done(i);
          });
    }
  } catch (const RunStopped& e) {
    report.stopped = e.what();
    report.stopped += "; " + std::to_string(n - settled) + " file(s) not tried";
  }
  run.finish();
  db.truncate_wal();  // the run's WAL is in the database now: leave no large file behind
  progress.finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

void ContentRunOptions::validate(size_t n_paths) const {
  if (!model_name.empty() && n_paths != 1)
    throw UsageError("a model name (--name) names one model file; give a single path with it");
  if (content.passages.overlap_bytes >= content.passages.max_bytes)
    throw UsageError("the passage overlap (--passage-overlap) must be smaller than the passage size (--passage-size)");
  // Written so that NaN, which fails every comparison, is refused too.
  auto shown = [](double x) {
    char text[64];
    return std::string(text, std::to_chars(text, text + sizeof text, x).ptr);
  };
  if (!(content.audio.frame_seconds >= 0.01 && content.audio.frame_seconds <= 3600))
    throw UsageError("the audio frame length (--audio-frame-seconds) must be from 0.01 to 3600 seconds, got " +
                     shown(content.audio.frame_seconds));
  if (!(content.audio.max_transcript_seconds >= 0))
    throw UsageError("the transcript limit (--max-transcript-seconds) must be 0 or more seconds, got " +
                     shown(content.audio.max_transcript_seconds));
}

ContentRunReport ingest_paths(Database& db, const std::vector<std::string>& paths, const ContentRunOptions& options) {
  options.validate(paths.size());
  refuse_read_only(db);
  std::vector<std::string> exclude;
  if (std::string file = db.file_path(); !file.empty())
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) exclude.push_back(file + suffix);
  return ingest_walk(db, walk_paths(paths, exclude, options.follow_links), options);
}

}  // namespace hart
