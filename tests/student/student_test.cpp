// Students by SELECT (student/student.h) on real weights: stories260K (trained, GQA
// 8 heads / 4 KV) when ../shared is present, and the project's reference Llama
// otherwise. Cutting heads or neurons must equal zeroing them in the parent (the
// logits agree), a layer subset shares every chunk, sparsity zeroes exactly what it
// says, and every bad request is refused with nothing written.
#include <cmath>

#include "../store/store_fixture.h"
#include "engine/model_cache.h"
#include "model/causal_lm.h"
#include "reference_models.h"
#include "store/model_export.h"
#include "store/model_ingest.h"
#include "store/model_writer.h"
#include "store/models.h"
#include "store/scores.h"
#include "store/tensor_data.h"
#include "student/importance.h"
#include "student/student.h"
#include "student/student_query.h"
#include "student/tensor_edit.h"

namespace hart::test {
namespace {

class StudentTest : public StoreTest {
 protected:
  // The reference Llama (2 layers, 4 heads / 2 KV, ffn 192): always available.
  void ingest_reference() {
    reference::write_reference_models(models_dir.path());
    IngestOptions o;
    o.name = "ref";
    ingest_model(*db, models_dir.file("llama_f32.gguf"), o);
  }
  std::vector<float> logits(const std::string& model, const std::vector<int32_t>& tokens) {
    auto lm = make_causal_lm(ModelCache::global().get(db->handle(), model), 1);
    std::vector<float> out;
    lm->eval(tokens, out, /*all_logits=*/true);
    return out;
  }
  // The parent with some columns of some matrices zeroed, written as a new model.
  void write_zeroed(const std::string& parent, const std::string& name,
                    const std::map<std::string, std::vector<uint64_t>>& zero_cols) {
    ModelRow p = require_model(*db, parent);
    ModelWriter w(*db, derived_model(*db, p, name, {{"kind", "test"}}));
    for (const TensorRow& t : model_tensors(db->handle(), p.id)) {
      auto it = zero_cols.find(t.name);
      if (it == zero_cols.end()) {
        w.add_tensor_from(t);
        continue;
      }
      FloatMatrix m{t.shape[0], t.shape[1], read_tensor_floats(db->handle(), t)};
      for (uint64_t r = 0; r < m.rows; ++r)
        for (uint64_t c : it->second) m.v[r * m.cols + c] = 0;
      w.add_tensor(t.name, t.shape, t.dtype, m.v.data(), m.v.size() * 4);
    }
    w.commit();
  }
  static void expect_close(const std::vector<float>& a, const std::vector<float>& b, double tol) {
    ASSERT_EQ(a.size(), b.size());
    double worst = 0, scale = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      worst = std::max(worst, double(std::fabs(a[i] - b[i])));
      scale = std::max(scale, double(std::fabs(b[i])));
    }
    EXPECT_LE(worst, tol * scale) << "max |difference| " << worst << " of logits up to " << scale;
  }
  int64_t models() { return scalar(*db, "SELECT count(*) FROM models"); }
  std::string extract_error(const std::string& parent, const std::string& name, const std::string& query,
                            const std::string& options) {
    const auto before = counts(*db);
    try {
      extract_student(*db, parent, name, query, options);
    } catch (const UsageError& e) {
      EXPECT_EQ(counts(*db), before) << "something was written";
      return e.what();
    }
    return "";
  }
  TempDir models_dir;
  const std::vector<int32_t> tokens{1, 7, 300, 42, 9, 250, 77, 3, 11, 499};
};

TEST_F(StudentTest, ALayerSubsetSharesEveryChunkAndRuns) {
  ingest_reference();
  const int64_t chunks = scalar(*db, "SELECT count(*) FROM chunks");
  LayerChoice keep;
  keep.layers = {1};
  StudentReport r = extract_student(*db, "ref", "one", student_query(*db, "ref", keep), "");
  EXPECT_EQ(r.layers, 1);
  EXPECT_EQ(r.bytes_written, 0u);
  EXPECT_EQ(r.tensors_written, 0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM chunks"), chunks);
  EXPECT_EQ(scalar(*db, "SELECT json_extract(metadata, '$.\"llama.block_count\"') FROM models WHERE name = 'one'"), 1);
  // blk.1 of the parent is blk.0 of the student, the same chunks.
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM tensors t JOIN models m ON m.id = t.model_id "
                        "WHERE m.name = 'one' AND t.name LIKE 'blk.1.%'"), 0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM tensor_chunks a JOIN tensors ta ON ta.id = a.tensor_id "
                        "JOIN tensor_chunks b ON b.chunk_id = a.chunk_id JOIN tensors tb ON tb.id = b.tensor_id "
                        "WHERE ta.name = 'blk.0.attn_q.weight' AND ta.model_id = " + std::to_string(r.model_id) +
                        " AND tb.name = 'blk.1.attn_q.weight'"), 1);
  auto student = logits("one", tokens);
  EXPECT_EQ(student.size(), tokens.size() * 512);
  // Removing the parent keeps the student whole.
  std::vector<float> before = student;
  remove_model(*db, "ref");
  ModelCache::global().clear();
  EXPECT_EQ(logits("one", tokens), before);
  expect_check_passes(*db);
}

