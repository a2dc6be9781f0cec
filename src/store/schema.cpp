#include "store/schema.h"

#include <cstdint>
#include <vector>

#include "store/database.h"
#include "util/error.h"

namespace hart {
namespace {

// Migration N brings a database from user_version N-1 to N. Never edit a released
// migration: append a new one.
const std::vector<const char*> kMigrations = {
    // 1: models, tensors, content-addressed chunks with zone maps.
    R"sql(
CREATE TABLE models(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  architecture TEXT NOT NULL,
  format TEXT NOT NULL CHECK(format IN ('gguf', 'safetensors')),
  format_version INTEGER NOT NULL,
  alignment INTEGER NOT NULL,
  source_sha256 TEXT NOT NULL,          -- hex SHA-256 of the whole source file
  source_size INTEGER NOT NULL,
  source_path TEXT,
  metadata TEXT NOT NULL CHECK(json_valid(metadata)),              -- key -> value, file order
  metadata_types TEXT NOT NULL CHECK(json_valid(metadata_types)),  -- key -> type tag
  parameter_count INTEGER NOT NULL,
  n_tensors INTEGER NOT NULL,
  n_bytes INTEGER NOT NULL,             -- tensor data bytes
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX models_by_sha256 ON models(source_sha256);

CREATE TABLE tensors(
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id),
  position INTEGER NOT NULL,            -- order in the source file
  name TEXT NOT NULL,
  layer INTEGER,                        -- block index, NULL outside the blocks
  kind TEXT NOT NULL,                   -- attn_q, ffn_up, attn_norm, token_embd, ...
  shape TEXT NOT NULL,                  -- JSON array, outermost dimension first
  dtype TEXT NOT NULL,
  n_elements INTEGER NOT NULL,
  n_bytes INTEGER NOT NULL,
  -- Statistics of the dequantized values, computed during ingestion (NaNs excluded).
  v_min REAL, v_max REAL, v_mean REAL, v_std REAL,
  mean_abs REAL, max_abs REAL, zero_fraction REAL, nan_count INTEGER,
  UNIQUE(model_id, name),
  UNIQUE(model_id, position)
);
CREATE INDEX tensors_by_layer ON tensors(model_id, layer, kind);

CREATE TABLE chunks(
  id INTEGER PRIMARY KEY,
  sha256 BLOB NOT NULL UNIQUE,          -- 32 raw bytes
  refcount INTEGER NOT NULL DEFAULT 0 CHECK(refcount >= 0),
  n_bytes INTEGER NOT NULL
);
-- Bytes apart from the row whose refcount changes, so counting never rewrites data.
CREATE TABLE chunk_data(
  id INTEGER PRIMARY KEY REFERENCES chunks(id),
  data BLOB NOT NULL
);

CREATE TABLE tensor_chunks(
  id INTEGER PRIMARY KEY,               -- also the chunk_zones id
  tensor_id INTEGER NOT NULL REFERENCES tensors(id),
  ordinal INTEGER NOT NULL,
  chunk_id INTEGER NOT NULL REFERENCES chunks(id),
  elem_start INTEGER NOT NULL,
  elem_count INTEGER NOT NULL,
  val_min REAL, val_max REAL,           -- NULL when every value is NaN
  imp_min REAL, imp_max REAL,
  UNIQUE(tensor_id, ordinal)
);
CREATE INDEX tensor_chunks_by_chunk ON tensor_chunks(chunk_id);

-- The zone maps as an R*Tree: X = element index, Y = value, Z = importance.
-- Bounds are float32, rounded outward by SQLite, so the index is a superset.
CREATE VIRTUAL TABLE chunk_zones USING rtree(id, idx_min, idx_max, val_min, val_max, imp_min, imp_max);

-- Reference counts and cascades live in triggers so that plain SQL (`DELETE FROM
-- models ...` in any sqlite3 client, even with foreign keys off) stays consistent.
CREATE TRIGGER models_delete AFTER DELETE ON models BEGIN
  DELETE FROM tensors WHERE model_id = old.id;
END;
CREATE TRIGGER tensors_delete AFTER DELETE ON tensors BEGIN
  DELETE FROM tensor_chunks WHERE tensor_id = old.id;
END;
CREATE TRIGGER tensor_chunks_insert AFTER INSERT ON tensor_chunks BEGIN
  UPDATE chunks SET refcount = refcount + 1 WHERE id = new.chunk_id;
  INSERT INTO chunk_zones VALUES(new.id, new.elem_start, new.elem_start + new.elem_count - 1,
    coalesce(new.val_min, 0), coalesce(new.val_max, 0),
    coalesce(new.imp_min, 0), coalesce(new.imp_max, 0));
END;
CREATE TRIGGER tensor_chunks_delete AFTER DELETE ON tensor_chunks BEGIN
  DELETE FROM chunk_zones WHERE id = old.id;
  UPDATE chunks SET refcount = refcount - 1 WHERE id = old.chunk_id;
END;
CREATE TRIGGER chunks_orphaned AFTER UPDATE OF refcount ON chunks WHEN new.refcount = 0 BEGIN
  DELETE FROM chunk_data WHERE id = new.id;
  DELETE FROM chunks WHERE id = new.id;
END;
)sql",
    // 2: every inference is a row (later issues extend it into full provenance).
    R"sql(
CREATE TABLE inferences(
  id INTEGER PRIMARY KEY,
  model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
  model_name TEXT NOT NULL,             -- kept when the model is removed
  task TEXT NOT NULL,                   -- generate, tokenize, embed
  input TEXT NOT NULL,
  output TEXT,
  options TEXT CHECK(options IS NULL OR json_valid(options)),  -- with the seed actually used
  started_at TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  prompt_tokens INTEGER,
  output_tokens INTEGER,
  stop_reason TEXT
);
CREATE INDEX inferences_by_model ON inferences(model_id, started_at);
-- Plain SQL deletes of models leave their inferences with model_id NULL, foreign keys on or off.
CREATE TRIGGER models_delete_inferences AFTER DELETE ON models BEGIN
  UPDATE inferences SET model_id = NULL WHERE model_id = old.id;
END;
)sql",
    // 3: a Hugging Face config.json found beside a safetensors file (hyperparameters
    // the safetensors file itself does not carry).
    R"sql(
ALTER TABLE models ADD COLUMN config TEXT CHECK(config IS NULL OR json_valid(config));
)sql",
    // 4: content as atoms. Payloads are cut into the same content-addressed `chunks`
    // as tensors (shared, reference counted); atoms count their users (sources and
    // parent atoms). Unused atoms are removed by atom_gc(), not by a trigger: SQLite
    // does not re-enter a trigger already running, so a trigger cascade would stop
    // one level down a parent -> child -> grandchild chain.
    R"sql(
