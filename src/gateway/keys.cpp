#include "llmauth/gateway/keys.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::gateway {
namespace {

constexpr std::size_t kMaxFileBytes = 4u << 20;
constexpr std::string_view kHashPrefix = "sha256:";

std::string hash_hex(const std::array<std::uint8_t, 32>& h) { return crypto::hex(h); }

std::optional<std::array<std::uint8_t, 32>> parse_hash(std::string_view text) {
  if (text.substr(0, kHashPrefix.size()) != kHashPrefix) return std::nullopt;
  text.remove_prefix(kHashPrefix.size());
  if (text.size() != 64) return std::nullopt;
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, v, 16);
    if (ec != std::errc() || p != text.data() + 2 * i + 2) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(v);
  }
  return out;
}

std::vector<std::string> string_list(const json::Json& j, const std::string& what,
                                     const std::string& path) {
  std::vector<std::string> out;
  if (j.is_null()) return out;
  if (!j.is_array())
    throw Error(what + ": " + path + " must be an array of strings", ErrorCode::kInvalidInput);
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string() || j[i].get_ref<const std::string&>().empty()) {
      throw Error(what + ": " + path + "[" + std::to_string(i) + "] must be a non-empty string",
                  ErrorCode::kInvalidInput);
    }
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

std::optional<TimePoint> optional_time(const json::Json& entry, const char* key,
                                       const std::string& what, const std::string& path) {
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) return std::nullopt;
  const auto t = it->is_string() ? timefmt::parse_iso8601(it->get<std::string>()) : std::nullopt;
  if (!t) {
    throw Error(what + ": " + path + "/" + key + " must be an ISO 8601 time or null",
                ErrorCode::kInvalidInput);
  }
  return t;
}

json::Json to_json(const GatewayKey& k) {
  auto time_or_null = [](const std::optional<TimePoint>& t) {
    return t ? json::Json(timefmt::format_iso8601(*t)) : json::Json(nullptr);
  };
  return {{"id", k.id},
          {"name", k.name},
          {"hash", std::string(kHashPrefix) + hash_hex(k.hash)},
          {"hint", k.hint},
          {"providers", k.providers},
          {"models", k.models},
          {"created_at", timefmt::format_iso8601(k.created_at)},
          {"expires_at", time_or_null(k.expires_at)},
          {"revoked_at", time_or_null(k.revoked_at)}};
}

// The folder of the keys file: its lock (the file itself is replaced by a rename).
std::filesystem::path folder(const std::filesystem::path& file) {
  return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

bool allowed(const std::vector<std::string>& list, std::string_view value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string_view to_string(KeyVerdict v) {
  switch (v) {
    case KeyVerdict::kAccepted:
      return "accepted";
    case KeyVerdict::kMissing:
      return "missing";
    case KeyVerdict::kUnknown:
      return "unknown";
    case KeyVerdict::kExpired:
      return "expired";
    case KeyVerdict::kRevoked:
      return "revoked";
    case KeyVerdict::kProviderDenied:
      return "provider not allowed";
    case KeyVerdict::kModelDenied:
      return "model not allowed";
  }
  return "?";
}

std::array<std::uint8_t, 32> hash_key(std::string_view key) { return crypto::sha256(key); }

Secret generate_key() {
  const Secret random(crypto::random_bytes(32));
  return Secret(std::string(kGatewayKeyPrefix) + crypto::base64url(random.reveal()));
}

KeySet::KeySet(std::vector<GatewayKey> keys) : keys_(std::move(keys)) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    by_hash_.emplace(std::string(reinterpret_cast<const char*>(keys_[i].hash.data()), 32), i);
  }
}

const GatewayKey* KeySet::find(std::string_view presented) const {
  if (presented.empty() || presented.size() > 512) return nullptr;
  const auto h = hash_key(presented);
  const auto it = by_hash_.find(std::string(reinterpret_cast<const char*>(h.data()), h.size()));
  if (it == by_hash_.end()) return nullptr;
  const GatewayKey& k = keys_[it->second];
  // The lookup already matched; compare again in constant time so that no path depends on how
  // much of the hash matched.
  return CRYPTO_memcmp(k.hash.data(), h.data(), h.size()) == 0 ? &k : nullptr;
}

KeyVerdict KeySet::check(std::string_view presented, std::string_view provider,
                         std::string_view model, TimePoint now, const GatewayKey** key) const {
  if (presented.empty()) return KeyVerdict::kMissing;
  const GatewayKey* k = find(presented);
  if (key != nullptr) *key = k;
  if (k == nullptr) return KeyVerdict::kUnknown;
  if (k->revoked_at && *k->revoked_at <= now) return KeyVerdict::kRevoked;
  if (k->expires_at && *k->expires_at <= now) return KeyVerdict::kExpired;
  if (!allowed(k->providers, provider)) return KeyVerdict::kProviderDenied;
  if (!allowed(k->models, model)) return KeyVerdict::kModelDenied;
  return KeyVerdict::kAccepted;
}

