// What each authorizer reports of its credential's lifetime (the health line of
// `llmauth providers test`).
#include "llmauth/llm/authorizer.hpp"

#include <gtest/gtest.h>

#include "../azure/fake_token_credential.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = TimePoint(std::chrono::seconds(1'800'000'000));

http::Request bedrock_request() {
  http::Request r;
  r.method = "POST";
  r.url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse";
  r.body = "{}";
  return r;
}

aws::SigV4Options bedrock_signing() {
  aws::SigV4Options o;
  o.region = "us-east-1";
  o.service = "bedrock";
  return o;
}

std::shared_ptr<aws::CredentialsProvider> credentials(std::string source,
                                                      std::optional<TimePoint> expiration) {
  aws::Credentials c;
  c.access_key_id = "ASIAEXAMPLE";
  c.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  c.session_token = Secret("session");
  c.expiration = expiration;
  c.source = std::move(source);
  return std::make_shared<aws::StaticProvider>(std::move(c));
}

TEST(AuthorizerLifetime, AnApiKeyHasNoExpiry) {
  llm::HeaderKeyAuthorizer a("api-key", Secret("k"), "API key");
  EXPECT_FALSE(a.lifetime().expires_at.has_value());
  EXPECT_FALSE(a.lifetime().renewed);
}

TEST(AuthorizerLifetime, AFixedBearerTokenKeepsTheExpiryItWasGivenAndIsNeverRenewed) {
  llm::StaticBearerAuthorizer a(Secret("t"), "Bedrock API key", kStart + 12h);
  EXPECT_EQ(a.lifetime().expires_at, kStart + 12h);
  EXPECT_FALSE(a.lifetime().renewed);
  EXPECT_FALSE(llm::StaticBearerAuthorizer(Secret("t"), "x").lifetime().expires_at.has_value());
}

TEST(StaticBearerAuthorizer, AnExpiredTokenIsNotSent) {
  auto clock = std::make_shared<FakeClock>(kStart);
  llm::StaticBearerAuthorizer a(Secret("bedrock-api-key-expired0123"),
                                "Bedrock API key (auth.token)", kStart + 10min, clock);
  http::Request fresh = bedrock_request();
  a.authorize(fresh);
  EXPECT_TRUE(http::find_header(fresh.headers, "Authorization").has_value());

  clock->advance(11min);
  http::Request late = bedrock_request();
  try {
    a.authorize(late);
    FAIL() << "an expired key was put on the request";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("Bedrock API key (auth.token) expired at"), std::string::npos) << what;
    EXPECT_NE(what.find("get a new one"), std::string::npos) << what;
    expect_no_secret(what, "bedrock-api-key-expired0123");
  }
  EXPECT_FALSE(http::find_header(late.headers, "Authorization").has_value());
}

TEST(AuthorizerLifetime, AnEntraTokenIsKnownAfterTheFirstRequestAndRenewed) {
  auto clock = std::make_shared<FakeClock>(kStart);
  llm::EntraTokenAuthorizer a(
      FakeTokenCredential::issuing("ClientSecretCredential", "tok", kStart + 1h),
      "https://cognitiveservices.azure.com/.default", clock);
  EXPECT_FALSE(a.lifetime().expires_at.has_value());
  http::Request r = bedrock_request();
  a.authorize(r);
  EXPECT_EQ(a.lifetime().expires_at, kStart + 1h);
  EXPECT_TRUE(a.lifetime().renewed);
}

TEST(AuthorizerLifetime, SigV4CredentialsAreRenewedOnlyWhenTheirSourceCanGiveNewOnes) {
  auto clock = std::make_shared<FakeClock>(kStart);
  const auto refresh = [] {};
  struct Case {
    std::string source;
    std::optional<TimePoint> expiration;
    bool with_refresh;
    bool renewed;
  };
  for (const Case& c :
       {Case{"assume role arn:aws:iam::123456789012:role/r", kStart + 1h, true, true},
        Case{"IMDS role r", kStart + 6h, true, true},
        // AWS_CREDENTIAL_EXPIRATION: the environment never changes in-process.
        Case{"environment", kStart + 1h, true, false},
        // Fixed keys in a provider config: nothing to refresh them with.
        Case{"access keys from the provider config", kStart + 1h, false, false},
        Case{"profile p (shared credentials file)", std::nullopt, true, false}}) {
    llm::SigV4Authorizer a(credentials(c.source, c.expiration),
                           c.with_refresh ? std::function<void()>(refresh) : nullptr,
                           bedrock_signing(), clock);
    http::Request r = bedrock_request();
    a.authorize(r);
    EXPECT_EQ(a.lifetime().expires_at, c.expiration) << c.source;
    EXPECT_EQ(a.lifetime().renewed, c.renewed) << c.source;
  }
}

}  // namespace
}  // namespace llmauth::testing
