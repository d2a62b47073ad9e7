#include "llmauth/gateway/credential_runtime.hpp"

#include <algorithm>

#include "llmauth/core/error.hpp"
#include "llmauth/core/redactor.hpp"

namespace llmauth::gateway {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Backoff after consecutive failures: 1 s, 2 s, 4 s, … at most 5 minutes.
TimePoint::duration backoff(int failures) {
  const auto ms = std::min<long long>(300'000, 1000LL << std::min(failures - 1, 20));
  return milliseconds(ms);
}

// The thread re-reads the clock at least this often, so a clock that jumps (or a test's fake
// clock) is noticed.
constexpr auto kMaxSleep = seconds(1);

}  // namespace

CredentialRuntime::CredentialRuntime(std::string provider,
                                     std::shared_ptr<llm::Authorizer> authorizer,
                                     std::shared_ptr<const Clock> clock, FetchObserver observer)
    : provider_(std::move(provider)),
      authorizer_(std::move(authorizer)),
      clock_(clock ? std::move(clock) : SystemClock::instance()),
      observer_(std::move(observer)) {}

CredentialRuntime::~CredentialRuntime() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Whoever still waits is told: the fetch they waited for will not come.
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(mutex_);
    waiters.swap(waiters_);
  }
  for (auto& w : waiters) w();
}

void CredentialRuntime::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

std::shared_ptr<const llm::Credential> CredentialRuntime::current(TimePoint now) const {
  auto c = current_.load();
  if (c && c->valid_at(now)) return c;
  return nullptr;
}

void CredentialRuntime::when_fetched(std::function<void()> done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      done();
      return;
    }
    waiters_.push_back(std::move(done));
    // A request with nothing valid does not wait for the backoff of a failed fetch.
    fetch_now_ = true;
  }
  wake_.notify_all();
}

void CredentialRuntime::invalidate() {
  // The service refused what we hold: stop handing it out (requests wait for the new one rather
  // than send the refused one again), drop the authorizer's own cache, fetch now.
  current_.store(nullptr);
  authorizer_->invalidate();
  {
    std::lock_guard lock(mutex_);
    fetch_now_ = true;
  }
  wake_.notify_all();
}

CredentialRuntime::Status CredentialRuntime::status() const {
  Status s;
  const auto c = current_.load();
  const TimePoint now = clock_->now();
  std::lock_guard lock(mutex_);
  s.fetches = fetches_;
  s.failures = failures_;
  s.last_error = last_error_;
  if (c) {
    s.source = c->source;
    s.expires_at = c->expires_at;
    s.renewable = c->renewable;
  }
  if (fetches_ == 0) {
    s.state = "pending";
  } else if (!c || !c->valid_at(now)) {
    s.state = "failed";
  } else {
    s.state = last_failed_ ? "degraded" : "ok";
  }
  return s;
}

std::string CredentialRuntime::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void CredentialRuntime::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const TimePoint now = clock_->now();
    if (fetch_now_ || now >= next_fetch_) {
      fetch_now_ = false;
      lock.unlock();
      fetch();
      lock.lock();
      std::vector<std::function<void()>> waiters;
      waiters.swap(waiters_);
      lock.unlock();
      for (auto& w : waiters) w();
      lock.lock();
      continue;
    }
    const auto until_due = next_fetch_ - now;
    wake_.wait_for(lock, std::min<TimePoint::duration>(until_due, kMaxSleep));
  }
}

void CredentialRuntime::fetch() {
  const auto before = current_.load();
  FetchReport report;
  report.provider = provider_;
  {
    std::lock_guard lock(mutex_);
    report.refresh = fetches_ > 0;  // not the first fetch (the credential may have been dropped)
  }
  const auto started = std::chrono::steady_clock::now();
  std::shared_ptr<const llm::Credential> fresh;
  try {
    fresh = authorizer_->acquire();
    if (!fresh) throw Error("the credential source returned nothing");
  } catch (const std::exception& e) {
    // Messages of credential errors are built to hold no secret; scrubbing them once more
    // costs nothing and guards the audit log.
    report.error = sanitize_untrusted(e.what(), 1000);
  }
  report.took =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  const TimePoint now = clock_->now();
  {
    std::lock_guard lock(mutex_);
    ++fetches_;
    if (fresh) {
      current_.store(fresh);
      consecutive_failures_ = 0;
      last_failed_ = false;
      last_error_.clear();
      // Never sooner than a second from now: a source that hands back a credential already in
      // its refresh window would otherwise be asked in a loop.
      next_fetch_ = fresh->renewable ? std::max<TimePoint>(fresh->refresh_at, now + seconds(1))
                                     : TimePoint::max();
      // A fixed credential that expires is not fetched again (it cannot change), but its expiry
      // is reported; nothing more to do.
      report.ok = true;
      report.source = fresh->source;
      report.expires_at = fresh->expires_at;
    } else {
      ++failures_;
      ++consecutive_failures_;
      last_failed_ = true;
      last_error_ = report.error;
      next_fetch_ = now + backoff(consecutive_failures_);
      if (before) report.source = before->source;
    }
  }
  if (observer_) observer_(report);
}

}  // namespace llmauth::gateway
