#include "llmauth/azure/token_cache.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <exception>

#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::azure {

struct TokenCache::Entry {
  Entry(TokenRequest r, std::shared_ptr<const AccessToken> t, TimePoint refresh, TimePoint next)
      : request(std::move(r)),
        token(std::move(t)),
        refresh_at(refresh),
        expires_at(token->expires_on),
        next_try(next) {}
  TokenRequest request;
  std::shared_ptr<const AccessToken> token;
  TimePoint refresh_at;
  TimePoint expires_at;
  TimePoint next_try;  // after a failed refresh: no new try before this
  // Set by the one caller that takes this entry's refresh from the lock-free path.
  mutable std::atomic_flag refreshing = ATOMIC_FLAG_INIT;
};

struct TokenCache::Snapshot {
  std::vector<std::shared_ptr<const Entry>> entries;
};

struct TokenCache::Flight {
  explicit Flight(TokenRequest r) : request(std::move(r)) {}
  TokenRequest request;
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::shared_ptr<const AccessToken> token;
  std::exception_ptr error;
};

namespace {

std::atomic<std::uint64_t> g_next_cache_id{1};

// One thread's view of one cache: the snapshot it last saw, and for each entry a shared_ptr to
// the token whose reference count lives in a control block only this thread touches.
struct LocalEntry {
  const TokenCache::Entry* entry = nullptr;
  std::shared_ptr<const AccessToken> token;
};
struct ThreadView {
  std::uint64_t cache_id = 0;
  std::uint64_t generation = 0;
  std::shared_ptr<const TokenCache::Snapshot> snapshot;  // keeps the entries alive
  std::vector<LocalEntry> entries;
};
// Set once this thread's views are destroyed (at thread exit, before static objects for the
// main thread): a cache used or destroyed after that must not touch them.
thread_local bool t_views_gone = false;
struct ThreadViews {
  std::array<ThreadView, TokenCache::kThreadViews> views;
  std::size_t next = 0;
  ThreadViews() = default;
  ThreadViews(const ThreadViews&) = delete;
  ThreadViews& operator=(const ThreadViews&) = delete;
  ~ThreadViews() { t_views_gone = true; }
};
thread_local ThreadViews t_views;

ThreadView& view_for(std::uint64_t cache_id) {
  for (auto& v : t_views.views) {
    if (v.cache_id == cache_id) return v;
  }
  ThreadView& v = t_views.views[t_views.next];
  t_views.next = (t_views.next + 1) % t_views.views.size();
  v = ThreadView{};
  v.cache_id = cache_id;
  return v;
}

std::shared_ptr<const AccessToken> thread_private(const std::shared_ptr<const AccessToken>& token) {
  // An aliasing pointer: copies of it count references in `holder`'s control block.
  auto holder = std::make_shared<const std::shared_ptr<const AccessToken>>(token);
  return std::shared_ptr<const AccessToken>(holder, holder->get());
}

}  // namespace

TokenCache::TokenCache(CredentialPtr inner, std::shared_ptr<const Clock> clock,
                       TokenCacheOptions options)
    : inner_(std::move(inner)),
      clock_(clock ? std::move(clock) : SystemClock::instance()),
      options_(options),
      id_(g_next_cache_id.fetch_add(1)) {
  if (!inner_) throw Error("TokenCache: no credential to cache", ErrorCode::kInvalidInput);
  snapshot_.store(std::make_shared<const Snapshot>());
}

TokenCache::~TokenCache() {
  if (t_views_gone) return;
  for (auto& v : t_views.views) {
    if (v.cache_id == id_) v = ThreadView{};
  }
}

std::shared_ptr<const AccessToken> TokenCache::get_token(const TokenRequest& request) {
  if (t_views_gone) return get_token_slow(request);  // called from a static destructor
  ThreadView& view = view_for(id_);
  const std::uint64_t generation = generation_.load(std::memory_order_acquire);
  if (view.generation != generation) {
    // Rebuild this thread's view, keeping the per-thread pointers of unchanged entries.
    auto snapshot = snapshot_.load();
    std::vector<LocalEntry> entries;
    entries.reserve(snapshot->entries.size());
    for (const auto& e : snapshot->entries) {
      const auto old = std::find_if(view.entries.begin(), view.entries.end(),
                                    [&](const LocalEntry& l) { return l.entry == e.get(); });
      entries.push_back(
          {e.get(), old != view.entries.end() ? old->token : thread_private(e->token)});
    }
    view.entries = std::move(entries);
    view.snapshot = std::move(snapshot);
    view.generation = generation;
  }
  for (const LocalEntry& local : view.entries) {
    const Entry& e = *local.entry;
    if (!(e.request == request)) continue;
    const TimePoint now = clock_->now();
    if (now < e.refresh_at) return local.token;  // the hot path: fresh
    if (now < e.expires_at &&
        (now < e.next_try || e.refreshing.test_and_set(std::memory_order_acq_rel))) {
      return local.token;  // still valid; backing off, or another caller is refreshing it
    }
    break;
  }
  return get_token_slow(request);
}

