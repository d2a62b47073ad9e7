// SsoTokenProvider: the IAM Identity Center (SSO) access token that `aws sso login` left in the
// token cache, refreshed the way botocore's SSOTokenProvider refreshes it. llmauth never runs the
// interactive device flow: logging in is `aws sso login`.
//
// Cache file: ~/.aws/sso/cache/<key>.json (home from HOME), where <key> is the SHA-1 (hex) of the
// sso-session name, or of the start URL for the legacy form (no sso-session). It is read again on
// every token() call, so a login in another terminal is picked up. Fields: "accessToken",
// "expiresAt" (ISO 8601); the sso-session form also has "refreshToken", "clientId",
// "clientSecret", "registrationExpiresAt", "region", "startUrl".
//
// Refresh (sso-session form only): when the token expires in less than 15 minutes (botocore's
// _REFRESH_WINDOW) and the cache holds a refresh token, a client id and secret and an unexpired
// registration: POST {"grantType":"refresh_token","clientId","clientSecret","refreshToken"} to
// https://oidc.{region}.amazonaws.com/token (or the SSO OIDC endpoint override). The answer's
// accessToken, expiresAt (now + expiresIn) and refreshToken (left out when the answer has none,
// as botocore does) are written back to the cache file atomically (a temporary file, mode 0600,
// renamed over it); the other fields are kept. A failed refresh keeps the cached token while it
// is still valid.
//
// Errors are Error, never UnavailableError (the profile is configured for SSO; the chain must
// stop): no cache file or an expired token ("run `aws sso login --profile P`"), a malformed file
// (its path and the JSON path, kInvalidInput), a cache file that cannot be written. No message
// ever contains the access token, the refresh token or the client secret.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "llmauth/aws/credentials/metadata_client.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::aws {

// Where an SSO token comes from: an `[sso-session NAME]` section, or (legacy) the profile's own
// sso_start_url / sso_region.
struct SsoSession {
  std::string start_url;
  std::string region;
  std::optional<std::string> name;  // the sso-session name; nullopt for the legacy form
};

struct SsoToken {
  Secret access_token;
  TimePoint expires_at;
};

struct SsoTokenOptions {
  // The SSO OIDC endpoint (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, the profile's services
  // section); nullopt: https://oidc.{region}.amazonaws.com.
  std::optional<std::string> oidc_endpoint;
  MetadataPolicy retry{.attempts = 3,
                       .timeout = std::chrono::seconds(10),
                       .retry_delay = std::chrono::milliseconds(200)};
  std::chrono::seconds refresh_window{15 * 60};  // botocore's SSOTokenProvider._REFRESH_WINDOW
};

// The file name's stem: SHA-1 hex of the session name, else of the start URL (botocore's
// SSOTokenLoader._generate_cache_key).
std::string sso_token_cache_key(const SsoSession& session);
// ~/.aws/sso/cache/<key>.json
std::filesystem::path sso_token_cache_path(const Ambient& ambient, const SsoSession& session);

class SsoTokenProvider {
 public:
  // `profile` is the profile that holds the SSO settings; messages tell the user to run
  // `aws sso login --profile <profile>`.
  SsoTokenProvider(Ambient ambient, SsoSession session, std::string profile,
                   SsoTokenOptions options = {});

  // The cached token, refreshed first when it is due (see above). Throws Error.
  [[nodiscard]] SsoToken token() const;

  [[nodiscard]] const std::filesystem::path& cache_path() const { return cache_path_; }
  // "https://oidc.us-east-1.amazonaws.com/token" or the override's.
  [[nodiscard]] const std::string& token_url() const { return token_url_; }

 private:
  Ambient ambient_;
  SsoSession session_;
  std::string profile_;
  SsoTokenOptions options_;
  std::filesystem::path cache_path_;
  std::string token_url_;
};

}  // namespace llmauth::aws