CREATE TABLE atoms(
  id INTEGER PRIMARY KEY,
  sha256 BLOB NOT NULL UNIQUE CHECK(length(sha256) = 32),  -- of the content bytes
  modality TEXT NOT NULL CHECK(modality IN
    ('text', 'image', 'audio', 'video', 'document', 'archive', 'binary', 'tensor')),
  subtype TEXT NOT NULL,                -- file, member, passage, model, ...
  mime TEXT,
  size INTEGER NOT NULL CHECK(size >= 0),
  refcount INTEGER NOT NULL DEFAULT 0 CHECK(refcount >= 0),  -- sources + parent relations
  text TEXT,                            -- extracted text when it differs from the payload
  metadata TEXT NOT NULL DEFAULT '{}' CHECK(json_valid(metadata)),
  error TEXT,                           -- why extraction failed (the payload is still stored)
  model_id INTEGER REFERENCES models(id),  -- tensor atoms: the model their file became
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX atoms_by_modality ON atoms(modality, subtype);
CREATE INDEX atoms_unused ON atoms(id) WHERE refcount = 0;

-- An atom's payload in order; passages and tensor atoms have none (their content is
-- atoms.text, or the model).
CREATE TABLE atom_chunks(
  atom_id INTEGER NOT NULL REFERENCES atoms(id),
  ordinal INTEGER NOT NULL,
  chunk_id INTEGER NOT NULL REFERENCES chunks(id),
  PRIMARY KEY(atom_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX atom_chunks_by_chunk ON atom_chunks(chunk_id);

CREATE TABLE atom_relations(
  id INTEGER PRIMARY KEY,
  parent_id INTEGER NOT NULL REFERENCES atoms(id),
  child_id INTEGER NOT NULL REFERENCES atoms(id),
  relation TEXT NOT NULL,               -- passage, member, ...
  ordinal INTEGER NOT NULL,
  label TEXT,                           -- a member's path inside its archive
  weight REAL,
  UNIQUE(parent_id, relation, ordinal)
);
CREATE INDEX atom_relations_by_child ON atom_relations(child_id);

CREATE TABLE sources(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,            -- absolute path or URI
  size INTEGER,
  mtime_ns INTEGER,
  atom_id INTEGER REFERENCES atoms(id), -- NULL when the file could not be read
  ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  error TEXT
);
CREATE INDEX sources_by_atom ON sources(atom_id);

CREATE TRIGGER atom_chunks_insert AFTER INSERT ON atom_chunks BEGIN
  UPDATE chunks SET refcount = refcount + 1 WHERE id = new.chunk_id;
END;
CREATE TRIGGER atom_chunks_delete AFTER DELETE ON atom_chunks BEGIN
  UPDATE chunks SET refcount = refcount - 1 WHERE id = old.chunk_id;
END;
CREATE TRIGGER atom_relations_insert AFTER INSERT ON atom_relations BEGIN
  UPDATE atoms SET refcount = refcount + 1 WHERE id = new.child_id;
END;
CREATE TRIGGER atom_relations_delete AFTER DELETE ON atom_relations BEGIN
  UPDATE atoms SET refcount = refcount - 1 WHERE id = old.child_id;
END;
CREATE TRIGGER sources_insert AFTER INSERT ON sources WHEN new.atom_id IS NOT NULL BEGIN
  UPDATE atoms SET refcount = refcount + 1 WHERE id = new.atom_id;
END;
CREATE TRIGGER sources_delete AFTER DELETE ON sources WHEN old.atom_id IS NOT NULL BEGIN
  UPDATE atoms SET refcount = refcount - 1 WHERE id = old.atom_id;
END;
CREATE TRIGGER sources_update AFTER UPDATE OF atom_id ON sources BEGIN
  UPDATE atoms SET refcount = refcount - 1 WHERE id = old.atom_id;
  UPDATE atoms SET refcount = refcount + 1 WHERE id = new.atom_id;
END;
-- Deleting an atom releases its chunks and its children (whose counts drop; atom_gc()
-- then removes the ones nothing uses any more).
CREATE TRIGGER atoms_delete AFTER DELETE ON atoms BEGIN
  DELETE FROM atom_chunks WHERE atom_id = old.id;
  DELETE FROM atom_relations WHERE parent_id = old.id;
END;
CREATE TRIGGER models_delete_atoms AFTER DELETE ON models BEGIN
  UPDATE atoms SET model_id = NULL, error = 'its model was removed; ingest the file again to restore it'
   WHERE model_id = old.id;
END;

-- Per modality: distinct atoms, how often they are used, and the bytes that
-- deduplication did not have to store (size x (uses - 1)). Chunk-level sharing
-- between different atoms is not counted here.
CREATE VIEW dedup_stats AS
SELECT modality,
       count(*) AS unique_atoms,
       sum(refcount) AS total_references,
       sum(size) AS bytes_stored,
       sum(size * max(refcount - 1, 0)) AS bytes_saved
  FROM atoms WHERE refcount > 0 GROUP BY modality;

)sql",
    // 5: models that were not read from a file (written from tensors in memory, or
    // derived from another model's chunks) and where they came from. SQLite cannot drop
    // a NOT NULL, so `models` is rebuilt (the documented rebuild: foreign keys off,
    // which migrate() does around every migration; ids and rows kept) with
    //   source_sha256, source_size  NULL together when there is no source file;
    //   parent_id                   the model it was derived from (NULL when there is none
    //                               or it was removed since);
    //   derivation                  JSON: how it was made ({"kind": "subset", ...});
    // and AUTOINCREMENT, so the id of a removed model is never given to a new one (the
    // model cache tells a replaced model by its id; a model without a file has no
    // SHA-256 to tell it by). Its indexes and triggers are created again as they were.
    R"sql(
CREATE TABLE models_v5(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  architecture TEXT NOT NULL,
  format TEXT NOT NULL CHECK(format IN ('gguf', 'safetensors')),
  format_version INTEGER NOT NULL,
  alignment INTEGER NOT NULL,
  source_sha256 TEXT,                   -- hex SHA-256 of the whole source file; NULL: no file
  source_size INTEGER,
  source_path TEXT,
  metadata TEXT NOT NULL CHECK(json_valid(metadata)),              -- key -> value, file order
  metadata_types TEXT NOT NULL CHECK(json_valid(metadata_types)),  -- key -> type tag
  parameter_count INTEGER NOT NULL,
  n_tensors INTEGER NOT NULL,
  n_bytes INTEGER NOT NULL,             -- tensor data bytes
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  config TEXT CHECK(config IS NULL OR json_valid(config)),
  parent_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
  derivation TEXT CHECK(derivation IS NULL OR (json_valid(derivation) AND json_type(derivation) = 'object')),
  CHECK((source_sha256 IS NULL) = (source_size IS NULL))
);
INSERT INTO models_v5(id, name, architecture, format, format_version, alignment, source_sha256, source_size,
                      source_path, metadata, metadata_types, parameter_count, n_tensors, n_bytes, created_at, config)
  SELECT id, name, architecture, format, format_version, alignment, source_sha256, source_size,
         source_path, metadata, metadata_types, parameter_count, n_tensors, n_bytes, created_at, config
    FROM models;
DROP TABLE models;
ALTER TABLE models_v5 RENAME TO models;
CREATE INDEX models_by_sha256 ON models(source_sha256);
CREATE INDEX models_by_parent ON models(parent_id) WHERE parent_id IS NOT NULL;
CREATE TRIGGER models_delete AFTER DELETE ON models BEGIN
  DELETE FROM tensors WHERE model_id = old.id;
END;
CREATE TRIGGER models_delete_inferences AFTER DELETE ON models BEGIN
  UPDATE inferences SET model_id = NULL WHERE model_id = old.id;
END;
CREATE TRIGGER models_delete_atoms AFTER DELETE ON models BEGIN
  UPDATE atoms SET model_id = NULL, error = 'its model was removed; ingest the file again to restore it'
   WHERE model_id = old.id;
END;
-- A derived model outlives its parent (its chunks are its own references), with
-- foreign keys on or off.
CREATE TRIGGER models_delete_children AFTER DELETE ON models BEGIN
  UPDATE models SET parent_id = NULL WHERE parent_id = old.id;
END;
)sql",

    // Version 6: database settings, and inferences whose input or output is kept only
    // in part (the inference_log setting) carry the whole's length and SHA-256.
    R"sql(
