#include "util/sha256.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "util/error.h"

namespace hart {

namespace {

// libcrypto is opened on the first hash rather than linked: loading it costs every process
// about 2.5 ms of start-up (relocations and its constructor), and most commands never hash.
#define HART_STR2(x) #x
#define HART_STR(x) HART_STR2(x)
constexpr const char* kLibcrypto = "libcrypto.so." HART_STR(OPENSSL_VERSION_MAJOR);

struct Libcrypto {
  decltype(&EVP_sha256) sha256;
  decltype(&EVP_Digest) digest;
  decltype(&EVP_MD_CTX_new) ctx_new;
  decltype(&EVP_MD_CTX_free) ctx_free;
  decltype(&EVP_DigestInit_ex) init;
  decltype(&EVP_DigestUpdate) update;
  decltype(&EVP_DigestFinal_ex) final;
};

template <typename Fn>
void bind(void* lib, Fn& fn, const char* name) {
  fn = reinterpret_cast<Fn>(dlsym(lib, name));
  if (!fn) throw Error(std::string("sha256: ") + kLibcrypto + " has no " + name + " (is OpenSSL 3 installed?)");
}

Libcrypto open_libcrypto() {
  // Never closed: the digests are used until the process ends.
  void* lib = dlopen(kLibcrypto, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    throw Error(std::string("sha256: cannot load ") + kLibcrypto + " (" + (why ? why : "unknown error") +
                "); install it with `apt-get install libssl3`");
  }
  Libcrypto c{};
  bind(lib, c.sha256, "EVP_sha256");
  bind(lib, c.digest, "EVP_Digest");
  bind(lib, c.ctx_new, "EVP_MD_CTX_new");
  bind(lib, c.ctx_free, "EVP_MD_CTX_free");
  bind(lib, c.init, "EVP_DigestInit_ex");
  bind(lib, c.update, "EVP_DigestUpdate");
  bind(lib, c.final, "EVP_DigestFinal_ex");
  return c;
}

const Libcrypto& libcrypto() {
  static const Libcrypto c = open_libcrypto();
  return c;
}

}  // namespace

struct Sha256Stream::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256Stream::Sha256Stream() : impl_(std::make_unique<Impl>()) {
  const Libcrypto& c = libcrypto();
  impl_->ctx = c.ctx_new();
  if (!impl_->ctx || c.init(impl_->ctx, c.sha256(), nullptr) != 1)
    throw Error("sha256: OpenSSL could not initialise a digest context");
}

Sha256Stream::~Sha256Stream() {
  if (impl_->ctx) libcrypto().ctx_free(impl_->ctx);
}

void Sha256Stream::update(const void* data, size_t size) {
  if (libcrypto().update(impl_->ctx, data, size) != 1) throw Error("sha256: digest update failed");
}

Sha256Digest Sha256Stream::finish() {
  Sha256Digest out{};
  unsigned int len = 0;
  if (libcrypto().final(impl_->ctx, out.data(), &len) != 1 || len != out.size())
    throw Error("sha256: digest finalisation failed");
  return out;
}

Sha256Digest sha256(const void* data, size_t size) {
  const Libcrypto& c = libcrypto();
  Sha256Digest out{};
  unsigned int len = 0;
  if (c.digest(data, size, out.data(), &len, c.sha256(), nullptr) != 1) throw Error("sha256: digest failed");
  return out;
}

std::string to_hex(const Sha256Digest& digest) { return to_hex(digest.data(), digest.size()); }

std::string to_hex(const void* data, size_t size) {
  static const char* kHex = "0123456789abcdef";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string s(2 * size, '0');
  for (size_t i = 0; i < size; ++i) {
    s[2 * i] = kHex[p[i] >> 4];
    s[2 * i + 1] = kHex[p[i] & 15];
  }
  return s;
}

}  // namespace hart
