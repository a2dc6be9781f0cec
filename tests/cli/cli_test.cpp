// The hart command line, run as a user runs it.
#include <nlohmann/json.hpp>

#include "reference_models.h"
#include "support/model_builder.h"
#include "support/test_support.h"
#include "tensor/cpu_path.h"

namespace hart::test {
namespace {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db = dir.file("cli.db");
    BuiltModel m;
    m.add("token_embd.weight", {64, 32}, DType::F32, 1);
    m.add_normal("blk.0.attn_q.weight", {32, 32}, DType::Q8_0, 0.02f, 2);
    m.write_gguf(dir.file("tiny.gguf"));
    ASSERT_EQ(hart("init " + db), 0) << out;
  }
  int hart(const std::string& args) { return run_command(binary_dir() + "/src/hart " + args, &out); }
  TempDir dir;
  std::string db, out;
};

TEST_F(CliTest, IngestListQueryExportRemove) {
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("tiny.gguf")), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("stored model 'tiny'"));
  EXPECT_THAT(out, ::testing::HasSubstr("3072 parameters in 2 tensors"));

  ASSERT_EQ(hart("models " + db + " --json"), 0) << out;
  auto models = nlohmann::json::parse(out);
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0]["name"], "tiny");
  EXPECT_EQ(models[0]["parameters"], 3072);

  ASSERT_EQ(hart("tensors " + db + " tiny --csv"), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("pos,name,layer,kind,shape,dtype"));
  EXPECT_THAT(out, ::testing::HasSubstr("1,blk.0.attn_q.weight,0,attn_q,\"[32,32]\",Q8_0,1024,1088"));

  ASSERT_EQ(hart("sql " + db + " \"SELECT count(*) AS n FROM weights WHERE model = 'tiny'; SELECT 1 + 1 AS two\""), 0);
  EXPECT_THAT(out, ::testing::HasSubstr("n   \n----\n3072\n(1 row)"));
  EXPECT_THAT(out, ::testing::HasSubstr("two\n---\n  2\n(1 row)"));

  ASSERT_EQ(hart("export " + db + " tiny " + dir.file("back.gguf") + " --format gguf"), 0) << out;
  EXPECT_EQ(read_file(dir.file("back.gguf")), read_file(dir.file("tiny.gguf")));

  ASSERT_EQ(hart("rm " + db + " tiny"), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("removed model 'tiny'; freed 2 chunks"));
  ASSERT_EQ(hart("sql " + db + " \"SELECT count(*) FROM chunks\" --csv"), 0);
  EXPECT_EQ(out, "count(*)\n0\n");
}

TEST_F(CliTest, ReingestSaysAlreadyStored) {
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("tiny.gguf") + " --quiet"), 0) << out;
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("tiny.gguf") + " --name other"), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("already stored: this file is model 'tiny'"));
  EXPECT_THAT(out, ::testing::HasSubstr("nothing written"));
}

TEST_F(CliTest, ProgressIsLogLinesOffTerminalAndABarOnOne) {
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("tiny.gguf")), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("ingest tiny: 100%"));
  EXPECT_EQ(out.find('\r'), std::string::npos);
  std::string script;
  if (run_command("script --version", &script) != 0) GTEST_SKIP() << "SKIPPED: util-linux `script` not found";
  BuiltModel other;
  other.add("token_embd.weight", {64, 32}, DType::F32, 7);
  other.write_gguf(dir.file("other.gguf"));
  // `script` gives the command a pseudo-terminal, as an interactive user has.
  ASSERT_EQ(run_command("script -qec '" + binary_dir() + "/src/hart ingest " + db + " " + dir.file("other.gguf") +
                            "' /dev/null",
                        &out),
            0)
      << out;
  EXPECT_THAT(out, ::testing::HasSubstr("\r"));
  EXPECT_THAT(out, ::testing::HasSubstr("[##############################] 100%"));
}

TEST_F(CliTest, ErrorsGoToStderrWithNonZeroExit) {
  EXPECT_EQ(hart("tensors " + db + " missing"), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("hart: error: "));
  EXPECT_THAT(out, ::testing::HasSubstr("no model named 'missing'"));
  EXPECT_EQ(hart("sql " + db + " \"SELEC 1\""), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("SQL error"));
  EXPECT_EQ(hart("ingest " + dir.file("nope.db") + " " + dir.file("tiny.gguf")), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("hart init"));
  EXPECT_NE(hart("export " + db + " tiny x --format onnx"), 0);
  EXPECT_NE(hart("frobnicate"), 0);
}