TEST_F(StudentTest, CuttingHeadsEqualsZeroingThemInTheParent) {
  ingest_reference();  // 4 heads of 16, 2 KV groups of 2
  extract_student(*db, "ref", "half", student_query(*db, "ref", {}), R"({"heads": 0.5, "heads_by": "random", "seed": 3})");
  EXPECT_EQ(scalar(*db, "SELECT json_extract(metadata, '$.\"llama.attention.head_count\"') FROM models WHERE name = 'half'"), 2);
  EXPECT_EQ(scalar(*db, "SELECT json_extract(metadata, '$.\"llama.attention.head_count_kv\"') FROM models WHERE name = 'half'"), 2);
  // Which heads were kept: the student's attn_q rows are some of the parent's.
  std::map<std::string, std::vector<uint64_t>> zero;
  for (int l = 0; l < 2; ++l) {
    const std::string q = "blk." + std::to_string(l) + ".attn_q.weight";
    auto rows_of = [&](const std::string& model) {
      TensorRow t;
      for (const TensorRow& x : model_tensors(db->handle(), require_model(*db, model).id))
        if (x.name == q) t = x;
      return read_tensor_floats(db->handle(), t);
    };
    auto parent = rows_of("ref"), student = rows_of("half");
    std::vector<uint64_t> kept;
    for (uint64_t h = 0; h < 4; ++h)
      for (uint64_t s = 0; s < 2; ++s)
        if (std::equal(student.begin() + s * 16 * 64, student.begin() + (s + 1) * 16 * 64, parent.begin() + h * 16 * 64))
          kept.push_back(h);
    ASSERT_EQ(kept.size(), 2u) << "layer " << l;
    EXPECT_EQ(kept[0] / 2, 0u);  // one head in each KV group
    EXPECT_EQ(kept[1] / 2, 1u);
    for (uint64_t h = 0; h < 4; ++h)
      if (std::find(kept.begin(), kept.end(), h) == kept.end())
        for (uint64_t k = 0; k < 16; ++k) zero["blk." + std::to_string(l) + ".attn_output.weight"].push_back(h * 16 + k);
  }
  write_zeroed("ref", "zeroed", zero);
  expect_close(logits("half", tokens), logits("zeroed", tokens), 1e-5);
}

TEST_F(StudentTest, CuttingNeuronsByScoreEqualsZeroingThemInTheParent) {
  ingest_reference();  // ffn 192
  compute_importance(*db, "ref", {.method = "magnitude"});
  extract_student(*db, "ref", "slim", student_query(*db, "ref", {}), R"({"neurons": 0.25})");
  EXPECT_EQ(scalar(*db, "SELECT json_extract(metadata, '$.\"llama.feed_forward_length\"') FROM models WHERE name = 'slim'"), 48);
  // The kept neurons are the 48 of highest magnitude score in each layer.
  std::map<std::string, std::vector<uint64_t>> zero;
  for (int l = 0; l < 2; ++l) {
    Stmt s = db->prepare("SELECT neuron FROM neuron_scores WHERE model = 'ref' AND method = 'magnitude' AND layer = ? "
                         "ORDER BY score DESC, neuron LIMIT -1 OFFSET 48");
    s.bind(1, int64_t(l));
    while (s.step()) zero["blk." + std::to_string(l) + ".ffn_down.weight"].push_back(static_cast<uint64_t>(s.int64(0)));
    EXPECT_EQ(zero["blk." + std::to_string(l) + ".ffn_down.weight"].size(), 144u);
  }
  write_zeroed("ref", "zeroed", zero);
  expect_close(logits("slim", tokens), logits("zeroed", tokens), 1e-5);
}

