#include "ingest/dispatch/content_type.h"

#include <magic.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>

#include "formats/gguf.h"
#include "formats/safetensors.h"
#include "util/error.h"
#include "store/atom_names.h"

namespace hart {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Structured text formats libmagic files under application/.
bool is_textual_application(std::string_view mime) {
  constexpr std::array<std::string_view, 6> kTextual = {
      "application/json", "application/xml", "application/javascript", "application/x-ndjson",
      "application/x-sh", "application/x-subrip"};
  for (auto t : kTextual)
    if (mime == t) return true;
  return mime.ends_with("+xml") || mime.ends_with("+json");
}

bool is_archive(std::string_view mime) {
  constexpr std::array<std::string_view, 8> kArchives = {
      "application/zip", "application/x-tar", "application/x-7z-compressed", "application/x-cpio",
      "application/vnd.rar", "application/x-rar", "application/x-iso9660-image", "application/x-archive"};
  for (auto a : kArchives)
    if (mime == a) return true;
  return false;
}

bool is_compressed_stream(std::string_view mime) {
  constexpr std::array<std::string_view, 6> kFilters = {"application/gzip", "application/x-bzip2", "application/x-xz",
                                                        "application/zstd", "application/x-lzma", "application/x-lzip"};
  for (auto f : kFilters)
    if (mime == f) return true;
  return false;
}

// ODF packages begin with an uncompressed `mimetype` member naming their type.
// libmagic finds it only at a fixed offset, i.e. when that member's header has no
// extra field, which zip writers such as libarchive's add.
std::string odf_mimetype(const uint8_t* p, size_t n) {
  constexpr std::string_view kOdf = "application/vnd.oasis.opendocument.";
  auto u16 = [&](size_t at) { return static_cast<size_t>(p[at] | (p[at + 1] << 8)); };
  if (n < 30 || std::string_view(reinterpret_cast<const char*>(p), 4) != "PK\x03\x04" || u16(8) != 0) return {};
  size_t name_len = u16(26), data = 30 + name_len + u16(28);
  if (name_len != 8 || std::string_view(reinterpret_cast<const char*>(p) + 30, 8) != "mimetype") return {};
  // The member's size, or (written with a data descriptor) up to the first byte no
  // lowercase MIME type has (the next header's "PK").
  size_t size = static_cast<size_t>(u16(18) | (u16(20) << 16));
  std::string mime;
  for (size_t i = data; i < n && i < data + (size ? std::min<size_t>(size, 100) : 100); ++i) {
    char c = static_cast<char>(p[i]);
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
          c == '/' || c == '-' || c == '+'))
      break;
    mime += c;
  }
  return starts_with(mime, kOdf) && mime.size() > kOdf.size() ? mime : std::string();
}

}  // namespace

const char* modality_of(ContentKind kind) {
  switch (kind) {
    case ContentKind::kText: return modality::kText;
    case ContentKind::kArchive: return modality::kArchive;
    case ContentKind::kModel: return modality::kTensor;
    case ContentKind::kImage: return modality::kImage;
    case ContentKind::kAudio: return modality::kAudio;
    case ContentKind::kVideo: return modality::kVideo;
    case ContentKind::kDocument: return modality::kDocument;
    case ContentKind::kEmpty:
    case ContentKind::kBinary: return modality::kBinary;
  }
  return modality::kBinary;
}

ContentSniffer::ContentSniffer() {
  magic_ = magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING | MAGIC_ERROR);
  if (!magic_) throw Error("libmagic: cannot allocate a handle (out of memory?)");
  if (magic_load(magic_, nullptr) != 0) {
    std::string why = magic_error(magic_) ? magic_error(magic_) : "unknown error";
    magic_close(magic_);
    throw Error("libmagic: cannot load its file-type database (" + why + "); install the libmagic-mgc package");
  }
}

ContentSniffer::~ContentSniffer() { magic_close(magic_); }

ContentType ContentSniffer::sniff(const uint8_t* prefix, size_t n, uint64_t total_size) {
  ContentType t;
  if (total_size == 0) {
    t.kind = ContentKind::kEmpty;
    t.mime = "application/x-empty";
    return t;
  }
  // The model formats first: libmagic does not know safetensors, and these decide
  // whether the model store takes the file.
  if (is_gguf(prefix, n)) {
    t.kind = ContentKind::kModel;
    t.mime = "application/x-gguf";
    return t;
  }
  // Only the first 9 bytes are read; the header length is checked against the file's size.
  if (n >= 10 && is_safetensors(prefix, static_cast<size_t>(total_size))) {
    t.kind = ContentKind::kModel;
    t.mime = "application/x-safetensors";
    return t;
  }
  const char* found = magic_buffer(magic_, prefix, n);
  std::string answer = found ? found : "application/octet-stream";  // "type/sub; charset=x"
  size_t semi = answer.find(';');
  t.mime = answer.substr(0, semi);
  if (semi != std::string::npos) {
    size_t eq = answer.find("charset=", semi);
    if (eq != std::string::npos) t.charset = answer.substr(eq + 8);
  }
  if (t.mime == "application/zip") {
    std::string odf = odf_mimetype(prefix, n);
    if (!odf.empty()) t.mime = odf;
  }
  std::string_view m = t.mime;
  if (starts_with(m, "text/") || is_textual_application(m)) t.kind = ContentKind::kText;
  else if (is_archive(m)) t.kind = ContentKind::kArchive;
  else if (is_compressed_stream(m)) t.kind = ContentKind::kArchive, t.compressed_stream = true;
  else if (starts_with(m, "image/")) t.kind = ContentKind::kImage;
  else if (starts_with(m, "audio/")) t.kind = ContentKind::kAudio;
  else if (starts_with(m, "video/")) t.kind = ContentKind::kVideo;
  else if (m == "application/pdf" || m == "application/postscript" || starts_with(m, "application/vnd.oasis") ||
           starts_with(m, "application/vnd.openxmlformats") || m == "application/msword")
    t.kind = ContentKind::kDocument;
  // libmagic calls UTF-16 text without a BOM "application/octet-stream; charset=utf-16le"
  // at best; a charset on an otherwise unknown type still means text.
  else if (!t.charset.empty() && t.charset != "binary" && m == "application/octet-stream") t.kind = ContentKind::kText;
  return t;
}

}  // namespace hart
