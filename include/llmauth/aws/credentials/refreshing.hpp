// Refreshing: caches an expiring provider's credentials and refreshes them ahead of expiry,
// with botocore's two windows:
//  - advisory (15 min before expiry): one caller refreshes; if that fails the current
//    credentials keep being served (and the next advisory try waits `failure_backoff`);
//  - mandatory (10 min before expiry): callers wait for the refresh and get its error if it
//    fails.
// For credentials that live shorter than the windows, the windows shrink to half and a quarter
// of the lifetime, so fresh credentials are never refreshed on their first use.
// The hot path (fresh credentials) is one atomic load and one clock read: no lock, no I/O.
// Only one refresh runs at a time however many threads ask.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/core/clock.hpp"

namespace llmauth::aws {

struct RefreshWindows {
  std::chrono::seconds advisory{15 * 60};
  std::chrono::seconds mandatory{10 * 60};
  std::chrono::seconds failure_backoff{10};
};

class Refreshing final : public CredentialsProvider {
 public:
  Refreshing(ProviderPtr inner, std::shared_ptr<const Clock> clock, RefreshWindows windows = {});

  std::shared_ptr<const Credentials> resolve() override;
  [[nodiscard]] std::string name() const override { return inner_->name(); }
  // Drops the cached credentials so the next resolve() fetches new ones (after a 401/403).
  void invalidate();
  [[nodiscard]] const ProviderPtr& inner() const { return inner_; }

 private:
  struct Entry {
    std::shared_ptr<const Credentials> credentials;
    TimePoint advisory_at;   // max() for credentials that do not expire
    TimePoint mandatory_at;
    TimePoint next_advisory_try;
  };
  std::shared_ptr<const Entry> refresh_locked(const std::shared_ptr<const Entry>& current,
                                              bool mandatory);

  ProviderPtr inner_;
  std::shared_ptr<const Clock> clock_;
  RefreshWindows windows_;
  std::atomic<std::shared_ptr<const Entry>> entry_;
  std::mutex refresh_mutex_;
};

}  // namespace llmauth::aws
