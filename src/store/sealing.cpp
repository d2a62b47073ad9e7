#include "llmauth/store/sealing.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <vector>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::store {
namespace {

using crypto::base64;
using crypto::base64_decode;
using crypto::random_bytes;

constexpr std::string_view kVersion = "v1";
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kMaxSealedBytes = 1u << 20;  // a secret is small; anything larger is not ours

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Length-prefixed parts: no two different lists of parts give the same bytes.
std::string aad(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const auto part : parts) {
    const auto n = static_cast<std::uint32_t>(part.size());
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((n >> shift) & 0xff));
    out.append(part);
  }
  return out;
}

std::string value_aad(std::string_view kid, const SealedPlace& place) {
  return aad({"llmauth sealed value", kVersion, kid, place.table, place.row_id, place.field});
}

std::string data_key_aad(std::string_view kid) { return aad({"llmauth data key", kVersion, kid}); }

struct CipherCtx {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx{EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free};
};

const auto* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// AES-256-GCM: ciphertext followed by the 16-byte tag.
std::string gcm_seal(std::string_view key, std::string_view nonce, std::string_view plaintext,
                     std::string_view additional) {
  CipherCtx c;
  std::string out(plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int n = 0;
  int total = 0;
  const bool ok =
      c.ctx && EVP_EncryptInit_ex(c.ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) == 1 &&
      EVP_EncryptInit_ex(c.ctx.get(), nullptr, nullptr, u8(key), u8(nonce)) == 1 &&
      EVP_EncryptUpdate(c.ctx.get(), nullptr, &n, u8(additional),
                        static_cast<int>(additional.size())) == 1 &&
      EVP_EncryptUpdate(c.ctx.get(), o, &n, u8(plaintext), static_cast<int>(plaintext.size())) ==
          1 &&
      (total = n, EVP_EncryptFinal_ex(c.ctx.get(), o + total, &n) == 1) &&
      EVP_CIPHER_CTX_ctrl(c.ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          o + plaintext.size()) == 1;
  if (!ok) throw Error("sealing: AES-256-GCM encryption failed in OpenSSL");
  return out;
}

// The plaintext, or nullopt when the tag does not verify.
std::optional<Secret> gcm_open(std::string_view key, std::string_view nonce,
                               std::string_view sealed, std::string_view additional) {
  if (sealed.size() < kTagBytes) return std::nullopt;
  const std::size_t length = sealed.size() - kTagBytes;
  CipherCtx c;
  std::string out(length, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::string tag(sealed.substr(length));
  int n = 0;
  const bool ok =
      c.ctx && EVP_DecryptInit_ex(c.ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) == 1 &&
      EVP_DecryptInit_ex(c.ctx.get(), nullptr, nullptr, u8(key), u8(nonce)) == 1 &&
      EVP_DecryptUpdate(c.ctx.get(), nullptr, &n, u8(additional),
                        static_cast<int>(additional.size())) == 1 &&
      EVP_DecryptUpdate(c.ctx.get(), o, &n, u8(sealed), static_cast<int>(length)) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) == 1 &&
      EVP_DecryptFinal_ex(c.ctx.get(), o + n, &n) == 1;
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return Secret(std::move(out));
}

std::string where(const SealedPlace& p) { return p.table + "/" + p.row_id + p.field; }

struct Parsed {
  std::string kid;
  std::string wrapped;  // nonce | data key ciphertext | tag
  std::string nonce;
  std::string ciphertext;  // value ciphertext | tag
};

Parsed parse(std::string_view sealed, const std::string& place) {
  const auto bad = [&](const std::string& why) {
    return Error("the sealed value at " + place + " " + why +
                     "; it was not written by llmauth, or was cut or edited in the database",
                 ErrorCode::kInvalidInput);
  };
  if (sealed.size() > kMaxSealedBytes) throw bad("is larger than 1 MiB");
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = sealed.find('.', start);
    parts.push_back(sealed.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 5) throw bad("is not in the sealed format (5 parts separated by '.')");
  if (parts[0] != kVersion) throw bad("has a format version other than v1");
  if (!valid_key_id(parts[1])) throw bad("names no valid master key id");
  Parsed p;
  p.kid = std::string(parts[1]);
  auto wrapped = base64_decode(parts[2]);
  auto nonce = base64_decode(parts[3]);
  auto ciphertext = base64_decode(parts[4]);
  if (!wrapped || wrapped->size() != kNonceBytes + kKeyBytes + kTagBytes) {
    throw bad("has no valid wrapped data key");
  }
  if (!nonce || nonce->size() != kNonceBytes) throw bad("has no valid nonce");
  if (!ciphertext || ciphertext->size() < kTagBytes) throw bad("has no valid ciphertext");
  p.wrapped = std::move(*wrapped);
  p.nonce = std::move(*nonce);
  p.ciphertext = std::move(*ciphertext);
  return p;
}

}  // namespace

