// The container every vector index file shares: a fixed header, the index's own
// payload, and a SHA-256 of everything before it. Little-endian:
//
//   offset  size  field
//        0     8  magic "HARTVIDX"
//        8     4  format version (1)
//       12     4  index kind (1 = exact, 2 = hnsw)
//       16     4  metric (space.h codes: 1 l2, 2 ip, 3 cosine)
//       20     4  element type (1 = f32)
//       24     8  dimension
//       32     8  vector count
//       40     8  payload bytes (P)
//       48     P  payload (the kind's own layout; ExactIndex: count int64 ids, then
//                 count x dimension float32 values, row after row; HnswIndex: the bytes
//                 of HnswIndex::write, hnsw_index.h, with count = its live vectors)
//     48+P    32  SHA-256 of bytes [0, 48+P)
//
// The reader trusts nothing: the file size must equal 80 + P, the checksum must
// match before any field is used, and every field is range-checked; errors name the
// file and the problem.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/mapped_file.h"
#include "vector/space.h"

namespace hart::vector {

enum class IndexKind : uint32_t { Exact = 1, Hnsw = 2 };

struct IndexFileHeader {
  IndexKind kind = IndexKind::Exact;
  Metric metric = Metric::L2;
  ElementType element_type = ElementType::F32;
  uint64_t dim = 0, count = 0, payload_bytes = 0;
};

constexpr size_t kIndexHeaderBytes = 48, kIndexChecksumBytes = 32;

// A checked index file, mapped: header valid, checksum matching.
class IndexFileReader {
 public:
  explicit IndexFileReader(const std::string& path);
  const IndexFileHeader& header() const { return header_; }
  const uint8_t* payload() const { return file_.data() + kIndexHeaderBytes; }
  const std::string& path() const { return file_.path(); }

 private:
  MappedFile file_;
  IndexFileHeader header_;
};

// Writes header, payload pieces, checksum; the file appears at `path` on finish().
class IndexFileWriter {
 public:
  IndexFileWriter(const std::string& path, const IndexFileHeader& header);
  ~IndexFileWriter();  // without finish(), no file appears
  IndexFileWriter(const IndexFileWriter&) = delete;
  IndexFileWriter& operator=(const IndexFileWriter&) = delete;
  void write(const void* data, size_t size);
  void finish();  // a hart::Error if fewer or more payload bytes came than the header says

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hart::vector