TEST_F(StudentTest, SparsityZeroesWhatItSays) {
  ingest_reference();
  StudentReport r = extract_student(*db, "ref", "half", student_query(*db, "ref", {}), R"({"sparsity": 0.5})");
  // Each block matrix exactly half zero; norms, embeddings and output untouched (shared).
  Stmt s = db->prepare("SELECT t.name, t.zero_fraction, t.kind FROM tensors t JOIN models m ON m.id = t.model_id "
                       "WHERE m.name = 'half'");
  int matrices = 0;
  while (s.step()) {
    const std::string kind = s.text(2);
    const bool matrix = (kind.rfind("attn_", 0) == 0 && kind != "attn_norm") || (kind.rfind("ffn_", 0) == 0 && kind != "ffn_norm");
    if (matrix) {
      EXPECT_DOUBLE_EQ(s.real(1), 0.5) << s.text(0);
      ++matrices;
    } else {
      EXPECT_LT(s.real(1), 0.01) << s.text(0);
    }
  }
  EXPECT_EQ(matrices, 14);
  EXPECT_EQ(r.weights_zeroed, scalar(*db, "SELECT sum(n_elements) / 2 FROM tensors t JOIN models m ON m.id = t.model_id "
                                          "WHERE m.name = 'ref' AND t.layer IS NOT NULL AND t.kind NOT LIKE '%norm'"));
  // 2:4 keeps the two largest of every four.
  extract_student(*db, "ref", "nm", student_query(*db, "ref", {}), R"({"nm": "2:4"})");
  TensorRow parent_q, nm_q;
  for (const TensorRow& t : model_tensors(db->handle(), require_model(*db, "ref").id))
    if (t.name == "blk.0.ffn_up.weight") parent_q = t;
  for (const TensorRow& t : model_tensors(db->handle(), require_model(*db, "nm").id))
    if (t.name == "blk.0.ffn_up.weight") nm_q = t;
  const std::vector<float> a = read_tensor_floats(db->handle(), parent_q), b = read_tensor_floats(db->handle(), nm_q);
  for (size_t g = 0; g < a.size(); g += 4) {
    std::vector<float> mag{std::fabs(a[g]), std::fabs(a[g + 1]), std::fabs(a[g + 2]), std::fabs(a[g + 3])};
    std::vector<float> sorted = mag;
    std::sort(sorted.begin(), sorted.end());
    int kept = 0;
    for (int k = 0; k < 4; ++k) {
      if (b[g + k] != 0) {
        ++kept;
        EXPECT_EQ(b[g + k], a[g + k]);
        EXPECT_GE(mag[k], sorted[2]);
      }
    }
    EXPECT_EQ(kept, 2) << "group at " << g;
  }
  expect_check_passes(*db);
}

