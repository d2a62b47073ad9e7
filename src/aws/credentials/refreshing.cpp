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
  const auto current = entry_.load();
  const TimePoint now = clock_->now();
  if (current && current->credentials && now < current->advisory_at) {
    return current->credentials;  // the hot path
  }
  const bool valid = current && current->credentials && now < current->expires_at;
  const bool backing_off = current && now < current->next_try;

  if (valid) {
    if (backing_off) return current->credentials;
    if (now < current->mandatory_at) {
      // Advisory window: one caller refreshes; nobody waits for it.
      std::shared_ptr<const Entry> fresh;
      try {
        if (flight_.try_run([this] { return refresh(); }, fresh) && fresh->credentials &&
            !fresh->failure) {
          return fresh->credentials;
        }
      } catch (const Error&) {
        // Recorded with its backoff by refresh(); the current credentials are still good.
      }
      return current->credentials;
    }
    // Mandatory window: wait for the one refresh; if it fails, what we hold is still valid.
    try {
      const auto fresh = flight_.run([this] { return refresh(); });
      if (fresh->credentials && !fresh->failure) return fresh->credentials;
    } catch (const Error&) {
    }
    return current->credentials;
  }

  // Nothing valid: every caller waits for the one fetch and shares its outcome.
  if (backing_off && current->failure) std::rethrow_exception(current->failure);
  return flight_.run([this] { return refresh(); })->credentials;
}

std::shared_ptr<const Refreshing::Entry> Refreshing::refresh() {
  const auto before = entry_.load();
  std::shared_ptr<const Credentials> fresh;
  std::exception_ptr failure;
  try {
    fresh = inner_->resolve();
    const TimePoint now = clock_->now();
    if (!fresh) throw Error(inner_->name() + " returned no credentials");
    if (fresh->expired_at(now)) {
      throw Error(inner_->name() + " returned credentials that expired at " +
                  timefmt::format_iso8601(*fresh->expiration) + " (" +
                  timefmt::describe_remaining(*fresh->expiration, now) +
                  "); check the source and the system clock");
    }
  } catch (const Error&) {
    failure = std::current_exception();
  }

  const TimePoint now = clock_->now();
  auto entry = std::make_shared<Entry>();
  if (failure) {
    // Keep what we had (still served while valid) and remember the failure for the backoff.
    if (before) {
      entry->credentials = before->credentials;
      entry->advisory_at = before->advisory_at;
      entry->mandatory_at = before->mandatory_at;
      entry->expires_at = before->expires_at;
    }
    entry->next_try = now + windows_.failure_backoff;
    entry->failure = failure;
    entry_.store(entry);
    std::rethrow_exception(failure);
  }
  entry->credentials = fresh;
  if (fresh->expiration) {
    const auto lifetime = *fresh->expiration - now;
    const auto advisory = std::min<TimePoint::duration>(windows_.advisory, lifetime / 2);
    const auto mandatory = std::min<TimePoint::duration>(windows_.mandatory, lifetime / 4);
    entry->expires_at = *fresh->expiration;
    entry->advisory_at = *fresh->expiration - advisory;
    entry->mandatory_at = *fresh->expiration - mandatory;
  }
  entry_.store(entry);
  return entry;
}

}  // namespace llmauth::aws
