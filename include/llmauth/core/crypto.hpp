// Cryptographic primitives, all OpenSSL 3. Algorithms are fetched once per process and contexts
// are reused per thread: the one-shot EVP_Digest/HMAC calls re-fetch the algorithm on every call,
// which nearly doubles the cost of a small SigV4 signature (see bench/).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmauth::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Incremental SHA-256 with a reusable context.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  Sha256Digest finish();  // resets, ready for the next message

 private:
  struct Impl;
  Impl* impl_;
};

Sha256Digest sha256(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);
std::array<std::uint8_t, 20> sha1(std::string_view data);

std::string hex(const std::uint8_t* data, std::size_t size);
template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& d) {
  return hex(d.data(), d.size());
}
inline std::string_view as_view(const Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

std::string base64(std::string_view data);
std::string base64url(std::string_view data);  // no padding (JWT, x5t)
// Standard or URL-safe alphabet, padding optional; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

std::string random_bytes(std::size_t n);

}  // namespace llmauth::crypto
