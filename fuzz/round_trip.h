// Shared by the fuzzers: parse the input; when it parses, write it back, parse
// that, write again, and require the two written files to be identical. Only
// FormatError from the first parse is an expected outcome; anything else
// (another exception, a sanitizer report, a mismatch) is a bug and aborts.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "formats/model_file.h"
#include "util/error.h"
#include "util/output_file.h"

namespace hart::fuzz {

template <typename Write>
std::string write_to_bytes(const ModelFile& m, const uint8_t* source, Write write) {
  static const std::string path = [] {
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(dir) + "/hart-fuzz-" + std::to_string(getpid()) + ".bin";
  }();
  {
    OutputFile out(path);
    write(m, [&](size_t i, OutputFile& o) {
      o.write(source + m.data_offset + m.tensors[i].offset, m.tensors[i].n_bytes);
    }, out);
    out.commit();
  }
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::remove(path.c_str());
  return ss.str();
}

template <typename Read, typename Write>
int round_trip(const uint8_t* data, size_t size, Read read, Write write) {
  ModelFile m;
  try {
    m = read(data, size, "fuzz-input");
  } catch (const FormatError&) {
    return 0;
  }
  std::string a = write_to_bytes(m, data, write);
  const auto* ap = reinterpret_cast<const uint8_t*>(a.data());
  ModelFile m2 = read(ap, a.size(), "written");  // must not throw
  std::string b = write_to_bytes(m2, ap, write);
  if (a != b) {
    std::fprintf(stderr, "round trip is not stable: %zu vs %zu bytes\n", a.size(), b.size());
    std::abort();
  }
  return 0;
}

}  // namespace hart::fuzz