TEST_F(CliTest, JsonAndCsvQuoteAwkwardValues) {
  ASSERT_EQ(hart("sql " + db + " \"SELECT 'a,b' AS s, NULL AS n, 1.5 AS r, x'00ff' AS b\" --csv"), 0) << out;
  EXPECT_EQ(out, "s,n,r,b\n\"a,b\",,1.5,00ff\n");
  ASSERT_EQ(hart("sql " + db + " \"SELECT 'q\\\"uote' AS s, NULL AS n, 1.5 AS r\" --json"), 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j[0]["s"], "q\"uote");
  EXPECT_TRUE(j[0]["n"].is_null());
  EXPECT_EQ(j[0]["r"], 1.5);
}

TEST_F(CliTest, GenerateStreamsLlamaCppsContinuation) {
  HART_REQUIRE_SHARED(model, "stories260K/stories260K.gguf");
  ASSERT_EQ(hart("ingest " + db + " " + model + " --quiet"), 0) << out;
  ASSERT_EQ(run_command("(" + binary_dir() + "/src/hart generate " + db +
                            " stories260K 'Once upon a time' -n 64 --threads 1 2>/dev/null)", &out), 0) << out;
  EXPECT_EQ(out,
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she "
            "saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said\n");
  ASSERT_EQ(hart("generate " + db + " stories260K 'Once' -n 4"), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("prompt tokens"));
  EXPECT_THAT(out, ::testing::HasSubstr("stop: max_tokens"));
  ASSERT_EQ(hart("tokenize " + db + " stories260K 'Once upon a time'"), 0);
  EXPECT_EQ(out, "[1,403,407,261,378]\n");
  EXPECT_EQ(hart("embed " + db + " stories260K 'x'"), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("embeddings come from the bert architecture"));
  EXPECT_NE(hart("generate " + db + " stories260K 'x' --threads 0"), 0);
  EXPECT_EQ(hart("generate " + db + " stories260K 'x' --options '{\"top_q\": 1}'"), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("unknown key \"top_q\""));
  ASSERT_EQ(hart("sql " + db + " \"SELECT count(*) FROM inferences\" --csv"), 0);
  EXPECT_EQ(out, "count(*)\n3\n");  // two generations and a tokenization; failed calls record nothing
}

// HART_CPU_PATH caps the kernel path (to compare with an AVX2-only build of another
// engine); the stats line says which path ran; an unknown name is reported and ignored.
TEST_F(CliTest, HartCpuPathCapsTheKernelsAndTheStatsSayWhichRan) {
  ASSERT_EQ(hart("ingest " + db + " " + source_dir() + "/models/shakespeare-3m/shakespeare-3m.gguf --name bard --quiet"), 0)
      << out;
  auto run = [&](const std::string& path) {  // stderr only
    return "(HART_CPU_PATH=" + path + " " + binary_dir() + "/src/hart generate " + db + " bard 'ROMEO:' -n 4 >/dev/null)";
  };
  ASSERT_EQ(run_command(run("scalar"), &out), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("; scalar kernels;"));
  const std::string avx2 = tensor::path_supported(tensor::Path::Avx2) ? "avx2" : "scalar";
  ASSERT_EQ(run_command(run("avx2"), &out), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("; " + avx2 + " kernels;"));
  ASSERT_EQ(run_command(run("amx"), &out), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("HART_CPU_PATH=amx is not a kernel path (scalar, avx2, avx2-vnni, avx512); ignored"));
  EXPECT_THAT(out, ::testing::HasSubstr(std::string("; ") + tensor::path_name(tensor::best_path()) + " kernels;"));
}

