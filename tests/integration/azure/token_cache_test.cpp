// TokenCache over a real Entra ID exchange (ClientSecretCredential against the emulator): while
// the token endpoint fails, callers keep the still-valid token; after expiry they get the error.
#include "llmauth/azure/token_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "integration/azure/azure_chain_support.hpp"
#include "llmauth/azure/credentials/client_secret_credential.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::testing {
namespace {

using namespace azure_chain;
using namespace std::chrono_literals;

const azure::TokenRequest kRequest{{"https://cognitiveservices.azure.com/.default"}, "", ""};

class TokenCacheEmulator : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>(std::chrono::system_clock::now());
  std::shared_ptr<azure::TokenCache> make_cache() {
    azure::ClientSecretCredentialOptions options;
    options.tenant_id = kTenant;
    options.client_id = kClientId;
    options.client_secret = Secret(kClientSecret);
    options.authority_host = Emulator::get().https_url();
    options.retry.max_attempts = 1;
    auto inner = std::make_shared<azure::ClientSecretCredential>(test_ambient({}, clock), std::move(options));
    return std::make_shared<azure::TokenCache>(inner, clock);
  }
};

TEST_F(TokenCacheEmulator, FailingTokenEndpoint_KeepsServingValidToken_ThenErrorsAfterExpiry) {
  auto cache = make_cache();
  const auto first = cache->get_token(kRequest);
  EXPECT_EQ(lookup_token(std::string(first->token.reveal()))["known"], true);
  EXPECT_EQ(Emulator::get().counter("azure.token"), 1);
  for (int i = 0; i < 5; ++i) (void)cache->get_token(kRequest);
  EXPECT_EQ(Emulator::get().counter("azure.token"), 1);

  Emulator::get().fault("azure.token", 100, 503);
  clock->advance(3599s - 4min);  // inside the 5-minute refresh window
  EXPECT_EQ(cache->get_token(kRequest)->token, first->token);
  EXPECT_EQ(Emulator::get().counter("azure.token"), 2);  // one refresh try…
  EXPECT_EQ(cache->get_token(kRequest)->token, first->token);
  EXPECT_EQ(Emulator::get().counter("azure.token"), 2);  // …then backing off
  clock->advance(31s);
  EXPECT_EQ(cache->get_token(kRequest)->token, first->token);
  EXPECT_EQ(Emulator::get().counter("azure.token"), 3);

  clock->advance(4min);  // expired
  try {
    (void)cache->get_token(kRequest);
    FAIL() << "an expired token was served";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kHttpStatus) << e.what();
    expect_no_secret(e.what(), kClientSecret);
  }
}

TEST_F(TokenCacheEmulator, RecoversOnceTheEndpointAnswersAgain) {
  auto cache = make_cache();
  const auto first = cache->get_token(kRequest);
  Emulator::get().fault("azure.token", 1, 500);
  clock->advance(56min);
  EXPECT_EQ(cache->get_token(kRequest)->token, first->token);
  clock->advance(31s);
  const auto second = cache->get_token(kRequest);
  EXPECT_NE(second->token, first->token);
  EXPECT_EQ(lookup_token(std::string(second->token.reveal()))["known"], true);
}

TEST_F(TokenCacheEmulator, ManyThreadsColdStart_OneTokenRequest) {
  auto cache = make_cache();
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) threads.emplace_back([&] { (void)cache->get_token(kRequest); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(Emulator::get().counter("azure.token"), 1);
}

}  // namespace
}  // namespace llmauth::testing
