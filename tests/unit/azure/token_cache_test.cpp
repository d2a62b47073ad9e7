// TokenCache: refresh ahead of expiry, single flight, backoff, expiry, per-key separation.
#include "llmauth/azure/token_cache.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"

#include <thread>

#include "unit/azure/fake_token_credential.hpp"

namespace llmauth::testing {
namespace {

using namespace std::chrono_literals;
using azure::TokenCache;
using azure::TokenRequest;

const TimePoint kStart = TimePoint(std::chrono::seconds(1'800'000'000));
const TokenRequest kOpenAi{{"https://cognitiveservices.azure.com/.default"}, "", ""};

struct CacheFixture : ::testing::Test {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>(kStart);
  // Issues "token-N" valid for `lifetime` from the clock's now.
  std::chrono::seconds lifetime = 3600s;
  std::shared_ptr<FakeTokenCredential> inner = std::make_shared<FakeTokenCredential>(
      "Fake", [this](const TokenRequest& r, int call) {
        return make_token(r.scopes.front() + "|" + r.tenant_id + "|token-" + std::to_string(call),
                          clock->now() + lifetime);
      });
  TokenCache cache{inner, clock};
};

TEST_F(CacheFixture, TokenCache_FreshToken_IsServedWithoutAskingAgain) {
  const auto a = cache.get_token(kOpenAi);
  clock->advance(54min);
  const auto b = cache.get_token(kOpenAi);
  EXPECT_EQ(inner->calls(), 1);
  EXPECT_EQ(a->token, b->token);
  EXPECT_EQ(cache.name(), "Fake");
}

TEST_F(CacheFixture, TokenCache_FiveMinutesBeforeExpiry_Refreshes) {
  (void)cache.get_token(kOpenAi);
  clock->advance(55min + 1s);
  const auto b = cache.get_token(kOpenAi);
  EXPECT_EQ(inner->calls(), 2);
  EXPECT_NE(std::string(b->token.reveal()).find("token-2"), std::string::npos);
  (void)cache.get_token(kOpenAi);
  EXPECT_EQ(inner->calls(), 2);
}

TEST_F(CacheFixture, TokenCache_RefreshOn_IsHonoured) {
  inner->set_behaviour([this](const TokenRequest&, int call) {
    return make_token("t" + std::to_string(call), clock->now() + 3600s, clock->now() + 600s);
  });
  (void)cache.get_token(kOpenAi);
  clock->advance(599s);
  (void)cache.get_token(kOpenAi);
  EXPECT_EQ(inner->calls(), 1);
  clock->advance(2s);
  EXPECT_EQ(cache.get_token(kOpenAi)->token.reveal(), "t2");
}

TEST_F(CacheFixture, TokenCache_ShortToken_RefreshesAtHalfItsLifetime) {
  lifetime = 60s;
  (void)cache.get_token(kOpenAi);
  clock->advance(29s);
  (void)cache.get_token(kOpenAi);
  EXPECT_EQ(inner->calls(), 1);
  clock->advance(2s);
  (void)cache.get_token(kOpenAi);
  EXPECT_EQ(inner->calls(), 2);
}

TEST_F(CacheFixture, TokenCache_FailedRefresh_KeepsServingValidTokenAndBacksOff) {
  const auto first = cache.get_token(kOpenAi);
  inner->set_behaviour([](const TokenRequest&, int) -> std::shared_ptr<const azure::AccessToken> {
    throw Error("Fake: Entra ID answered 503", ErrorCode::kHttpStatus);
  });
  clock->advance(56min);
  EXPECT_EQ(cache.get_token(kOpenAi)->token, first->token);  // refresh failed, old token served
  EXPECT_EQ(inner->calls(), 2);
  clock->advance(29s);
  EXPECT_EQ(cache.get_token(kOpenAi)->token, first->token);  // backing off: no new call
  EXPECT_EQ(inner->calls(), 2);
  clock->advance(2s);
  EXPECT_EQ(cache.get_token(kOpenAi)->token, first->token);  // tried again, failed again
  EXPECT_EQ(inner->calls(), 3);
}

TEST_F(CacheFixture, TokenCache_AfterExpiry_CallersGetTheError) {
  (void)cache.get_token(kOpenAi);
  inner->set_behaviour([](const TokenRequest&, int) -> std::shared_ptr<const azure::AccessToken> {
    throw Error("Fake: Entra ID answered 503", ErrorCode::kHttpStatus);
  });
  clock->advance(3600s);
  try {
    (void)cache.get_token(kOpenAi);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kHttpStatus);
    EXPECT_NE(std::string(e.what()).find("503"), std::string::npos);
  }
}

TEST_F(CacheFixture, TokenCache_TokenThatComesBackExpired_IsAnError) {
  inner->set_behaviour(
      [this](const TokenRequest&, int) { return make_token("old", clock->now() - 1s); });
  try {
    (void)cache.get_token(kOpenAi);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expired"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("old"), std::string::npos) << "token in message";
  }
}

TEST_F(CacheFixture, TokenCache_KeysAreSeparatePerScopeTenantAndClaims) {
  const TokenRequest other_scope{{"https://management.azure.com/.default"}, "", ""};
  const TokenRequest other_tenant{kOpenAi.scopes, "tenant-b", ""};
  const TokenRequest with_claims{kOpenAi.scopes, "", R"({"access_token":{}})"};
  const auto a = cache.get_token(kOpenAi);
  const auto b = cache.get_token(other_scope);
  const auto c = cache.get_token(other_tenant);
  const auto d = cache.get_token(with_claims);
  EXPECT_EQ(inner->calls(), 4);
  EXPECT_EQ(cache.get_token(kOpenAi)->token, a->token);
  EXPECT_EQ(cache.get_token(other_scope)->token, b->token);
  EXPECT_EQ(cache.get_token(other_tenant)->token, c->token);
  EXPECT_EQ(cache.get_token(with_claims)->token, d->token);
  EXPECT_EQ(inner->calls(), 4);
  EXPECT_NE(a->token, b->token);
}

TEST_F(CacheFixture, TokenCache_Invalidate_ForcesANewToken) {
  const auto a = cache.get_token(kOpenAi);
  cache.invalidate(kOpenAi);
  const auto b = cache.get_token(kOpenAi);
  EXPECT_EQ(inner->calls(), 2);
  EXPECT_NE(a->token, b->token);
}

TEST_F(CacheFixture, TokenCache_32ThreadsInRefreshWindow_MakeExactlyOneCall) {
  (void)cache.get_token(kOpenAi);
  clock->advance(56min);
  inner->block();
  std::vector<std::thread> threads;
  std::atomic<int> served{0};
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&] {
      if (cache.get_token(kOpenAi)) ++served;
    });
  }
  inner->wait_for_waiters(1);
  // The 31 others are served the still-valid token while the one refresh is blocked.
  while (served.load() < 31) std::this_thread::yield();
  inner->unblock();
  for (auto& t : threads) t.join();
  EXPECT_EQ(served.load(), 32);
  EXPECT_EQ(inner->calls(), 2);
}