// hart eval and hart compare on the reference Llama (context 64): the text from a file
// or from a query's rows, llama-perplexity's progress on stderr, and the refusals.
TEST_F(CliTest, EvalAndCompareReadTheTextFromAQueryOrAFile) {
  reference::write_reference_models(dir.file("ref"));
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("ref/llama_f32.gguf") + " --name tiny --quiet"), 0) << out;
  const std::string query =
      "\"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 399)"
      " SELECT 't' || (i * 37 % 300) FROM n\"";
  std::string text;
  for (int i = 0; i < 400; ++i) text += "t" + std::to_string(i * 37 % 300) + (i < 399 ? "\n" : "");
  write_file(dir.file("text.txt"), text);

  ASSERT_EQ(hart("eval " + db + " tiny --file " + dir.file("text.txt") + " --ctx 32"), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("[1]"));
  EXPECT_THAT(out, ::testing::HasSubstr("chunks of 32)"));
  const std::string from_file = out.substr(out.find("perplexity: "));
  ASSERT_EQ(hart("eval " + db + " tiny --text " + query + " --ctx 32"), 0) << out;
  EXPECT_EQ(out.substr(out.find("perplexity: ")), from_file) << "the rows joined by newlines are the file's text";
  ASSERT_EQ(run_command("(" + binary_dir() + "/src/hart eval " + db + " tiny --text " + query +
                            " --ctx 32 --chunks 2 --json 2>/dev/null)", &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["chunks"], 2);

  EXPECT_EQ(hart("eval " + db + " tiny --text \"SELECT 'x' WHERE 0\""), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("the --text query returned no text (query: SELECT 'x' WHERE 0)"));
  EXPECT_EQ(hart("eval " + db + " tiny"), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("give the text"));
  EXPECT_NE(hart("eval " + db + " tiny --file " + dir.file("text.txt") + " --ctx 8"), 0);
  EXPECT_THAT(out, ::testing::HasSubstr("--ctx must be an integer from 16"));
  EXPECT_EQ(hart("eval " + db + " tiny --text \"SELECT 't1 t2'\" --ctx 32"), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("needs at least 64"));

  ASSERT_EQ(hart("compare " + db + " tiny tiny --file " + dir.file("text.txt") + " --ctx 32 --gen-tokens 4"), 0)
      << out;
  EXPECT_THAT(out, ::testing::HasSubstr("top-1 agreement"));
  EXPECT_THAT(out, ::testing::HasSubstr("1.0000"));
  EXPECT_THAT(out, ::testing::HasSubstr("greedy tokens/s"));
}

// A database named by a read-only SQLite URI: queries and generate work (the inference
// is not recorded), and an ingest is refused before any file is read.
TEST_F(CliTest, ReadOnlyUriQueriesAndGeneratesButRefusesIngest) {
  HART_REQUIRE_SHARED(model, "stories260K/stories260K.gguf");
  ASSERT_EQ(hart("ingest " + db + " " + model + " --quiet"), 0) << out;
  for (const std::string& uri : {"'file:" + db + "?mode=ro'", "'file:" + db + "?immutable=1'"}) {
    ASSERT_EQ(hart("sql " + uri + " \"SELECT count(*) FROM models\" --csv"), 0) << uri << ": " << out;
    EXPECT_EQ(out, "count(*)\n1\n");
    ASSERT_EQ(hart("generate " + uri + " stories260K 'Once' -n 4"), 0) << uri << ": " << out;
    EXPECT_THAT(out, ::testing::HasSubstr("inference not recorded"));
    write_file(dir.file("note.txt"), "hello");
    EXPECT_EQ(hart("ingest " + uri + " " + dir.file("note.txt")), 1) << out;
    EXPECT_THAT(out, ::testing::HasSubstr("the database is open read-only"));
    EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("note.txt")));
  }
  ASSERT_EQ(hart("sql " + db + " \"SELECT count(*) FROM inferences\" --csv"), 0);
  EXPECT_EQ(out, "count(*)\n0\n");
}

