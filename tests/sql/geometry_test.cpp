// tensor_geometry's WKB is read back by GEOS (an independent parser) and compared
// point by point with the weights table.
#include <geos_c.h>

#include <cstdarg>
#include <cstring>

#include "sql_fixture.h"

namespace hart::test {
namespace {

void geos_message(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
}

class GeometryTest : public SqlTest {
 protected:
  std::string geometry(const std::string& args) {
    Stmt s = db->prepare("SELECT tensor_geometry(" + args + ")");
    EXPECT_TRUE(s.step());
    return std::string(static_cast<const char*>(s.blob(0)), s.bytes(0));
  }
  int64_t tensor_id(const std::string& name) {
    Stmt s = db->prepare("SELECT id FROM tensors WHERE name = ?");
    s.bind(1, name);
    s.step();
    return s.int64(0);
  }
};

TEST_F(GeometryTest, GeosReadsTheLineStringAndItsCoordinates) {
  int64_t id = tensor_id("blk.1.ffn_up.weight");
  const int64_t from = 32760, to = 32780;  // straddles a chunk boundary
  std::string wkb = geometry(std::to_string(id) + ", " + std::to_string(from) + ", " + std::to_string(to));
  ASSERT_EQ(wkb.size(), 9u + 20 * 32);

  GEOSContextHandle_t ctx = GEOS_init_r();
  GEOSContext_setErrorHandler_r(ctx, geos_message);
  GEOSWKBReader* reader = GEOSWKBReader_create_r(ctx);
  GEOSGeometry* g = GEOSWKBReader_read_r(ctx, reader, reinterpret_cast<const unsigned char*>(wkb.data()), wkb.size());
  ASSERT_NE(g, nullptr) << "GEOS could not parse the WKB";
  EXPECT_EQ(GEOSGeomTypeId_r(ctx, g), GEOS_LINESTRING);
  EXPECT_EQ(GEOSGeomGetNumPoints_r(ctx, g), 20);
  EXPECT_EQ(GEOSHasZ_r(ctx, g), 1);
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, g);

  Stmt w = db->prepare("SELECT idx, value, importance, meta FROM weights WHERE tensor = 'blk.1.ffn_up.weight'"
                       " AND idx >= ? AND idx < ? ORDER BY idx");
  w.bind(1, from).bind(2, to);
  for (unsigned i = 0; i < 20; ++i) {
    ASSERT_TRUE(w.step());
    double x, y, z;
    GEOSCoordSeq_getX_r(ctx, seq, i, &x);
    GEOSCoordSeq_getY_r(ctx, seq, i, &y);
    GEOSCoordSeq_getZ_r(ctx, seq, i, &z);
    EXPECT_EQ(x, static_cast<double>(w.int64(0)));
    EXPECT_EQ(y, w.real(1));
    EXPECT_EQ(z, w.real(2));
    // GEOS 3.11 parses but does not expose M; read it from the WKB itself.
    double m;
    std::memcpy(&m, wkb.data() + 9 + i * 32 + 24, 8);
    EXPECT_EQ(m, static_cast<double>(w.int64(3)));
  }
  GEOSGeom_destroy_r(ctx, g);
  GEOSWKBReader_destroy_r(ctx, reader);
  GEOS_finish_r(ctx);
}

TEST_F(GeometryTest, WholeTensorByDefault) {
  EXPECT_EQ(geometry(std::to_string(tensor_id("blk.0.attn_norm.weight"))).size(), 9u + 256 * 32);
}

TEST_F(GeometryTest, BadArgumentsAreClearErrors) {
  int64_t id = tensor_id("blk.0.attn_norm.weight");
  for (auto [args, phrase] : std::vector<std::pair<std::string, std::string>>{
           {"999999", "no tensor with id 999999"},
           {"'blk.0.attn_norm.weight'", "must be a tensor id"},
           {std::to_string(id) + ", 10, 11", "at least 2 points"},
           {std::to_string(id) + ", 0, 257", "must lie inside the tensor"},
           {std::to_string(id) + ", -1, 5", "must lie inside the tensor"}}) {
    try {
      geometry(args);
      ADD_FAILURE() << args;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(phrase)) << args;
    }
  }
}

}  // namespace
}  // namespace hart::test