TEST_F(CacheFixture, TokenCache_32ThreadsWithNoToken_ShareOneCall) {
  inner->block();
  std::vector<std::thread> threads;
  std::vector<std::string> got(32);
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&, i] { got[i] = std::string(cache.get_token(kOpenAi)->token.reveal()); });
  }
  inner->wait_for_waiters(1);
  std::this_thread::sleep_for(50ms);  // let the others queue behind the flight
  inner->unblock();
  for (auto& t : threads) t.join();
  EXPECT_EQ(inner->calls(), 1);
  for (const auto& g : got) EXPECT_EQ(g, got.front());
}

TEST_F(CacheFixture, TokenCache_WaitersOfAFailedFlight_GetItsError) {
  inner->set_behaviour([](const TokenRequest&, int) -> std::shared_ptr<const azure::AccessToken> {
    throw UnavailableError("Fake: not configured");
  });
  inner->block();
  std::atomic<int> unavailable{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      try {
        (void)cache.get_token(kOpenAi);
      } catch (const UnavailableError&) {
        ++unavailable;
      }
    });
  }
  inner->wait_for_waiters(1);
  std::this_thread::sleep_for(50ms);
  inner->unblock();
  for (auto& t : threads) t.join();
  EXPECT_EQ(unavailable.load(), 8);
  EXPECT_LE(inner->calls(), 8);
  EXPECT_GE(inner->calls(), 1);
}

TEST_F(CacheFixture, TokenCache_ManyThreadsHotPath_AreConsistent) {
  (void)cache.get_token(kOpenAi);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int n = 0; n < 20000; ++n) ASSERT_TRUE(cache.get_token(kOpenAi));
    });
  }
  for (int i = 0; i < 50; ++i) {
    clock->advance(60s);  // crosses the refresh point a few times
    std::this_thread::sleep_for(1ms);
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(inner->calls(), 1);
}

TEST(TokenCacheLifetime, TokenCache_DestroyedCache_DoesNotConfuseANewOne) {
  auto clock = std::make_shared<FakeClock>(kStart);
  for (int i = 0; i < 20; ++i) {
    auto inner = FakeTokenCredential::issuing("Fake", "tok-" + std::to_string(i), kStart + 3600s);
    TokenCache cache(inner, clock);
    EXPECT_EQ(cache.get_token(kOpenAi)->token.reveal(), "tok-" + std::to_string(i));
  }
}

}  // namespace
}  // namespace llmauth::testing
