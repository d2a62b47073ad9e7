// TokenCache: wraps any TokenCredential, keeps one token per TokenRequest (scopes, tenant,
// claims) and refreshes it ahead of expiry:
//  - at the token's refresh_on when the source gave one (Entra's refresh_in, managed identity's
//    half lifetime), else `refresh_before` (5 min) ahead of expires_on; a token that lives less
//    than twice that is refreshed at half its remaining lifetime, so it is never refreshed on
//    its first use (as aws::Refreshing does);
//  - one refresh per request key at a time, however many threads ask: while a still-valid token
//    is being refreshed the other callers keep getting it; when there is no valid token they
//    wait for that one refresh and share its result (or its error);
//  - a failed refresh keeps the still-valid token in service and is retried no sooner than
//    `failure_backoff` (30 s) later; once the token has expired (or when there never was one),
//    callers get the error — the same one, without asking the source again, until the backoff
//    has passed;
//  - a token that comes back already expired is an error (and backs off the same way).
//
// The hot path (a fresh cached token) takes no lock and does no I/O: each thread keeps its own
// view of an immutable snapshot, checked against an atomic generation counter, and hands out
// shared_ptrs whose reference count lives in a per-thread control block, so threads do not
// fight over one cache line. The price: a thread's view keeps the tokens of a destroyed cache
// alive until that thread asks another cache (at most kThreadViews caches per thread) or exits.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/clock.hpp"
#include "llmauth/core/published.hpp"

namespace llmauth::azure {

struct TokenCacheOptions {
  std::chrono::seconds refresh_before{5 * 60};
  std::chrono::seconds failure_backoff{30};
};

class TokenCache final : public TokenCredential {
 public:
  TokenCache(CredentialPtr inner, std::shared_ptr<const Clock> clock,
             TokenCacheOptions options = {});
  ~TokenCache() override;
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return inner_->name(); }

  // Drops the token cached for `request`, so the next get_token() fetches a new one (after the
  // service answered 401 to it).
  void invalidate(const TokenRequest& request);
  // Drops every cached token.
  void clear();
  [[nodiscard]] const CredentialPtr& inner() const { return inner_; }

  // How many caches one thread keeps views of (the least recently added is dropped first).
  static constexpr std::size_t kThreadViews = 8;

  struct Entry;
  struct Snapshot;

 private:
  struct Flight;
  std::shared_ptr<const AccessToken> get_token_slow(const TokenRequest& request);
  void publish_locked(const TokenRequest& request, std::shared_ptr<const Entry> entry);
  [[nodiscard]] std::shared_ptr<const Entry> find_locked(const TokenRequest& request) const;

  CredentialPtr inner_;
  std::shared_ptr<const Clock> clock_;
  TokenCacheOptions options_;
  const std::uint64_t id_;

  alignas(64) std::atomic<std::uint64_t> generation_{1};
  Published<Snapshot> snapshot_;

  alignas(64) std::mutex mutex_;  // writers and the flight list; never held during a fetch
  std::vector<std::shared_ptr<Flight>> flights_;
  struct Failure {
    TokenRequest request;
    TimePoint next_try;
    std::exception_ptr error;
  };
  std::vector<Failure> failures_;  // requests with no valid token whose last fetch failed
};

}  // namespace llmauth::azure
