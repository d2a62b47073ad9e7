#include "llmauth/core/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "llmauth/core/error.hpp"

namespace llmauth::crypto {
namespace {

EVP_MD* fetched_sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

EVP_MAC* fetched_hmac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

[[noreturn]] void openssl_failure(const char* what) {
  throw Error(std::string("OpenSSL ") + what + " failed");
}

// One HMAC-SHA256 context per thread; the digest is set once, so later inits only rekey
// (setting it on every init makes OpenSSL look the digest up again each call).
struct MacCtx {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(fetched_hmac());
  MacCtx() {
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    if (ctx == nullptr || EVP_MAC_CTX_set_params(ctx, params) != 1) openssl_failure("HMAC setup");
  }
  ~MacCtx() { EVP_MAC_CTX_free(ctx); }
};

}  // namespace

struct Sha256::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool started = false;
  ~Impl() { EVP_MD_CTX_free(ctx); }
  void start() {
    if (!started) {
      if (EVP_DigestInit_ex2(ctx, fetched_sha256(), nullptr) != 1) openssl_failure("digest init");
      started = true;
    }
  }
};

Sha256::Sha256() : impl_(new Impl) {}
Sha256::~Sha256() { delete impl_; }

void Sha256::update(std::string_view data) {
  impl_->start();
  if (EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1) openssl_failure("digest");
}

Sha256Digest Sha256::finish() {
  impl_->start();
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, out.data(), &len) != 1) openssl_failure("digest final");
  impl_->started = false;
  return out;
}

Sha256Digest sha256(std::string_view data) {
  thread_local Sha256 hasher;
  hasher.update(data);
  return hasher.finish();
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  thread_local MacCtx mac;
  if (EVP_MAC_init(mac.ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   nullptr) != 1) {
    openssl_failure("HMAC init");
  }
  if (EVP_MAC_update(mac.ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
      1) {
    openssl_failure("HMAC update");
  }
  Sha256Digest out{};
  std::size_t len = 0;
  if (EVP_MAC_final(mac.ctx, out.data(), &len, out.size()) != 1) openssl_failure("HMAC final");
  return out;
}

std::array<std::uint8_t, 20> sha1(std::string_view data) {
  std::array<std::uint8_t, 20> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha1(), nullptr) != 1) {
    openssl_failure("SHA-1");
  }
  return out;
}

std::string hex(const std::uint8_t* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0x0f];
  }
  return out;
}

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == data.size()) {
    const unsigned v = p[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string base64url(std::string_view data) {
  std::string s = base64(data);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::optional<std::string> base64_decode(std::string_view text) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int v = value_of(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    openssl_failure("RAND_bytes");
  }
  return out;
}

}  // namespace llmauth::crypto
