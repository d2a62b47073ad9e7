#include "llmauth/azure/credentials/static_token_credential.hpp"

#include <gtest/gtest.h>

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
  auto cred = StaticTokenCredential::from_environment(test_ambient({{"AZURE_OPENAI_AD_TOKEN", "eyJabc"}}));
  EXPECT_EQ(cred->get_token({})->token.reveal(), "eyJabc");
}

}  // namespace
}  // namespace llmauth::testing
