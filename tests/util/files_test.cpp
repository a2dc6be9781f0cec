// MappedFile and OutputFile: what is written is what is mapped back, and a file
// appears under its name only when committed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/test_support.h"
#include "util/error.h"
#include "util/mapped_file.h"
#include "util/output_file.h"

namespace hart {
namespace {

using test::read_file;
using test::TempDir;
using test::write_file;

template <class F>
void expect_error_containing(F make, const std::string& text) {
  try {
    make();
    FAIL() << "no error; expected one containing " << text;
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr(text));
  }
}

TEST(MappedFile, MapsTheWholeFile) {
  TempDir dir;
  std::string bytes = "header";
  bytes.push_back('\0');
  bytes += std::string(10000, 'x');
  write_file(dir.file("f"), bytes);
  MappedFile m(dir.file("f"));
  ASSERT_EQ(m.size(), bytes.size());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(m.data()), m.size()), bytes);
  EXPECT_EQ(m.path(), dir.file("f"));
  m.advise_sequential();  // a hint only: the bytes stay the same
  EXPECT_EQ(m.data()[bytes.size() - 1], 'x');
}

TEST(MappedFile, EmptyFileHasNoData) {
  TempDir dir;
  write_file(dir.file("empty"), "");
  MappedFile m(dir.file("empty"));
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.data(), nullptr);
  m.advise_sequential();
}

TEST(MappedFile, MissingFileAndFolderAreErrorsNamingThePath) {
  TempDir dir;
  expect_error_containing([&] { MappedFile m(dir.file("missing")); }, dir.file("missing") + ": cannot open");
  expect_error_containing([&] { MappedFile m(dir.path()); }, "not a regular file");
}

TEST(OutputFile, WritesPadsAndCommits) {
  TempDir dir;
  std::string path = dir.file("out.bin");
  OutputFile out(path);
  out.write("ab", 2);
  out.put<uint32_t>(0x01020304);
  EXPECT_EQ(out.offset(), 6u);
  out.pad_to(8);
  EXPECT_EQ(out.offset(), 8u);
  out.pad_to(8);  // already aligned: nothing
  out.pad_to(1);
  EXPECT_EQ(out.offset(), 8u);
  out.write_zeros(5000);  // more than one internal block of zeros
  out.put<uint8_t>(0x7f);
  EXPECT_EQ(out.offset(), 5009u);
  EXPECT_FALSE(std::filesystem::exists(path)) << "visible before commit";
  out.commit();
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::string expected = std::string("ab") + "\x04\x03\x02\x01" + std::string(2 + 5000, '\0') + "\x7f";
  EXPECT_EQ(read_file(path), expected);
}

TEST(OutputFile, WithoutCommitNothingIsLeftAndAnOldFileSurvives) {
  TempDir dir;
  std::string path = dir.file("keep.bin");
  write_file(path, "old");
  {
    OutputFile out(path);
    out.write("new bytes", 9);
  }
  EXPECT_EQ(read_file(path), "old");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  {
    OutputFile out(path);
    out.write("new", 3);
    out.commit();
  }
  EXPECT_EQ(read_file(path), "new");
}

TEST(OutputFile, UncreatableFileIsAnErrorNamingIt) {
  TempDir dir;
  expect_error_containing([&] { OutputFile out(dir.file("no/such/folder/x.bin")); }, "x.bin.tmp: cannot create");
}

}  // namespace
}  // namespace hart
