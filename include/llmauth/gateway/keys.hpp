// Gateway keys: what clients of `llmauth serve` present (`Authorization: Bearer <key>` or
// `api-key: <key>`) instead of a cloud credential.
//
// A key is "llmauth-gk-" + 43 characters of base64url (32 random bytes, 256 bits). The keys
// file stores only its SHA-256 (a fast hash is enough for a random 256-bit secret: there is no
// password to guess), a short id, the name, the first characters after the prefix (to tell keys
// apart in a list), the providers and models it may use, and its expiry and revocation. The key
// itself is printed once, when it is created, and never again.
//
// Keys file (JSON, mode 0600, replaced atomically on every change):
//   {"version": 1, "keys": [{"id": "gk_3f9a2c1b", "name": "team-a",
//     "hash": "sha256:<64 hex>", "hint": "llmauth-gk-AbCd", "providers": ["azure-prod"],
//     "models": [], "created_at": "2026-12-03T10:00:00Z", "expires_at": null,
//     "revoked_at": null}]}
// Empty `providers` / `models`: any.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "llmauth/core/ambient.hpp"
#include "llmauth/core/clock.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::gateway {

inline constexpr std::string_view kGatewayKeyPrefix = "llmauth-gk-";

struct GatewayKey {
  std::string id;    // "gk_" + 8 hex
  std::string name;  // who it is for
  std::array<std::uint8_t, 32> hash{};
  std::string hint;                    // the prefix and the first 4 characters of the key
  std::vector<std::string> providers;  // empty: every provider
  std::vector<std::string> models;     // empty: every model
  TimePoint created_at{};
  std::optional<TimePoint> expires_at;
  std::optional<TimePoint> revoked_at;
};

// Why a presented key was or was not accepted.
enum class KeyVerdict {
  kAccepted,
  kMissing,  // no key on the request
  kUnknown,  // no such key (or malformed)
  kExpired,
  kRevoked,
  kProviderDenied,  // the key may not use this provider
  kModelDenied,     // the key may not use this model
};
std::string_view to_string(KeyVerdict v);

// An immutable set of keys, looked up by the SHA-256 of the presented key.
class KeySet {
 public:
  KeySet() = default;
  explicit KeySet(std::vector<GatewayKey> keys);

  // The key `presented` is, if any (compared in constant time).
  [[nodiscard]] const GatewayKey* find(std::string_view presented) const;
  // Whether `presented` may call `model` of `provider` at `now`; `key` is set to the key found.
  [[nodiscard]] KeyVerdict check(std::string_view presented, std::string_view provider,
                                 std::string_view model, TimePoint now,
                                 const GatewayKey** key = nullptr) const;
  [[nodiscard]] const std::vector<GatewayKey>& keys() const { return keys_; }

 private:
  std::vector<GatewayKey> keys_;
  std::unordered_map<std::string, std::size_t> by_hash_;  // raw 32-byte hash → index
};

// A new random key ("llmauth-gk-…").
Secret generate_key();
// SHA-256 of a key.
std::array<std::uint8_t, 32> hash_key(std::string_view key);

// The keys file. Every change reads the file, applies the change and replaces the file
// atomically (mode 0600), so concurrent `llmauth keys` runs and a running gateway never see a
// half-written file. Errors name the file (and the JSON path of a malformed entry).
class KeysFile {
 public:
  KeysFile(Ambient ambient, std::filesystem::path path);

  // The keys in the file; an absent file has none. Throws Error(kInvalidInput) for a malformed
  // file, naming where.
  [[nodiscard]] std::vector<GatewayKey> load() const;

  struct NewKey {
    GatewayKey entry;
    Secret key;  // shown once
  };
  // Adds a key (creating the file, 0600, when absent). `name` is 1–64 printable characters.
  NewKey create(const std::string& name, std::vector<std::string> providers,
                std::vector<std::string> models, std::optional<TimePoint> expires_at);
  // Marks a key revoked (by id or name); false when there is no such key.
  bool revoke(const std::string& id_or_name);

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  void save(const std::vector<GatewayKey>& keys) const;
  Ambient ambient_;
  std::filesystem::path path_;
};

// "90d", "12h", "30m", "3600s" or a bare number of days → a duration. nullopt for anything else.
std::optional<std::chrono::seconds> parse_lifetime(std::string_view text);

}  // namespace llmauth::gateway
