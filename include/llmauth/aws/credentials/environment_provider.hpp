// Credentials from environment variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN (or the older AWS_SECURITY_TOKEN), AWS_CREDENTIAL_EXPIRATION (ISO 8601),
// AWS_ACCOUNT_ID. Neither key set: unavailable. Only one of the two: an error (as botocore's
// PartialCredentialsError).
#pragma once

#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::aws {

class EnvironmentProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentProvider(Ambient ambient) : ambient_(std::move(ambient)) {}
  std::shared_ptr<const Credentials> resolve() override;
  [[nodiscard]] std::string name() const override { return "environment"; }

 private:
  Ambient ambient_;
};

}  // namespace llmauth::aws
