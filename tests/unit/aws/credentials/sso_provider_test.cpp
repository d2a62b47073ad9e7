// SsoProvider: reading an SSO profile (both forms, botocore's checks) and GetRoleCredentials
// (request shape, answer, the portal's errors), with a scripted transport.
#include "llmauth/aws/credentials/sso_provider.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "support/failure_of.hpp"
#include "unit/aws/credentials/sso_test_world.hpp"

namespace llmauth::aws {
namespace {

using namespace std::chrono_literals;
using testing::kAccount;
using testing::kCorpCacheKey;
using testing::kPortalAccessKey;
using testing::kPortalSecretKey;
using testing::kPortalSessionToken;
using testing::kSsoAccessToken;
using testing::kSsoClientSecret;
using testing::kSsoNewAccessToken;
using testing::kSsoRefreshToken;
using testing::kStartUrl;
using testing::kStartUrlCacheKey;
using testing::reply;
using testing::SsoWorld;

const SsoProviderOptions kFast{
    .retry = {.attempts = 3, .timeout = 500ms, .retry_delay = 0ms},
    .token = {.retry = {.attempts = 1, .timeout = 500ms, .retry_delay = 0ms}}};

testing::Outcome failure_of(SsoProvider& p) {
  return testing::failure_of(p, {kSsoAccessToken, kSsoRefreshToken, kSsoClientSecret,
                                 kSsoNewAccessToken, kPortalSecretKey, kPortalSessionToken});
}

SsoConfig config_of(const std::string& config_text, const std::string& profile) {
  const auto cfg = SharedConfig::from_text(config_text, "", "/home/u/.aws/config");
  const auto p = cfg.merged(profile);
  if (!p) throw Error("no profile " + profile);
  const auto sso = sso_config(*p, cfg);
  if (!sso) throw Error("not an SSO profile: " + profile);
  return *sso;
}

std::string config_error(const std::string& config_text, const std::string& profile) {
  try {
    config_of(config_text, profile);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

// ---- configuration -------------------------------------------------------------------------

TEST(SsoConfig, SessionForm) {
  const auto c = config_of(testing::kSsoConfig, "dev");
  EXPECT_EQ(c.profile, "dev");
  EXPECT_EQ(c.account_id, kAccount);
  EXPECT_EQ(c.role_name, "ReadOnly");
  EXPECT_EQ(c.session.name, "corp");
  EXPECT_EQ(c.session.start_url, kStartUrl);
  EXPECT_EQ(c.session.region, "us-east-1");
}

TEST(SsoConfig, LegacyForm) {
  const auto c = config_of(testing::kSsoConfig, "legacy");
  EXPECT_EQ(c.session.name, std::nullopt);
  EXPECT_EQ(c.session.start_url, kStartUrl);
  EXPECT_EQ(c.session.region, "us-east-1");
  EXPECT_EQ(c.role_name, "ReadOnly");
}

TEST(SsoConfig, WithoutAccountOrRoleItIsNotAnSsoProfile) {
  // botocore's SSOProvider looks only for sso_account_id / sso_role_name; a profile with just a
  // session (for SSO bearer tokens) or just a start URL is not one.
  const auto cfg = SharedConfig::from_text(
      "[profile tokens]\nsso_session = corp\n[profile url]\nsso_start_url = https://x/start\n"
      "sso_region = us-east-1\n[sso-session corp]\nsso_start_url = https://x\nsso_region = "
      "us-east-1\n",
      "");
  EXPECT_EQ(sso_config(*cfg.merged("tokens"), cfg), std::nullopt);
  EXPECT_EQ(sso_config(*cfg.merged("url"), cfg), std::nullopt);
}

TEST(SsoConfig, MissingKeysAreNamedWithProfileAndFile) {
  const auto m = config_error(
      "[profile dev]\nsso_account_id = 111122223333\n"
      "sso_start_url = https://x/start\n",
      "dev");
  EXPECT_NE(m.find("/home/u/.aws/config:2: profile 'dev'"), std::string::npos) << m;
  EXPECT_NE(m.find("missing sso_role_name in the profile, sso_region in the profile"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("sso_start_url in"), std::string::npos) << m;
}

TEST(SsoConfig, SessionMissingKeysNameTheSection) {
  const auto m = config_error(
      "[profile dev]\nsso_session = corp\nsso_role_name = R\n"
      "sso_account_id = 111122223333\n"
      "[sso-session corp]\nsso_start_url = https://x/start\n",
      "dev");
  EXPECT_NE(m.find("missing sso_region in [sso-session corp]"), std::string::npos) << m;
  EXPECT_NE(m.find("/home/u/.aws/config"), std::string::npos) << m;
}

TEST(SsoConfig, UnknownSessionIsAnError) {
  const auto m = config_error(
      "[profile dev]\nsso_session = nope\nsso_role_name = R\n"
      "sso_account_id = 111122223333\n",
      "dev");
  EXPECT_NE(m.find("config:2: profile 'dev' names sso_session 'nope'"), std::string::npos) << m;
  EXPECT_NE(m.find("has no [sso-session nope] section"), std::string::npos) << m;
}

TEST(SsoConfig, ProfileAndSessionMustAgree) {
  const std::string base =
      "[sso-session corp]\nsso_start_url = https://a/start\nsso_region = us-east-1\n"
      "[profile dev]\nsso_session = corp\nsso_role_name = R\nsso_account_id = 111122223333\n";
  auto m = config_error(base + "sso_start_url = https://b/start\n", "dev");
  EXPECT_NE(m.find("config:8: sso_start_url of profile 'dev' (https://b/start) differs from the "
                   "one in [sso-session corp] (/home/u/.aws/config:2: https://a/start)"),
            std::string::npos)
      << m;
  m = config_error(base + "sso_region = eu-west-1\n", "dev");
  EXPECT_NE(m.find("sso_region of profile 'dev' (eu-west-1) differs"), std::string::npos) << m;
  // The same values in both places are fine.
  const auto ok =
      config_of(base + "sso_region = us-east-1\nsso_start_url = https://a/start\n", "dev");
  EXPECT_EQ(ok.session.start_url, "https://a/start");
}

TEST(SsoConfig, SessionSectionsComeFromTheConfigFileOnly) {
  const auto cfg = SharedConfig::from_text(
      "[profile dev]\nsso_session = corp\nsso_role_name = R\nsso_account_id = 111122223333\n",
      "[sso-session corp]\nsso_start_url = https://a/start\nsso_region = us-east-1\n");
  EXPECT_EQ(cfg.sso_session("corp"), nullptr);
  EXPECT_THROW(sso_config(*cfg.merged("dev"), cfg), Error);
}

// ---- GetRoleCredentials --------------------------------------------------------------------

SsoProvider provider(const SsoWorld& w, const std::string& profile = "dev",
                     SsoProviderOptions o = kFast) {
  return SsoProvider(w.ambient(), config_of(testing::kSsoConfig, profile), std::move(o));
}

TEST(SsoProvider, GetsRoleCredentialsWithTheCachedToken) {
  SsoWorld w;
  w.write_cache(kCorpCacheKey, w.session_token(8h).dump());
  auto p = provider(w);
  const auto c = p.resolve();
  EXPECT_EQ(c->access_key_id, kPortalAccessKey);
  EXPECT_EQ(c->secret_access_key.reveal(), kPortalSecretKey);
  EXPECT_EQ(c->session_token.reveal(), kPortalSessionToken);
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(timefmt::format_iso8601(*c->expiration), "2026-03-01T13:00:00Z");
  EXPECT_EQ(c->account_id, kAccount);
  EXPECT_EQ(c->source, "SSO role ReadOnly in account 111122223333 (profile dev)");
  EXPECT_EQ(p.name(), "sso");

  ASSERT_EQ(w.transport().requests().size(), 1u);
  const auto r = w.transport().requests()[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url,
            "https://portal.sso.us-east-1.amazonaws.com/federation/credentials?role_name=ReadOnly"
            "&account_id=111122223333");
  EXPECT_EQ(http::find_header(r.headers, "x-amz-sso_bearer_token"), kSsoAccessToken);
  EXPECT_EQ(http::find_header(r.headers, "Authorization"), std::nullopt) << "the call is unsigned";
  EXPECT_EQ(r.timeout, 500ms);
}

TEST(SsoProvider, LegacyProfileReadsTheStartUrlCache) {
  SsoWorld w;
  w.write_cache(kStartUrlCacheKey, w.legacy_token(1h).dump());
  auto p = provider(w, "legacy");
  EXPECT_EQ(p.resolve()->source, "SSO role ReadOnly in account 111122223333 (profile legacy)");
}

TEST(SsoProvider, RoleAndAccountAreQueryEncoded) {
  SsoWorld w;
  auto cfg = config_of(testing::kSsoConfig, "dev");
  cfg.role_name = "Data Scientist+Dev";
  SsoProvider p(w.ambient(), cfg, kFast);
  EXPECT_EQ(p.credentials_url(),
            "https://portal.sso.us-east-1.amazonaws.com/federation/credentials?role_name="
            "Data%20Scientist%2BDev&account_id=111122223333");
}

TEST(SsoProvider, PortalOverrideIsUsed) {
  SsoWorld w;
  auto o = kFast;
  o.portal_endpoint = "http://127.0.0.1:4566/sso/";
  EXPECT_EQ(provider(w, "dev", o).credentials_url(),
            "http://127.0.0.1:4566/sso/federation/credentials?role_name=ReadOnly&account_id="
            "111122223333");
}

TEST(SsoProvider, TokenIsRefreshedBeforeTheCall) {
  SsoWorld w;
  w.write_cache(kCorpCacheKey, w.session_token(10min).dump());
  auto p = provider(w);
  p.resolve();
  const auto requests = w.transport().requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].url.find("/token"), std::string::npos);
  EXPECT_EQ(http::find_header(requests[1].headers, "x-amz-sso_bearer_token"), kSsoNewAccessToken);
}

TEST(SsoProvider, EachResolveReadsTheCacheAgain) {
  SsoWorld w;
  w.write_cache(kCorpCacheKey, w.session_token(8h).dump());
  auto p = provider(w);
  p.resolve();
  auto doc = w.session_token(8h);
  doc["accessToken"] = "token-of-a-later-login";
  w.write_cache(kCorpCacheKey, doc.dump());
  p.resolve();
  const auto requests = w.transport().requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(http::find_header(requests[1].headers, "x-amz-sso_bearer_token"),
            "token-of-a-later-login");
}

TEST(SsoProvider, UnauthorizedMeansLogInAgain) {
  SsoWorld w;
  w.portal = [](const http::Request& r) {
    // Echo the token back: the message must not carry it.
    const auto token = http::find_header(r.headers, "x-amz-sso_bearer_token").value_or("");
    return reply(
        401, R"({"message":"Session token not found or invalid: )" + std::string(token) + "\"}",
        {{"x-amzn-ErrorType", "UnauthorizedException:http://internal.amazon.com/coral/x/"}});
  };
  w.write_cache(kCorpCacheKey, w.session_token(8h).dump());
  auto p = provider(w);
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_EQ(o.code, ErrorCode::kHttpStatus);
  EXPECT_NE(o.message.find("HTTP 401 UnauthorizedException: Session token not found or invalid"),
            std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("the SSO session has expired or was revoked; run `aws sso login "
                           "--profile dev`"),
            std::string::npos)
      << o.message;
  EXPECT_EQ(w.portal_calls(), 1u) << "a 401 is not retried";
}

TEST(SsoProvider, ForbiddenNamesTheRoleAndAccount) {
  SsoWorld w;
  w.portal = [](const http::Request&) {
    return reply(403, R"({"message":"No access"})", {{"x-amzn-ErrorType", "ForbiddenException"}});
  };
  w.write_cache(kCorpCacheKey, w.session_token(8h).dump());
  auto p = provider(w);
  const auto o = failure_of(p);
  EXPECT_NE(o.message.find("no access to role ReadOnly in account 111122223333 (HTTP 403 "
                           "ForbiddenException: No access)"),
            std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("check sso_role_name and sso_account_id"), std::string::npos);
  EXPECT_NE(o.message.find("aws sso login --profile dev"), std::string::npos);
}

TEST(SsoProvider, ServerErrorsAreRetriedThenReported) {
  SsoWorld w;
  w.portal = [](const http::Request&) { return reply(503, R"({"message":"busy"})"); };
  w.write_cache(kCorpCacheKey, w.session_token(8h).dump());
  auto p = provider(w);
  const auto o = failure_of(p);
  EXPECT_EQ(w.portal_calls(), 3u);
  EXPECT_NE(o.message.find("answered HTTP 503: busy (3 attempts)"), std::string::npos) << o.message;
}

TEST(SsoProvider, TimeoutIsReported) {
  SsoWorld w;
  w.portal = testing::timeout_failure;
  w.write_cache(kCorpCacheKey, w.session_token(8h).dump());
  auto p = provider(w);
  const auto o = failure_of(p);
  EXPECT_EQ(o.code, ErrorCode::kTimeout);
  EXPECT_NE(o.message.find("did not answer within 500 ms (3 attempts)"), std::string::npos)
      << o.message;
}

TEST(SsoProvider, MalformedAnswersNameTheJsonPathNotTheValues) {
  SsoWorld w;
  w.write_cache(kCorpCacheKey, w.session_token(8h).dump());
  const std::string good = std::string(R"({"accessKeyId":"ASIAX","secretAccessKey":")") +
                           kPortalSecretKey + R"(","sessionToken":")" + kPortalSessionToken + "\"";
  const std::pair<std::string, std::string> cases[] = {
      {good + R"(,"expiration":1772370000000})", "/roleCredentials is missing"},
      {R"({"roleCredentials":)" + good + R"(,"expiration":"soon"}})",
       "/roleCredentials/expiration must be a whole number"},
      {R"({"roleCredentials":)" + good + "}}", "/roleCredentials/expiration is missing"},
      {R"({"roleCredentials":)" + good + R"(,"expiration":-5}})",
       "/roleCredentials/expiration is not a time"},
      {R"({"roleCredentials":{"accessKeyId":"ASIAX","sessionToken":")" +
           std::string(kPortalSessionToken) + R"(","expiration":1}})",
       "/roleCredentials/secretAccessKey is missing"},
      {"<html>", "invalid JSON"},
  };
  for (const auto& [body, expected] : cases) {
    w.portal = [body = body](const http::Request&) { return reply(200, body); };
    auto p = provider(w);
    const auto o = failure_of(p);
    EXPECT_EQ(o.code, ErrorCode::kInvalidInput) << body;
    EXPECT_NE(o.message.find(expected), std::string::npos) << o.message;
  }
}

TEST(SsoProvider, MissingTokenStopsBeforeAnyRequest) {
  SsoWorld w;
  auto p = provider(w);
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_NE(o.message.find("aws sso login --profile dev"), std::string::npos);
  EXPECT_TRUE(w.transport().requests().empty());
}

}  // namespace
}  // namespace llmauth::aws