TEST_F(StudentTest, WandaScoresAreWeightTimesInputNorm) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  ingest_model(*db, path, {});
  db->exec("CREATE TABLE calib(text TEXT); INSERT INTO calib VALUES('Once upon a time there was a little girl.'), "
           "('She liked to play with her red ball in the park.')");
  ImportanceReport r = compute_importance(*db, "stories260K", {.method = "wanda", .calibration = "SELECT text FROM calib"});
  EXPECT_GT(r.calibration_tokens, 10);
  EXPECT_EQ(r.tensors_scored, 35);  // 7 matrices x 5 blocks
  // Recompute one tensor's scores from the inputs its matrix sees.
  struct Inputs : ForwardObserver {
    std::vector<double> sq = std::vector<double>(64, 0);
    void on_ffn_input(int l, const HiddenRows& rows) override {
      if (l != 2) return;
      for (size_t i = 0; i < rows.n_tokens(); ++i)
        for (size_t j = 0; j < 64; ++j) sq[j] += double(rows.row(i)[j]) * rows.row(i)[j];
    }
  } inputs;
  auto model = ModelCache::global().get(db->handle(), "stories260K");
  auto lm = make_causal_lm(model, 1);
  lm->set_observer(&inputs);
  std::vector<int32_t> ids = model->tokenizer().encode(
      "Once upon a time there was a little girl.\nShe liked to play with her red ball in the park.", true);
  std::vector<float> out;
  lm->eval(ids, out);
  TensorRow up;
  for (const TensorRow& t : model_tensors(db->handle(), require_model(*db, "stories260K").id))
    if (t.name == "blk.2.ffn_up.weight") up = t;
  const std::vector<float> w = read_tensor_floats(db->handle(), up);
  std::vector<float> expect(up.n_elements);
  float max = 0;
  for (size_t i = 0; i < w.size(); ++i) max = std::max(max, expect[i] = float(std::fabs(w[i]) * std::sqrt(inputs.sq[i % 64])));
  auto set = find_score_set(db->handle(), require_model(*db, "stories260K").id, "wanda");
  ASSERT_TRUE(set);
  auto stored = read_tensor_scores(db->handle(), set->id, up);
  ASSERT_TRUE(stored);
  for (size_t i = 0; i < w.size(); ++i) ASSERT_NEAR((*stored)[i], expect[i] / max, 1e-5) << i;
  // `weights` shows them with method = 'wanda'; the importance bound is pushed down
  // through score_zones and gives the rows a plain scan gives.
  EXPECT_NEAR(scalar(*db, "SELECT round(importance * 1e6) FROM weights WHERE model = 'stories260K' AND method = 'wanda' "
                          "AND tensor = 'blk.2.ffn_up.weight' AND idx = 100"), std::round(expect[100] / max * 1e6), 1);
  for (const char* bound : {"> 0.5", "< 0.01", "BETWEEN 0.2 AND 0.3"}) {
    const std::string where = std::string("model = 'stories260K' AND method = 'wanda' AND ");
    for (const char* what : {"count(*)", "sum(idx)", "sum(layer)"})
      EXPECT_EQ(scalar(*db, std::string("SELECT ") + what + " FROM weights WHERE " + where + "importance " + bound),
                scalar(*db, std::string("SELECT ") + what + " FROM weights WHERE " + where + "+importance " + bound))
          << what << " " << bound;
    EXPECT_GT(scalar(*db, "SELECT count(*) FROM weights WHERE " + where + "importance " + bound), 0) << bound;
  }
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM weights WHERE model = 'stories260K' AND method = 'wanda' AND importance IS NULL"),
            scalar(*db, "SELECT sum(n_elements) FROM tensors WHERE layer IS NULL OR kind LIKE '%norm'"));
  // Influence: one score per layer, each in [0, 2].
  compute_importance(*db, "stories260K", {.method = "influence", .calibration = "SELECT text FROM calib"});
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM layer_scores WHERE model = 'stories260K' AND method = 'influence' "
                        "AND score BETWEEN 0 AND 2"), 5);
  // Wanda sparsity compares within rows: every row of every matrix half zero.
  extract_student(*db, "stories260K", "w50", student_query(*db, "stories260K", {}), R"({"sparsity": 0.5, "method": "wanda"})");
  for (const TensorRow& t : model_tensors(db->handle(), require_model(*db, "w50").id)) {
    if (t.name != "blk.2.ffn_up.weight") continue;
    const std::vector<float> v = read_tensor_floats(db->handle(), t);
    for (uint64_t r = 0; r < t.shape[0]; ++r)
      EXPECT_EQ(std::count(v.begin() + r * 64, v.begin() + (r + 1) * 64, 0.0f), 32) << "row " << r;
  }
  expect_check_passes(*db);
  // A lost R*Tree box is found by `hart check`.
  db->exec("DELETE FROM score_zones WHERE id = (SELECT min(id) FROM score_zones)");
  ConsistencyReport report = check_consistency(*db);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].check, "score_zones");
  EXPECT_THAT(report.findings[0].problem, ::testing::HasSubstr("no score_zones box"));
}

