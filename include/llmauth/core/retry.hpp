// Retries for HTTP calls to token endpoints (and later model endpoints), as azure-core does:
// exponential backoff with jitter from `initial_delay`, capped at `max_delay`, on the listed
// statuses and on transport errors (connect failures, timeouts), honouring the service's
// retry-after-ms / x-ms-retry-after-ms / Retry-After (seconds or an HTTP date) headers.
// A 400 or 401 is never retried: a wrong secret must fail fast.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "llmauth/core/http.hpp"

namespace llmauth::http {

struct RetryPolicy {
  int max_attempts = 4;  // the first try and 3 retries
  std::chrono::milliseconds initial_delay{800};
  std::chrono::milliseconds max_delay{60000};
  std::vector<int> retry_statuses{408, 429, 500, 502, 503, 504};
  bool retry_transport_errors = true;
};

using Sleeper = std::function<void(std::chrono::milliseconds)>;

// Sends `request` until a non-retryable answer or the attempts run out. Returns the last
// response (which may carry an error status); throws the last transport Error when every
// attempt failed in transport. `sleep` is for tests (default: std::this_thread::sleep_for).
Response send_with_retries(Transport& transport, const Request& request, const RetryPolicy& policy,
                           const Sleeper& sleep = {});

// Whether the policy retries this status (never 400 or 401, whatever the list says).
bool is_retryable_status(int status, const RetryPolicy& policy);
// The backoff before retry number `retry` (1 = the first retry): exponential with jitter, capped.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry);

// The delay a response asks for (retry-after-ms, x-ms-retry-after-ms, Retry-After), if any.
std::optional<std::chrono::milliseconds> retry_after(const Response& response);

}  // namespace llmauth::http
