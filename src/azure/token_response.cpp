#include "llmauth/azure/token_response.hpp"

#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::azure {

AccessToken parse_token_response(std::string_view body, std::string_view what,
                                 std::string_view credential, TimePoint now,
                                 const TokenResponseFields& fields) {
  const auto doc = json::parse(body, what);
  if (!doc.is_object()) {
    throw Error(std::string(what) + ": expected a JSON object", ErrorCode::kInvalidInput);
  }
  AccessToken out;
  out.credential = std::string(credential);
  auto token = json::optional_string(doc, fields.token, what);
  if (!token || token->empty()) {
    throw Error(std::string(what) + ": /" + std::string(fields.token) + " is missing",
                ErrorCode::kInvalidInput);
  }
  out.token = Secret(std::move(*token));

  std::optional<TimePoint> expires;
  if (fields.expires_on) {
    if (auto on = json::optional_integer(doc, "expires_on", what)) {
      expires = TimePoint(std::chrono::seconds(*on));
    }
  }
  if (!expires && fields.expires_in) {
    if (auto in = json::optional_integer(doc, "expires_in", what)) {
      expires = now + std::chrono::seconds(*in);
    }
  }
  if (!expires) {
    throw Error(std::string(what) + ": the answer has no expiry (expires_in / expires_on)",
                ErrorCode::kInvalidInput);
  }
  if (*expires <= now) {
    throw Error(std::string(what) + ": the token expired at " + timefmt::format_iso8601(*expires) +
                " (" + timefmt::describe_remaining(*expires, now) +
                "); check the system clock");
  }
  out.expires_on = *expires;
  if (fields.refresh_in) {
    if (auto in = json::optional_integer(doc, "refresh_in", what); in && *in > 0) {
      out.refresh_on = now + std::chrono::seconds(*in);
    }
  }
  return out;
}

}  // namespace llmauth::azure
