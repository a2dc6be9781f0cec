// A Hugging Face tokenizer.json, read as GGUF tokenizer metadata and built into a
// Tokenizer. FormatError (and hart::Error for an unsupported tokenizer) are the only
// expected failures; a tokenizer that builds must encode and decode text.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tokenizer/hf_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  hart::tokenizer::HfTokenizerMetadata m;
  try {
    m = hart::tokenizer::metadata_from_hugging_face(j.is_object() && j.contains("tokenizer") ? j["tokenizer"] : j,
                                                    j.is_object() && j.contains("config") ? j["config"] : nullptr);
  } catch (const hart::FormatError&) {
    return 0;
  }
  try {
    hart::Tokenizer tok(m.metadata, m.types);
    auto ids = tok.encode("Hello, world! It's 1234 \xE2\x96\x81 caf\xC3\xA9 \xF0\x9F\xA6\x99\n\t x", true, true);
    std::string back = tok.decode(ids, true);
    (void)back;
  } catch (const hart::Error&) {
    return 0;
  }
  return 0;
}
