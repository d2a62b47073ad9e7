// Parsing the JSON token answers of Entra ID, managed identity endpoints and the developer
// CLIs into an AccessToken. One parser serves them all: they differ only in field names and in
// how they spell expiry (expires_in seconds, expires_on epoch seconds — numbers or numeric
// strings — or an RFC 3339 / local time string).
#pragma once

#include <string_view>

#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/clock.hpp"

namespace llmauth::azure {

struct TokenResponseFields {
  std::string_view token = "access_token";
  bool expires_in = true;   // relative seconds
  bool expires_on = true;   // epoch seconds
  bool refresh_in = true;   // relative seconds (Entra)
};

// Throws Error(kInvalidInput) naming `what` and the JSON path; never quotes a value. A token that
// is already expired is an error.
AccessToken parse_token_response(std::string_view body, std::string_view what,
                                 std::string_view credential, TimePoint now,
                                 const TokenResponseFields& fields = {});

}  // namespace llmauth::azure
