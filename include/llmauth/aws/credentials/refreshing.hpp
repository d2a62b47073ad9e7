// Refreshing: caches an expiring provider's credentials and refreshes them ahead of expiry,
// with botocore's two windows:
//  - advisory (15 min before expiry): one caller refreshes while everyone else keeps getting
//    the current credentials;
//  - mandatory (10 min before expiry): callers wait for that one refresh and share its result.
// For credentials that live shorter than the windows, the windows shrink to half and a quarter
// of the lifetime, so fresh credentials are never refreshed on their first use.
//
// One fetch at a time, however many threads ask: callers that must wait (nothing cached, or the
// mandatory window) share the one in flight and its outcome, success or error. A failed refresh,
// or one that returns credentials already expired, is not repeated for `failure_backoff`; while
// the cached credentials have not expired they keep being served (unlike botocore, which fails
// in the mandatory window: an STS outage must not take down callers whose credentials are still
// good); once they have, callers get the refresh's error — the same one, without asking the
// source again, until the backoff has passed.
//
// The hot path (fresh credentials) is one pointer copy under an uncontended lock and one clock
// read (core/published.hpp): no I/O, and never a wait for a refresh.
#pragma once

#include <chrono>
#include <exception>
#include <memory>

#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/core/clock.hpp"
#include "llmauth/core/published.hpp"
#include "llmauth/core/single_flight.hpp"

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
  // Drops the cached credentials (and a remembered failure) so the next resolve() fetches new
  // ones (after a 401/403).
  void invalidate();
  [[nodiscard]] const ProviderPtr& inner() const { return inner_; }

 private:
  struct Entry {
    std::shared_ptr<const Credentials> credentials;  // null: none yet (only a failure)
    TimePoint advisory_at = TimePoint::max();        // max() for credentials that do not expire
    TimePoint mandatory_at = TimePoint::max();
    TimePoint expires_at = TimePoint::max();
    TimePoint next_try = TimePoint::min();  // after a failure: no new fetch before this
    std::exception_ptr failure;             // the last fetch's error, while backing off
  };
  // The fetch every waiter shares: asks the source, publishes the outcome.
  std::shared_ptr<const Entry> refresh();

  ProviderPtr inner_;
  std::shared_ptr<const Clock> clock_;
  RefreshWindows windows_;
  Published<Entry> entry_;
  SingleFlight<Entry> flight_;
};

}  // namespace llmauth::aws
