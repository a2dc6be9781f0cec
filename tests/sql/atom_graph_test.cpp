// atom_children, atom_parts and atom_wholes over relations written through the store:
// chains deeper than any fixed limit, shared parts and cycles.
#include "../store/store_fixture.h"
#include "store/atom_names.h"
#include "store/atom_store.h"

namespace hart::test {
namespace {

class AtomGraphTest : public StoreTest {
 protected:
  // A new text atom per name.
  int64_t atom(const std::string& name) {
    AtomInfo info;
    info.modality = modality::kText;
    info.subtype = subtype::kPassage;
    return store().put_text(name, info).id;
  }
  void relate(int64_t parent, int64_t child, int64_t ordinal = 0) { store().relate(parent, child, "part", ordinal); }
  AtomStore& store() {
    if (!store_) store_ = std::make_unique<AtomStore>(*db);
    return *store_;
  }
  std::string rows(const std::string& table, int64_t root) {
    Stmt s = db->prepare("SELECT group_concat(atom_id || '<' || via_id || '@' || depth, ' ') FROM " + table + "(?)");
    s.bind(1, root);
    EXPECT_TRUE(s.step());
    return s.text(0);
  }
  std::unique_ptr<AtomStore> store_;
};

TEST_F(AtomGraphTest, AChainDeeperThanSixtyFourLevelsIsFollowedToItsEnd) {
  constexpr int kLength = 200;
  std::vector<int64_t> chain;
  Transaction tx(*db);
  for (int i = 0; i < kLength; ++i) chain.push_back(atom("link " + std::to_string(i)));
  for (int i = 0; i + 1 < kLength; ++i) relate(chain[i], chain[i + 1]);
  tx.commit();
  std::string top = std::to_string(chain.front()), bottom = std::to_string(chain.back());
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM atom_parts(" + top + ")"), kLength - 1);
  EXPECT_EQ(scalar(*db, "SELECT max(depth) FROM atom_parts(" + top + ")"), kLength - 1);
  EXPECT_EQ(scalar(*db, "SELECT atom_id FROM atom_parts(" + top + ") WHERE depth = " + std::to_string(kLength - 1)),
            chain.back());
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM atom_wholes(" + bottom + ")"), kLength - 1);
  EXPECT_EQ(scalar(*db, "SELECT atom_id FROM atom_wholes(" + bottom + ") WHERE depth = " + std::to_string(kLength - 1)),
            chain.front());
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM atom_children(" + top + ")"), 1);
}

TEST_F(AtomGraphTest, ACycleEndsAfterEachRelationOnce) {
  int64_t a = atom("a"), b = atom("b"), c = atom("c");
  relate(a, b);
  relate(b, c);
  relate(c, a);
  auto id = [](int64_t x) { return std::to_string(x); };
  EXPECT_EQ(rows("atom_parts", a), id(b) + "<" + id(a) + "@1 " + id(c) + "<" + id(b) + "@2 " + id(a) + "<" + id(c) + "@3");
  EXPECT_EQ(rows("atom_wholes", a), id(c) + "<" + id(a) + "@1 " + id(b) + "<" + id(c) + "@2 " + id(a) + "<" + id(b) + "@3");
  // An atom that is its own part.
  int64_t self = atom("self");
  relate(self, self);
  EXPECT_EQ(rows("atom_parts", self), id(self) + "<" + id(self) + "@1");
}

TEST_F(AtomGraphTest, ASharedPartIsListedOncePerRelationAtItsShortestDepth) {
  // root -> x -> shared, root -> shared, shared -> leaf: leaf is listed once, at depth 2.
  int64_t root = atom("root"), x = atom("x"), shared = atom("shared"), leaf = atom("leaf");
  relate(root, x, 0);
  relate(root, shared, 1);
  relate(x, shared);
  relate(shared, leaf);
  auto id = [](int64_t v) { return std::to_string(v); };
  EXPECT_EQ(rows("atom_parts", root), id(x) + "<" + id(root) + "@1 " + id(shared) + "<" + id(root) + "@1 " + id(shared) +
                                          "<" + id(x) + "@2 " + id(leaf) + "<" + id(shared) + "@2");
}

}  // namespace
}  // namespace hart::test
