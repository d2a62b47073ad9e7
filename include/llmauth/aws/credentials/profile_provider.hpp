// ProfileProvider: credentials for a named profile of the shared config/credentials files,
// resolved in botocore's order (create_credential_resolver, ProfileProviderBuilder):
//   1. assume role: `role_arn` with `source_profile` or `credential_source` (Environment,
//      Ec2InstanceMetadata, EcsContainer); optional external_id, role_session_name,
//      duration_seconds; `mfa_serial` is refused (it needs a person at a prompt);
//   2. web identity: `web_identity_token_file` + `role_arn` (AWS_WEB_IDENTITY_TOKEN_FILE /
//      AWS_ROLE_ARN when env_web_identity);
//   3. IAM Identity Center (SSO): `sso_account_id` / `sso_role_name` with `sso_session` or the
//      legacy `sso_start_url` / `sso_region` (SsoProvider; the token `aws sso login` cached);
//   4. static keys in the credentials file;
//   5. `credential_process`;
//   6. static keys in the config file.
// In the top profile `role_arn` wins over everything else; in a source profile static keys win
// over its `role_arn`, and then steps 2-6 decide (so an SSO source profile gives the source
// credentials of an assume role). Cycles are refused (a profile may name itself as source only
// with static keys). STS endpoint and region: the profile's `region` / AWS_REGION, and endpoint
// overrides; SSO: AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC and the other overrides.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "llmauth/aws/credentials/container_provider.hpp"
#include "llmauth/aws/credentials/instance_metadata_provider.hpp"
#include "llmauth/aws/credentials/process_provider.hpp"
#include "llmauth/aws/credentials/sso_provider.hpp"
#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/aws/shared_config.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::aws {

struct ProfileProviderOptions {
  // The profile was asked for by name (--profile, a provider config): a missing profile is an
  // error. Otherwise (the implicit "default") a missing profile is "unavailable".
  bool explicit_profile = true;
  // Also read AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN (the default chain, implicit profile).
  bool env_web_identity = false;
  ProcessProviderOptions process;
  SsoProviderOptions sso;  // timeouts and retries (the endpoints come from the overrides)
  ContainerProviderOptions container;
  ImdsOptions imds;
};

class ProfileProvider final : public CredentialsProvider {
 public:
  ProfileProvider(Ambient ambient, std::string profile, ProfileProviderOptions options = {});
  std::shared_ptr<const Credentials> resolve() override;
  [[nodiscard]] std::string name() const override { return "profile " + profile_; }

 private:
  std::shared_ptr<const Credentials> resolve_profile(const SharedConfig& config,
                                                     const std::string& name,
                                                     std::vector<std::string>& visited,
                                                     bool top_level);
  std::shared_ptr<const Credentials> from_profile_sources(const SharedConfig& config,
                                                         const Profile& profile, bool top_level);
  std::shared_ptr<const Credentials> assume_role(const SharedConfig& config, const Profile& profile,
                                                 std::vector<std::string>& visited);
  std::shared_ptr<const Credentials> from_credential_source(const Profile& profile,
                                                            const std::string& source);

  Ambient ambient_;
  std::string profile_;
  ProfileProviderOptions options_;
};

}  // namespace llmauth::aws
