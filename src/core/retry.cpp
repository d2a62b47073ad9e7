#include "llmauth/core/retry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>
#include <thread>

#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::http {
namespace {

using std::chrono::milliseconds;

// A wrong secret or a malformed request never gets better by asking again.
constexpr int kNeverRetried[] = {400, 401};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A non-negative decimal number (fractions allowed: "1.5"); nullopt otherwise.
std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0) {
    return std::nullopt;
  }
  return value;
}

milliseconds clamp_ms(double ms) {
  constexpr double kMax = 24.0 * 3600 * 1000;  // a day: anything longer is nonsense
  return milliseconds(static_cast<long long>(std::clamp(ms, 0.0, kMax)));
}

bool retryable_status(int status, const RetryPolicy& policy) {
  if (std::find(std::begin(kNeverRetried), std::end(kNeverRetried), status) !=
      std::end(kNeverRetried)) {
    return false;
  }
  return std::find(policy.retry_statuses.begin(), policy.retry_statuses.end(), status) !=
         policy.retry_statuses.end();
}

// azure-core's backoff: initial * 2^(retry-1), times a jitter factor in [0.8, 1.3], capped;
// the AWS SDKs' full jitter: uniform in [0, min(cap, initial * 2^retry)].
milliseconds backoff(const RetryPolicy& policy, int retry) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const double initial = static_cast<double>(policy.initial_delay.count());
  const double cap = static_cast<double>(policy.max_delay.count());
  if (policy.backoff == RetryPolicy::Backoff::kConstant) return clamp_ms(initial);
  if (policy.backoff == RetryPolicy::Backoff::kFullJitter) {
    const double ceiling = std::min(cap, initial * std::pow(2.0, std::min(retry, 30)));
    std::uniform_real_distribution<double> uniform(0.0, std::max(0.0, ceiling));
    return clamp_ms(uniform(rng));
  }
  std::uniform_real_distribution<double> jitter(0.8, 1.3);
  const double base = initial * std::pow(2.0, std::min(retry - 1, 30));
  return clamp_ms(std::min(base * jitter(rng), cap));
}

}  // namespace

bool is_retryable_status(int status, const RetryPolicy& policy) {
  return retryable_status(status, policy);
}

milliseconds backoff_delay(const RetryPolicy& policy, int retry) { return backoff(policy, retry); }

std::optional<milliseconds> retry_after(const Response& response,
                                        std::chrono::system_clock::time_point now) {
  for (const char* name : {"retry-after-ms", "x-ms-retry-after-ms"}) {
    if (auto value = response.header(name)) {
      if (auto ms = parse_number(*value)) return clamp_ms(*ms);
    }
  }
  if (auto value = response.header("retry-after")) {
    if (auto seconds = parse_number(*value)) return clamp_ms(*seconds * 1000.0);
    if (auto when = timefmt::parse_http_date(*value)) {
      // The server's own clock, when it says what time it is, so that our skew does not count.
      if (auto date = response.header("date")) {
        if (auto server_now = timefmt::parse_http_date(*date)) now = *server_now;
      }
      const auto delta = *when - now;
      return clamp_ms(static_cast<double>(std::chrono::duration_cast<milliseconds>(delta).count()));
    }
  }
  return std::nullopt;
}

std::string describe_duration(milliseconds d) {
  const auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms >= 120000) {
    const auto s = (ms + 500) / 1000;
    return std::to_string(s / 60) + " min" +
           (s % 60 != 0 ? " " + std::to_string(s % 60) + " s" : "");
  }
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  if (ms >= 10000) return std::to_string((ms + 500) / 1000) + " s";
  std::string s = std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 + 1000).substr(1, 1);
  if (s.back() == '0') s.resize(s.size() - 2);
  return s + " s";
}

std::string attempts_note(int attempts, milliseconds elapsed) {
  if (attempts <= 1) return {};
  return " after " + std::to_string(attempts) + " attempts in " + describe_duration(elapsed);
}

