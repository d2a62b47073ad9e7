// A home directory, config file, fake clock and scripted SSO endpoints for the SSO unit tests
// (token cache, SsoProvider, the profile provider's precedence). Nothing leaves the process: the
// fake transport answers the portal, the OIDC token endpoint and STS.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "llmauth/core/clock.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"
#include "support/test_support.hpp"
#include "unit/aws/credentials/fake_metadata_transport.hpp"

namespace llmauth::testing {

// Values that must never reach a message.
inline constexpr const char* kSsoAccessToken = "sso-access-token-must-stay-hidden-0123456789";
inline constexpr const char* kSsoRefreshToken = "sso-refresh-token-must-stay-hidden-0123456789";
inline constexpr const char* kSsoClientSecret = "sso-client-secret-must-stay-hidden-0123456789";
inline constexpr const char* kSsoNewAccessToken = "sso-new-access-token-hidden-9876543210abcdef";
inline constexpr const char* kSsoNewRefreshToken = "sso-new-refresh-token-hidden-9876543210abcd";
inline constexpr const char* kPortalSecretKey = "portal-secret-access-key-0123456789abcdefgh";
inline constexpr const char* kPortalSessionToken = "portal-session-token-0123456789ABCDEFGHIJKL";
inline constexpr const char* kPortalAccessKey = "ASIAPORTALEXAMPLE123";

inline constexpr const char* kAccount = "111122223333";
inline constexpr const char* kStartUrl = "https://d-1234567890.awsapps.com/start";
// Computed outside llmauth: `printf %s corp | sha1sum`, `printf %s <kStartUrl> | sha1sum`.
inline constexpr const char* kCorpCacheKey = "ee0bfd2552fbd840c02cc48b6e823320543c450f";
inline constexpr const char* kStartUrlCacheKey = "7487b5b67d5fa1132cf33fa93ae51ef38cc37752";

inline TimePoint sso_now() { return *timefmt::parse_iso8601("2026-03-01T12:00:00Z"); }
// Role credentials expire at 2026-03-01T13:00:00Z: 1772370000000 ms since the epoch.
inline constexpr long long kPortalExpirationMillis = 1772370000000LL;

// `[profile dev]` with an sso-session `corp`, and the legacy `[profile legacy]`.
inline const std::string kSsoConfig =
    "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"
    "region = us-west-2\n"
    "[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\n"
    "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    "[profile legacy]\nsso_start_url = https://d-1234567890.awsapps.com/start\n"
    "sso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n";

inline http::Response portal_ok(const http::Request&) {
  const json::Json body = {{"roleCredentials",
                            {{"accessKeyId", kPortalAccessKey},
                             {"secretAccessKey", kPortalSecretKey},
                             {"sessionToken", kPortalSessionToken},
                             {"expiration", kPortalExpirationMillis}}}};
  return reply(200, body.dump());
}

inline http::Response oidc_ok(const http::Request&) {
  const json::Json body = {{"accessToken", kSsoNewAccessToken},
                           {"tokenType", "Bearer"},
                           {"expiresIn", 3600},
                           {"refreshToken", kSsoNewRefreshToken}};
  return reply(200, body.dump());
}

class SsoWorld {
 public:
  using Handler = std::function<http::Response(const http::Request&)>;

  explicit SsoWorld(const std::string& config = kSsoConfig, const std::string& credentials = "")
      : clock_(std::make_shared<FakeClock>(sso_now())) {
    env_["HOME"] = home_.path().string();
    env_["AWS_CONFIG_FILE"] = home_.write("config", config).string();
    env_["AWS_SHARED_CREDENTIALS_FILE"] = home_.write("credentials", credentials).string();
    transport_ = std::make_shared<FakeMetadataTransport>([this](const http::Request& r) {
      if (r.url.find("/federation/credentials") != std::string::npos) return portal(r);
      if (r.url.size() >= 6 && r.url.compare(r.url.size() - 6, 6, "/token") == 0) return oidc(r);
      if (r.url.find("sts.") != std::string::npos || r.url.find("/sts") != std::string::npos) {
        return sts(r);
      }
      ADD_FAILURE() << "unexpected request to " << r.url;
      return reply(599);
    });
  }

  Handler portal = portal_ok;
  Handler oidc = oidc_ok;
  Handler sts = [](const http::Request& r) {
    ADD_FAILURE() << "unexpected STS request to " << r.url;
    return reply(599);
  };

  [[nodiscard]] Ambient ambient(std::map<std::string, std::string> extra = {}) const {
    auto env = env_;
    for (auto& [k, v] : extra) env[k] = v;
    return fake_ambient(transport_, env, clock_);
  }
  [[nodiscard]] const TempDir& home() const { return home_; }
  [[nodiscard]] FakeClock& clock() const { return *clock_; }
  [[nodiscard]] FakeMetadataTransport& transport() const { return *transport_; }
  [[nodiscard]] std::size_t portal_calls() const { return count("/federation/credentials"); }
  [[nodiscard]] std::size_t oidc_calls() const { return count("/token"); }
  [[nodiscard]] std::size_t sts_calls() const {
    std::size_t n = 0;
    for (const auto& r : transport_->requests()) n += r.url.find("sts") != std::string::npos;
    return n;
  }

  [[nodiscard]] std::filesystem::path cache_file(const std::string& key) const {
    return home_.path() / ".aws" / "sso" / "cache" / (key + ".json");
  }
  // The cache of the sso-session `corp`: a token valid for `valid_for` from sso_now().
  json::Json session_token(std::chrono::seconds valid_for) const {
    return {{"startUrl", kStartUrl},
            {"region", "us-east-1"},
            {"accessToken", kSsoAccessToken},
            {"expiresAt", timefmt::format_iso8601(sso_now() + valid_for)},
            {"clientId", "emulated-client-id"},
            {"clientSecret", kSsoClientSecret},
            {"registrationExpiresAt", "2026-05-30T00:00:00Z"},
            {"refreshToken", kSsoRefreshToken}};
  }
  json::Json legacy_token(std::chrono::seconds valid_for) const {
    return {{"startUrl", kStartUrl},
            {"region", "us-east-1"},
            {"accessToken", kSsoAccessToken},
            {"expiresAt", timefmt::format_iso8601(sso_now() + valid_for)}};
  }
  std::filesystem::path write_cache(const std::string& key, const std::string& text) const {
    return home_.write(".aws/sso/cache/" + key + ".json", text);
  }

 private:
  [[nodiscard]] std::size_t count(const std::string& needle) const {
    std::size_t n = 0;
    for (const auto& r : transport_->requests()) n += r.url.find(needle) != std::string::npos;
    return n;
  }

  TempDir home_;
  std::shared_ptr<FakeClock> clock_;
  std::map<std::string, std::string> env_;
  std::shared_ptr<FakeMetadataTransport> transport_;
};

}  // namespace llmauth::testing
