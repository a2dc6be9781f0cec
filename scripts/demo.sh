#!/usr/bin/env bash
# The main job on the embedded default: one database file holds a real model; its
# tensors and every single weight are plain SQL; the model comes back out unchanged
# and generates text; a folder of content becomes deduplicated, related atoms, found
# again by words and by meaning; students are extracted by query; the models chat and
# are served over the OpenAI API with keys and a usage ledger.
# Uses ../shared/data/stories260K/stories260K.gguf when present, otherwise the
# project's own trained model (models/shakespeare-3m, tools/train/README.md); the
# student step always uses the project's model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target hart hartonomous_ext

hart=build/src/hart
work="${HART_DEMO_DIR:-$(mktemp -d)}"
mkdir -p "$work"
db="$work/demo.db"
rm -f "$db" "$db-wal" "$db-shm"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
sql() { printf '\nhart sql> %s\n' "$1"; "$hart" sql "$db" "$1"; }

own_model_file=models/shakespeare-3m/shakespeare-3m.gguf
model_file=../shared/data/stories260K/stories260K.gguf
model=stories260K
prompt="Once upon a time"
if [ ! -f "$model_file" ]; then
  echo "NOTE: ../shared/data is absent; using the project's own trained model instead"
  model_file=$own_model_file
  model=shakespeare-3m
  prompt="ROMEO:"
fi

step "1. Create the database: one SQLite file (WAL, foreign keys, versioned schema)"
"$hart" init "$db"

step "2. Ingest a model file: one transaction, content-addressed 64 KiB chunks, zone maps"
"$hart" ingest "$db" "$model_file"

step "3. The model and its tensors are rows"
"$hart" models "$db"
sql "SELECT position, name, layer, kind, shape, dtype, n_elements FROM tensors WHERE layer IS NULL OR layer = 0 ORDER BY position"

step "4. Every single weight is a row of the weights table (X = idx, Y = value, Z = importance, M = layer)"
sql "SELECT count(*) AS weights, (SELECT parameter_count FROM models WHERE name = '$model') AS parameter_count FROM weights WHERE model = '$model'"
sql "SELECT tensor, idx, value, importance, meta FROM weights WHERE model = '$model' AND layer = 0 AND kind = 'attn_q' AND idx < 4"

step "5. Predicates are pushed down: zone maps (R*Tree) skip chunks that cannot match"
sql "SELECT tensor, idx, round(value, 4) AS value FROM weights WHERE model = '$model' AND value > 3; SELECT weights_scan_stats() AS chunks_skipped_by_zone_maps"
echo "(writing +value hides the predicate from the planner: the same query without pushdown)"
sql "SELECT count(*) FROM weights WHERE model = '$model' AND +value > 3; SELECT weights_scan_stats() AS without_pushdown"

step "6. Statistics and histograms per tensor, without scanning rows in SQL"
sql "SELECT tensor, count, round(min, 3) AS min, round(max, 3) AS max, round(mean, 4) AS mean, round(std, 4) AS std, round(mean_abs, 4) AS mean_abs, zero_fraction FROM tensor_stats('$model') WHERE layer = 0"
sql "SELECT tensor, histogram FROM tensor_stats('$model', 8) WHERE kind = 'output_norm'"

step "7. A tensor as WKB LINESTRING ZM (GEOS / SpatiaLite / PostGIS read it)"
sql "SELECT name, length(tensor_geometry(id, 0, 1000)) AS wkb_bytes, hex(substr(tensor_geometry(id, 0, 2), 1, 9)) AS wkb_header FROM tensors WHERE model_id = 1 AND layer = 0 AND kind = 'attn_q'"

step "8. Deduplication: the same tensors in another format are stored once"
"$hart" export "$db" "$model" --format safetensors "$work/$model.safetensors"
"$hart" ingest "$db" "$work/$model.safetensors" --name "$model-safetensors"
sql "SELECT count(*) AS chunks, sum(n_bytes) AS stored_bytes, sum(n_bytes * refcount) AS referenced_bytes FROM chunks"

step "9. Export: the model comes back out byte for byte"
"$hart" export "$db" "$model" --format gguf "$work/$model.exported.gguf"
sha256sum "$model_file" "$work/$model.exported.gguf"