CREATE TABLE settings(
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
ALTER TABLE inferences ADD COLUMN input_bytes INTEGER;   -- set when input holds only the start
ALTER TABLE inferences ADD COLUMN input_sha256 TEXT;     -- hex SHA-256 of the whole input, then
ALTER TABLE inferences ADD COLUMN output_bytes INTEGER;
ALTER TABLE inferences ADD COLUMN output_sha256 TEXT;
)sql",

    // Version 7: a model is written in several transactions (its chunks in batches, the
    // model made visible in one short final transaction), so other writers are not
    // locked out for the length of a large ingest. While it is written, its name is
    // reserved and every chunk it stored or will reuse is counted as used, so no other
    // writer frees it; the rows go at its commit, at its rollback, or, after a crash,
    // when the next writer finds the owning process gone (store/pending_writes.cpp).
    R"sql(
CREATE TABLE pending_writes(
  id INTEGER PRIMARY KEY,
  model_name TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,                  -- boot id, pid and start time of the writing process
  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE pending_chunks(
  write_id INTEGER NOT NULL REFERENCES pending_writes(id),
  chunk_id INTEGER NOT NULL REFERENCES chunks(id),
  PRIMARY KEY(write_id, chunk_id)
) WITHOUT ROWID;
CREATE INDEX pending_chunks_by_chunk ON pending_chunks(chunk_id);
CREATE TRIGGER pending_writes_delete AFTER DELETE ON pending_writes BEGIN
  DELETE FROM pending_chunks WHERE write_id = old.id;
END;
CREATE TRIGGER pending_chunks_insert AFTER INSERT ON pending_chunks BEGIN
  UPDATE chunks SET refcount = refcount + 1 WHERE id = new.chunk_id;
END;
CREATE TRIGGER pending_chunks_delete AFTER DELETE ON pending_chunks BEGIN
  UPDATE chunks SET refcount = refcount - 1 WHERE id = old.chunk_id;
END;
)sql",

    // Version 8: full-text search over atoms.text (FTS5, BM25) and the document
    // frequencies the built-in text embedder weighs its features by.
    //
    // atoms_fts is an external-content FTS5 table over the view atoms_text (the atoms
    // that have text), so it stores only the index, not a second copy of the text, and
    // highlight()/snippet() read the text from atoms. Triggers on atoms keep it in step
    // for any SQL client; external content needs each deleted row's old text, which
    // the triggers have. unicode61 with remove_diacritics 2 folds case and accents
    // (cafe matches Café) across Unicode, which is what search over mixed-language
    // extracted text wants; it does not stem (stemming is language-specific).
    // Atoms already stored are indexed here.
    R"sql(
