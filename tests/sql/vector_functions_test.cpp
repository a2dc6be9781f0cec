// The hvec_ vector functions (sql/vector_functions.cpp): values against hand
// computations, subtypes carried from one function to the next, the aggregates, the
// activation bands, an 8,192-dimension vector, and every error's message.
#include <gmock/gmock.h>

#include <cmath>
#include <string>
#include <vector>

#include "../store/store_fixture.h"

namespace hart::test {
namespace {

using ::testing::HasSubstr;

class VectorFunctionTest : public StoreTest {
 protected:
  // The first column of the first row: text, or "NULL".
  std::string text(const std::string& sql) {
    Stmt s = db->prepare(sql);
    EXPECT_TRUE(s.step()) << sql;
    return s.is_null(0) ? "NULL" : s.text(0);
  }
  double real(const std::string& sql) {
    Stmt s = db->prepare(sql);
    EXPECT_TRUE(s.step()) << sql;
    return s.real(0);
  }
};

TEST_F(VectorFunctionTest, ConstructorsMarkTheirType) {
  // sqlite-vec's documented bytes for vec_f32('[.1, .2, .3, 4]').
  EXPECT_EQ(text("SELECT hex(hvec_f32('[.1, .2, .3, 4]'))"), "CDCCCC3DCDCC4C3E9A99993E00008040");
  EXPECT_EQ(text("SELECT hex(hvec_int8('[1, -2, 127, -128]'))"), "01FE7F80");
  EXPECT_EQ(text("SELECT hex(hvec_bit('[1,0,0,0,0,0,0,1]'))"), "81");
  EXPECT_EQ(text("SELECT hvec_type(hvec_f32('[1]')) || hvec_type(hvec_int8('[1]')) || hvec_type(hvec_bit(X'01'))"),
            "float32int8bit");
  EXPECT_EQ(text("SELECT hvec_type(X'0000803F')"), "float32");  // a plain BLOB is float32
  EXPECT_EQ(scalar(*db, "SELECT hvec_length('[1, 2, 3]')"), 3);
  EXPECT_EQ(scalar(*db, "SELECT hvec_length(hvec_int8(X'01020304'))"), 4);
  EXPECT_EQ(scalar(*db, "SELECT hvec_length(hvec_bit(X'0102'))"), 16);
  EXPECT_EQ(text("SELECT hvec_to_json('[0.5, 2, -1e-3]')"), "[0.5,2,-0.001]");
  EXPECT_EQ(text("SELECT hvec_to_json(X'0000803F000000C0')"), "[1,-2]");
}

TEST_F(VectorFunctionTest, SubtypesCarryTheTypeFromOneFunctionToTheNext) {
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_int8('[1,-2]'))"), "[1,-2]");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_bit(X'05'))"), "[1,0,1,0,0,0,0,0]");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_add(hvec_int8('[1,2]'), hvec_int8('[3,-4]')))"), "[4,-2]");
  EXPECT_EQ(text("SELECT hvec_type(hvec_slice(hvec_int8('[1,2,3]'), 0, 2))"), "int8");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_quantize_int8(hvec_f32('[1,-1]'), 'unit'))"), "[127,-128]");
  // JSON beside a marked vector takes its type.
  EXPECT_DOUBLE_EQ(real("SELECT hvec_distance_l2(hvec_int8('[1,2]'), '[4,6]')"), 5.0);
  EXPECT_DOUBLE_EQ(real("SELECT hvec_distance_l2('[4,6]', hvec_int8('[1,2]'))"), 5.0);
}