step "10. The same functions in the stock sqlite3 shell (loadable extension)"
printf 'sqlite3> .load build/src/hartonomous\nsqlite3> SELECT kind, count(*) FROM weights WHERE model = ... AND layer = 1 GROUP BY kind;\n'
sqlite3 "$db" ".load build/src/hartonomous" ".mode column" ".headers on" \
  "SELECT kind, count(*) AS weights FROM weights WHERE model = '$model' AND layer = 1 GROUP BY kind"

step "11. Remove a model: reference counts fall, chunks nothing uses are freed"
"$hart" rm "$db" "$model-safetensors"
sql "SELECT count(*) AS chunks, max(refcount) AS max_refcount FROM chunks"

step "12. The database is the model: generate text from the stored tensors"
[ "$model" = stories260K ] && echo "(llama.cpp's greedy continuation of this prompt is in ../shared/reference/stories260K-greedy.md: the same tokens)"
"$hart" generate "$db" "$model" "$prompt" --max-tokens 64
sql "SELECT hart_version() AS version, hart_tokenize('$model', '$prompt') AS ids"
sql "SELECT hart_generate('$model', '$prompt', '{\"max_tokens\": 24, \"temperature\": 0.8, \"seed\": 7}') AS sampled"
sql "SELECT position, token_id, text, round(logprob, 3) AS logprob FROM hart_generate_tokens('$model', '$prompt', '{\"max_tokens\": 5}')"
echo "(generate, tokenize and generate_tokens still answer to their bare names; none can run from a view or trigger)"
step "13. Every inference is a row"
sql "SELECT id, task, model_name, substr(input, 1, 20) AS input, substr(replace(output, char(10), ' '), 1, 40) AS output, prompt_tokens, output_tokens, stop_reason, round(duration_ms, 1) AS ms FROM inferences"