KeysFile::KeysFile(Ambient ambient, std::filesystem::path path)
    : ambient_(std::move(ambient)), path_(std::move(path)) {}

std::vector<GatewayKey> KeysFile::load() const {
  const std::string what = "keys file " + path_.string();
  std::optional<std::string> text;
  try {
    text = ambient_.read_file(path_, kMaxFileBytes);
  } catch (const Error& e) {
    throw Error(what + ": " + e.what(), ErrorCode::kInvalidInput);
  }
  if (!text) return {};
  const json::Json doc = json::parse(*text, what);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    throw Error(what + ": expected {\"version\": 1, \"keys\": [...]}", ErrorCode::kInvalidInput);
  }
  if (doc.value("version", 0) != 1) {
    throw Error(what + ": /version must be 1 (written by a newer llmauth?)",
                ErrorCode::kInvalidInput);
  }
  std::vector<GatewayKey> out;
  const auto& keys = doc["keys"];
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string path = "/keys/" + std::to_string(i);
    const auto& e = keys[i];
    if (!e.is_object())
      throw Error(what + ": " + path + " must be an object", ErrorCode::kInvalidInput);
    GatewayKey k;
    k.id = json::require_string(e, "id", what, path);
    k.name = json::require_string(e, "name", what, path);
    const auto hash = parse_hash(json::require_string(e, "hash", what, path));
    if (!hash) {
      throw Error(what + ": " + path + "/hash must be \"sha256:\" and 64 hex digits",
                  ErrorCode::kInvalidInput);
    }
    k.hash = *hash;
    k.hint = json::optional_string(e, "hint", what, path).value_or("");
    k.providers = string_list(e.value("providers", json::Json()), what, path + "/providers");
    k.models = string_list(e.value("models", json::Json()), what, path + "/models");
    k.created_at = optional_time(e, "created_at", what, path).value_or(TimePoint{});
    k.expires_at = optional_time(e, "expires_at", what, path);
    k.revoked_at = optional_time(e, "revoked_at", what, path);
    out.push_back(std::move(k));
  }
  return out;
}

void KeysFile::save(const std::vector<GatewayKey>& keys) const {
  json::Json list = json::Json::array();
  for (const auto& k : keys) list.push_back(to_json(k));
  ambient_.replace_file(path_, json::Json({{"version", 1}, {"keys", list}}).dump(2) + "\n");
}

KeysFile::NewKey KeysFile::create(const std::string& name, std::vector<std::string> providers,
                                  std::vector<std::string> models,
                                  std::optional<TimePoint> expires_at) {
  if (name.empty() || name.size() > 64 || std::any_of(name.begin(), name.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      })) {
    throw Error("a key name is 1 to 64 printable characters", ErrorCode::kInvalidInput);
  }
  // One writer at a time: two `llmauth keys create` must not drop each other's key.
  const FileLock lock = ambient_.lock_file(folder(path_), std::chrono::seconds(10));
  auto keys = load();
  if (std::any_of(keys.begin(), keys.end(), [&](const GatewayKey& k) { return k.name == name; })) {
    throw Error("a key named '" + sanitize_untrusted(name, 64) + "' already exists in " +
                    path_.string() + " (revoke it, or choose another name)",
                ErrorCode::kInvalidInput);
  }
  NewKey out{GatewayKey{}, generate_key()};
  GatewayKey& k = out.entry;
  const std::string id_bytes = crypto::random_bytes(4);
  k.id = "gk_" + crypto::hex(reinterpret_cast<const std::uint8_t*>(id_bytes.data()), 4);
  k.name = name;
  k.hash = hash_key(out.key.reveal());
  k.hint = std::string(out.key.reveal().substr(0, kGatewayKeyPrefix.size() + 4));
  k.providers = std::move(providers);
  k.models = std::move(models);
  k.created_at = ambient_.now();
  k.expires_at = expires_at;
  keys.push_back(k);
  save(keys);
  return out;
}

bool KeysFile::revoke(const std::string& id_or_name) {
  const FileLock lock = ambient_.lock_file(folder(path_), std::chrono::seconds(10));
  auto keys = load();
  bool found = false;
  for (auto& k : keys) {
    if ((k.id == id_or_name || k.name == id_or_name) && !k.revoked_at) {
      k.revoked_at = ambient_.now();
      found = true;
    }
  }
  if (found) save(keys);
  return found;
}

std::optional<std::chrono::seconds> parse_lifetime(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long unit = 86400;
  const char last = text.back();
  if (last == 'd' || last == 'h' || last == 'm' || last == 's') {
    unit = last == 'd' ? 86400 : last == 'h' ? 3600 : last == 'm' ? 60 : 1;
    text.remove_suffix(1);
  }
  long long n = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n <= 0 || n > 36500LL * 86400 / unit) {
    return std::nullopt;
  }
  return std::chrono::seconds(n * unit);
}

}  // namespace llmauth::gateway
