#include "llmauth/aws/clock_skew.hpp"

#include <chrono>

#include "llmauth/core/retry.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::aws {

std::optional<std::string> clock_skew_hint(std::string_view error_message,
                                           std::string_view signed_at,
                                           std::optional<std::string_view> server_date) {
  const bool about_time = error_message.find("Signature expired") != std::string_view::npos ||
                          error_message.find("not yet current") != std::string_view::npos ||
                          error_message.find("RequestTimeTooSkewed") != std::string_view::npos;
  if (!about_time || signed_at.empty() || !server_date) return std::nullopt;
  const auto ours = timefmt::parse_iso8601(signed_at);
  const auto theirs = timefmt::parse_http_date(*server_date);
  if (!ours || !theirs) return std::nullopt;
  const auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(*ours - *theirs);
  const auto magnitude = skew.count() < 0 ? -skew : skew;
  return "the request was signed at " + timefmt::format_iso8601(*ours) +
         " by the local clock, which is " + http::describe_duration(magnitude) +
         (skew.count() < 0 ? " behind" : " ahead of") +
         " the server's (Date: " + timefmt::format_iso8601(*theirs) +
         "); AWS accepts 5 minutes of difference: fix the system time (NTP)";
}

}  // namespace llmauth::aws