step "14. Ingest content of every kind: a folder becomes content-addressed, related atoms"
content="$work/content"
mkdir -p "$content/docs"
if [ -f ../shared/data/tinyshakespeare/input.txt ]; then
  cp ../shared/data/tinyshakespeare/input.txt "$content/docs/shakespeare.txt"
  cp ../shared/data/audio-jfk/jfk.wav "$content/" 2>/dev/null || true
  cp ../shared/data/images-captioned/page.png ../shared/data/images-captioned/astronaut.png "$content/" 2>/dev/null || true
  cp ../shared/data/tinystories-sample/* "$content/docs/" 2>/dev/null || true
  if [ -f ../shared/data/images-captioned/rocket.jpg ]; then
    # The same photo on disk and inside a PDF (Tesseract's PDF writer embeds the JPEG as it is).
    cp ../shared/data/images-captioned/rocket.jpg "$content/"
    tesseract ../shared/data/images-captioned/rocket.jpg "$content/docs/rocket-report" pdf >/dev/null 2>&1 || true
  fi
else
  for i in $(seq 1 200); do echo "Sentence number $i of a generated document. It ends here."; done >"$content/docs/shakespeare.txt"
fi
cp "$content/docs/shakespeare.txt" "$content/same-text-under-another-name.txt"
tar czf "$content/bundle.tar.gz" -C "$content" docs
"$hart" ingest "$db" "$content"
echo "(the copy, and the archive's members, are the same atoms: counted, not stored twice)"
sql "SELECT * FROM dedup_stats"
sql "SELECT modality, subtype, mime, count(*) AS atoms FROM atoms GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 8"
sql "SELECT label, relation, depth FROM atom_parts((SELECT atom_id FROM sources WHERE path LIKE '%/bundle.tar.gz')) WHERE relation = 'member'"
sql "SELECT r.ordinal, substr(replace(atom_text(r.child_id), char(10), ' '), 1, 70) AS passage FROM atom_relations r JOIN sources s ON s.atom_id = r.parent_id WHERE s.path LIKE '%/same-text-under-another-name.txt' AND r.relation = 'passage' ORDER BY r.ordinal LIMIT 3"

sql "SELECT replace(s.path, '$content/', '') AS file, json_extract(a.metadata, '$.width') AS width, json_extract(a.metadata, '$.height') AS height, (SELECT count(*) FROM atom_relations r WHERE r.parent_id = a.id AND r.relation = 'patch') AS patches, substr(replace(atom_text(a.id), char(10), ' '), 1, 60) AS ocr_text FROM atoms a JOIN sources s ON s.atom_id = a.id WHERE a.modality = 'image'"

sql "SELECT replace(s.path, '$content/', '') AS file, a.refcount AS uses, (SELECT group_concat(p.mime || ' ' || r.relation, ', ') FROM atom_relations r JOIN atoms p ON p.id = r.parent_id WHERE r.child_id = a.id) AS also_inside FROM atoms a JOIN sources s ON s.atom_id = a.id WHERE a.mime = 'image/jpeg'"

sql "SELECT json_extract(a.metadata, '$.duration_seconds') AS seconds, json_extract(a.metadata, '$.frames') AS frames, atom_text(a.id) AS transcript FROM atoms a JOIN sources s ON s.atom_id = a.id WHERE a.modality = 'audio'"

step "15. Ingesting the same folder again reads nothing: unchanged files are recognised"
"$hart" ingest "$db" "$content"

step "16. Find atoms by words (BM25), by meaning (vectors of their text) or both, fused"
echo "(the built-in text embedder needs no weights; its vectors go into a hart_vectors collection)"
"$hart" embed-atoms "$db"
"$hart" search "$db" "a king who lost his crown and his kingdom" -k 5 --mode fused
"$hart" search "$db" "ask not what your country can do for you" -k 3 --mode fts
sql "SELECT s.rank, s.found_by, a.modality, substr(replace(atom_text(a.id), char(10), ' '), 1, 60) AS text FROM search('the king and his queen', 3, 'ann', 'text', 'modality = ''text''') s JOIN atoms a ON a.id = s.atom_id"
echo "(pictures and recordings are also compared by their own features, stored at ingest: colour, edges and layout; MFCC statistics)"
"$hart" embed-atoms "$db" --embedder image
"$hart" embed-atoms "$db" --embedder audio
astronaut=$("$hart" sql "$db" "SELECT atom_id FROM sources WHERE path LIKE '%/astronaut.png'" --csv | tail -1)
case "$astronaut" in ''|*[!0-9]*) ;; *) "$hart" search "$db" --like-atom "$astronaut" --embedder image -k 3 ;; esac

step "17. Vector collections of your own, with sqlite-vec's syntax"
sql "CREATE VIRTUAL TABLE items USING hart_vectors(embedding float[4] distance_metric=cosine, category text); INSERT INTO items(rowid, embedding, category) VALUES (1, '[0.1, 0.9, 0.0, 0.2]', 'a'), (2, '[0.8, 0.1, 0.1, 0.0]', 'b'), (3, '[0.7, 0.3, 0.0, 0.0]', 'b'); SELECT rowid, round(distance, 4) AS distance FROM items WHERE embedding MATCH '[0.7, 0.2, 0.1, 0.0]' AND k = 2 AND category = 'b' ORDER BY distance"

step "18. Students by SELECT: score a model, extract smaller ones with a query, judge them against it"
own=shakespeare-3m
[ "$model" = "$own" ] || "$hart" ingest "$db" "$own_model_file" --quiet
echo "(calibration text comes from the database: passages of the ingested text)"
calibration="SELECT text FROM atoms_text WHERE length(text) > 200 LIMIT 300"
"$hart" importance "$db" "$own" --method wanda --calibration "$calibration"
"$hart" importance "$db" "$own" --method influence --calibration "$calibration"
sql "SELECT layer, head, round(score, 3) AS wanda_score FROM head_scores WHERE model = '$own' AND method = 'wanda' AND layer = 0"
sql "SELECT count(*) AS weights_above_0_5, (SELECT weights_scan_stats()) AS scan FROM weights WHERE model = '$own' AND method = 'wanda' AND importance > 0.5"
echo "(a student is a query over the parent's tensors: here, without the two blocks of lowest influence)"
"$hart" extract "$db" "$own" "$own-6l" --drop-layers 2 --by influence
"$hart" extract "$db" "$own" "$own-wanda50" --sparsity 0.5 --method wanda
sql "SELECT extract_student('$own', '$own-narrow', 'SELECT id FROM tensors WHERE model_id = (SELECT id FROM models WHERE name = ''$own'')', '{\"heads\": 0.5, \"heads_by\": \"wanda\", \"neurons\": 0.75}') AS student"
"$hart" extract "$db" "$own-6l" "$own-6l-2of4" --nm 2:4
sql "SELECT name, parameter_count, n_bytes FROM models WHERE name LIKE '$own%'"
echo "(judged on text the model was not trained on when ../shared is present: the last tenth of tinyshakespeare)"
if [ -f ../shared/data/tinyshakespeare/input.txt ]; then
  tail -c 110000 ../shared/data/tinyshakespeare/input.txt >"$work/heldout.txt"
  heldout=(--file "$work/heldout.txt")
else
  heldout=(--text "SELECT text FROM atoms_text")
fi
"$hart" compare "$db" "$own" "$own-6l" "${heldout[@]}" --ctx 256 --chunks 16 --gen-tokens 32
"$hart" compare "$db" "$own" "$own-wanda50" "${heldout[@]}" --ctx 256 --chunks 16 --gen-tokens 0
"$hart" generate "$db" "$own-6l" "ROMEO:" --max-tokens 48
"$hart" lineage "$db" "$own-6l-2of4"
"$hart" export "$db" "$own-6l" --format gguf "$work/$own-6l.gguf"
echo "(llama.cpp loads $work/$own-6l.gguf as any GGUF)"

step "19. Chat: a conversation through a chat template (the model's own, or a built-in by name)"
printf 'Who comes here?\nSpeak, then.\n' | "$hart" chat "$db" "$own" --chat-template chatml --system "Answer as a player." -n 32 2>/dev/null
sql "SELECT id, task, substr(replace(input, char(10), ' '), 1, 90) AS rendered_prompt FROM inferences WHERE task = 'chat'"

step "20. Serve the database over the OpenAI API: keys, tenants, a usage ledger, SQL over HTTP"
key=$("$hart" keys create "$db" --name demo --tenant demo-team --scopes inference,sql-read --rpm 600)
"$hart" keys list "$db"
echo "(the project's model has no chat template of its own: the server is given the built-in chatml)"
"$hart" serve "$db" --port 0 --slots 4 --chat-template chatml >/dev/null 2>"$work/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do grep -q "http://" "$work/serve.log" && break; sleep 0.05; done
cat "$work/serve.log"
base=$(grep -o 'http://[0-9.:]*/v1' "$work/serve.log")
api() { curl -s "$base/$1" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$2"; echo; }
echo "POST $base/chat/completions"
api chat/completions "{\"model\": \"$own\", \"messages\": [{\"role\": \"user\", \"content\": \"Who goes there?\"}], \"max_tokens\": 24, \"temperature\": 0}" | jq -c '{content: .choices[0].message.content, usage}'
echo "POST $base/chat/completions with a response_format: the answer is sampled inside the JSON schema"
schema='{"type": "object", "properties": {"speaker": {"type": "string", "maxLength": 12}, "lines": {"type": "integer"}, "mood": {"enum": ["merry", "grave"]}}, "required": ["speaker", "lines", "mood"]}'
api chat/completions "{\"model\": \"$own\", \"messages\": [{\"role\": \"user\", \"content\": \"Who speaks?\"}], \"max_tokens\": 200, \"seed\": 3, \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"who\", \"schema\": $schema}}}" | jq -c '.choices[0] | {finish_reason, content: (.message.content | fromjson)}'
echo "POST $base/completions, streamed (server-sent events)"
api completions "{\"model\": \"$own\", \"prompt\": \"ROMEO:\", \"max_tokens\": 4, \"stream\": true}" >"$work/stream.txt"
grep -v '^$' "$work/stream.txt" | cut -c1-150
echo "POST $base/sql (read-only; writes need a key with the sql-write scope)"
api sql '{"sql": "SELECT name, architecture, parameter_count FROM models ORDER BY id LIMIT 3"}' | jq -c .
api sql '{"sql": "DELETE FROM models"}' | jq -c .error
echo "(a request without the key)"
curl -s "$base/models" | jq -c .error
kill -INT $server; wait $server || true
trap - EXIT
sql "SELECT u.id, u.tenant, u.endpoint, u.model, u.prompt_tokens, u.completion_tokens, round(u.latency_ms, 1) AS ms, u.status, (SELECT count(*) FROM inferences i WHERE i.usage_id = u.id) AS inferences FROM usage u ORDER BY u.id"

echo
echo "The database is $db ($(du -h "$db" | cut -f1)). Try: $hart sql $db \"SELECT ...\""