TEST_F(VectorFunctionTest, DistancesMatchHandComputations) {
  // a = [1,2,3], b = [4,6,3]: differences 3, 4, 0; a.b = 25; |a|^2 = 14, |b|^2 = 61.
  const std::string ab = "('[1,2,3]', '[4,6,3]')";
  EXPECT_DOUBLE_EQ(real("SELECT hvec_distance_l2" + ab), 5.0);
  EXPECT_DOUBLE_EQ(real("SELECT hvec_distance_l1" + ab), 7.0);
  EXPECT_DOUBLE_EQ(real("SELECT hvec_distance_dot" + ab), 1.0 - 25.0);
  EXPECT_NEAR(real("SELECT hvec_distance_cosine" + ab), 1.0 - 25.0 / std::sqrt(14.0 * 61.0), 1e-7);
  EXPECT_NEAR(real("SELECT hvec_distance_cosine('[1,0]', '[-2,0]')"), 2.0, 1e-7);
  EXPECT_DOUBLE_EQ(real("SELECT hvec_distance_cosine('[0,0]', '[1,2]')"), 1.0);  // a zero vector
  // int8 as their values: [1,-2] and [-3,1]: differences 4, -3.
  EXPECT_DOUBLE_EQ(real("SELECT hvec_distance_l2(hvec_int8('[1,-2]'), hvec_int8('[-3,1]'))"), 5.0);
  EXPECT_DOUBLE_EQ(real("SELECT hvec_distance_l1(hvec_int8('[1,-2]'), hvec_int8('[-3,1]'))"), 7.0);
  EXPECT_EQ(scalar(*db, "SELECT hvec_distance_hamming(hvec_bit(X'0F'), hvec_bit(X'F0'))"), 8);
  EXPECT_EQ(text("SELECT typeof(hvec_distance_hamming(hvec_bit(X'0F'), X'F0'))"), "integer");
  EXPECT_EQ(scalar(*db, "SELECT hvec_distance_hamming(hvec_bit(X'0100'), hvec_bit(X'0380'))"), 2);
}

TEST_F(VectorFunctionTest, ElementwiseOperations) {
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_normalize('[3, 4]'))"), "[0.6,0.8]");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_add('[1, 2]', '[0.5, -1]'))"), "[1.5,1]");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_sub('[1, 2]', '[0.5, -1]'))"), "[0.5,3]");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_add(hvec_int8('[100,1]'), hvec_int8('[27,-1]')))"), "[127,0]");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_sub(hvec_int8('[-100]'), hvec_int8('[28]')))"), "[-128]");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_scale('[1, -2]', 2.5))"), "[2.5,-5]");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_scale('[1, -2]', 3))"), "[3,-6]");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_slice('[1,2,3,4]', 1, 3))"), "[2,3]");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_slice('[1,2,3,4]', 0, 4))"), "[1,2,3,4]");
  EXPECT_EQ(text("SELECT hex(hvec_slice(hvec_bit(X'01FF02'), 8, 24))"), "FF02");
  // Sign bits, least significant first: 1,0,0,1,0,1,0,1 = 0xA9.
  EXPECT_EQ(text("SELECT hex(hvec_quantize_binary('[1,-1,0,2,-3,0.5,-0.1,4]'))"), "A9");
  EXPECT_EQ(text("SELECT hex(hvec_quantize_binary(hvec_int8('[0,1,0,0,0,0,0,-1]')))"), "02");
  // (x + 1) * 127.5 - 128, truncated: -1 -> -128, 0 -> -0.5 -> 0, 1 -> 127, 0.5 -> 63.25 -> 63.
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_quantize_int8('[-1, 0, 1, 0.5]', 'unit'))"), "[-128,0,127,63]");
}

