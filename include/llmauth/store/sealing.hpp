// Sealing: secrets at rest, AES-256-GCM with envelope encryption (the provider store, issue #11).
//
// Every value gets its own random 256-bit data key and 96-bit nonce; the data key is itself
// sealed (AES-256-GCM, its own nonce) by a master key named by a key id. The sealed text says
// everything needed to open it except the master key:
//
//   v1.<kid>.<base64 wrapped data key: nonce|ciphertext|tag>.<base64 nonce>.<base64 ciphertext|tag>
//
// Both layers authenticate additional data: the data key is bound to the format version and the
// key id, the value to the format version, the key id and where it lives (table, row id, field
// path), so a sealed value copied to another row or field, or relabelled with another key id,
// does not open. A master key that is not configured, a wrong one, or any change to the text is
// an error that names the key id and the place — never garbage, never the value.
//
// Rotation: a Keyring holds one active master key (new values are sealed with it) and any
// number of decrypt-only ones; reseal() opens a value with whichever key sealed it and seals it
// afresh (new data key, new nonces) under the active one (what `llmauth store rekey` does to
// every row, in one transaction).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "llmauth/core/secret.hpp"

namespace llmauth::store {

// Where a sealed value lives: bound into its authentication tag.
struct SealedPlace {
  std::string table;   // "providers"
  std::string row_id;  // the row's stable id (not its display name, which may be renamed)
  std::string field;   // the JSON path of the secret in the row ("/auth/client_secret")
};

class Keyring {
 public:
  // `key` must be exactly 32 bytes; `id` 1..64 characters of [A-Za-z0-9_-]. The first key added
  // with active=true (or the only key) seals; every key opens.
  void add(const std::string& id, Secret key, bool active);
  // LLMAUTH_MASTER_KEY's form: the key in standard base64 (32 bytes once decoded).
  void add_base64(const std::string& id, std::string_view base64_key, bool active);

  [[nodiscard]] const std::string& active_id() const;  // throws when there is no key
  [[nodiscard]] bool has(const std::string& id) const { return keys_.count(id) != 0; }
  [[nodiscard]] bool empty() const { return keys_.empty(); }

  // A fresh random master key in standard base64 (`llmauth store new-master-key`).
  static Secret generate_base64();

 private:
  friend class Sealer;
  const Secret& key(const std::string& id) const;
  std::map<std::string, Secret> keys_;
  std::string active_;
};

class Sealer {
 public:
  explicit Sealer(const Keyring& keys) : keys_(keys) {}

  // Seals `value` under the active master key for `place`.
  [[nodiscard]] std::string seal(const Secret& value, const SealedPlace& place) const;
  // Opens a sealed value of `place`. Throws Error (kInvalidInput) naming the key id and the place
  // when the text is malformed, the key is not configured, or authentication fails.
  [[nodiscard]] Secret open(std::string_view sealed, const SealedPlace& place) const;
  // The same value sealed afresh under the active master key.
  [[nodiscard]] std::string reseal(std::string_view sealed, const SealedPlace& place) const;
  // The key id a sealed text names (empty when it is not a sealed text).
  [[nodiscard]] static std::string key_id_of(std::string_view sealed);

 private:
  const Keyring& keys_;
};

}  // namespace llmauth::store
