// JwtAssertionSigner: a client certificate (its RSA private key, the leaf certificate and any
// chain) and the client-assertion JWTs Entra ID accepts instead of a client secret.
//
// The key is loaded once (PEM — certificate and key in one file in any order, or in two files —
// or PKCS#12 with an optional password, told apart by content) and kept as an EVP_PKEY; every
// sign() uses a fresh EVP_MD_CTX, so one signer serves any number of threads.
//
// Load errors are Error(kInvalidInput) naming the file ("no certificate found in …", "the
// private key in … does not match the certificate", "… the password is wrong"); they never
// contain the password or key material. Entra ID wants RSA keys: an EC key is rejected.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/core/clock.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::azure {

enum class AssertionAlgorithm {
  RS256,  // RSA PKCS#1 v1.5 with SHA-256
  PS256,  // RSA-PSS with SHA-256, MGF1-SHA-256, salt length 32
};

enum class AssertionThumbprint {
  Sha1,    // header "x5t"
  Sha256,  // header "x5t#S256"
};

struct AssertionOptions {
  AssertionAlgorithm algorithm = AssertionAlgorithm::RS256;
  AssertionThumbprint thumbprint = AssertionThumbprint::Sha1;
  bool send_certificate_chain = false;  // header "x5c": the leaf, then the rest of the chain
};

class JwtAssertionSigner {
 public:
  // `contents` is PEM or PKCS#12 (DER); `source` names it in errors (a path, or "certificate_pem").
  // `separate_key` is a PEM private key from another file (`key_source` names it).
  static JwtAssertionSigner load(std::string_view contents, std::string_view source,
                                 const Secret& password,
                                 std::optional<std::string_view> separate_key = std::nullopt,
                                 std::string_view key_source = {});

  // A signed client assertion: header {alg, typ, x5t | x5t#S256, [x5c]}, claims {aud, iss, sub,
  // jti (random UUID), nbf, iat, exp = now + 10 min}.
  [[nodiscard]] Secret build(std::string_view client_id, std::string_view audience, TimePoint now,
                             const AssertionOptions& options) const;

  // RS256 / PS256 signature of `data` (exposed for the benchmark).
  [[nodiscard]] std::string sign(std::string_view data, AssertionAlgorithm algorithm) const;

  [[nodiscard]] const std::string& leaf_der() const { return chain_der_.front(); }
  [[nodiscard]] const std::vector<std::string>& chain_der() const { return chain_der_; }
  [[nodiscard]] std::string x5t() const;       // base64url SHA-1 of the leaf (DER)
  [[nodiscard]] std::string x5t_s256() const;  // base64url SHA-256 of the leaf (DER)

 private:
  struct Key;
  explicit JwtAssertionSigner(std::shared_ptr<const Key> key, std::vector<std::string> chain);
  std::shared_ptr<const Key> key_;
  std::vector<std::string> chain_der_;  // leaf first
};

// "a5c3b7e0-…": a random (version 4) UUID, as jti.
std::string random_uuid();

}  // namespace llmauth::azure
