#include "llmauth/aws/credentials/refreshing.hpp"

#include <algorithm>

#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::aws {

Refreshing::Refreshing(ProviderPtr inner, std::shared_ptr<const Clock> clock,
                       RefreshWindows windows)
    : inner_(std::move(inner)), clock_(std::move(clock)), windows_(windows) {}

void Refreshing::invalidate() { entry_.store(nullptr); }

std::shared_ptr<const Credentials> Refreshing::resolve() {
  auto current = entry_.load(std::memory_order_acquire);
  const TimePoint now = clock_->now();
  if (current && now < current->advisory_at) return current->credentials;  // the hot path

  if (current && now < current->mandatory_at) {
    // Advisory window: one caller tries; everyone else keeps the current credentials.
    if (now >= current->next_advisory_try) {
      std::unique_lock lock(refresh_mutex_, std::try_to_lock);
      if (lock.owns_lock()) {
        try {
          return refresh_locked(current, /*mandatory=*/false)->credentials;
        } catch (const Error&) {
          // Keep serving what we have; refresh_locked recorded the backoff.
        }
      }
    }
    return current->credentials;
  }

  std::lock_guard lock(refresh_mutex_);
  return refresh_locked(current, /*mandatory=*/true)->credentials;
}

std::shared_ptr<const Refreshing::Entry> Refreshing::refresh_locked(
    const std::shared_ptr<const Entry>& seen, bool mandatory) {
  // Another thread may have refreshed while this one waited for the lock.
  auto current = entry_.load(std::memory_order_acquire);
  TimePoint now = clock_->now();
  if (current && current != seen && now < current->mandatory_at) return current;

  std::shared_ptr<const Credentials> fresh;
  try {
    fresh = inner_->resolve();
  } catch (const Error&) {
    if (!mandatory && current) {
      auto backoff = std::make_shared<Entry>(*current);
      backoff->next_advisory_try = now + windows_.failure_backoff;
      entry_.store(backoff, std::memory_order_release);
    }
    throw;
  }
  now = clock_->now();
  if (fresh->expired_at(now)) {
    throw Error(inner_->name() + " returned credentials that expired at " +
                timefmt::format_iso8601(*fresh->expiration) + " (" +
                timefmt::describe_remaining(*fresh->expiration, now) +
                "); check the source and the system clock");
  }
  auto entry = std::make_shared<Entry>();
  entry->credentials = fresh;
  if (!fresh->expiration) {
    entry->advisory_at = entry->mandatory_at = TimePoint::max();
  } else {
    const auto lifetime = *fresh->expiration - now;
    const auto advisory = std::min<TimePoint::duration>(windows_.advisory, lifetime / 2);
    const auto mandatory = std::min<TimePoint::duration>(windows_.mandatory, lifetime / 4);
    entry->advisory_at = *fresh->expiration - advisory;
    entry->mandatory_at = *fresh->expiration - mandatory;
  }
  entry->next_advisory_try = entry->advisory_at;
  entry_.store(entry, std::memory_order_release);
  return entry;
}

}  // namespace llmauth::aws
