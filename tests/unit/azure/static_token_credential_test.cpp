#include "llmauth/azure/credentials/static_token_credential.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

using namespace std::chrono_literals;
using azure::StaticTokenCredential;

const TimePoint kStart = TimePoint(std::chrono::seconds(1'800'000'000));

TEST(StaticTokenCredential, WithoutExpiry_IsLongLived) {
  auto clock = std::make_shared<FakeClock>(kStart);
  StaticTokenCredential cred(Secret("static-token"), std::nullopt, clock);
  const auto t = cred.get_token({{"s/.default"}, "", ""});
  EXPECT_EQ(t->token.reveal(), "static-token");
  EXPECT_EQ(t->expires_on, kStart + StaticTokenCredential::kAssumedLifetime);
  EXPECT_EQ(t->credential, "StaticTokenCredential");
}

TEST(StaticTokenCredential, WithExpiry_FailsOnceExpired) {
  auto clock = std::make_shared<FakeClock>(kStart);
  StaticTokenCredential cred(Secret("static-token"), kStart + 60s, clock);
  EXPECT_EQ(cred.get_token({})->expires_on, kStart + 60s);
  clock->advance(61s);
  try {
    (void)cred.get_token({});
    FAIL();
  } catch (const UnavailableError&) {
    FAIL() << "an expired static token is an error, not unavailable";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expired"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("static-token"), std::string::npos);
  }
}

TEST(StaticTokenCredential, FromEnvironment) {
  EXPECT_THROW(StaticTokenCredential::from_environment(test_ambient()), UnavailableError);
  auto cred =
      StaticTokenCredential::from_environment(test_ambient({{"AZURE_OPENAI_AD_TOKEN", "eyJabc"}}));
  EXPECT_EQ(cred->get_token({})->token.reveal(), "eyJabc");
}

// header.payload.signature with `payload` as the claims (the signature is never looked at).
std::string jwt_with_claims(const std::string& payload) {
  return crypto::base64url(R"({"alg":"RS256","typ":"JWT"})") + "." + crypto::base64url(payload) +
         ".c2lnbmF0dXJl";
}

TEST(StaticTokenCredential, FromEnvironment_AJwtExpiresAtItsExpClaim) {
  auto clock = std::make_shared<FakeClock>(kStart);
  const std::string token =
      jwt_with_claims(R"({"aud":"https://cognitiveservices.azure.com","exp":1800003600})");
  auto cred = StaticTokenCredential::from_environment(
      test_ambient({{"AZURE_OPENAI_AD_TOKEN", token}}, clock));
  EXPECT_EQ(cred->get_token({})->expires_on, TimePoint(std::chrono::seconds(1'800'003'600)));
  clock->advance(3601s);
  try {
    (void)cred->get_token({});
    FAIL() << "an expired AZURE_OPENAI_AD_TOKEN was used";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the token expired at 2027-01-15T09:00:00Z"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find(token), std::string::npos);
  }
}

TEST(JwtExpiry, ReadsTheExpClaimOfAnyJwtWithoutVerifyingIt) {
  EXPECT_EQ(azure::jwt_expiry(jwt_with_claims(R"({"exp":1800000000})")),
            TimePoint(std::chrono::seconds(1'800'000'000)));
  EXPECT_EQ(azure::jwt_expiry(jwt_with_claims(R"({"exp":1800000000.75,"nbf":1})")),
            TimePoint(std::chrono::seconds(1'800'000'000)));
  // base64url with '-' and no padding, encoded outside llmauth (Python's
  // base64.urlsafe_b64encode of {"x":"??>>","exp":1800000001}, '=' stripped).
  EXPECT_EQ(azure::jwt_expiry("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
                              "eyJ4IjoiPz8-PiIsImV4cCI6MTgwMDAwMDAwMX0.c2lnbmF0dXJl"),
            TimePoint(std::chrono::seconds(1'800'000'001)));
}

TEST(JwtExpiry, AnythingElseHasNoExpiry) {
  for (const std::string& token :
       {std::string("eyJabc"), std::string("not a jwt"), std::string("a.b"), std::string("a.!!!.c"),
        jwt_with_claims("[1,2]"), jwt_with_claims("not json"), jwt_with_claims(R"({"nbf":1})"),
        jwt_with_claims(R"({"exp":"1800000000"})"), jwt_with_claims(R"({"exp":-5})"),
        jwt_with_claims(R"({"exp":1e300})"), jwt_with_claims(R"({"exp":null})"),
        // Past what a nanosecond TimePoint holds (2262): found by fuzz_token_expiry.
        jwt_with_claims(R"({"exp":9800003200})")}) {
    EXPECT_FALSE(azure::jwt_expiry(token).has_value()) << token;
  }
}

}  // namespace
}  // namespace llmauth::testing
