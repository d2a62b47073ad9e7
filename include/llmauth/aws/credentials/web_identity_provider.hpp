// WebIdentityProvider: STS AssumeRoleWithWebIdentity with a token read from a file (EKS IRSA,
// GitHub Actions OIDC, …). The file is re-read on every call, since the platform rotates it.
//
// from_environment() reads AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME;
// a profile may give web_identity_token_file, role_arn, role_session_name instead (environment
// wins, key by key, as in botocore).
#pragma once

#include <optional>
#include <string>

#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/aws/shared_config.hpp"
#include "llmauth/aws/sts_client.hpp"

namespace llmauth::aws {

struct WebIdentityConfig {
  std::string token_file;
  std::string role_arn;
  std::string role_session_name;  // empty: generated
  std::optional<int> duration_seconds;
};

class WebIdentityProvider final : public CredentialsProvider {
 public:
  WebIdentityProvider(Ambient ambient, WebIdentityConfig config, StsOptions sts);

  // From the environment and (optionally) a profile. UnavailableError when no token file is
  // configured; Error when a token file is but no role ARN is.
  static std::shared_ptr<WebIdentityProvider> from_environment(const Ambient& ambient,
                                                               const Profile* profile,
                                                               bool use_env, StsOptions sts);

  std::shared_ptr<const Credentials> resolve() override;
  [[nodiscard]] std::string name() const override { return "web-identity"; }

 private:
  Ambient ambient_;
  WebIdentityConfig config_;
  StsClient sts_;
};

}  // namespace llmauth::aws
