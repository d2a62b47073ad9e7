// The SSO token cache as botocore reads and refreshes it: the file name, the fields, the
// refresh window, what is written back, and what happens when refreshing is impossible or fails.
#include "llmauth/aws/credentials/sso_token.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llmauth/core/error.hpp"
#include "unit/aws/credentials/sso_test_world.hpp"

namespace llmauth::aws {
namespace {

using namespace std::chrono_literals;
using testing::kCorpCacheKey;
using testing::kSsoAccessToken;
using testing::kSsoClientSecret;
using testing::kSsoNewAccessToken;
using testing::kSsoNewRefreshToken;
using testing::kSsoRefreshToken;
using testing::kStartUrl;
using testing::kStartUrlCacheKey;
using testing::reply;
using testing::SsoWorld;

const SsoSession kCorp{kStartUrl, "us-east-1", "corp"};
const SsoSession kLegacy{kStartUrl, "us-east-1", std::nullopt};
const SsoTokenOptions kFast{.retry = {.attempts = 1, .timeout = 500ms, .retry_delay = 0ms}};

SsoTokenProvider provider(const SsoWorld& w, const SsoSession& s = kCorp,
                          SsoTokenOptions o = kFast) {
  return SsoTokenProvider(w.ambient(), s, "dev", std::move(o));
}

// The message of what token() threw, checked for every secret of the world.
std::string token_error(const SsoTokenProvider& p, bool* unavailable = nullptr) {
  try {
    (void)p.token();
  } catch (const UnavailableError& e) {
    if (unavailable != nullptr) *unavailable = true;
    return e.what();
  } catch (const Error& e) {
    const std::string m = e.what();
    for (const char* s : {kSsoAccessToken, kSsoRefreshToken, kSsoClientSecret, kSsoNewAccessToken,
                          kSsoNewRefreshToken}) {
      testing::expect_no_secret(m, s);
    }
    return m;
  }
  ADD_FAILURE() << "token() did not throw";
  return {};
}

json::Json read_json(const std::filesystem::path& p) {
  const auto text = testing::test_ambient().read_file(p);
  if (!text) {
    ADD_FAILURE() << p << " is missing";
    return nullptr;
  }
  return json::parse(*text, p.string());
}

// ---- the cache file ---------------------------------------------------------------------------

TEST(SsoTokenCache, KeyIsSha1OfTheSessionNameOrLegacyStartUrl) {
  EXPECT_EQ(sso_token_cache_key(kCorp), kCorpCacheKey);
  EXPECT_EQ(sso_token_cache_key(kLegacy), kStartUrlCacheKey);
  SsoWorld w;
  EXPECT_EQ(sso_token_cache_path(w.ambient(), kCorp),
            w.home().path() / ".aws" / "sso" / "cache" / (std::string(kCorpCacheKey) + ".json"));
  EXPECT_EQ(provider(w).cache_path(), w.cache_file(kCorpCacheKey));
}

TEST(SsoTokenCache, TokenUrlIsRegionalOrTheOverride) {
  SsoWorld w;
  EXPECT_EQ(provider(w, {kStartUrl, "eu-west-1", "corp"}).token_url(),
            "https://oidc.eu-west-1.amazonaws.com/token");
  EXPECT_EQ(provider(w, {kStartUrl, "cn-north-1", "corp"}).token_url(),
            "https://oidc.cn-north-1.amazonaws.com.cn/token");
  SsoTokenOptions o = kFast;
  o.oidc_endpoint = "http://127.0.0.1:4566/";
  EXPECT_EQ(provider(w, kCorp, o).token_url(), "http://127.0.0.1:4566/token");
}

TEST(SsoTokenCache, InvalidRegionIsRefusedUpFront) {
  SsoWorld w;
  EXPECT_THROW(provider(w, {kStartUrl, "US East", "corp"}), Error);
}

TEST(SsoTokenCache, MissingFileTellsToRunSsoLogin) {
  SsoWorld w;
  bool unavailable = false;
  const auto m = token_error(provider(w), &unavailable);
  EXPECT_FALSE(unavailable) << "a configured SSO profile must stop the chain";
  EXPECT_NE(m.find("run `aws sso login --profile dev`"), std::string::npos) << m;
  EXPECT_NE(m.find(w.cache_file(kCorpCacheKey).string()), std::string::npos) << m;
  EXPECT_NE(m.find("sso-session 'corp'"), std::string::npos) << m;
  EXPECT_TRUE(w.transport().requests().empty());
}

TEST(SsoTokenCache, MalformedJsonNamesTheFile) {
  SsoWorld w;
  const auto file = w.write_cache(
      kCorpCacheKey, std::string("{\"accessToken\": \"") + kSsoAccessToken + "\", oops");
  const auto m = token_error(provider(w));
  EXPECT_NE(m.find("SSO token cache " + file.string()), std::string::npos) << m;
  EXPECT_NE(m.find("invalid JSON at byte"), std::string::npos) << m;
}

TEST(SsoTokenCache, MissingOrWrongFieldsNameTheJsonPath) {
  SsoWorld w;
  auto doc = w.session_token(1h);
  doc.erase("expiresAt");
  w.write_cache(kCorpCacheKey, doc.dump());
  EXPECT_NE(token_error(provider(w)).find(": /expiresAt is missing"), std::string::npos);

  doc = w.session_token(1h);
  doc["accessToken"] = 42;
  w.write_cache(kCorpCacheKey, doc.dump());
  EXPECT_NE(token_error(provider(w)).find(": /accessToken must be a string"), std::string::npos);

  doc = w.session_token(1h);
  doc["expiresAt"] = "next tuesday";
  w.write_cache(kCorpCacheKey, doc.dump());
  EXPECT_NE(token_error(provider(w)).find(": /expiresAt is not an ISO 8601 time"),
            std::string::npos);

  w.write_cache(kCorpCacheKey, "[1, 2]");
  EXPECT_NE(token_error(provider(w)).find("must be a JSON object"), std::string::npos);
}

TEST(SsoTokenCache, FreshTokenIsUsedWithoutAnyRequest) {
  SsoWorld w;
  w.write_cache(kCorpCacheKey, w.session_token(16min).dump());
  const auto t = provider(w).token();
  EXPECT_EQ(t.access_token.reveal(), kSsoAccessToken);
  EXPECT_EQ(t.expires_at, testing::sso_now() + 16min);
  EXPECT_TRUE(w.transport().requests().empty());
}

TEST(SsoTokenCache, FileIsReadAgainOnEveryCall) {
  SsoWorld w;
  w.write_cache(kCorpCacheKey, w.session_token(2h).dump());
  const auto p = provider(w);
  EXPECT_EQ(p.token().access_token.reveal(), kSsoAccessToken);
  auto doc = w.session_token(3h);
  doc["accessToken"] = "token-after-a-new-aws-sso-login";
  w.write_cache(kCorpCacheKey, doc.dump());
  EXPECT_EQ(p.token().access_token.reveal(), "token-after-a-new-aws-sso-login");
}

// ---- legacy form: never refreshed ------------------------------------------------------------

TEST(SsoTokenCache, LegacyTokenNearExpiryIsUsedAsIs) {
  SsoWorld w;
  w.write_cache(kStartUrlCacheKey, w.legacy_token(5min).dump());
  EXPECT_EQ(provider(w, kLegacy).token().access_token.reveal(), kSsoAccessToken);
  EXPECT_EQ(w.oidc_calls(), 0u);
}

TEST(SsoTokenCache, LegacyExpiredTokenIsAnErrorWithoutRefresh) {
  SsoWorld w;
  // Even with refresh fields present, the legacy form is not refreshed (botocore).
  auto doc = w.session_token(-1min);
  w.write_cache(kStartUrlCacheKey, doc.dump());
  bool unavailable = false;
  const auto m = token_error(provider(w, kLegacy), &unavailable);
  EXPECT_FALSE(unavailable);
  EXPECT_NE(m.find("expired at 2026-03-01T11:59:00Z"), std::string::npos) << m;
  EXPECT_NE(m.find("run `aws sso login --profile dev`"), std::string::npos) << m;
  EXPECT_EQ(w.oidc_calls(), 0u);
}

// ---- sso-session form: refresh ------------------------------------------------------------------

TEST(SsoTokenCache, RefreshInsideTheFifteenMinuteWindow) {
  SsoWorld w;
  auto doc = w.session_token(14min);
  doc["someFieldTheCliWrote"] = "kept";
  const auto file = w.write_cache(kCorpCacheKey, doc.dump());
  // Hard link to the old file: an in-place rewrite would change it too, a rename does not.
  const auto old_link = w.home().path() / "old-cache-link.json";
  ASSERT_EQ(::link(file.c_str(), old_link.c_str()), 0);

  const auto t = provider(w).token();
  EXPECT_EQ(t.access_token.reveal(), kSsoNewAccessToken);
  EXPECT_EQ(t.expires_at, testing::sso_now() + 3600s);

  ASSERT_EQ(w.oidc_calls(), 1u);
  const auto request = w.transport().requests().at(0);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://oidc.us-east-1.amazonaws.com/token");
  EXPECT_EQ(http::find_header(request.headers, "Content-Type"), "application/json");
  EXPECT_GT(request.timeout.count(), 0);
  const auto body = json::parse(request.body, "refresh request");
  EXPECT_EQ(body, json::Json({{"grantType", "refresh_token"},
                              {"clientId", "emulated-client-id"},
                              {"clientSecret", kSsoClientSecret},
                              {"refreshToken", kSsoRefreshToken}}));

  const auto saved = read_json(file);
  EXPECT_EQ(saved["accessToken"], kSsoNewAccessToken);
  EXPECT_EQ(saved["expiresAt"], "2026-03-01T13:00:00Z");
  EXPECT_EQ(saved["refreshToken"], kSsoNewRefreshToken);
  EXPECT_EQ(saved["clientId"], "emulated-client-id");
  EXPECT_EQ(saved["clientSecret"], kSsoClientSecret);
  EXPECT_EQ(saved["registrationExpiresAt"], "2026-05-30T00:00:00Z");
  EXPECT_EQ(saved["startUrl"], kStartUrl);
  EXPECT_EQ(saved["region"], "us-east-1");
  EXPECT_EQ(saved["someFieldTheCliWrote"], "kept");

  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_json(old_link)["accessToken"], kSsoAccessToken)
      << "the file was rewritten in place";
  // Nothing but the cache file (and the test's link) is left in the folder.
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(file.parent_path())) {
    ++entries;
    EXPECT_EQ(e.path(), file);
  }
  EXPECT_EQ(entries, 1u);
}

