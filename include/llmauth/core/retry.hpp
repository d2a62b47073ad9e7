// http::call — the one retry engine. Every HTTP call of the library goes through it: token
// endpoints (Entra ID, managed identity, SSO), STS, the metadata services and the model
// endpoints.
//
// A call has a deadline: `CallOptions::deadline` bounds the whole call — every attempt and every
// pause between attempts — as the Azure and AWS SDKs' total-timeout settings do. Each attempt's
// own timeouts are shrunk to what is left of it; a pause that would outlast it is not taken, the
// last answer (or error) stands. For a streamed call the deadline runs until the answer's first
// byte; the body is then bounded by the request's idle timeout and its total timeout.
//
// Retries: exponential backoff with jitter (azure-core's, or AWS's "full jitter"), on the
// policy's statuses and on transient transport errors (a dropped connection, a timeout — not a
// TLS verification failure or a refused loopback port: Error::transient()), honouring the
// service's retry-after-ms / x-ms-retry-after-ms / Retry-After (seconds or an HTTP date). A 400 or
// 401 is never retried: a wrong secret must fail fast. A streamed call is never retried once its
// body has begun to reach the sink. The final answer says how many attempts it took and how long
// (Response::attempts, ::elapsed); an error thrown after several attempts says so in its message
// ("… after 4 attempts in 26 s").
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "llmauth/core/http.hpp"
#include "llmauth/core/redactor.hpp"

namespace llmauth::http {

struct RetryPolicy {
  int max_attempts = 4;  // the first try and 3 retries
  std::chrono::milliseconds initial_delay{800};
  std::chrono::milliseconds max_delay{60000};
  std::vector<int> retry_statuses{408, 429, 500, 502, 503, 504};
  bool retry_transport_errors = true;
  enum class Backoff {
    kExponential,  // azure-core: initial × 2^(n−1) × a jitter factor in [0.8, 1.3], capped
    kFullJitter,   // AWS SDKs: uniform in [0, min(max_delay, initial × 2^n)]
    kConstant,     // initial each time (botocore's metadata fetchers)
  };
  Backoff backoff = Backoff::kExponential;
};

using Sleeper = std::function<void(std::chrono::milliseconds)>;

// What a caller makes of an answer (CallOptions::judge).
enum class Verdict {
  kDone,               // return it
  kRetry,              // retry it (counts against max_attempts, after a backoff)
  kRetryAfterRefresh,  // the caller dropped a stale credential: try once more at once
};

struct CallOptions {
  RetryPolicy retry;
  // The whole call, retries and pauses included. Zero: no deadline beyond each attempt's own
  // timeouts.
  std::chrono::milliseconds deadline{0};
  // Replaces the wait between attempts (tests). The time it is asked to wait counts towards the
  // deadline as if it had passed.
  Sleeper sleep;
  // Called on a fresh copy of the request before each attempt: authorize it, sign it.
  std::function<void(Request&)> prepare;
  // Decides about an answer. Empty: retry the policy's statuses (never 400/401).
  std::function<Verdict(const Response&)> judge;
  // A streamed body goes here (Transport::send_streaming).
  const BodySink* sink = nullptr;
  // Filled with the secrets of the attempt being made (redactor_for), before its body reaches
  // the sink: messages built from the answer, mid-stream ones included, are scrubbed with it.
  Redactor* redactor = nullptr;
};

// Sends `request` until an answer the judge accepts, the attempts run out or the deadline
// passes. Returns the last answer, whatever its status. Throws the last transport Error (its
// message scrubbed of the request's secrets, and saying how many attempts were made when more
// than one) when no attempt got an answer, or what `prepare` throws.
Response call(Transport& transport, const Request& request, const CallOptions& options);

// call() with the policy's own judgement and no deadline (token endpoints' historical form).
Response send_with_retries(Transport& transport, const Request& request, const RetryPolicy& policy,
                           const Sleeper& sleep = {});

// Whether the policy retries this status (never 400 or 401, whatever the list says).
bool is_retryable_status(int status, const RetryPolicy& policy);
// The backoff before retry number `retry` (1 = the first retry).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry);

// The delay a response asks for (retry-after-ms, x-ms-retry-after-ms, Retry-After), if any.
// An HTTP date is measured against the response's own Date header when it has one (so a skewed
// local clock does not matter), else against `now`.
std::optional<std::chrono::milliseconds> retry_after(
    const Response& response,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// " after 4 attempts in 26 s" for an answer that took more than one attempt; "" otherwise.
std::string attempts_note(const Response& response);
std::string attempts_note(int attempts, std::chrono::milliseconds elapsed);

// "1 s", "300 ms", "1.5 s", "2 min 5 s": a duration for messages.
std::string describe_duration(std::chrono::milliseconds d);

}  // namespace llmauth::http
