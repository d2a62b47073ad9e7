// Clock skew: AWS refuses a SigV4 signature made more than 5 minutes before or after its own
// time ("Signature expired: 20240101T000000Z is now earlier than …", "Signature not yet
// current: …"). The usual cause is a wrong system clock, which the message does not say. This
// compares the time the request was signed at (its X-Amz-Date) with the server's Date header.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmauth::aws {

// For an error message that says the signature is expired or not yet current: "the request was
// signed at 2026-01-02T03:04:05Z by the local clock, which is 17 min behind AWS's (Date: …);
// fix the system time (NTP)". nullopt for any other message, or when either time is unknown.
std::optional<std::string> clock_skew_hint(std::string_view error_message,
                                           std::string_view signed_at,
                                           std::optional<std::string_view> server_date);

}  // namespace llmauth::aws
