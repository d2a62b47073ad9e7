// AssumeRoleProvider: credentials for a role, obtained from STS AssumeRole with credentials
// from another provider (access keys, a profile, the default chain, IMDS, …).
// Every resolve() calls STS; wrap it in Refreshing to cache (the default chain and the client
// factory do).
#pragma once

#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/aws/sts_client.hpp"

namespace llmauth::aws {

class AssumeRoleProvider final : public CredentialsProvider {
 public:
  AssumeRoleProvider(Ambient ambient, ProviderPtr source, AssumeRoleParams params,
                     StsOptions sts);
  std::shared_ptr<const Credentials> resolve() override;
  [[nodiscard]] std::string name() const override { return "assume-role"; }

 private:
  ProviderPtr source_;
  AssumeRoleParams params_;
  StsClient sts_;
};

// "llmauth-<epoch seconds>", the default role session name (botocore uses botocore-session-N).
std::string default_role_session_name(TimePoint now);

}  // namespace llmauth::aws
