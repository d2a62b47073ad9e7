#include "llmauth/aws/credentials/sso_token.hpp"

#include <mutex>

#include "llmauth/aws/endpoints.hpp"
#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/excerpt.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::aws {
namespace {

// One refresh at a time in this process: two profiles that share an sso-session must not both
// spend the same refresh token (the service rotates it).
std::mutex& refresh_mutex() {
  static std::mutex m;
  return m;
}

std::string login_hint(const std::string& profile) {
  return "run `aws sso login --profile " + profile + "`";
}

struct CachedToken {
  json::Json document;
  SsoToken token;
};

// A string field for the refresh: present (nullopt when absent or empty), or a malformed file.
std::optional<std::string> cache_field(const json::Json& doc, std::string_view key,
                                       const std::string& what) {
  auto v = json::optional_string(doc, key, what);
  if (v && v->empty()) return std::nullopt;
  return v;
}

CachedToken read_cache(const Ambient& ambient, const std::filesystem::path& path,
                       const SsoSession& session, const std::string& profile) {
  const std::string what = "SSO token cache " + path.string();
  auto text = ambient.read_file(path, 1u << 20);
  if (!text) {
    const std::string of =
        session.name ? "sso-session '" + *session.name + "'" : "start URL " + session.start_url;
    throw Error("profile '" + profile +
                "' uses IAM Identity Center (SSO) but there is no token for " + of + ": " +
                path.string() + " does not exist; " + login_hint(profile));
  }
  const Secret raw(std::move(*text));  // wiped when done: it holds the tokens
  CachedToken out;
  out.document = json::parse(raw.reveal(), what);
  if (!out.document.is_object()) {
    throw Error(what + ": the document must be a JSON object; " + login_hint(profile),
                ErrorCode::kInvalidInput);
  }
  std::string access = json::require_string(out.document, "accessToken", what);
  if (access.empty()) throw Error(what + ": /accessToken is empty", ErrorCode::kInvalidInput);
  const std::string expires = json::require_string(out.document, "expiresAt", what);
  const auto expires_at = timefmt::parse_iso8601(expires);
  if (!expires_at) {
    throw Error(what + ": /expiresAt is not an ISO 8601 time (like 2026-01-02T03:04:05Z)",
                ErrorCode::kInvalidInput);
  }
  out.token = SsoToken{Secret(std::move(access)), *expires_at};
  return out;
}

// POSTs the refresh grant; returns the cache document to write back. Throws Error.
json::Json refresh(const Ambient& ambient, const std::string& token_url, const SsoSession& session,
                   const MetadataPolicy& retry, const json::Json& cache,
                   const std::string& client_id, const Secret& client_secret,
                   const Secret& refresh_token, TimePoint now) {
  const json::Json body = {{"grantType", "refresh_token"},
                           {"clientId", client_id},
                           {"clientSecret", client_secret.reveal()},
                           {"refreshToken", refresh_token.reveal()}};
  http::Request request;
  request.method = "POST";
  request.url = token_url;
  request.headers.push_back({"Content-Type", "application/json"});
  request.headers.push_back({"Accept", "application/json"});
  request.body = body.dump();
  request.sensitive.add(client_secret);
  request.sensitive.add(refresh_token);
  const MetadataClient client(ambient.http(), retry);
  const MetadataReply reply = client.send(std::move(request));
  const std::string where = "SSO OIDC CreateToken at " + token_url;
  if (!reply.answered()) {
    throw Error(where + ": " + reply.failure->what(), reply.failure->code());
  }
  if (!reply.ok()) {
    std::string message = where + " answered HTTP " + std::to_string(reply.status);
    const std::string detail = error_excerpt(reply);
    if (!detail.empty()) message += ": " + detail;
    throw Error(message, ErrorCode::kHttpStatus);
  }
  const std::string what = where + " answer";
  const Secret raw(reply.body);
  const json::Json answer = json::parse(raw.reveal(), what);
  std::string access = json::require_string(answer, "accessToken", what);
  if (access.empty()) throw Error(what + ": /accessToken is empty", ErrorCode::kInvalidInput);
  const auto expires_in = json::optional_integer(answer, "expiresIn", what);
  if (!expires_in) throw Error(what + ": /expiresIn is missing", ErrorCode::kInvalidInput);
  if (*expires_in <= 0 || *expires_in > 366LL * 24 * 3600) {
    throw Error(what + ": /expiresIn " + std::to_string(*expires_in) +
                    " is not a number of seconds a token can live",
                ErrorCode::kInvalidInput);
  }
  const auto next_refresh = json::optional_string(answer, "refreshToken", what);

  // botocore's new token: start URL and region of the session, the new access token and
  // expiry, the registration kept, the refresh token only when the answer has one (a used one
  // is spent). Other fields of the file stay as they were (the JS SDK keeps them all).
  json::Json out = cache;
  out["startUrl"] = session.start_url;
  out["region"] = session.region;
  out["accessToken"] = std::move(access);
  out["expiresAt"] = timefmt::format_iso8601(now + std::chrono::seconds(*expires_in));
  if (next_refresh && !next_refresh->empty()) {
    out["refreshToken"] = *next_refresh;
  } else {
    out.erase("refreshToken");
  }
  return out;
}

}  // namespace