TEST_F(VectorFunctionTest, Aggregates) {
  db->exec("CREATE TABLE t(g, v, w);"
           "INSERT INTO t VALUES (1, '[1,2]', 1), (1, '[3,6]', 3), (1, NULL, 5), (2, NULL, 1), (3, '[1,1]', NULL);");
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_avg(v)) FROM t WHERE g = 1"), "[2,4]");
  // (1 * [1,2] + 3 * [3,6]) / 4
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_weighted_avg(v, w)) FROM t WHERE g = 1"), "[2.5,5]");
  EXPECT_EQ(text("SELECT hvec_type(hvec_avg(v)) FROM t WHERE g = 1"), "float32");
  EXPECT_EQ(text("SELECT hvec_avg(v) FROM t WHERE g = 2"), "NULL");            // only NULLs
  EXPECT_EQ(text("SELECT hvec_avg(v) FROM t WHERE g = 99"), "NULL");           // no rows
  EXPECT_EQ(text("SELECT hvec_weighted_avg(v, w) FROM t WHERE g = 3"), "NULL");  // a NULL weight skips the row
  EXPECT_EQ(text("SELECT group_concat(g || hvec_to_json(a), ' ') FROM"
                 " (SELECT g, hvec_avg(v) AS a FROM t GROUP BY g ORDER BY g)"),
            "1[2,4] 3[1,1]");
  // int8 rows average as floats.
  EXPECT_EQ(text("SELECT hvec_to_json(hvec_avg(hvec_int8(v))) FROM (SELECT '[1,-2]' AS v UNION ALL SELECT '[2,-3]')"),
            "[1.5,-2.5]");
  EXPECT_THAT(error_of("SELECT hvec_avg(v) FROM (SELECT '[1,2]' AS v UNION ALL SELECT '[1,2,3]')"),
              HasSubstr("hvec_avg: argument v (row 2): dimension mismatch: expected 2 dimensions but received 3"));
  EXPECT_THAT(error_of("SELECT hvec_avg(hvec_bit(X'01'))"),
              HasSubstr("hvec_avg: argument v is a bit vector; allowed: float32 or int8"));
  EXPECT_THAT(error_of("SELECT hvec_weighted_avg('[1]', 0)"),
              HasSubstr("hvec_weighted_avg: the weights sum to 0; the average is undefined"));
  EXPECT_THAT(error_of("SELECT hvec_weighted_avg('[1]', -1)"),
              HasSubstr("hvec_weighted_avg: argument w (row 1) is -1; weights are >= 0"));
  EXPECT_THAT(error_of("SELECT hvec_weighted_avg('[1]', 'x')"),
              HasSubstr("hvec_weighted_avg: argument w (row 1) is a number; received text"));
}

TEST_F(VectorFunctionTest, ActivationBandsAreTheSeeds) {
  // Seeds, "Cognitive Query Activation": VERY_HIGH > 0.95, HIGH > 0.90, MEDIUM > 0.85, LOW > 0.80.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1", "VERY_HIGH"},  {"0.96", "VERY_HIGH"}, {"0.95", "HIGH"}, {"0.91", "HIGH"}, {"0.9", "MEDIUM"},
      {"0.86", "MEDIUM"}, {"0.85", "LOW"},         {"0.81", "LOW"},  {"0.8", "NULL"},  {"-1", "NULL"}};
  for (const auto& [similarity, band] : cases)
    EXPECT_EQ(text("SELECT hvec_activation(" + similarity + ")"), band) << similarity;
  EXPECT_EQ(text("SELECT hvec_activation('[1,0]', '[2,0]')"), "VERY_HIGH");
  EXPECT_EQ(text("SELECT hvec_activation('[1,0]', '[0,1]')"), "NULL");
  // [0.92, 0.39...] has length 1: cos = 0.92.
  EXPECT_EQ(text("SELECT hvec_activation('[1,0]', '[0.92,0.3919183588]')"), "HIGH");
  EXPECT_EQ(text("SELECT hvec_activation(NULL)"), "NULL");
  EXPECT_THAT(error_of("SELECT hvec_activation('high')"),
              HasSubstr("hvec_activation: argument similarity is a number; received text"));
  EXPECT_THAT(error_of("SELECT hvec_activation(hvec_bit(X'01'), hvec_bit(X'01'))"),
              HasSubstr("hvec_activation: argument a is a bit vector; allowed: float32 or int8"));
}

