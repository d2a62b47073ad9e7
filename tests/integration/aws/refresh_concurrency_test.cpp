// Refresh under load: credentials from STS that live a few seconds, 32 threads asking at once.
// Exactly one STS call per refresh, and no thread ever gets credentials the emulator considers
// expired (each thread signs with what it got and the emulator verifies).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "aws_test_support.hpp"
#include "llmauth/aws/credentials/assume_role_provider.hpp"
#include "llmauth/aws/credentials/refreshing.hpp"

namespace llmauth::testing {
namespace {

TEST(RefreshConcurrency, OneStsCallPerRefreshAndNoExpiredCredentials) {
  Emulator::get().reset();
  Emulator::get().config({{"credential_ttl_seconds", 4}});
  const Ambient ambient = emulator_ambient();
  auto assume = std::make_shared<aws::AssumeRoleProvider>(
      ambient, std::make_shared<aws::StaticProvider>(emulator_user()),
      aws::AssumeRoleParams{.role_arn = "arn:aws:iam::123456789012:role/short"},
      aws::StsOptions{.region = "us-east-1", .endpoint = Emulator::get().http_url()});
  aws::Refreshing refreshing(assume, ambient.clock_ptr());

  std::mutex mutex;
  std::set<std::string> keys_seen;
  std::atomic<int> rejected{0}, signed_ok{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(9);
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&] {
      while (std::chrono::steady_clock::now() < deadline) {
        const auto creds = refreshing.resolve();
        {
          std::lock_guard lock(mutex);
          keys_seen.insert(creds->access_key_id);
        }
        std::string body;
        if (echo_status(*creds, &body) == 200) {
          ++signed_ok;
        } else {
          ++rejected;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  for (auto& t : threads) t.join();

  const long long sts_calls = Emulator::get().counter("sts.AssumeRole");
  EXPECT_GE(keys_seen.size(), 3u) << "the credentials should have been refreshed several times";
  EXPECT_EQ(static_cast<long long>(keys_seen.size()), sts_calls)
      << "every STS call must have produced credentials that were used: one call per refresh";
  EXPECT_EQ(rejected.load(), 0) << "some thread signed with credentials the service refused";
  EXPECT_GT(signed_ok.load(), 500);
}

}  // namespace
}  // namespace llmauth::testing
