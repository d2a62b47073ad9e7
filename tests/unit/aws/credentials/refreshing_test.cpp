#include "llmauth/aws/credentials/refreshing.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "llmauth/core/error.hpp"

namespace llmauth::aws {
namespace {

using namespace std::chrono_literals;

// A provider whose credentials live `lifetime` from the fake clock's now, counting calls.
class CountingProvider : public CredentialsProvider {
 public:
  CountingProvider(std::shared_ptr<FakeClock> clock, std::chrono::seconds lifetime)
      : clock_(std::move(clock)), lifetime_(lifetime) {}
  std::shared_ptr<const Credentials> resolve() override {
    const int n = ++calls;
    if (slow) std::this_thread::sleep_for(50ms);
    if (fail) throw Error("refresh failed on purpose");
    Credentials c;
    c.access_key_id = "AKIA" + std::to_string(n);
    c.secret_access_key = Secret("s" + std::to_string(n));
    c.expiration = clock_->now() + lifetime_;
    return std::make_shared<const Credentials>(std::move(c));
  }
  std::string name() const override { return "counting"; }
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  std::atomic<bool> slow{false};

 private:
  std::shared_ptr<FakeClock> clock_;
  std::chrono::seconds lifetime_;
};

struct Fixture {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>(TimePoint{} + 1000000h);
  std::shared_ptr<CountingProvider> inner = std::make_shared<CountingProvider>(clock, 3600s);
  Refreshing refreshing{inner, clock};
};

TEST(Refreshing, FreshCredentialsAreServedFromCache) {
  Fixture f;
  const auto a = f.refreshing.resolve();
  const auto b = f.refreshing.resolve();
  EXPECT_EQ(a, b);
  EXPECT_EQ(f.inner->calls, 1);
}

TEST(Refreshing, AdvisoryWindowRefreshes) {
  Fixture f;
  f.refreshing.resolve();
  f.clock->advance(3600s - 14min);  // 14 min left: advisory (15) but not mandatory (10)
  EXPECT_EQ(f.refreshing.resolve()->access_key_id, "AKIA2");
  EXPECT_EQ(f.inner->calls, 2);
}

TEST(Refreshing, FailedAdvisoryRefreshKeepsServingAndBacksOff) {
  Fixture f;
  f.refreshing.resolve();
  f.clock->advance(3600s - 14min);
  f.inner->fail = true;
  EXPECT_EQ(f.refreshing.resolve()->access_key_id, "AKIA1");
  EXPECT_EQ(f.refreshing.resolve()->access_key_id, "AKIA1");
  EXPECT_EQ(f.inner->calls, 2);  // the second call is inside the backoff
  f.clock->advance(11s);
  EXPECT_EQ(f.refreshing.resolve()->access_key_id, "AKIA1");
  EXPECT_EQ(f.inner->calls, 3);
}

TEST(Refreshing, FailedMandatoryRefresh_KeepsServingCredentialsThatHaveNotExpired) {
  // An STS outage 9 minutes before expiry: the credentials are good for 9 more minutes, so
  // callers keep getting them (botocore would fail here); the source is asked again only
  // after the backoff.
  Fixture f;
  f.refreshing.resolve();
  f.clock->advance(3600s - 9min);
  f.inner->fail = true;
  EXPECT_EQ(f.refreshing.resolve()->access_key_id, "AKIA1");
  EXPECT_EQ(f.refreshing.resolve()->access_key_id, "AKIA1");
  EXPECT_EQ(f.inner->calls, 2);
  f.clock->advance(11s);
  f.inner->fail = false;
  EXPECT_EQ(f.refreshing.resolve()->access_key_id, "AKIA3");
}

TEST(Refreshing, FailedRefreshAfterExpiry_IsAnErrorSharedDuringTheBackoff) {
  Fixture f;
  f.refreshing.resolve();
  f.clock->advance(3601s);
  f.inner->fail = true;
  for (int i = 0; i < 1000; ++i) EXPECT_THROW(f.refreshing.resolve(), Error);
  EXPECT_EQ(f.inner->calls, 2);  // one failed fetch; the other 999 got its error
  f.clock->advance(11s);
  EXPECT_THROW(f.refreshing.resolve(), Error);
  EXPECT_EQ(f.inner->calls, 3);
}

TEST(Refreshing, SourceReturningExpiredCredentials_IsNotAskedOnEveryCall) {
  auto clock = std::make_shared<FakeClock>(TimePoint{} + 1000000h);
  auto inner = std::make_shared<CountingProvider>(clock, -5s);
  Refreshing r(inner, clock);
  for (int i = 0; i < 1000; ++i) EXPECT_THROW(r.resolve(), Error);
  EXPECT_EQ(inner->calls, 1);
}

TEST(Refreshing, ColdStartFailure_IsOneSourceCallSharedByEveryWaitingThread) {
  Fixture f;
  f.inner->fail = true;
  f.inner->slow = true;  // 50 ms per call: every thread arrives while the first call runs
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      try {
        f.refreshing.resolve();
      } catch (const Error&) {
        ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 16);
  EXPECT_EQ(f.inner->calls, 1);
}

TEST(Refreshing, AlreadyExpiredCredentialsAreAnError) {
  auto clock = std::make_shared<FakeClock>(TimePoint{} + 1000000h);
  auto inner = std::make_shared<CountingProvider>(clock, -5s);
  Refreshing r(inner, clock);
  try {
    r.resolve();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expired"), std::string::npos) << e.what();
  }
}

TEST(Refreshing, ShortLivedCredentialsAreNotRefreshedOnFirstUse) {
  auto clock = std::make_shared<FakeClock>(TimePoint{} + 1000000h);
  auto inner = std::make_shared<CountingProvider>(clock, 60s);  // shorter than both windows
  Refreshing r(inner, clock);
  r.resolve();
  r.resolve();
  EXPECT_EQ(inner->calls, 1);
  clock->advance(31s);  // past half the lifetime: advisory
  r.resolve();
  EXPECT_EQ(inner->calls, 2);
}

TEST(Refreshing, CredentialsWithoutExpiryAreFetchedOnce) {
  auto clock = std::make_shared<FakeClock>(TimePoint{} + 1000000h);
  struct Forever : CredentialsProvider {
    int calls = 0;
    std::shared_ptr<const Credentials> resolve() override {
      ++calls;
      Credentials c;
      c.access_key_id = "AKIA";
      c.secret_access_key = Secret("s");
      return std::make_shared<const Credentials>(std::move(c));
    }
    std::string name() const override { return "forever"; }
  };
  auto inner = std::make_shared<Forever>();
  Refreshing r(inner, clock);
  r.resolve();
  clock->advance(24h * 365);
  r.resolve();
  EXPECT_EQ(inner->calls, 1);
}

TEST(Refreshing, ManyThreadsInTheMandatoryWindowCauseOneRefresh) {
  Fixture f;
  f.refreshing.resolve();
  f.clock->advance(3600s - 5min);
  f.inner->slow = true;
  std::vector<std::thread> threads;
  std::atomic<int> got_new{0};
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&] {
      if (f.refreshing.resolve()->access_key_id == "AKIA2") ++got_new;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.inner->calls, 2);
  EXPECT_EQ(got_new, 32);
}

TEST(Refreshing, InvalidateForcesAFetch) {
  Fixture f;
  f.refreshing.resolve();
  f.refreshing.invalidate();
  EXPECT_EQ(f.refreshing.resolve()->access_key_id, "AKIA2");
}

}  // namespace
}  // namespace llmauth::aws