TEST_F(VectorFunctionTest, EightThousandOneHundredNinetyTwoDimensions) {
  const size_t n = 8192;
  std::vector<float> a(n), b(n);
  std::string json_a = "[", json_b = "[";
  double l2 = 0, l1 = 0, dot = 0;
  for (size_t i = 0; i < n; ++i) {
    a[i] = static_cast<float>(static_cast<int>(i % 17) - 8) / 4;  // exact in float
    b[i] = static_cast<float>(static_cast<int>(i % 5) - 2) / 2;
    json_a += (i ? "," : "") + std::to_string(a[i]);
    json_b += (i ? "," : "") + std::to_string(b[i]);
    l2 += (a[i] - b[i]) * (a[i] - b[i]);
    l1 += std::fabs(a[i] - b[i]);
    dot += a[i] * b[i];
  }
  json_a += "]";
  json_b += "]";
  Stmt s = db->prepare("SELECT hvec_length(?1), hvec_distance_l2(?1, ?2), hvec_distance_l1(?1, ?2),"
                       " hvec_distance_dot(?1, ?2), hvec_distance_l2(hvec_f32(?1), ?3), length(hvec_f32(?1))");
  s.bind(1, json_a).bind(2, json_b).bind_blob(3, b.data(), n * sizeof(float));
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.int64(0), 8192);
  EXPECT_NEAR(s.real(1), std::sqrt(l2), 1e-3);
  EXPECT_NEAR(s.real(2), l1, 1e-6);
  EXPECT_NEAR(s.real(3), 1 - dot, 1e-2);
  EXPECT_NEAR(s.real(4), std::sqrt(l2), 1e-3);
  EXPECT_EQ(s.int64(5), 8192 * 4);
  EXPECT_THAT(error_of("SELECT hvec_length(zeroblob(8193 * 4))"),
              HasSubstr("hvec_length: argument v: 8193 dimensions, more than the limit of 8192"));
}

TEST_F(VectorFunctionTest, NullGivesNullAndNothingElseCrashes) {
  for (const char* sql :
       {"hvec_f32(NULL)", "hvec_length(NULL)", "hvec_distance_l2(NULL, '[1]')", "hvec_distance_cosine('[1]', NULL)",
        "hvec_slice('[1,2]', NULL, 1)", "hvec_scale(NULL, 2)", "hvec_quantize_int8('[0]', NULL)", "hvec_avg(NULL)"})
    EXPECT_EQ(text(std::string("SELECT ") + sql), "NULL") << sql;
  for (const char* arg : {"42", "4.5", "zeroblob(0)", "'not json'", "'[1,'", "'{}'"})
    EXPECT_THAT(error_of(std::string("SELECT hvec_to_json(") + arg + ")"), HasSubstr("hvec_to_json: argument v"))
        << arg;
}

