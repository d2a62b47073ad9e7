// The refresh primitive's hot path: aws::Refreshing::resolve() on fresh credentials, and
// Published<T>::load() (a mutex-guarded shared_ptr copy) beside std::atomic<std::shared_ptr>
// (which in libstdc++ 12 is a spin lock in the pointer's low bit, invisible to ThreadSanitizer).
// 1 and 2 threads: the second shows what two cores reading one value at once cost.
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>

#include "llmauth/aws/credentials/refreshing.hpp"
#include "llmauth/core/published.hpp"

namespace {

using namespace llmauth;

std::shared_ptr<const aws::Credentials> credentials() {
  aws::Credentials c;
  c.access_key_id = "ASIAEXAMPLE";
  c.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  c.session_token = Secret("session-token");
  c.expiration = std::chrono::system_clock::now() + std::chrono::hours(1);
  return std::make_shared<const aws::Credentials>(std::move(c));
}

class Fixed final : public aws::CredentialsProvider {
 public:
  std::shared_ptr<const aws::Credentials> resolve() override { return credentials(); }
  std::string name() const override { return "fixed"; }
};

void BM_Refreshing_FreshHit(benchmark::State& state) {
  static aws::Refreshing refreshing(std::make_shared<Fixed>(), SystemClock::instance());
  (void)refreshing.resolve();
  for (auto _ : state) {
    auto c = refreshing.resolve();
    benchmark::DoNotOptimize(c.get());
  }
}
BENCHMARK(BM_Refreshing_FreshHit)->Threads(1)->Threads(2)->UseRealTime();

void BM_Published_Load(benchmark::State& state) {
  static Published<aws::Credentials> slot(credentials());
  for (auto _ : state) {
    auto c = slot.load();
    benchmark::DoNotOptimize(c.get());
  }
}
BENCHMARK(BM_Published_Load)->Threads(1)->Threads(2)->UseRealTime();

void BM_Baseline_AtomicSharedPtr_Load(benchmark::State& state) {
  static std::atomic<std::shared_ptr<const aws::Credentials>> slot{credentials()};
  for (auto _ : state) {
    auto c = slot.load(std::memory_order_acquire);
    benchmark::DoNotOptimize(c.get());
  }
}
BENCHMARK(BM_Baseline_AtomicSharedPtr_Load)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