TEST_F(StudentTest, BadRequestsAreRefusedWithNothingWritten) {
  ingest_reference();
  IngestOptions o;
  o.name = "other";
  ingest_model(*db, models_dir.file("llama_tied_f32.gguf"), o);
  const std::string all = student_query(*db, "ref", {});
  using ::testing::HasSubstr;
  EXPECT_THAT(extract_error("ref", "s", "SELECT id FROM tensors WHERE 0", ""), HasSubstr("selects no tensor"));
  EXPECT_THAT(extract_error("ref", "s", "SELECT id FROM tensors", ""), HasSubstr("not of the parent"));
  EXPECT_THAT(extract_error("ref", "s", "SELECT name FROM tensors", ""), HasSubstr("twice"));
  EXPECT_THAT(extract_error("ref", "s", all + " UNION ALL SELECT id, name FROM tensors WHERE name = 'blk.0.attn_q.weight' "
                                               "AND model_id = (SELECT id FROM models WHERE name = 'ref')", ""),
              HasSubstr("twice"));
  EXPECT_THAT(extract_error("ref", "s", all + " AND name <> 'output_norm.weight'", ""), HasSubstr("output_norm.weight"));
  EXPECT_THAT(extract_error("ref", "s", all + " AND name <> 'blk.1.ffn_norm.weight'", ""), HasSubstr("blk.1.ffn_norm.weight"));
  EXPECT_THAT(extract_error("ref", "s", all + " AND layer IS NULL", ""), HasSubstr("keeps no layer"));
  EXPECT_THAT(extract_error("ref", "s", "SELECT 1 AS x", ""), HasSubstr("column 'id'"));
  EXPECT_THAT(extract_error("ref", "s", "DELETE FROM models", ""), HasSubstr("only read"));
  EXPECT_THAT(extract_error("ref", "s", all, R"({"sparsity": 1.0})"), HasSubstr("[0, 1)"));
  EXPECT_THAT(extract_error("ref", "s", all, R"({"sparsity": -0.1})"), HasSubstr("[0, 1)"));
  EXPECT_THAT(extract_error("ref", "s", all, R"({"sparsity": 0.5, "method": "sparsegpt"})"), HasSubstr("\"magnitude\""));
  EXPECT_THAT(extract_error("ref", "s", all, R"({"sparsity": 0.5, "method": "wanda"})"), HasSubstr("no wanda scores"));
  EXPECT_THAT(extract_error("ref", "s", all, R"({"colour": 1})"), HasSubstr("unknown student option 'colour'"));
  EXPECT_THAT(extract_error("ref", "s", all, R"({"nm": "4:2"})"), HasSubstr("N:M"));
  EXPECT_THAT(extract_error("ref", "other", all, ""), HasSubstr("already exists"));
  EXPECT_THAT(extract_error("nope", "s", all, ""), HasSubstr("nope"));
  LayerChoice twice;
  twice.layers = {0, 0};
  EXPECT_THROW(student_query(*db, "ref", twice), UsageError);
  LayerChoice drop;
  drop.drop = 1;
  EXPECT_THROW(student_query(*db, "ref", drop), UsageError);  // no influence scores yet
  // Importance: unknown method, calibration that returns no text.
  EXPECT_THROW(compute_importance(*db, "ref", {.method = "sparsegpt"}), UsageError);
  try {
    compute_importance(*db, "ref", {.method = "wanda", .calibration = "SELECT text FROM atoms_text WHERE 0"});
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("returned no text"));
  }
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM score_sets"), 0);
  EXPECT_EQ(models(), 2);
}

