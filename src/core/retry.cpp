#include "llmauth/core/retry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <locale>
#include <random>
#include <sstream>
#include <thread>

#include "llmauth/core/error.hpp"

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
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value,
                                         std::chars_format::fixed);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value < 0) {
    return std::nullopt;
  }
  return value;
}

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the form RFC 9110 makes senders use.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  std::istringstream in{std::string(trim(text))};
  in.imbue(std::locale::classic());
  std::tm tm{};
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail()) return std::nullopt;
  const std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
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

bool transport_failure(const Error& e) {
  return e.code() == ErrorCode::kNetwork || e.code() == ErrorCode::kTimeout;
}

// azure-core's backoff: initial * 2^(retry-1), times a jitter factor in [0.8, 1.3], capped.
milliseconds backoff(const RetryPolicy& policy, int retry) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.8, 1.3);
  const double base = static_cast<double>(policy.initial_delay.count()) *
                      std::pow(2.0, std::min(retry - 1, 30));
  const double capped = std::min(base * jitter(rng), static_cast<double>(policy.max_delay.count()));
  return clamp_ms(capped);
}

}  // namespace

bool is_retryable_status(int status, const RetryPolicy& policy) {
  return retryable_status(status, policy);
}

milliseconds backoff_delay(const RetryPolicy& policy, int retry) { return backoff(policy, retry); }

std::optional<milliseconds> retry_after(const Response& response) {
  for (const char* name : {"retry-after-ms", "x-ms-retry-after-ms"}) {
    if (auto value = response.header(name)) {
      if (auto ms = parse_number(*value)) return clamp_ms(*ms);
    }
  }
  if (auto value = response.header("retry-after")) {
    if (auto seconds = parse_number(*value)) return clamp_ms(*seconds * 1000.0);
    if (auto when = parse_http_date(*value)) {
      const auto delta = *when - std::chrono::system_clock::now();
      return clamp_ms(
          static_cast<double>(std::chrono::duration_cast<milliseconds>(delta).count()));
    }
  }
  return std::nullopt;
}

Response send_with_retries(Transport& transport, const Request& request, const RetryPolicy& policy,
                           const Sleeper& sleep) {
  const int attempts = std::max(1, policy.max_attempts);
  auto wait = [&](milliseconds d) {
    if (sleep) {
      sleep(d);
    } else if (d.count() > 0) {
      std::this_thread::sleep_for(d);
    }
  };
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= attempts;
    std::optional<milliseconds> asked;
    try {
      Response response = transport.send(request);
      if (last || !retryable_status(response.status, policy)) return response;
      asked = retry_after(response);
    } catch (const Error& e) {
      if (last || !policy.retry_transport_errors || !transport_failure(e)) throw;
    }
    // The service's own request wins over our backoff, but never beyond max_delay.
    wait(asked ? std::min(*asked, policy.max_delay) : backoff(policy, attempt));
  }
}

}  // namespace llmauth::http