TEST(SsoTokenCache, AnswerWithoutRefreshTokenDropsTheSpentOne) {
  SsoWorld w;
  w.oidc = [](const http::Request&) {
    return reply(200, R"({"accessToken":"sso-new-access-token-hidden-9876543210abcdef",)"
                      R"("tokenType":"Bearer","expiresIn":"1800"})");
  };
  const auto file = w.write_cache(kCorpCacheKey, w.session_token(1min).dump());
  EXPECT_EQ(provider(w).token().expires_at, testing::sso_now() + 1800s);
  const auto saved = read_json(file);
  EXPECT_FALSE(saved.contains("refreshToken")) << saved.dump();
  EXPECT_EQ(saved["accessToken"], kSsoNewAccessToken);
}

TEST(SsoTokenCache, FailedRefreshKeepsAStillValidToken) {
  SsoWorld w;
  w.oidc = [](const http::Request&) {
    return reply(400, R"({"error":"invalid_grant","error_description":"Invalid refresh token"})");
  };
  const auto file = w.write_cache(kCorpCacheKey, w.session_token(5min).dump());
  const auto before = testing::test_ambient().read_file(file);
  const auto t = provider(w).token();
  EXPECT_EQ(t.access_token.reveal(), kSsoAccessToken);
  EXPECT_EQ(w.oidc_calls(), 1u);
  EXPECT_EQ(testing::test_ambient().read_file(file), before) << "a failed refresh wrote the file";
}

