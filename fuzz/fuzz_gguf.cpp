#include <cstdio>
#include <cstdlib>

#include "formats/gguf.h"
#include "formats/metadata_json.h"
#include "round_trip.h"

namespace {

// The metadata's JSON text (models.metadata) must read back to the same text.
void check_metadata_text(const uint8_t* data, size_t size) {
  hart::ModelFile m;
  try {
    m = hart::read_gguf(data, size, "fuzz-input");
  } catch (const hart::FormatError&) {
    return;
  }
  const std::string text = hart::metadata_to_json(m.metadata);
  if (hart::metadata_to_json(hart::metadata_from_json(text, m.metadata_types)) != text) {
    std::fprintf(stderr, "metadata JSON text does not read back to itself\n");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_metadata_text(data, size);
  return hart::fuzz::round_trip(data, size, hart::read_gguf, hart::write_gguf);
}