TEST_F(VectorFunctionTest, ErrorsNameTheFunctionTheArgumentAndWhatIsAllowed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"hvec_distance_l2('[1,2]', '[1,2,3]')",
       "hvec_distance_l2: argument b: dimension mismatch: expected 2 dimensions but received 3"},
      {"hvec_distance_cosine('[1,2]', X'0000803F')",
       "hvec_distance_cosine: argument b: dimension mismatch: expected 2 dimensions (8 bytes of float32) but "
       "received 4 bytes"},
      {"hvec_distance_l2(hvec_int8('[1,2]'), hvec_f32('[1,2]'))",
       "hvec_distance_l2: argument b: type mismatch: expected int8 elements, received a vector marked float32"},
      {"hvec_f32(hvec_int8('[1]'))",
       "hvec_f32: argument v: type mismatch: expected float32 elements, received a vector marked int8"},
      {"hvec_f32(X'0000C07F')", "hvec_f32: argument v: element 0 is NaN; vectors hold finite numbers only"},
      {"hvec_f32(X'0000807F')", "hvec_f32: argument v: element 0 is infinite; vectors hold finite numbers only"},
      {"hvec_f32('[1e39]')", ") is not a finite float32"},
      {"hvec_f32(X'00')", "hvec_f32: argument v: a float32 vector BLOB has a multiple of 4 bytes; received 1 byte"},
      {"hvec_length('[]')", "hvec_length: argument v: the vector is empty (zero dimensions)"},
      {"hvec_length(42)", "hvec_length: argument v: a vector is a BLOB or a JSON array, not a number"},
      {"hvec_int8('[200]')", "hvec_int8: argument v: element 0 (200) is not an integer in -128..127"},
      {"hvec_bit('[1,0]')", "hvec_bit: argument v: a bit vector has a multiple of 8 elements; received 2"},
      {"hvec_distance_hamming('[1]', '[1]')",
       "hvec_distance_hamming: argument a is a float32 vector; allowed: bit"},
      {"hvec_distance_l2(hvec_bit(X'01'), hvec_bit(X'01'))",
       "hvec_distance_l2: argument a is a bit vector; allowed: float32 or int8"},
      {"hvec_distance_dot(hvec_bit(X'01'), X'01')",
       "hvec_distance_dot: argument a is a bit vector; allowed: float32 or int8"},
      {"hvec_add(hvec_bit(X'01'), hvec_bit(X'01'))", "hvec_add: argument a is a bit vector; allowed: float32 or int8"},
      {"hvec_add(hvec_int8('[100]'), hvec_int8('[28]'))",
       "hvec_add: result element 0 (128) is outside int8's range -128..127"},
      {"hvec_sub('[3e38]', '[-3e38]')", "hvec_sub: result element 0 overflows float32"},
      {"hvec_scale('[1]', 'x')", "hvec_scale: argument s (the scale) is a number; received text"},
      {"hvec_scale('[1]', 1e999)", "hvec_scale: argument s (the scale) is infinite; it must be finite"},
      {"hvec_scale(hvec_int8('[1]'), 2)", "hvec_scale: argument v is an int8 vector; allowed: float32"},
      {"hvec_normalize('[0,0]')", "hvec_normalize: argument v is a zero vector, which has no direction to keep"},
      {"hvec_normalize(hvec_int8('[1]'))", "hvec_normalize: argument v is an int8 vector; allowed: float32"},
      {"hvec_slice('[1,2,3]', -1, 2)",
       "hvec_slice: argument start is -1; allowed: 0..2 (the vector has 3 dimensions)"},
      {"hvec_slice('[1,2,3]', 3, 4)", "hvec_slice: argument start is 3; allowed: 0..2"},
      {"hvec_slice('[1,2,3]', 1, 4)",
       "hvec_slice: argument end is 4; allowed: 2..3 (after start, at most the dimension; end is exclusive)"},
      {"hvec_slice('[1,2,3]', 1, 1)", "hvec_slice: argument end is 1; allowed: 2..3"},
      {"hvec_slice('[1,2,3]', '1', 2)", "hvec_slice: argument start is an integer; received text"},
      {"hvec_slice('[1,2,3]', 0, 1.5)", "hvec_slice: argument end is an integer; received a real"},
      {"hvec_slice(hvec_bit(X'0102'), 3, 8)",
       "hvec_slice: a bit vector is sliced on whole bytes: start and end are multiples of 8; received 3 and 8"},
      {"hvec_quantize_binary('[1,2,3]')",
       "hvec_quantize_binary: argument v has 3 dimensions; a bit vector needs a multiple of 8"},
      {"hvec_quantize_binary(hvec_bit(X'01'))",
       "hvec_quantize_binary: argument v is a bit vector; allowed: float32 or int8"},
      {"hvec_quantize_int8('[0.5]', 'minmax')",
       "hvec_quantize_int8: argument method is 'minmax'; allowed: 'unit' (elements in -1..1)"},
      {"hvec_quantize_int8('[0.5]', 1)",
       "hvec_quantize_int8: argument method is an integer; allowed: 'unit' (elements in -1..1)"},
      {"hvec_quantize_int8('[0.5, 1.5]', 'unit')",
       "hvec_quantize_int8: element 1 of argument v is 1.5; 'unit' quantizes elements in -1..1"},
  };
  for (const auto& [sql, message] : cases) EXPECT_THAT(error_of("SELECT " + sql), HasSubstr(message)) << sql;
}

}  // namespace
}  // namespace hart::test