// Another process holds the write lock longer than --busy-timeout: generate still
// prints its answer, says the record is late, and writes it before exiting.
TEST_F(CliTest, GenerateOutlastsAWriterHoldingTheLock) {
  reference::write_reference_models(dir.path());
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("llama_f32.gguf")), 0) << out;
  const std::string hold =
      "/usr/bin/python3 -c \"import sqlite3, time; c = sqlite3.connect('" + db + "', isolation_level=None); "
      "c.execute('BEGIN IMMEDIATE'); c.execute('CREATE TABLE hold(x)'); time.sleep(1.5); c.execute('COMMIT')\"";
  const std::string cmd = "(" + hold + " & sleep 0.3; " + binary_dir() + "/src/hart --busy-timeout 50 generate " + db +
                          " llama_f32 x --options '{\"max_tokens\": 3}'; status=$?; wait; exit $status) 2>&1";
  ASSERT_EQ(run_command(cmd, &out), 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("3 generated"));
  EXPECT_THAT(out, ::testing::HasSubstr("inference record late (database is locked): written in the background"));
  ASSERT_EQ(hart("sql " + db + " \"SELECT count(*) FROM inferences\" --csv"), 0) << out;
  EXPECT_EQ(out, "count(*)\n1\n");
  ASSERT_EQ(hart("sql " + db + " \"SELECT count(*) FROM hold\" --csv"), 0) << out;  // the writer committed too
}

TEST_F(CliTest, BusyTimeoutIsASetting) {
  EXPECT_NE(hart("--busy-timeout -1 models " + db), 0);
  EXPECT_THAT(out, ::testing::HasSubstr("--busy-timeout"));
  EXPECT_EQ(hart("--busy-timeout 0 models " + db), 0) << out;
  EXPECT_EQ(run_command("HART_BUSY_TIMEOUT=250 " + binary_dir() + "/src/hart models " + db, &out), 0) << out;
}

// Flags go through the same validation as SQL's options: a value out of range gets
// SQL's message for that key, and NaN is refused rather than replaced by a default.
// (Options are checked before the model is looked up, so none is needed.)
TEST_F(CliTest, GenerateFlagsOutOfRangeReadAsSqlsOptionsDo) {
  auto message = [](const std::string& output) {
    size_t at = output.find("generate options: ");
    return at == std::string::npos ? "(none in: " + output + ")" : output.substr(at);
  };
  for (auto [flag, json] : std::vector<std::pair<std::string, std::string>>{
           {"--top-p 2", "\"top_p\": 2"}, {"--temperature -1", "\"temperature\": -1"},
           {"--top-k -1", "\"top_k\": -1"}, {"-n 0", "\"max_tokens\": 0"},
           {"--threads 0", "\"threads\": 0"}, {"--seed -1", "\"seed\": -1"}}) {
    EXPECT_EQ(hart("generate " + db + " any x " + flag), 1) << flag << ": " << out;
    const std::string cli = message(out);
    std::string escaped = json;
    for (size_t i = 0; (i = escaped.find('"', i)) != std::string::npos; i += 2) escaped.insert(i, "\\");
    EXPECT_EQ(hart("sql " + db + " \"SELECT hart_generate('any', 'x', '{" + escaped + "}')\""), 1) << out;
    EXPECT_EQ(cli, message(out)) << flag;
  }
  EXPECT_EQ(hart("generate " + db + " any x --top-p 2"), 1);
  EXPECT_THAT(out, ::testing::HasSubstr("hart: error: generate options: \"top_p\" must be a number from 0 to 1, got 2\n"));
  for (std::string value : {"nan", "inf", "-inf"}) {
    EXPECT_EQ(hart("generate " + db + " any x --temperature " + value), 1) << value;
    EXPECT_THAT(out, ::testing::HasSubstr("\"temperature\" must be a number from 0 to 100, got " + value)) << value;
  }
}