void Keyring::add(const std::string& id, Secret key, bool active) {
  if (!valid_key_id(id)) {
    throw Error("master key id '" + id.substr(0, 64) +
                    "' is not valid: use 1 to 64 letters, digits, '_' or '-'",
                ErrorCode::kInvalidInput);
  }
  if (key.size() != kKeyBytes) {
    throw Error("master key '" + id + "' is " + std::to_string(key.size()) +
                    " bytes; it must be 32 (make one with `llmauth store new-master-key`)",
                ErrorCode::kInvalidInput);
  }
  if (keys_.count(id) != 0) {
    throw Error("master key '" + id + "' is configured twice", ErrorCode::kInvalidInput);
  }
  keys_.emplace(id, std::move(key));
  if (active || active_.empty()) active_ = id;
}

void Keyring::add_base64(const std::string& id, std::string_view base64_key, bool active) {
  auto raw = base64_decode(base64_key);
  if (!raw) {
    throw Error("master key '" + id + "' is not valid base64", ErrorCode::kInvalidInput);
  }
  add(id, Secret(std::move(*raw)), active);
}

const std::string& Keyring::active_id() const {
  if (active_.empty()) {
    throw Error("no master key is configured: set LLMAUTH_MASTER_KEY (or --master-key-file)",
                ErrorCode::kUnavailable);
  }
  return active_;
}

const Secret& Keyring::key(const std::string& id) const { return keys_.at(id); }

Secret Keyring::generate_base64() {
  const Secret raw(random_bytes(kKeyBytes));
  return Secret(base64(raw.reveal()));
}

std::string Sealer::seal(const Secret& value, const SealedPlace& place) const {
  const std::string& kid = keys_.active_id();
  const Secret data_key(random_bytes(kKeyBytes));
  const std::string key_nonce = random_bytes(kNonceBytes);
  const std::string value_nonce = random_bytes(kNonceBytes);
  const std::string wrapped = key_nonce + gcm_seal(keys_.key(kid).reveal(), key_nonce,
                                                   data_key.reveal(), data_key_aad(kid));
  const std::string ciphertext =
      gcm_seal(data_key.reveal(), value_nonce, value.reveal(), value_aad(kid, place));
  return std::string(kVersion) + "." + kid + "." + base64(wrapped) + "." + base64(value_nonce) +
         "." + base64(ciphertext);
}

Secret Sealer::open(std::string_view sealed, const SealedPlace& place) const {
  const std::string at = where(place);
  const Parsed p = parse(sealed, at);
  if (!keys_.has(p.kid)) {
    throw Error("the secret at " + at + " was sealed with master key '" + p.kid +
                    "', which is not configured: add it (decrypt-only is enough) and retry",
                ErrorCode::kInvalidInput);
  }
  const std::string_view wrapped = p.wrapped;
  auto data_key = gcm_open(keys_.key(p.kid).reveal(), wrapped.substr(0, kNonceBytes),
                           wrapped.substr(kNonceBytes), data_key_aad(p.kid));
  if (!data_key) {
    throw Error("the secret at " + at + " does not open with master key '" + p.kid +
                    "': the key configured under that id is not the one that sealed it, or the "
                    "stored value was changed",
                ErrorCode::kInvalidInput);
  }
  auto value = gcm_open(data_key->reveal(), p.nonce, p.ciphertext, value_aad(p.kid, place));
  if (!value) {
    throw Error("the secret at " + at +
                    " does not open: it was changed, or copied from another row or field",
                ErrorCode::kInvalidInput);
  }
  return std::move(*value);
}

std::string Sealer::reseal(std::string_view sealed, const SealedPlace& place) const {
  return seal(open(sealed, place), place);
}

std::string Sealer::key_id_of(std::string_view sealed) {
  if (sealed.substr(0, kVersion.size() + 1) != "v1.") return {};
  const auto rest = sealed.substr(kVersion.size() + 1);
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) return {};
  const auto kid = rest.substr(0, dot);
  return valid_key_id(kid) ? std::string(kid) : std::string();
}

}  // namespace llmauth::store
