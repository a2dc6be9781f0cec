// extract_student (student.h): the query picks tensors, the options cut heads and
// neurons and zero weights; the new model is written through one ModelWriter.
#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <set>

#include "engine/text_query.h"
#include "store/model_parts.h"
#include "store/model_writer.h"
#include "store/models.h"
#include "store/scores.h"
#include "student/importance.h"
#include "student/llama_shape.h"
#include "student/student.h"
#include "student/student_options.h"
#include "student/tensor_edit.h"
#include "util/error.h"

namespace hart {
namespace {

const char* const kBlockTensors[] = {"attn_norm.weight", "attn_q.weight",  "attn_k.weight", "attn_v.weight",
                                     "attn_output.weight", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight",
                                     "ffn_down.weight"};

bool is_matrix_kind(const std::string& kind) { return kind != "attn_norm.weight" && kind != "ffn_norm.weight"; }

// The indices of parts.tensors the query selects, checked: each a tensor of the parent, once.
std::vector<bool> run_selection(Database& db, const ModelRow& parent, const std::vector<TensorRow>& tensors,
                                const std::string& query) {
  UserQuery q(db.handle(), query, "student's");
  sqlite3_stmt* st = q.stmt();
  int by_id = -1, by_name = -1;
  for (int c = 0; c < sqlite3_column_count(st); ++c) {
    std::string col = sqlite3_column_name(st, c);
    std::transform(col.begin(), col.end(), col.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (col == "id" && by_id < 0) by_id = c;
    if ((col == "name" || col == "tensor") && by_name < 0) by_name = c;
  }
  if (by_id < 0 && by_name < 0)
    throw UsageError("the student's query must return the tensors to keep: a column 'id' (tensors.id) or 'name'");
  std::map<int64_t, size_t> index_of_id;
  std::map<std::string, size_t> index_of_name;
  for (size_t i = 0; i < tensors.size(); ++i) {
    index_of_id[tensors[i].id] = i;
    index_of_name[tensors[i].name] = i;
  }
  std::vector<bool> keep(tensors.size(), false);
  while (q.step()) {
    size_t i;
    if (by_id >= 0) {
      int64_t id = sqlite3_column_int64(st, by_id);
      auto it = index_of_id.find(id);
      if (it == index_of_id.end()) {
        Stmt o = db.prepare("SELECT t.name, m.name FROM tensors t JOIN models m ON m.id = t.model_id WHERE t.id = ?");
        o.bind(1, id);
        if (o.step())
          throw UsageError("the student's query selects tensor " + std::to_string(id) + " ('" + o.text(0) +
                           "') of model '" + o.text(1) + "', not of the parent '" + parent.name + "'");
        throw UsageError("the student's query selects tensor id " + std::to_string(id) + ", which does not exist");
      }
      i = it->second;
    } else {
      const auto* p = sqlite3_column_text(st, by_name);
      std::string name = p ? reinterpret_cast<const char*>(p) : "";
      auto it = index_of_name.find(name);
      if (it == index_of_name.end())
        throw UsageError("the student's query selects '" + name + "', which is not a tensor of '" + parent.name + "'");
      i = it->second;
    }
    if (keep[i])
      throw UsageError("the student's query selects tensor '" + tensors[i].name +
                       "' twice (a layer listed twice, or tensors of several models?)");
    keep[i] = true;
  }
  if (std::none_of(keep.begin(), keep.end(), [](bool b) { return b; }))
    throw UsageError("the student's query selects no tensor of '" + parent.name + "'");
  return keep;
}

// Unit scores of `method` for the parent; magnitude is computed (and stored) on first use.
std::vector<UnitScore> unit_scores(Database& db, const ModelRow& parent, const std::string& method, ScoreUnit unit,
                                   nlohmann::ordered_json& used) {
  auto set = find_score_set(db.handle(), parent.id, method);
  if (!set && method == "magnitude") {
    ImportanceOptions o;
    o.method = "magnitude";
    compute_importance(db, parent.name, o);
    set = find_score_set(db.handle(), parent.id, method);
  }
  if (!set)
    throw UsageError("'" + parent.name + "' has no " + method + " scores: run `hart importance FILE " + parent.name +
                     " --method " + method + " --calibration \"SELECT ...\"` first");
  auto scores = read_unit_scores(db.handle(), set->id, unit);
  if (scores.empty())
    throw UsageError("the " + method + " scores of '" + parent.name + "' have no " + score_unit_name(unit) +
                     " scores (influence scores layers only)");
  used[std::string(score_unit_name(unit)) + "s"] = {{"method", method}, {"score_set", set->id},
                                                     {"calibration", set->calibration.empty() ? nlohmann::ordered_json()
                                                                                              : nlohmann::ordered_json(set->calibration)}};
  return scores;
}

// The units (heads or neurons) of one layer to keep, ascending: `keep` of `n` by score
// (highest first) or at random.
std::vector<uint64_t> choose_units(const std::vector<UnitScore>& scores, int64_t layer, uint64_t first, uint64_t n,
                                   uint64_t keep, const std::string& by, uint64_t seed) {
  std::vector<uint64_t> units(n);
  std::iota(units.begin(), units.end(), first);
  if (by == "random") {
    std::mt19937_64 rng(seed * 1000003 + static_cast<uint64_t>(layer) * 7919 + first);
    std::shuffle(units.begin(), units.end(), rng);
  } else {
    std::vector<double> s(first + n, 0);
    for (const UnitScore& u : scores)
      if (u.layer == layer && u.idx >= 0 && static_cast<uint64_t>(u.idx) < first + n) s[u.idx] = u.score;
    std::stable_sort(units.begin(), units.end(), [&](uint64_t a, uint64_t b) { return s[a] > s[b]; });
  }
  units.resize(keep);
  std::sort(units.begin(), units.end());
  return units;
}

std::vector<uint64_t> expand(const std::vector<uint64_t>& units, uint64_t width) {
  std::vector<uint64_t> out;
  for (uint64_t u : units)
    for (uint64_t k = 0; k < width; ++k) out.push_back(u * width + k);
  return out;
}

// Element scores for sparsity, the same shape as the matrix.
std::vector<float> element_scores(Database& db, const TensorRow& t, const FloatMatrix& m, const StudentOptions& o,
                                  int64_t wanda_set) {
  std::vector<float> s(m.v.size());
  if (o.method == "magnitude") {
    float max = 0;
    for (size_t i = 0; i < s.size(); ++i) max = std::max(max, s[i] = std::fabs(m.v[i]));
    if (max > 0)
      for (float& v : s) v /= max;  // the importance `weights` shows: thresholds mean the same
  } else if (o.method == "random") {
    std::mt19937_64 rng(o.seed ^ std::hash<std::string>{}(t.name));
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (float& v : s) v = u(rng);
  } else {
    auto stored = read_tensor_scores(db.handle(), wanda_set, t);
    if (!stored) throw UsageError("the wanda scores have no scores for '" + t.name + "': run hart importance again");
    s = std::move(*stored);
  }
  return s;
}

void set_meta(NewModel& spec, const std::string& key, int64_t value) {
  spec.metadata[key] = value;
  if (!spec.metadata_types.contains(key)) spec.metadata_types[key] = "u32";
}

}  // namespace

std::string StudentReport::to_json() const {
  return nlohmann::ordered_json{{"name", name}, {"parent", parent}, {"model_id", model_id}, {"layers", layers},
                                {"heads", heads}, {"kv_heads", kv_heads}, {"feed_forward_length", ffn},
                                {"tensors_shared", tensors_shared}, {"tensors_written", tensors_written},
                                {"weights_zeroed", weights_zeroed}, {"parameter_count", parameter_count},
                                {"bytes", n_bytes}, {"bytes_written", bytes_written}, {"chunks_new", chunks_new},
                                {"chunks_shared", chunks_shared}, {"seconds", seconds}}
      .dump();
}

StudentReport extract_student(Database& db, const std::string& parent_name, const std::string& name,
                              const std::string& query, const std::string& options_json) {
  auto t0 = std::chrono::steady_clock::now();
  check_model_name(name);
  if (db.read_only()) throw UsageError("the database is read-only: a student cannot be written");
  if (find_model(db, name)) throw UsageError("a model named '" + name + "' already exists: choose another name or remove it");
  const StudentOptions o = parse_student_options(options_json);
  const ModelRow parent = require_model(db, parent_name);
  NewModel spec = derived_model(db, parent, name, nlohmann::ordered_json::object());
  const LlamaShape shape = llama_shape(parent.name, parent.architecture, spec.metadata);
  const std::vector<TensorRow> tensors = model_tensors(db.handle(), parent.id);
  const std::vector<bool> keep = run_selection(db, parent, tensors, query);

  // Layers kept, and a runnable whole: every tensor outside blocks, blocks complete.
  std::map<int64_t, std::set<std::string>> kept_kinds, all_kinds;
  for (size_t i = 0; i < tensors.size(); ++i) {
    int64_t layer;
    std::string kind;
    if (!split_block_name(tensors[i].name, layer, kind)) {
      if (!keep[i])
        throw UsageError("the student's query leaves out '" + tensors[i].name +
                         "', which every model needs (tensors outside blocks are all kept)");
      continue;
    }
    all_kinds[layer].insert(kind);
    if (keep[i]) kept_kinds[layer].insert(kind);
  }
  if (kept_kinds.empty()) throw UsageError("the student's query keeps no layer (block) of '" + parent.name + "'");
  std::map<int64_t, int64_t> new_layer;
  for (auto& [layer, kinds] : kept_kinds) {
    for (const char* k : kBlockTensors)
      if (!kinds.count(k))
        throw UsageError("the student's query keeps layer " + std::to_string(layer) + " without 'blk." +
                         std::to_string(layer) + "." + k + "': a layer is kept whole or not at all");
    if (kinds != all_kinds[layer])
      throw UsageError("the student's query keeps only part of layer " + std::to_string(layer));
    const int64_t n = static_cast<int64_t>(new_layer.size());
    new_layer[layer] = n;
  }

  // Heads and neurons per kept layer.
  nlohmann::ordered_json scores_used = nlohmann::ordered_json::object();
  const uint64_t hd = shape.head_dim, group = shape.group();
  uint64_t q_keep_per_group = group, kv_keep = shape.n_kv, ffn_keep = shape.ffn;
  std::map<int64_t, std::vector<uint64_t>> q_heads, kv_heads, neurons;
  if (o.heads) {
    // MHA: whole heads (their K and V too); GQA: the same number in every KV group.
    auto scores = o.heads_by == "random" ? std::vector<UnitScore>{}
                                         : unit_scores(db, parent, o.heads_by, ScoreUnit::kHead, scores_used);
    if (group == 1) {
      kv_keep = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(*o.heads * shape.n_head)));
      q_keep_per_group = 1;
    } else {
      q_keep_per_group = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(*o.heads * double(group))));
    }
    for (auto& [layer, _] : new_layer) {
      if (group == 1) {
        q_heads[layer] = kv_heads[layer] = choose_units(scores, layer, 0, shape.n_head, kv_keep, o.heads_by, o.seed);
      } else {
        for (uint64_t g = 0; g < static_cast<uint64_t>(shape.n_kv); ++g) {
          auto in_group = choose_units(scores, layer, g * group, group, q_keep_per_group, o.heads_by, o.seed);
          q_heads[layer].insert(q_heads[layer].end(), in_group.begin(), in_group.end());
          kv_heads[layer].push_back(g);
        }
      }
    }
    if (o.heads_by == "random") scores_used["heads"] = {{"method", "random"}, {"seed", o.seed}};
  }
  if (o.neurons) {
    auto scores = o.neurons_by == "random" ? std::vector<UnitScore>{}
                                           : unit_scores(db, parent, o.neurons_by, ScoreUnit::kNeuron, scores_used);
    ffn_keep = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(*o.neurons * shape.ffn)));
    for (auto& [layer, _] : new_layer) neurons[layer] = choose_units(scores, layer, 0, shape.ffn, ffn_keep, o.neurons_by, o.seed);
    if (o.neurons_by == "random") scores_used["neurons"] = {{"method", "random"}, {"seed", o.seed}};
  }
  int64_t wanda_set = 0;
  if (o.sparsifies() && o.method == "wanda") {
    auto set = find_score_set(db.handle(), parent.id, "wanda");
    if (!set)
      throw UsageError("'" + parent.name + "' has no wanda scores: run `hart importance FILE " + parent.name +
                       " --method wanda --calibration \"SELECT ...\"` first");
    wanda_set = set->id;
    scores_used["weights"] = {{"method", "wanda"}, {"score_set", set->id}, {"calibration", set->calibration}};
  } else if (o.sparsifies()) {
    scores_used["weights"] = {{"method", o.method}};
  }

  // The new model's shape in its metadata.
  const std::string p = shape.arch + ".";
  const uint64_t n_head_new = o.heads ? (group == 1 ? kv_keep : q_keep_per_group * shape.n_kv) : shape.n_head;
  const uint64_t n_kv_new = o.heads && group == 1 ? kv_keep : shape.n_kv;
  set_meta(spec, p + "block_count", static_cast<int64_t>(new_layer.size()));
  if (o.heads) {
    set_meta(spec, p + "attention.head_count", static_cast<int64_t>(n_head_new));
    set_meta(spec, p + "attention.head_count_kv", static_cast<int64_t>(n_kv_new));
    set_meta(spec, p + "attention.key_length", static_cast<int64_t>(hd));
    set_meta(spec, p + "attention.value_length", static_cast<int64_t>(hd));
  }
  if (o.neurons) set_meta(spec, p + "feed_forward_length", static_cast<int64_t>(ffn_keep));
  std::vector<int64_t> layers_kept;
  for (auto& [layer, _] : new_layer) layers_kept.push_back(layer);
  spec.derivation["kind"] = "student";
  spec.derivation["query"] = query;
  spec.derivation["options"] = o.to_json();
  spec.derivation["scores"] = scores_used;
  spec.derivation["layers"] = layers_kept;
  // The parent's score sets at this moment: a query may read any of them.
  nlohmann::ordered_json sets = nlohmann::ordered_json::array();
  Stmt ss = db.prepare("SELECT id, method, calibration, calibration_tokens, created_at FROM score_sets WHERE model_id = ? "
                       "ORDER BY id");
  ss.bind(1, parent.id);
  while (ss.step())
    sets.push_back({{"score_set", ss.int64(0)}, {"method", ss.text(1)},
                    {"calibration", ss.is_null(2) ? nlohmann::ordered_json() : nlohmann::ordered_json(ss.text(2))},
                    {"calibration_tokens", ss.int64(3)}, {"created_at", ss.text(4)}});
  spec.derivation["parent_score_sets"] = sets;

  StudentReport rep;
  rep.name = name;
  rep.parent = parent.name;
  rep.layers = static_cast<int64_t>(new_layer.size());
  rep.heads = static_cast<int64_t>(n_head_new);
  rep.kv_heads = static_cast<int64_t>(n_kv_new);
  rep.ffn = static_cast<int64_t>(ffn_keep);
  ModelWriter writer(db, spec);
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!keep[i]) continue;
    const TensorRow& t = tensors[i];
    int64_t layer;
    std::string kind;
    if (!split_block_name(t.name, layer, kind)) {
      writer.add_tensor_from(t);
      ++rep.tensors_shared;
      continue;
    }
    const std::string new_name = "blk." + std::to_string(new_layer[layer]) + "." + kind;
    const bool cut_rows = (o.heads && (kind == "attn_q.weight" || kind == "attn_k.weight" || kind == "attn_v.weight")) ||
                          (o.neurons && (kind == "ffn_gate.weight" || kind == "ffn_up.weight"));
    const bool cut_cols = (o.heads && kind == "attn_output.weight") || (o.neurons && kind == "ffn_down.weight");
    const bool sparsify = o.sparsifies() && is_matrix_kind(kind);
    if (!cut_rows && !cut_cols && !sparsify) {
      writer.add_tensor_from(t, new_name);
      ++rep.tensors_shared;
      continue;
    }
    if (t.shape.size() != 2) throw UsageError("'" + t.name + "' is not a matrix; it cannot be cut");
    FloatMatrix m{t.shape[0], t.shape[1], read_tensor_floats(db.handle(), t)};
    if (sparsify) {
      std::vector<float> s = element_scores(db, t, m, o, wanda_set);
      if (o.sparsity) rep.weights_zeroed += zero_lowest(m, s, *o.sparsity, /*per_row=*/o.method == "wanda");
      else if (o.threshold) rep.weights_zeroed += zero_below(m, s, *o.threshold);
      else rep.weights_zeroed += keep_n_of_m(m, s, o.nm_n, o.nm_m, "'" + t.name + "'");
    }
    if (kind == "attn_q.weight" && o.heads) m = take_rows(m, expand(q_heads[layer], hd));
    if ((kind == "attn_k.weight" || kind == "attn_v.weight") && o.heads) m = take_rows(m, expand(kv_heads[layer], hd));
    if (kind == "attn_output.weight" && o.heads) m = take_cols(m, expand(q_heads[layer], hd));
    if ((kind == "ffn_gate.weight" || kind == "ffn_up.weight") && o.neurons) m = take_rows(m, neurons[layer]);
    if (kind == "ffn_down.weight" && o.neurons) m = take_cols(m, neurons[layer]);
    std::vector<uint8_t> bytes = encode_matrix(m, t.dtype, "'" + t.name + "'");
    writer.add_tensor(new_name, {m.rows, m.cols}, t.dtype, bytes.data(), bytes.size());
    ++rep.tensors_written;
  }
  ModelRow row = writer.commit();
  const WriteCounters& c = writer.counters();
  rep.model_id = row.id;
  rep.parameter_count = row.parameter_count;
  rep.n_bytes = row.n_bytes;
  rep.bytes_written = c.bytes_written;
  rep.chunks_new = c.chunks_new;
  rep.chunks_shared = c.chunks_shared;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace hart
