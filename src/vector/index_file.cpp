#include "vector/index_file.h"

#include <cstring>

#include "util/byte_reader.h"
#include "util/error.h"
#include "util/output_file.h"
#include "util/sha256.h"

namespace hart::vector {
namespace {

constexpr char kMagic[8] = {'H', 'A', 'R', 'T', 'V', 'I', 'D', 'X'};
constexpr uint32_t kVersion = 1;

}  // namespace

IndexFileReader::IndexFileReader(const std::string& path) : file_(path) {
  const std::string& p = file_.path();
  const size_t size = file_.size();
  if (size < kIndexHeaderBytes + kIndexChecksumBytes)
    throw FormatError(p + ": truncated: " + std::to_string(size) + " bytes, a vector index file has at least " +
                      std::to_string(kIndexHeaderBytes + kIndexChecksumBytes) + " (header and checksum)");
  if (std::memcmp(file_.data(), kMagic, sizeof kMagic) != 0)
    throw FormatError(p + ": not a Hartonomous vector index file (its first 8 bytes are not \"HARTVIDX\")");
  ByteReader r(file_.data(), size, p);
  r.skip(sizeof kMagic, "magic");
  const uint32_t version = r.read<uint32_t>("version");
  if (version != kVersion)
    throw FormatError(p + ": vector index format version " + std::to_string(version) +
                      " is not supported (this build reads version " + std::to_string(kVersion) + ")");
  const uint32_t kind = r.read<uint32_t>("index kind"), metric = r.read<uint32_t>("metric"),
                 type = r.read<uint32_t>("element type");
  header_.dim = r.read<uint64_t>("dimension");
  header_.count = r.read<uint64_t>("vector count");
  header_.payload_bytes = r.read<uint64_t>("payload size");
  const uint64_t expected_size = size - kIndexHeaderBytes - kIndexChecksumBytes;
  if (header_.payload_bytes != expected_size)
    throw FormatError(p + ": " + (header_.payload_bytes > expected_size ? "truncated" : "trailing bytes") +
                      ": the header says " + std::to_string(header_.payload_bytes) + " payload bytes (plus " +
                      std::to_string(kIndexHeaderBytes + kIndexChecksumBytes) +
                      " of header and checksum), the file has " + std::to_string(size) + " bytes");
  const size_t body = kIndexHeaderBytes + static_cast<size_t>(header_.payload_bytes);
  Sha256Digest stored;
  std::memcpy(stored.data(), file_.data() + body, stored.size());
  Sha256Digest computed = sha256(file_.data(), body);
  if (stored != computed)
    throw FormatError(p + ": checksum mismatch: the file is damaged (stored SHA-256 " + to_hex(stored) +
                      ", computed " + to_hex(computed) + ")");
  if (kind != static_cast<uint32_t>(IndexKind::Exact) && kind != static_cast<uint32_t>(IndexKind::Hnsw))
    throw FormatError(p + ": unknown vector index kind " + std::to_string(kind) + " (known: 1 = exact, 2 = hnsw)");
  if (metric < 1 || metric > 3)
    throw FormatError(p + ": unknown metric code " + std::to_string(metric) + " (known: 1 l2, 2 ip, 3 cosine)");
  if (type != static_cast<uint32_t>(ElementType::F32))
    throw FormatError(p + ": unknown element type code " + std::to_string(type) + " (known: 1 = f32)");
  if (header_.dim == 0 || header_.dim > Space::kMaxDim)
    throw FormatError(p + ": dimension " + std::to_string(header_.dim) + " is outside 1.." +
                      std::to_string(Space::kMaxDim));
  header_.kind = static_cast<IndexKind>(kind);
  header_.metric = static_cast<Metric>(metric);
  header_.element_type = static_cast<ElementType>(type);
}

struct IndexFileWriter::Impl {
  OutputFile out;
  Sha256Stream hash;
  uint64_t expected, written = 0;
  Impl(const std::string& path, uint64_t payload) : out(path), expected(payload) {}
  void put(const void* data, size_t n) {
    out.write(data, n);
    hash.update(data, n);
  }
};

IndexFileWriter::IndexFileWriter(const std::string& path, const IndexFileHeader& h)
    : impl_(std::make_unique<Impl>(path, h.payload_bytes)) {
  uint8_t head[kIndexHeaderBytes];
  auto put32 = [&](size_t at, uint32_t v) { std::memcpy(head + at, &v, 4); };
  auto put64 = [&](size_t at, uint64_t v) { std::memcpy(head + at, &v, 8); };
  std::memcpy(head, kMagic, sizeof kMagic);
  put32(8, kVersion);
  put32(12, static_cast<uint32_t>(h.kind));
  put32(16, static_cast<uint32_t>(h.metric));
  put32(20, static_cast<uint32_t>(h.element_type));
  put64(24, h.dim);
  put64(32, h.count);
  put64(40, h.payload_bytes);
  impl_->put(head, sizeof head);
}

IndexFileWriter::~IndexFileWriter() = default;

void IndexFileWriter::write(const void* data, size_t size) {
  impl_->put(data, size);
  impl_->written += size;
}

void IndexFileWriter::finish() {
  if (impl_->written != impl_->expected)
    throw Error("vector index writer: " + std::to_string(impl_->written) + " payload bytes written, the header says " +
                std::to_string(impl_->expected));
  Sha256Digest d = impl_->hash.finish();
  impl_->out.write(d.data(), d.size());
  impl_->out.commit();
}

}  // namespace hart::vector
