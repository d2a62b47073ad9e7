// ContainerProvider: credentials from the container credentials endpoint (ECS task roles, EKS
// Pod Identity).
//
// Reads:
//   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI  appended to http://169.254.170.2 (wins)
//   AWS_CONTAINER_CREDENTIALS_FULL_URI      any https URL; over plain http only a loopback
//                                           host, 169.254.170.2, 169.254.170.23 or
//                                           fd00:ec2::23
//   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE  the Authorization header, re-read on every call
//                                           (wins; one trailing line break is dropped)
//   AWS_CONTAINER_AUTHORIZATION_TOKEN       the Authorization header
// Neither URI variable set: UnavailableError. Everything else that goes wrong is an Error (the
// source is configured): a URI outside the allow-list, a token with CR/LF, a missing token file,
// a 4xx answer (kHttpStatus, at once), 5xx or no answer after every attempt (kHttpStatus,
// kTimeout, kNetwork), a malformed document (kInvalidInput). The answer must carry AccessKeyId,
// SecretAccessKey, Token and Expiration; AccountId is kept when present.
#pragma once

#include <chrono>
#include <string>

#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::aws {

struct ContainerProviderOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(2)};      // per attempt (botocore: 2 s)
  int attempts = 3;                                                // botocore: 3
  std::chrono::milliseconds retry_delay{std::chrono::seconds(1)};  // botocore sleeps 1 s
};

// The URL the provider would call, from the environment. UnavailableError when neither URI
// variable is set; Error(kInvalidInput) for a malformed URL or a plain-http host outside the
// allow-list.
std::string container_credentials_url(const Ambient& ambient);

class ContainerProvider final : public CredentialsProvider {
 public:
  explicit ContainerProvider(Ambient ambient, ContainerProviderOptions options = {});

  std::shared_ptr<const Credentials> resolve() override;
  [[nodiscard]] std::string name() const override { return "container"; }

 private:
  Ambient ambient_;
  ContainerProviderOptions options_;
};

}  // namespace llmauth::aws