TEST_F(StudentTest, AnExportedStudentReadsBackAndRunsTheSame) {
  ingest_reference();
  LayerChoice keep;
  keep.layers = {0};
  extract_student(*db, "ref", "cut", student_query(*db, "ref", keep),
                  R"({"heads": 0.5, "neurons": 0.5, "nm": "2:4", "seed": 1, "heads_by": "random", "neurons_by": "random", "method": "random"})");
  const auto want = logits("cut", tokens);
  for (ExportFormat f : {ExportFormat::kGguf, ExportFormat::kSafetensors}) {
    const std::string file = dir.file(f == ExportFormat::kGguf ? "cut.gguf" : "cut.safetensors");
    export_model(*db, "cut", f, file);
    IngestOptions o;
    o.name = f == ExportFormat::kGguf ? "cut_gguf" : "cut_st";
    ingest_model(*db, file, o);
    // The file's own header says the student's shape (the GGUF reader checked every offset).
    if (f == ExportFormat::kGguf) {
      EXPECT_EQ(scalar(*db, "SELECT json_extract(metadata, '$.\"llama.attention.key_length\"') FROM models WHERE name = 'cut_gguf'"), 16);
      EXPECT_EQ(scalar(*db, "SELECT json_extract(metadata, '$.\"llama.feed_forward_length\"') FROM models WHERE name = 'cut_gguf'"), 96);
      EXPECT_EQ(logits("cut_gguf", tokens), want);
    }
    // Every tensor came back with the same chunks (nothing new was stored).
    EXPECT_EQ(scalar(*db, "SELECT count(*) FROM tensors a JOIN tensors b ON a.name = b.name "
                          "WHERE a.model_id = (SELECT id FROM models WHERE name = 'cut') AND b.model_id = "
                          "(SELECT id FROM models WHERE name = '" + o.name + "') AND a.n_bytes = b.n_bytes AND "
                          "(SELECT group_concat(chunk_id) FROM (SELECT chunk_id FROM tensor_chunks WHERE tensor_id = a.id ORDER BY ordinal)) = "
                          "(SELECT group_concat(chunk_id) FROM (SELECT chunk_id FROM tensor_chunks WHERE tensor_id = b.id ORDER BY ordinal))"),
              scalar(*db, "SELECT n_tensors FROM models WHERE name = 'cut'"));
  }
  expect_check_passes(*db);
}

TEST_F(StudentTest, AComparisonIsRecordedAndShownInTheLineage) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  ingest_model(*db, path, {});
  LayerChoice keep;
  keep.layers = {0, 1, 2, 3};
  extract_student(*db, "stories260K", "four", student_query(*db, "stories260K", keep), "");
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Once upon a time there was a little girl who liked to play in the park with her dog. ";
  db->exec("CREATE TABLE t(x TEXT)");
  db->prepare("INSERT INTO t VALUES (?)").bind(1, text).run();
  EXPECT_EQ(scalar(*db, "SELECT json_extract(compare_models('stories260K', 'four', (SELECT x FROM t), "
                        "'{\"ctx\": 64, \"gen_tokens\": 0}'), '$.student.perplexity') > 1"), 1);
  Stmt s = db->prepare("SELECT m.name, r.name, json_extract(e.results, '$.mean_kl') FROM model_evaluations e "
                       "JOIN models m ON m.id = e.model_id JOIN models r ON r.id = e.reference_id");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "four");
  EXPECT_EQ(s.text(1), "stories260K");
  EXPECT_GT(s.real(2), 0.0);
  expect_check_passes(*db);
}

TEST_F(StudentTest, StudentsOfStudentsKeepTheirLineage) {
  ingest_reference();
  LayerChoice last;
  last.drop = 1;
  last.by = "last";
  extract_student(*db, "ref", "a", student_query(*db, "ref", last), "");
  extract_student(*db, "a", "b", student_query(*db, "a", {}), R"({"sparsity": 0.25, "method": "random", "seed": 7})");
  EXPECT_EQ(scalar(*db, "WITH RECURSIVE up(id, n) AS (SELECT id, 0 FROM models WHERE name = 'b' UNION ALL "
                        "SELECT m.parent_id, n + 1 FROM up JOIN models m ON m.id = up.id WHERE m.parent_id IS NOT NULL) "
                        "SELECT max(n) FROM up"), 2);
  Stmt s = db->prepare("SELECT parent_name, kind, json_extract(options, '$.sparsity'), query FROM model_lineage WHERE name = 'b'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "a");
  EXPECT_EQ(s.text(1), "student");
  EXPECT_DOUBLE_EQ(s.real(2), 0.25);
  EXPECT_THAT(s.text(3), ::testing::HasSubstr("'a'"));
  remove_model(*db, "a");
  EXPECT_EQ(scalar(*db, "SELECT parent_id IS NULL AND parent_name = 'a' FROM model_lineage WHERE name = 'b'"), 1);
  expect_check_passes(*db);
}

}  // namespace
}  // namespace hart::test
