// Pictures the ingest tests encode themselves with Leptonica.
#pragma once
#include <gtest/gtest.h>
#include <leptonica/allheaders.h>

#include <string>

namespace hart::test {

// `pix` encoded as `format` (IFF_PNG, IFF_JFIF_JPEG, ...).
inline std::string encode_pix(Pix* pix, int format) {
  l_uint8* data = nullptr;
  size_t size = 0;
  EXPECT_EQ(pixWriteMem(&data, &size, pix, format), 0) << "format " << format;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return bytes;
}

}  // namespace hart::test