std::string attempts_note(const Response& response) {
  return attempts_note(response.attempts, response.elapsed);
}

Response call(Transport& transport, const Request& request, const CallOptions& options) {
  const RetryPolicy& policy = options.retry;
  const int max_attempts = std::max(1, policy.max_attempts);
  const auto started = std::chrono::steady_clock::now();
  milliseconds slept_by_fake{0};
  const auto elapsed = [&] {
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started) +
           slept_by_fake;
  };
  const bool has_deadline = options.deadline.count() > 0;
  const auto remaining = [&] { return options.deadline - elapsed(); };

  bool delivered = false;
  BodySink counting;
  if (options.sink != nullptr) {
    counting = [&](std::string_view chunk) {
      delivered = true;
      return (*options.sink)(chunk);
    };
  }

  int attempts = 0;        // attempts made that count against the policy
  int sent = 0;            // every attempt, refresh retries included
  bool refreshed = false;  // one refresh per call
  for (;;) {
    Request r = request;
    if (options.prepare) options.prepare(r);
    if (has_deadline) {
      const milliseconds left = std::max(remaining(), milliseconds(1));
      r.connect_timeout = std::min(r.connect_timeout, left);
      r.first_byte_timeout = std::min(r.first_byte_timeout.value_or(left), left);
      // A stream's body is bounded by its idle and total timeouts, not by the deadline.
      if (options.sink == nullptr) r.timeout = std::min(r.timeout, left);
    }
    Redactor local;
    Redactor& secrets = options.redactor != nullptr ? *options.redactor : local;
    secrets = redactor_for(r, transport);
    ++attempts;
    ++sent;

    std::optional<milliseconds> asked;
    std::optional<Error> failure;
    try {
      Response response =
          options.sink != nullptr ? transport.send_streaming(r, counting) : transport.send(r);
      response.attempts = sent;
      response.elapsed = elapsed();
      Verdict verdict = Verdict::kDone;
      if (options.judge) {
        verdict = options.judge(response);
      } else if (retryable_status(response.status, policy)) {
        verdict = Verdict::kRetry;
      }
      if (verdict == Verdict::kRetryAfterRefresh) {
        if (!refreshed && !delivered) {
          refreshed = true;
          --attempts;  // a credential refresh is not a retry of the service's failure
          continue;
        }
        verdict = Verdict::kDone;
      }
      if (verdict != Verdict::kRetry || delivered || attempts >= max_attempts) return response;
      asked = retry_after(response);
      const milliseconds wait =
          asked ? std::min(*asked, policy.max_delay) : backoff(policy, attempts);
      if (has_deadline && wait >= remaining()) return response;  // no time for another try
      if (options.sleep) {
        options.sleep(wait);
        slept_by_fake += wait;
      } else if (wait.count() > 0) {
        std::this_thread::sleep_for(wait);
      }
      continue;
    } catch (const Error& e) {
      failure = e;
    }
    // A transport failure.
    const bool retry = policy.retry_transport_errors && failure->transient() && !delivered &&
                       attempts < max_attempts;
    const milliseconds wait = retry ? backoff(policy, attempts) : milliseconds(0);
    if (!retry || (has_deadline && wait >= remaining())) {
      std::string message = secrets.redact(failure->what());
      if (sent > 1) message += ";" + attempts_note(sent, elapsed());
      if (has_deadline && remaining().count() <= 0 && failure->code() == ErrorCode::kTimeout) {
        message += " (the call's deadline is " + describe_duration(options.deadline) + ")";
      }
      throw Error(message, failure->code(), failure->transient());
    }
    if (options.sleep) {
      options.sleep(wait);
      slept_by_fake += wait;
    } else if (wait.count() > 0) {
      std::this_thread::sleep_for(wait);
    }
  }
}

Response send_with_retries(Transport& transport, const Request& request, const RetryPolicy& policy,
                           const Sleeper& sleep) {
  CallOptions options;
  options.retry = policy;
  options.sleep = sleep;
  return call(transport, request, options);
}

}  // namespace llmauth::http