TEST(SsoTokenCache, UnreachableOidcKeepsAStillValidToken) {
  SsoWorld w;
  w.oidc = testing::refused_connection;
  w.write_cache(kCorpCacheKey, w.session_token(5min).dump());
  EXPECT_EQ(provider(w).token().access_token.reveal(), kSsoAccessToken);
}

TEST(SsoTokenCache, ExpiredTokenWhoseRefreshFailsTellsToLogIn) {
  SsoWorld w;
  // A service that echoes what it was sent must not leak it into the message.
  w.oidc = [](const http::Request& r) {
    return reply(400,
                 json::Json({{"error", "invalid_grant"}, {"error_description", r.body}}).dump());
  };
  w.write_cache(kCorpCacheKey, w.session_token(-10s).dump());
  const auto m = token_error(provider(w));
  EXPECT_NE(m.find("expired at 2026-03-01T11:59:50Z"), std::string::npos) << m;
  EXPECT_NE(m.find("could not be refreshed"), std::string::npos) << m;
  EXPECT_NE(m.find("HTTP 400"), std::string::npos) << m;
  EXPECT_NE(m.find("run `aws sso login --profile dev`"), std::string::npos) << m;
}

TEST(SsoTokenCache, ExpiredRegistrationIsNotUsedForRefresh) {
  SsoWorld w;
  auto doc = w.session_token(-1s);
  doc["registrationExpiresAt"] = "2026-03-01T11:00:00Z";
  w.write_cache(kCorpCacheKey, doc.dump());
  const auto m = token_error(provider(w));
  EXPECT_NE(m.find("client registration expired at 2026-03-01T11:00:00Z"), std::string::npos) << m;
  EXPECT_EQ(w.oidc_calls(), 0u);
}

TEST(SsoTokenCache, SessionTokenWithoutRefreshFieldsIsUsedUntilItExpires) {
  SsoWorld w;
  auto doc = w.session_token(2min);
  doc.erase("refreshToken");
  w.write_cache(kCorpCacheKey, doc.dump());
  EXPECT_EQ(provider(w).token().access_token.reveal(), kSsoAccessToken);
  EXPECT_EQ(w.oidc_calls(), 0u);

  w.clock().advance(3min);
  const auto m = token_error(provider(w));
  EXPECT_NE(m.find("cannot be refreshed"), std::string::npos) << m;
  EXPECT_EQ(w.oidc_calls(), 0u);
}

TEST(SsoTokenCache, MalformedRefreshAnswerCountsAsAFailedRefresh) {
  SsoWorld w;
  w.oidc = [](const http::Request&) { return reply(200, R"({"accessToken":"x"})"); };
  const auto file = w.write_cache(kCorpCacheKey, w.session_token(-1s).dump());
  const auto m = token_error(provider(w));
  EXPECT_NE(m.find("/expiresIn is missing"), std::string::npos) << m;
  EXPECT_EQ(read_json(file)["accessToken"], kSsoAccessToken);
}

}  // namespace
}  // namespace llmauth::aws