std::string sso_token_cache_key(const SsoSession& session) {
  return crypto::hex(crypto::sha1(session.name ? *session.name : session.start_url));
}

std::filesystem::path sso_token_cache_path(const Ambient& ambient, const SsoSession& session) {
  return ambient.home() / ".aws" / "sso" / "cache" / (sso_token_cache_key(session) + ".json");
}

SsoTokenProvider::SsoTokenProvider(Ambient ambient, SsoSession session, std::string profile,
                                   SsoTokenOptions options)
    : ambient_(std::move(ambient)),
      session_(std::move(session)),
      profile_(std::move(profile)),
      options_(std::move(options)) {
  validate_region(session_.region, "sso_region of profile '" + profile_ + "'");
  cache_path_ = sso_token_cache_path(ambient_, session_);
  token_url_ =
      options_.oidc_endpoint
          ? endpoint_base_url(*options_.oidc_endpoint, "SSO OIDC endpoint override") + "/token"
          : "https://oidc." + session_.region + "." + dns_suffix(session_.region) + "/token";
}

SsoToken SsoTokenProvider::token() const {
  CachedToken cached = read_cache(ambient_, cache_path_, session_, profile_);
  TimePoint now = ambient_.now();
  auto due = [&](const SsoToken& t) { return t.expires_at - now < options_.refresh_window; };
  auto expired = [&](const SsoToken& t, const std::string& why_not) {
    return Error("the IAM Identity Center (SSO) token of profile '" + profile_ + "' (" +
                 cache_path_.string() + ") expired at " + timefmt::format_iso8601(t.expires_at) +
                 (why_not.empty() ? "" : " and " + why_not) + "; " + login_hint(profile_));
  };
  // The legacy form (sso_start_url in the profile) has no refresh token: botocore never
  // refreshes it.
  if (!session_.name || !due(cached.token)) {
    if (cached.token.expires_at <= now) throw expired(cached.token, "");
    return std::move(cached.token);
  }

  std::lock_guard lock(refresh_mutex());
  // Other processes (another llmauth, a second `aws resolve`) share the cache and its one-use
  // refresh token: lock the cache folder (the file itself is replaced by a rename, so its lock
  // would not outlive a refresh) so that only one of them spends it. A process that waited
  // finds the refreshed token when it reads the cache again.
  const FileLock folder_lock = ambient_.lock_file(
      cache_path_.parent_path(),
      options_.retry.timeout * options_.retry.attempts + std::chrono::seconds(5));
  // Another thread or process may have refreshed it while this one waited.
  cached = read_cache(ambient_, cache_path_, session_, profile_);
  now = ambient_.now();
  if (!due(cached.token)) return std::move(cached.token);

  const std::string what = "SSO token cache " + cache_path_.string();
  const json::Json& doc = cached.document;
  std::string why_not;
  const auto client_id = cache_field(doc, "clientId", what);
  std::optional<Secret> refresh_token, client_secret;
  if (auto v = cache_field(doc, "refreshToken", what)) refresh_token.emplace(std::move(*v));
  if (auto v = cache_field(doc, "clientSecret", what)) client_secret.emplace(std::move(*v));
  const auto registration = cache_field(doc, "registrationExpiresAt", what);
  std::optional<TimePoint> registration_expires;
  if (registration) {
    registration_expires = timefmt::parse_iso8601(*registration);
    if (!registration_expires) {
      throw Error(what + ": /registrationExpiresAt is not an ISO 8601 time",
                  ErrorCode::kInvalidInput);
    }
  }
  if (!refresh_token || !client_id || !client_secret || !registration_expires) {
    why_not =
        "cannot be refreshed (the cache has no refresh token, client id, client secret or "
        "registration expiry)";
  } else if (*registration_expires <= now) {
    why_not = "cannot be refreshed (the client registration expired at " +
              timefmt::format_iso8601(*registration_expires) + ")";
  } else {
    std::optional<json::Json> fresh;
    try {
      fresh = refresh(ambient_, token_url_, session_, options_.retry, doc, *client_id,
                      *client_secret, *refresh_token, now);
    } catch (const Error& e) {
      why_not = std::string("could not be refreshed (") + e.what() + ")";
      // A tool that does not take our lock (the aws CLI) may have spent the refresh token
      // meanwhile (invalid_grant): its new token is in the cache now.
      CachedToken again = read_cache(ambient_, cache_path_, session_, profile_);
      if (!(again.token.access_token == cached.token.access_token) &&
          again.token.expires_at > ambient_.now()) {
        return std::move(again.token);
      }
    }
    if (fresh) {
      ambient_.replace_file(cache_path_, fresh->dump());
      SsoToken out{Secret(fresh->at("accessToken").get<std::string>()),
                   *timefmt::parse_iso8601(fresh->at("expiresAt").get<std::string>())};
      return out;
    }
  }
  // Not refreshed: the cached token serves while it is valid (botocore, and the JS SDK).
  if (cached.token.expires_at > now) return std::move(cached.token);
  throw expired(cached.token, why_not);
}

}  // namespace llmauth::aws
