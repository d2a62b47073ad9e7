// CredentialsProvider: one source of AWS credentials (environment, a profile, STS, a process,
// a container endpoint, IMDS).
//
// resolve() throws UnavailableError when the source is not configured here (the default chain
// moves on) and Error when it is configured but fails (the chain stops with that error).
#pragma once

#include <memory>
#include <string>

#include "llmauth/aws/credentials.hpp"

namespace llmauth::aws {

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  [[nodiscard]] virtual std::shared_ptr<const Credentials> resolve() = 0;
  // A short name for chains and messages: "environment", "imds", "container", …
  [[nodiscard]] virtual std::string name() const = 0;
};

using ProviderPtr = std::shared_ptr<CredentialsProvider>;

// Always returns the same credentials (access keys given in a config or on the command line).
class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials credentials);
  std::shared_ptr<const Credentials> resolve() override { return credentials_; }
  [[nodiscard]] std::string name() const override { return "static"; }

 private:
  std::shared_ptr<const Credentials> credentials_;
};

}  // namespace llmauth::aws