std::shared_ptr<const TokenCache::Entry> TokenCache::find_locked(
    const TokenRequest& request) const {
  const auto snapshot = snapshot_.load();
  for (const auto& e : snapshot->entries) {
    if (e->request == request) return e;
  }
  return nullptr;
}

void TokenCache::publish_locked(const TokenRequest& request, std::shared_ptr<const Entry> entry) {
  const auto old = snapshot_.load();
  auto next = std::make_shared<Snapshot>();
  next->entries.reserve(old->entries.size() + 1);
  bool replaced = false;
  for (const auto& e : old->entries) {
    if (e->request == request) {
      if (entry) next->entries.push_back(entry);
      replaced = true;
    } else {
      next->entries.push_back(e);
    }
  }
  if (!replaced && entry) next->entries.push_back(std::move(entry));
  snapshot_.store(std::move(next));
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<const AccessToken> TokenCache::get_token_slow(const TokenRequest& request) {
  std::shared_ptr<Flight> flight;
  std::shared_ptr<const Entry> current;
  bool leader = false;
  {
    std::lock_guard lock(mutex_);
    current = find_locked(request);
    const TimePoint now = clock_->now();
    if (current && now < current->refresh_at) return current->token;
    const bool valid = current && now < current->expires_at;
    for (const auto& f : flights_) {
      if (f->request == request) {
        flight = f;
        break;
      }
    }
    if (flight) {
      if (valid) return current->token;  // being refreshed: keep serving the valid one
    } else {
      if (valid && now < current->next_try) return current->token;  // backing off
      if (!valid) {
        // The last fetch failed not long ago: its error again, without asking the source.
        for (const auto& f : failures_) {
          if (f.request == request && now < f.next_try) std::rethrow_exception(f.error);
        }
      }
      flight = std::make_shared<Flight>(request);
      flights_.push_back(flight);
      leader = true;
    }
  }

  if (!leader) {
    std::unique_lock wait(flight->mutex);
    flight->done_cv.wait(wait, [&] { return flight->done; });
    if (flight->error) std::rethrow_exception(flight->error);
    return flight->token;
  }

  std::shared_ptr<const AccessToken> fresh;
  std::exception_ptr error;
  try {
    fresh = inner_->get_token(request);
    if (!fresh) throw Error(inner_->name() + " returned no token");
    const TimePoint now = clock_->now();
    if (fresh->expires_on <= now) {
      throw Error(inner_->name() + " returned a token that expired at " +
                  timefmt::format_iso8601(fresh->expires_on) + " (" +
                  timefmt::describe_remaining(fresh->expires_on, now) +
                  "); check the source and the system clock");
    }
  } catch (...) {
    error = std::current_exception();
    fresh.reset();
  }

  std::shared_ptr<const AccessToken> serve;
  {
    std::lock_guard lock(mutex_);
    flights_.erase(std::remove(flights_.begin(), flights_.end(), flight), flights_.end());
    std::erase_if(failures_, [&](const Failure& f) { return f.request == request; });
    const TimePoint now = clock_->now();
    if (fresh) {
      const auto lifetime = fresh->expires_on - now;
      TimePoint refresh_at;
      if (fresh->refresh_on && *fresh->refresh_on > now && *fresh->refresh_on < fresh->expires_on) {
        refresh_at = *fresh->refresh_on;
      } else {
        const auto before = std::min<TimePoint::duration>(options_.refresh_before, lifetime / 2);
        refresh_at = fresh->expires_on - before;
      }
      publish_locked(request,
                     std::make_shared<const Entry>(request, fresh, refresh_at, refresh_at));
      serve = fresh;
    } else {
      // Keep a still-valid token in service and wait before the next try.
      const auto latest = find_locked(request);
      if (latest && now < latest->expires_at) {
        publish_locked(request,
                       std::make_shared<const Entry>(request, latest->token, latest->refresh_at,
                                                     now + options_.failure_backoff));
        serve = latest->token;
      } else {
        failures_.push_back({request, now + options_.failure_backoff, error});
      }
    }
  }
  {
    std::lock_guard done(flight->mutex);
    flight->done = true;
    flight->token = fresh;
    flight->error = error;
  }
  flight->done_cv.notify_all();
  if (serve) return serve;
  std::rethrow_exception(error);
}

void TokenCache::invalidate(const TokenRequest& request) {
  std::lock_guard lock(mutex_);
  std::erase_if(failures_, [&](const Failure& f) { return f.request == request; });
  publish_locked(request, nullptr);
}

void TokenCache::clear() {
  std::lock_guard lock(mutex_);
  failures_.clear();
  snapshot_.store(std::make_shared<const Snapshot>());
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace llmauth::azure
