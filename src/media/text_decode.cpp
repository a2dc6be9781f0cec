#include "media/text_decode.h"

#include <iconv.h>
#include <uchardet.h>

#include <cerrno>
#include <memory>

#include "util/utf8.h"
#include "util/error.h"

namespace hart {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

using namespace std::string_view_literals;  // "..."sv keeps the NUL bytes

struct Bom {
  std::string_view bytes;
  const char* encoding;
};
// Longest first: the UTF-32LE mark begins with the UTF-16LE one.
constexpr Bom kBoms[] = {{"\x00\x00\xFE\xFF"sv, "UTF-32BE"}, {"\xFF\xFE\x00\x00"sv, "UTF-32LE"},
                         {"\xEF\xBB\xBF"sv, "UTF-8"},           {"\xFE\xFF"sv, "UTF-16BE"},
                         {"\xFF\xFE"sv, "UTF-16LE"}};

std::string detect_with_uchardet(std::string_view bytes) {
  std::unique_ptr<std::remove_pointer_t<uchardet_t>, void (*)(uchardet_t)> ud(uchardet_new(), uchardet_delete);
  if (!ud) throw Error("uchardet: cannot allocate a detector (out of memory?)");
  constexpr size_t kSample = 1 << 20;  // plenty to decide, bounded time
  uchardet_handle_data(ud.get(), bytes.data(), std::min(bytes.size(), kSample));
  uchardet_data_end(ud.get());
  const char* cs = uchardet_get_charset(ud.get());
  return cs ? cs : "";
}

// Converts with iconv, replacing each byte iconv rejects (and a truncated tail).
void convert(std::string_view in, size_t skip, const std::string& encoding, DecodedText& out) {
  iconv_t cd = iconv_open("UTF-8", encoding.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) throw Error("iconv: cannot convert from " + encoding + " to UTF-8");
  std::unique_ptr<void, int (*)(iconv_t)> close(cd, iconv_close);
  out.utf8.clear();
  out.utf8.reserve(in.size() + in.size() / 2);
  char* src = const_cast<char*>(in.data()) + skip;
  size_t left = in.size() - skip;
  char buf[1 << 14];
  while (left > 0) {
    char* dst = buf;
    size_t room = sizeof buf;
    size_t rc = iconv(cd, &src, &left, &dst, &room);
    out.utf8.append(buf, static_cast<size_t>(dst - buf));
    if (rc != static_cast<size_t>(-1) || errno == E2BIG) continue;
    // EILSEQ (invalid sequence) or EINVAL (incomplete at the end): replace one byte.
    if (out.invalid_bytes++ == 0) out.first_invalid_offset = static_cast<uint64_t>(src - in.data());
    out.utf8 += kReplacement;
    ++src;
    --left;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset the shift state
  }
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  while (!s.empty()) {
    // ASCII runs are the common case; the tokenizer's decoder takes the rest.
    if (static_cast<unsigned char>(s[0]) < 0x80) {
      s.remove_prefix(1);
      continue;
    }
    Utf8Step st = utf8_step_final(s);
    if (st.kind != Utf8Step::kOk) return false;
    s.remove_prefix(st.len);
  }
  return true;
}

DecodedText decode_text(std::string_view bytes) {
  DecodedText out;
  for (const Bom& b : kBoms) {
    if (bytes.substr(0, b.bytes.size()) == b.bytes) {
      out.encoding = b.encoding;
      out.detected_by = "bom";
      convert(bytes, b.bytes.size(), out.encoding, out);
      return out;
    }
  }
  if (is_valid_utf8(bytes)) {
    out.encoding = "UTF-8";
    out.detected_by = "utf8-valid";
    out.utf8 = std::string(bytes);
    out.same_as_input = true;
    return out;
  }
  out.encoding = detect_with_uchardet(bytes);
  out.detected_by = "uchardet";
  if (out.encoding.empty() || out.encoding == "ASCII") {
    // Not valid UTF-8 and nothing detected: Windows-1252 decodes nearly every byte,
    // and the few it cannot are reported.
    out.encoding = "WINDOWS-1252";
    out.detected_by = "fallback";
  }
  convert(bytes, 0, out.encoding, out);
  return out;
}

}  // namespace hart