// Integer flags past int64 (or not integers) are refused with the value as typed:
// CLI11 alone read 99999999999999999999 as 9223372036854775807.
TEST_F(CliTest, IntegerFlagsAreRefusedWithTheValueAsTyped) {
  const std::string range = "\" must be an integer from ";
  for (auto [flag, message] : std::vector<std::pair<std::string, std::string>>{
           {"-n 99999999999999999999", "\"max_tokens" + range + "1 to 1048576, got 99999999999999999999"},
           {"--top-k -99999999999999999999", "\"top_k" + range + "0 to 1073741824, got -99999999999999999999"},
           {"--threads 1e3", "\"threads" + range + "1 to 512, got 1e3"},
           {"--max-tokens abc", "\"max_tokens" + range + "1 to 1048576, got abc"},
           {"--seed 18446744073709551616", "\"seed\" must be a non-negative integer, got 18446744073709551616"}}) {
    EXPECT_EQ(hart("generate " + db + " any x " + flag), 1) << flag << ": " << out;
    EXPECT_THAT(out, ::testing::HasSubstr("hart: error: generate options: " + message + "\n")) << flag;
  }
  const std::string u64 = " to 18446744073709551615, got ";
  for (auto [flag, message] : std::vector<std::pair<std::string, std::string>>{
           {"--passage-size 99999999999999999999", "--passage-size must be an integer from 1" + u64 + "99999999999999999999"},
           {"--passage-overlap -1", "--passage-overlap must be an integer from 0" + u64 + "-1"},
           {"--max-depth 010x", "--max-depth must be an integer from 0 to 2147483647, got 010x"},
           {"--threads 0", "--threads must be an integer from 1 to 4294967295, got 0"}}) {
    EXPECT_EQ(hart("ingest " + db + " " + dir.file("tiny.gguf") + " --quiet " + flag), 1) << flag << ": " << out;
    EXPECT_THAT(out, ::testing::HasSubstr("hart: error: " + message + "\n")) << flag;
  }
  EXPECT_EQ(hart("--busy-timeout 99999999999999999999 models " + db), 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("--busy-timeout must be an integer from 0 to 86400000, got 99999999999999999999"));
  EXPECT_EQ(hart("ingest " + db + " " + dir.file("tiny.gguf") + " --quiet --passage-size 500 --threads 2"), 0) << out;
}

// `hart check` lists what it checked; a problem is named with its row and gives exit 2.
TEST_F(CliTest, CheckListsItsChecksAndExits2NamingEachProblem) {
  ASSERT_EQ(hart("ingest " + db + " " + dir.file("tiny.gguf") + " --quiet"), 0) << out;
  ASSERT_EQ(hart("check " + db), 0) << out;
  for (const char* check : {"integrity_check", "foreign_key_check", "chunk_refcount", "atom_refcount", "chunk_data",
                            "chunk_sha256", "chunk_zones", "tensor_elements", "model_totals", "text_index", "vector_collections"})
    EXPECT_THAT(out, ::testing::ContainsRegex(std::string("\n  ok +") + check + " ")) << check;
  EXPECT_THAT(out, ::testing::EndsWith("no problems found\n"));

  ASSERT_EQ(hart("sql " + db + " \"UPDATE chunks SET refcount = 5 WHERE id = 1; DELETE FROM chunk_zones WHERE id = 2\""),
            0) << out;
  EXPECT_EQ(hart("check " + db), 2) << out;
  EXPECT_THAT(out, ::testing::ContainsRegex("\n  FAILED chunk_refcount +.*\\(1 problem\\)\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("\n  chunk_refcount: chunk 1: refcount 5, but 1 tensor_chunks, 0 atom_chunks and 0 pending_chunks rows use it\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("\n  chunk_zones: tensor_chunks row 2 (tensor 2, ordinal 0): no chunk_zones entry\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("\n2 problems found by 2 of 12 checks\nkeep a copy of " + db));
  EXPECT_EQ(hart("check " + dir.file("missing.db")), 1);
}

// Each vector collection's chunks are read back by `hart check`, and a damaged one named.
TEST_F(CliTest, CheckReadsEveryVectorCollectionBack) {
  ASSERT_EQ(hart("sql " + db +
                 " \"CREATE VIRTUAL TABLE pts USING hart_vectors(embedding float[2], seal_threshold=16);"
                 " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)"
                 " INSERT INTO pts(rowid, embedding) SELECT i, json_array(i, i * 2) FROM n;"
                 " INSERT INTO pts(pts) VALUES ('seal')\""),
            0) << out;
  ASSERT_EQ(hart("check " + db), 0) << out;
  EXPECT_THAT(out, ::testing::ContainsRegex("\n  ok +vector_collections "));
  ASSERT_EQ(hart("sql " + db + " \"UPDATE pts_chunks SET data = zeroblob(length(data)) WHERE part = 'vectors'\""), 0) << out;
  EXPECT_EQ(hart("check " + db), 2) << out;
  EXPECT_THAT(out, ::testing::ContainsRegex("\n  FAILED vector_collections +.*\\(1 problem\\)\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("\n  vector_collections: pts: "));
}

}  // namespace
}  // namespace hart::test
