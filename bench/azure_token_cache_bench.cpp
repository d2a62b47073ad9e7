// TokenCache hot path: get_token() on a cached, fresh token. Issue #3's target: ≤ 100 ns
// single-threaded, and scaling across 2 threads (no shared cache line written per call).
// The baseline shows what one std::atomic<std::shared_ptr> load plus a shared_ptr copy of one
// shared token costs (the reference-count ping-pong the cache avoids).
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>

#include "llmauth/azure/token_cache.hpp"

namespace {

using namespace llmauth;

class FixedCredential final : public azure::TokenCredential {
 public:
  std::shared_ptr<const azure::AccessToken> get_token(const azure::TokenRequest&) override {
    auto t = std::make_shared<azure::AccessToken>();
    t->token = Secret("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.bench.token");
    t->expires_on = std::chrono::system_clock::now() + std::chrono::hours(1);
    t->credential = "Fixed";
    return t;
  }
  std::string name() const override { return "Fixed"; }
};

const azure::TokenRequest kRequest{{std::string(azure::kCognitiveServicesScope)}, "", ""};

azure::TokenCache& shared_cache() {
  static azure::TokenCache cache(std::make_shared<FixedCredential>(), SystemClock::instance());
  return cache;
}

void BM_TokenCache_FreshHit(benchmark::State& state) {
  auto& cache = shared_cache();
  (void)cache.get_token(kRequest);
  for (auto _ : state) {
    auto token = cache.get_token(kRequest);
    benchmark::DoNotOptimize(token.get());
  }
}
BENCHMARK(BM_TokenCache_FreshHit)->Threads(1)->Threads(2)->UseRealTime();

// Eight keys cached; the one asked for is the last.
void BM_TokenCache_FreshHit_8Keys(benchmark::State& state) {
  static azure::TokenCache cache(std::make_shared<FixedCredential>(), SystemClock::instance());
  azure::TokenRequest last;
  for (int i = 0; i < 8; ++i) {
    last = {{"https://resource-" + std::to_string(i) + ".example/.default"}, "", ""};
    (void)cache.get_token(last);
  }
  for (auto _ : state) {
    auto token = cache.get_token(last);
    benchmark::DoNotOptimize(token.get());
  }
}
BENCHMARK(BM_TokenCache_FreshHit_8Keys)->Threads(1)->Threads(2)->UseRealTime();

// Baseline: the obvious design (one atomic<shared_ptr> snapshot, shared token refcount).
void BM_Baseline_AtomicSharedPtrLoad(benchmark::State& state) {
  static std::atomic<std::shared_ptr<const azure::AccessToken>> slot{
      FixedCredential().get_token(kRequest)};
  for (auto _ : state) {
    auto token = slot.load(std::memory_order_acquire);
    benchmark::DoNotOptimize(token.get());
  }
}
BENCHMARK(BM_Baseline_AtomicSharedPtrLoad)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
