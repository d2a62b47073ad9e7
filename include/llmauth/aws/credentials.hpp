// AWS credentials: an access key id, its secret, and for temporary credentials a session token
// and an expiry.
#pragma once

#include <optional>
#include <string>

#include "llmauth/core/clock.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::aws {

struct Credentials {
  std::string access_key_id;
  Secret secret_access_key;
  Secret session_token;  // empty for long-term keys
  std::optional<TimePoint> expiration;
  std::optional<std::string> account_id;
  // Which source produced them, in the user's words: "environment", "profile dev (shared
  // credentials file)", "assume role arn:aws:iam::…:role/x via profile dev", "IMDS role r".
  std::string source;

  [[nodiscard]] bool has_session_token() const { return !session_token.empty(); }
  [[nodiscard]] bool expired_at(TimePoint now) const { return expiration && *expiration <= now; }
  // "…WXYZ": the last four characters only, for display.
  [[nodiscard]] std::string masked_access_key_id() const;
};

// "…WXYZ" for any access key id.
std::string mask_access_key_id(const std::string& access_key_id);

}  // namespace llmauth::aws
