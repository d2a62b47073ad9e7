// STS: AssumeRole (signed), AssumeRoleWithWebIdentity (unsigned), GetCallerIdentity (signed).
//
// Endpoint: https://sts.{region}.amazonaws.com (https://sts.amazonaws.com, signed for us-east-1,
// when no region is known), or an override (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, profile).
// Retries transient transport errors, throttling and 5xx up to 3 attempts with AWS's full-jitter
// backoff, all within `timeout` (the whole call's deadline); 4xx answers (access denied, bad
// signature) fail at once with STS's code and message, scrubbed of every secret the request
// carried, with a hint when the local clock is off.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "llmauth/aws/credentials.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/retry.hpp"

namespace llmauth::aws {

struct StsOptions {
  std::string region;                   // empty: the global endpoint, signed for us-east-1
  std::optional<std::string> endpoint;  // full URL override
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // the whole call, retries included
  int max_attempts = 3;
  http::Sleeper sleep;  // tests: replaces the pause between attempts
};

struct AssumeRoleParams {
  std::string role_arn;
  std::string role_session_name;
  std::optional<std::string> external_id;
  std::optional<int> duration_seconds;
  std::optional<std::string> policy;  // an inline session policy (JSON)
};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

class StsClient {
 public:
  StsClient(Ambient ambient, StsOptions options);

  Credentials assume_role(const Credentials& source, const AssumeRoleParams& params) const;
  Credentials assume_role_with_web_identity(const AssumeRoleParams& params,
                                            const Secret& web_identity_token) const;
  CallerIdentity get_caller_identity(const Credentials& credentials) const;

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }
  [[nodiscard]] const std::string& signing_region() const { return signing_region_; }

 private:
  // `body_secret`: a secret the form carries (a web identity token), hidden from messages.
  std::string call(const std::string& action, const std::string& form, const Credentials* signer,
                   const Secret* body_secret) const;
  Ambient ambient_;
  StsOptions options_;
  std::string endpoint_;
  std::string signing_region_;
};

// Checks the AWS rules for role ARNs and session names; throws Error(kInvalidInput) naming `what`.
void validate_role_arn(const std::string& arn, const std::string& what);
void validate_role_session_name(const std::string& name, const std::string& what);

namespace detail {
// Parses an AssumeRole / AssumeRoleWithWebIdentity XML answer (exposed for the fuzz target).
Credentials parse_sts_credentials(const std::string& body, const std::string& action,
                                  const std::string& endpoint);
}  // namespace detail

}  // namespace llmauth::aws
