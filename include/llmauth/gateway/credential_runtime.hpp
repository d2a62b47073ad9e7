// CredentialRuntime: one provider's credential as the gateway holds it — fetched and refreshed
// off the request path, read by requests without waiting.
//
// Each runtime has a thread of its own that calls the provider's Authorizer::acquire() (which may
// talk to Entra ID, STS or IMDS, or run a process, and so may take seconds): at start, then ahead
// of expiry (the credential's refresh_at), and at once when a request found nothing valid. The
// result is published (core/published.hpp); requests read it with current(), a pointer copy. A
// failed fetch keeps the still-valid credential in service and is retried with backoff (1 s,
// doubling, at most 5 minutes); its error, scrubbed, is what a request that finds nothing valid
// is told. One fetch at a time per provider; providers never wait for each other.
//
// Every fetch is reported to `observer` (the audit line and the metrics): provider, outcome,
// source, expiry — never the credential.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "llmauth/core/clock.hpp"
#include "llmauth/core/published.hpp"
#include "llmauth/llm/authorizer.hpp"

namespace llmauth::gateway {

struct FetchReport {
  std::string provider;
  bool ok = false;
  bool refresh = false;  // not the first fetch of this runtime
  std::string source;
  std::optional<TimePoint> expires_at;
  std::string error;  // when !ok: the scrubbed message
  std::chrono::milliseconds took{0};
};
using FetchObserver = std::function<void(const FetchReport&)>;

class CredentialRuntime {
 public:
  CredentialRuntime(std::string provider, std::shared_ptr<llm::Authorizer> authorizer,
                    std::shared_ptr<const Clock> clock, FetchObserver observer = {});
  ~CredentialRuntime();  // stops the thread (waits for a fetch in progress)
  CredentialRuntime(const CredentialRuntime&) = delete;
  CredentialRuntime& operator=(const CredentialRuntime&) = delete;

  // Starts the thread; the first fetch begins at once.
  void start();

  // The credential, when one valid at `now` is held. Never waits.
  [[nodiscard]] std::shared_ptr<const llm::Credential> current(TimePoint now) const;
  // Nothing valid: ask for a fetch now, and run `done` (on this runtime's thread) once it has
  // finished, whatever its outcome. `done` must be quick (post to an event loop).
  void when_fetched(std::function<void()> done);
  // A request's answer says the credential was refused (401): stop handing it out and fetch a
  // new one now (requests wait for it).
  void invalidate();

  struct Status {
    std::string state;  // "pending" (never fetched), "ok", "failed" (nothing valid), "degraded"
                        // (the last refresh failed, the credential is still valid)
    std::string source;
    std::optional<TimePoint> expires_at;
    bool renewable = false;
    std::string last_error;
    long long fetches = 0;
    long long failures = 0;
  };
  [[nodiscard]] Status status() const;
  [[nodiscard]] std::string last_error() const;
  [[nodiscard]] const std::string& provider() const { return provider_; }
  [[nodiscard]] llm::Authorizer& authorizer() const { return *authorizer_; }

 private:
  void run();
  void fetch();

  std::string provider_;
  std::shared_ptr<llm::Authorizer> authorizer_;
  std::shared_ptr<const Clock> clock_;
  FetchObserver observer_;
  Published<llm::Credential> current_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool fetch_now_ = true;
  TimePoint next_fetch_{};
  int consecutive_failures_ = 0;
  std::string last_error_;
  long long fetches_ = 0;
  long long failures_ = 0;
  bool last_failed_ = false;
  std::vector<std::function<void()>> waiters_;
  std::thread thread_;
};

}  // namespace llmauth::gateway
