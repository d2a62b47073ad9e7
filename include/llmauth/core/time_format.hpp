// Timestamps as the services spell them: ISO 8601 / RFC 3339 (credential expiry), the compact
// SigV4 forms (20150830T123600Z, 20150830), HTTP dates, and epoch seconds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "llmauth/core/clock.hpp"

namespace llmauth::timefmt {

// Parses "2026-01-02T03:04:05Z", "2026-01-02T03:04:05.123Z", "2026-01-02T03:04:05+01:00",
// "2026-01-02 03:04:05Z" and the compact "20260102T030405Z". nullopt when it is none of these.
std::optional<TimePoint> parse_iso8601(std::string_view text);

// An HTTP date in the IMF-fixdate form RFC 9110 makes senders use: "Sun, 06 Nov 1994 08:49:37
// GMT" (Date, Retry-After, Expires). nullopt for anything else.
std::optional<TimePoint> parse_http_date(std::string_view text);

// "2026-01-02T03:04:05Z" (UTC, whole seconds).
std::string format_iso8601(TimePoint t);

// "20260102T030405Z" and "20260102" (SigV4).
std::string format_amz_date(TimePoint t);
std::string format_amz_day(TimePoint t);

// Seconds from now until t, negative when t is past; for messages ("expires in 41 min").
std::string describe_remaining(TimePoint t, TimePoint now);

}  // namespace llmauth::timefmt
