// ChainedTokenCredential: unavailable moves on, any other error stops, attempts are recorded.
#include "llmauth/azure/credentials/chained_token_credential.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"

#include "unit/azure/fake_token_credential.hpp"

namespace llmauth::testing {
namespace {

using namespace std::chrono_literals;
using azure::ChainAttempt;
using azure::ChainedTokenCredential;

const azure::TokenRequest kRequest{{"https://cognitiveservices.azure.com/.default"}, "", ""};
const TimePoint kLater = std::chrono::system_clock::now() + 1h;

TEST(ChainedTokenCredential, UnavailableMovesOn_FirstTokenWins) {
  auto a = FakeTokenCredential::unavailable("A", "not configured");
  auto b = FakeTokenCredential::issuing("B", "token-b", kLater);
  auto c = FakeTokenCredential::issuing("C", "token-c", kLater);
  ChainedTokenCredential chain({a, b, c});
  EXPECT_EQ(chain.get_token(kRequest)->token.reveal(), "token-b");
  EXPECT_EQ(c->calls(), 0);
  const auto attempts = chain.attempts();
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].credential, "A");
  EXPECT_EQ(attempts[0].outcome, ChainAttempt::Outcome::kUnavailable);
  EXPECT_EQ(attempts[0].detail, "not configured");
  EXPECT_EQ(attempts[1].outcome, ChainAttempt::Outcome::kSucceeded);
  // Without reuse the chain is walked again on every call (azure-identity's ChainedTokenCredential).
  (void)chain.get_token(kRequest);
  EXPECT_EQ(a->calls(), 2);
  EXPECT_EQ(chain.successful_credential(), nullptr);
}

TEST(ChainedTokenCredential, ErrorStopsTheChain) {
  auto a = FakeTokenCredential::unavailable("A", "not configured");
  auto b = FakeTokenCredential::failing("B", "AADSTS7000215: Invalid client secret provided");
  auto c = FakeTokenCredential::issuing("C", "token-c", kLater);
  ChainedTokenCredential chain({a, b, c}, {.name = "MyChain"});
  try {
    (void)chain.get_token(kRequest);
    FAIL();
  } catch (const UnavailableError&) {
    FAIL() << "a failure is not 'unavailable'";
  } catch (const azure::ChainedTokenCredentialError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kHttpStatus);
    EXPECT_EQ(std::string(e.what()), "MyChain: B failed: AADSTS7000215: Invalid client secret provided");
    ASSERT_EQ(e.attempts().size(), 2u);
    EXPECT_EQ(e.attempts()[1].outcome, ChainAttempt::Outcome::kFailed);
  }
  EXPECT_EQ(c->calls(), 0);
}

TEST(ChainedTokenCredential, AllUnavailable_ListsEveryCredentialAndWhy) {
  ChainedTokenCredential chain({FakeTokenCredential::unavailable("EnvironmentCredential", "AZURE_CLIENT_ID is not set"),
                                FakeTokenCredential::unavailable("AzureCliCredential", "az was not found on PATH")},
                               {.name = "DefaultAzureCredential"});
  try {
    (void)chain.get_token(kRequest);
    FAIL();
  } catch (const azure::ChainUnavailableError& e) {
    EXPECT_EQ(std::string(e.what()),
              "DefaultAzureCredential failed to retrieve a token: EnvironmentCredential: "
              "AZURE_CLIENT_ID is not set; AzureCliCredential: az was not found on PATH");
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_EQ(e.attempts().size(), 2u);
  }
}

TEST(ChainedTokenCredential, EmptyChain_IsUnavailable) {
  ChainedTokenCredential chain({});
  EXPECT_THROW((void)chain.get_token(kRequest), UnavailableError);
}

TEST(ChainedTokenCredential, NestedChain_UnavailableMovesOnInOuterChain) {
  auto inner = std::make_shared<ChainedTokenCredential>(
      std::vector<azure::CredentialPtr>{FakeTokenCredential::unavailable("A", "no")});
  ChainedTokenCredential outer({inner, FakeTokenCredential::issuing("B", "tb", kLater)});
  EXPECT_EQ(outer.get_token(kRequest)->token.reveal(), "tb");
}

TEST(ChainedTokenCredential, ReuseSuccessfulCredential_AsksTheWinnerDirectly) {
  auto a = FakeTokenCredential::unavailable("A", "not configured");
  auto b = FakeTokenCredential::issuing("B", "token-b", kLater);
  ChainedTokenCredential chain({a, b}, {.reuse_successful_credential = true});
  (void)chain.get_token(kRequest);
  (void)chain.get_token(kRequest);
  EXPECT_EQ(a->calls(), 1);
  EXPECT_EQ(b->calls(), 2);
  EXPECT_EQ(chain.successful_credential(), b);
  // The winner's later errors surface as they are.
  b->set_behaviour([](const azure::TokenRequest&, int) -> std::shared_ptr<const azure::AccessToken> {
    throw Error("B: boom", ErrorCode::kNetwork);
  });
  try {
    (void)chain.get_token(kRequest);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNetwork);
  }
}

}  // namespace
}  // namespace llmauth::testing
