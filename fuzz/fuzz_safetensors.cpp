#include "formats/safetensors.h"
#include "round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return hart::fuzz::round_trip(data, size, hart::read_safetensors, hart::write_safetensors);
}