CREATE VIEW atoms_text AS SELECT id, text FROM atoms WHERE text IS NOT NULL;
CREATE VIRTUAL TABLE atoms_fts USING fts5(text, content = 'atoms_text', content_rowid = 'id',
                                          tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO atoms_fts(rowid, text) SELECT id, text FROM atoms WHERE text IS NOT NULL;
CREATE TRIGGER atoms_fts_insert AFTER INSERT ON atoms WHEN new.text IS NOT NULL BEGIN
  INSERT INTO atoms_fts(rowid, text) VALUES(new.id, new.text);
END;
CREATE TRIGGER atoms_fts_delete AFTER DELETE ON atoms WHEN old.text IS NOT NULL BEGIN
  INSERT INTO atoms_fts(atoms_fts, rowid, text) VALUES('delete', old.id, old.text);
END;
CREATE TRIGGER atoms_fts_update AFTER UPDATE OF id, text ON atoms
  WHEN old.text IS NOT new.text OR old.id <> new.id BEGIN
  INSERT INTO atoms_fts(atoms_fts, rowid, text) SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
  INSERT INTO atoms_fts(rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL;
END;

-- The text embedder's weights (engine/text_embedder.h): how many documents (atoms
-- with text) contain each hashed feature, and how many documents there were. Written
-- whole by build_text_embedder_stats(); empty until then (every feature weighs 1).
CREATE TABLE text_embedder_stats(
  feature INTEGER PRIMARY KEY,          -- hashed feature id, 0 .. 2^feature_bits - 1
  df INTEGER NOT NULL CHECK(df > 0)     -- documents containing it
);
CREATE TABLE text_embedder_corpus(
  id INTEGER PRIMARY KEY CHECK(id = 1), -- one row
  documents INTEGER NOT NULL CHECK(documents >= 0),
  feature_bits INTEGER NOT NULL CHECK(feature_bits BETWEEN 1 AND 30),
  built_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
)sql",

    // Version 9: importance scores and lineage of students (issue 12).
    //
    // A score set is one scoring method run on one model (one per method: running it
    // again replaces it), with the calibration query that fed it. Element scores are
    // cut like the weights they score (one score chunk per tensor chunk, the same
    // elements), stored as float32 normalised by the tensor's largest score, with
    // their range in the R*Tree score_zones, so `weights` can skip chunks by
    // importance for any method. Magnitude needs no stored elements (|w| / max|w| is
    // read from the weights); its set holds only its unit scores. Unit scores are the
    // per-layer, per-head and per-neuron summaries students are chosen by.
    R"sql(
CREATE TABLE score_sets(
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  method TEXT NOT NULL CHECK(method IN ('magnitude', 'wanda', 'influence')),
  calibration TEXT,                     -- the SQL query that returned the calibration text
  calibration_tokens INTEGER NOT NULL DEFAULT 0 CHECK(calibration_tokens >= 0),
  options TEXT NOT NULL DEFAULT '{}' CHECK(json_valid(options)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE(model_id, method)
);
CREATE TABLE score_chunks(
  id INTEGER PRIMARY KEY,
  score_set_id INTEGER NOT NULL REFERENCES score_sets(id) ON DELETE CASCADE,
  tensor_id INTEGER NOT NULL REFERENCES tensors(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,             -- the tensor chunk it scores
  elem_start INTEGER NOT NULL,
  elem_count INTEGER NOT NULL CHECK(elem_count > 0),
  imp_min REAL, imp_max REAL,           -- NULL when every score is NaN
  scores BLOB NOT NULL CHECK(length(scores) = 4 * elem_count),  -- float32, little-endian
  UNIQUE(score_set_id, tensor_id, ordinal)
);
CREATE INDEX score_chunks_by_tensor ON score_chunks(tensor_id);
CREATE VIRTUAL TABLE score_zones USING rtree(id, idx_min, idx_max, imp_min, imp_max);
CREATE TRIGGER score_chunks_insert AFTER INSERT ON score_chunks BEGIN
  INSERT INTO score_zones VALUES(new.id, new.elem_start, new.elem_start + new.elem_count - 1,
                                 coalesce(new.imp_min, 0), coalesce(new.imp_max, 0));
END;
CREATE TRIGGER score_chunks_delete AFTER DELETE ON score_chunks BEGIN
  DELETE FROM score_zones WHERE id = old.id;
END;
CREATE TABLE unit_scores(
  score_set_id INTEGER NOT NULL REFERENCES score_sets(id) ON DELETE CASCADE,
  unit TEXT NOT NULL CHECK(unit IN ('layer', 'head', 'neuron')),
  layer INTEGER NOT NULL,
  idx INTEGER NOT NULL,                 -- 0 for a layer; the query head; the FFN neuron
  score REAL NOT NULL,
  PRIMARY KEY(score_set_id, unit, layer, idx)
) WITHOUT ROWID;
-- Cascades for clients with foreign keys off, as for tensors.
CREATE TRIGGER score_sets_model_delete AFTER DELETE ON models BEGIN
  DELETE FROM score_sets WHERE model_id = old.id;
END;
CREATE TRIGGER score_sets_delete AFTER DELETE ON score_sets BEGIN
  DELETE FROM score_chunks WHERE score_set_id = old.id;
  DELETE FROM unit_scores WHERE score_set_id = old.id;
END;
CREATE TRIGGER score_chunks_tensor_delete AFTER DELETE ON tensors BEGIN
  DELETE FROM score_chunks WHERE tensor_id = old.id;
END;
CREATE VIEW layer_scores AS
  SELECT m.name AS model, s.method, u.layer, u.score FROM unit_scores u
  JOIN score_sets s ON s.id = u.score_set_id JOIN models m ON m.id = s.model_id WHERE u.unit = 'layer';
CREATE VIEW head_scores AS
  SELECT m.name AS model, s.method, u.layer, u.idx AS head, u.score FROM unit_scores u
  JOIN score_sets s ON s.id = u.score_set_id JOIN models m ON m.id = s.model_id WHERE u.unit = 'head';
CREATE VIEW neuron_scores AS
  SELECT m.name AS model, s.method, u.layer, u.idx AS neuron, u.score FROM unit_scores u
  JOIN score_sets s ON s.id = u.score_set_id JOIN models m ON m.id = s.model_id WHERE u.unit = 'neuron';

-- What a student was measured at against its parent (hart compare, extract_student's
-- "evaluate" option): one row per measurement.
CREATE TABLE model_evaluations(
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  reference_id INTEGER REFERENCES models(id) ON DELETE SET NULL,  -- the teacher, if any
  text_query TEXT,                      -- where the evaluation text came from
  results TEXT NOT NULL CHECK(json_valid(results)),  -- perplexity, kl, top1, ... (JSON)
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TRIGGER model_evaluations_model_delete AFTER DELETE ON models BEGIN
  DELETE FROM model_evaluations WHERE model_id = old.id;
  UPDATE model_evaluations SET reference_id = NULL WHERE reference_id = old.id;
END;
-- Each derived model with its parent and how it was made: students of students
-- follow parent_id (WITH RECURSIVE); parent_name survives the parent's removal.
CREATE VIEW model_lineage AS
  SELECT m.id, m.name, m.parent_id, json_extract(m.derivation, '$.parent') AS parent_name,
         json_extract(m.derivation, '$.kind') AS kind, json_extract(m.derivation, '$.query') AS query,
         json_extract(m.derivation, '$.options') AS options, json_extract(m.derivation, '$.scores') AS scores,
         m.parameter_count, m.n_bytes, m.created_at
  FROM models m WHERE m.derivation IS NOT NULL;
)sql",
    // Version 10: the API keys of `hart serve` and its usage ledger (issue 13). A key is
    // stored as the SHA-256 of its text (it is 256 random bits, so a fast hash is as safe
    // as a slow one); its prefix names it in lists. Every request the server answers is
    // a usage row, and the inferences it made point at that row.
    R"sql(
CREATE TABLE api_keys(
  id INTEGER PRIMARY KEY,
  prefix TEXT NOT NULL UNIQUE,          -- the key's first characters, shown by hart keys list
  secret_sha256 TEXT NOT NULL UNIQUE,   -- hex SHA-256 of the whole key; the key itself is not kept
  name TEXT NOT NULL DEFAULT '',
  tenant TEXT NOT NULL DEFAULT 'default',
  scopes TEXT NOT NULL CHECK(json_valid(scopes) AND json_type(scopes) = 'array'),
  requests_per_minute INTEGER CHECK(requests_per_minute IS NULL OR requests_per_minute > 0),  -- NULL: no limit
  tokens_per_minute INTEGER CHECK(tokens_per_minute IS NULL OR tokens_per_minute > 0),
  expires_at TEXT,                      -- NULL: never
  revoked_at TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE usage(
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  key_id INTEGER REFERENCES api_keys(id) ON DELETE SET NULL,  -- NULL: no key (loopback) or a refused one
  tenant TEXT,
  endpoint TEXT NOT NULL,               -- method and path: POST /v1/chat/completions
  model TEXT,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  latency_ms REAL,                      -- until the last byte was written; NULL while running
  status INTEGER                        -- HTTP status; NULL while running (or the process died)
);
CREATE INDEX usage_by_key ON usage(key_id, started_at);
CREATE INDEX usage_by_tenant ON usage(tenant, started_at);
ALTER TABLE inferences ADD COLUMN usage_id INTEGER REFERENCES usage(id) ON DELETE SET NULL;
CREATE INDEX inferences_by_usage ON inferences(usage_id) WHERE usage_id IS NOT NULL;
-- Cascades for clients with foreign keys off.
CREATE TRIGGER api_keys_delete AFTER DELETE ON api_keys BEGIN
  UPDATE usage SET key_id = NULL WHERE key_id = old.id;
END;
CREATE TRIGGER usage_delete AFTER DELETE ON usage BEGIN
  UPDATE inferences SET usage_id = NULL WHERE usage_id = old.id;
END;
)sql",
};

int read_int_pragma(Database& db, const char* pragma) {
  Stmt s = db.prepare(std::string("PRAGMA ") + pragma);
  return s.step() ? static_cast<int>(s.int64(0)) : 0;
}

int64_t count_dangling_references(Database& db) {
  Stmt s = db.prepare("SELECT count(*) FROM pragma_foreign_key_check");
  return s.step() ? s.int64(0) : 0;
}

}  // namespace

int schema_version_latest() { return static_cast<int>(kMigrations.size()); }

namespace {

// The schema version of a Hartonomous database this hart can read; throws UsageError
// for another kind of file or a newer schema.
int checked_schema_version(Database& db, const std::string& path, bool created) {
  int app = read_int_pragma(db, "application_id");
  int version = read_int_pragma(db, "user_version");
  if (!created && app != kApplicationId) {
    bool empty = read_int_pragma(db, "page_count") == 0;
    throw UsageError(path + (empty ? ": empty file, not a Hartonomous database; remove it and run `hart init`"
                                   : ": not a Hartonomous database (SQLite application_id is not 'HART')"));
  }
  if (version > schema_version_latest())
    throw UsageError(path + ": schema version " + std::to_string(version) +
                     " was written by a newer hart (this one knows up to " +
                     std::to_string(schema_version_latest()) + "); upgrade hart");
  return version;
}

}  // namespace

void refuse_outdated_schema(Database& db, const std::string& path) {
  int version = checked_schema_version(db, path, false);
  if (version < schema_version_latest())
    throw UsageError(path + ": schema version " + std::to_string(version) + " needs migrating to " +
                     std::to_string(schema_version_latest()) +
                     ", which writes, but the database is open read-only; open it once with write access " +
                     "(or use a copy in a writable place)");
}

void migrate(Database& db, const std::string& path, bool created) {
  migrate_to(db, path, created, schema_version_latest());
}

void migrate_to(Database& db, const std::string& path, bool created, int target) {
  if (target < 0 || target > schema_version_latest())
    throw Error("schema version " + std::to_string(target) + " does not exist (latest is " +
                std::to_string(schema_version_latest()) + ")");
  int version = checked_schema_version(db, path, created);
  if (version >= target) return;
  // A migration may rebuild a table others reference (SQLite's documented procedure):
  // with foreign keys on, dropping the old table would run its ON DELETE actions. They
  // are off while migrating (the pragma is a no-op inside a transaction) and every
  // migration must leave no dangling reference before it commits.
  bool foreign_keys = read_int_pragma(db, "foreign_keys") != 0;
  // References already dangling (written by a client with foreign keys off) are not
  // the migration's doing and do not stop it.
  const int64_t dangling = version == 0 ? 0 : count_dangling_references(db);
  db.exec("PRAGMA foreign_keys = OFF");
  try {
    for (int v = version; v < target; ++v) {
      Transaction tx(db);
      db.exec(kMigrations[v]);
      if (int64_t after = count_dangling_references(db); after > dangling)
        throw Error(path + ": migrating to schema version " + std::to_string(v + 1) + " would leave " +
                    std::to_string(after - dangling) + " reference(s) to missing rows; the database is left at version " +
                    std::to_string(v));
      db.exec("PRAGMA user_version = " + std::to_string(v + 1));
      if (v == 0) db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
      tx.commit();
    }
  } catch (...) {
    if (foreign_keys) db.exec("PRAGMA foreign_keys = ON");
    throw;
  }
  if (foreign_keys) db.exec("PRAGMA foreign_keys = ON");
}

}  // namespace hart
