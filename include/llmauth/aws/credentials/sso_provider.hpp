// SsoProvider: credentials of an IAM Identity Center (SSO) profile, as botocore's SSOProvider and
// SSOCredentialFetcher get them: the role credentials that the SSO portal's GetRoleCredentials
// gives for the access token `aws sso login` cached (SsoTokenProvider refreshes it).
//
// Configuration (sso_config()): a profile is an SSO profile when it has sso_account_id or
// sso_role_name. It then needs both, and either
//   sso_session = NAME, with an `[sso-session NAME]` section of the config file holding
//   sso_start_url and sso_region (sso_registration_scopes is optional and only used by login), or
//   (legacy) sso_start_url and sso_region in the profile itself.
// A key found in both the profile and its sso-session must have the same value.
//
// GetRoleCredentials: GET {portal}/federation/credentials?role_name=R&account_id=A with the header
// x-amz-sso_bearer_token (unsigned), where {portal} is
// https://portal.sso.{sso_region}.amazonaws.com or the SSO endpoint override (AWS_ENDPOINT_URL_SSO,
// AWS_ENDPOINT_URL, the profile's services section). The answer: {"roleCredentials":
// {"accessKeyId", "secretAccessKey", "sessionToken", "expiration": epoch milliseconds}}. The token
// and the credentials are read again on every resolve(); wrap the provider in Refreshing to cache
// them.
//
// Errors (all Error: the profile is configured, the chain stops): the token errors of
// SsoTokenProvider; 401 UnauthorizedException (the SSO session expired or was revoked: "run
// `aws sso login --profile P`"); 403 ForbiddenException (no access to that role in that account);
// other statuses, timeouts and malformed answers. No message contains a token or a secret key.
#pragma once

#include <optional>
#include <string>

#include "llmauth/aws/credentials/sso_token.hpp"
#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/aws/shared_config.hpp"

namespace llmauth::aws {

struct SsoConfig {
  std::string profile;  // the profile that holds sso_account_id / sso_role_name
  std::string account_id;
  std::string role_name;
  SsoSession session;
};

// The SSO settings of `profile` (merged view) and its sso-session in `config`. nullopt when the
// profile is not an SSO profile; Error(kInvalidInput) naming the profile, the file and the
// missing or conflicting keys when it is one but incomplete.
std::optional<SsoConfig> sso_config(const Profile& profile, const SharedConfig& config);

struct SsoProviderOptions {
  // The portal endpoint override; nullopt: https://portal.sso.{sso_region}.amazonaws.com.
  std::optional<std::string> portal_endpoint;
  MetadataPolicy retry{.attempts = 3,
                       .timeout = std::chrono::seconds(10),
                       .retry_delay = std::chrono::milliseconds(200)};
  SsoTokenOptions token;  // the OIDC endpoint override, refresh window
};

class SsoProvider final : public CredentialsProvider {
 public:
  SsoProvider(Ambient ambient, SsoConfig config, SsoProviderOptions options = {});

  std::shared_ptr<const Credentials> resolve() override;
  [[nodiscard]] std::string name() const override { return "sso"; }

  // "https://portal.sso.us-east-1.amazonaws.com/federation/credentials?role_name=…&account_id=…"
  [[nodiscard]] const std::string& credentials_url() const { return url_; }

 private:
  Ambient ambient_;
  SsoConfig config_;
  SsoProviderOptions options_;
  SsoTokenProvider tokens_;
  std::string url_;
};

}  // namespace llmauth::aws
