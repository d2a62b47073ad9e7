// DefaultChain: the AWS default credential chain, in botocore's order:
//   environment → profile (assume role, web identity, credentials file, credential_process,
//   config file) → container (ECS / EKS Pod Identity) → instance metadata (IMDSv2).
// The profile is AWS_PROFILE (or AWS_DEFAULT_PROFILE, else "default"). An explicit profile
// (--profile, a provider config) skips the environment provider, as botocore does for a
// profile given to the session. A profile named by AWS_PROFILE that exists in neither file is an
// error, even when AWS_ACCESS_KEY_ID is set (botocore's ProfileNotFound).
//
// The first walk runs once however many threads ask (they share its outcome).
//
// A source that is not configured is skipped; the first that is configured decides: it gives
// credentials or its error stops the chain. Every attempt is recorded (attempts()), and the
// error when nothing gave credentials lists them all. After a source has won, later calls go to
// it directly (its credentials cached and refreshed by Refreshing).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "llmauth/aws/credentials/profile_provider.hpp"
#include "llmauth/aws/credentials/refreshing.hpp"
#include "llmauth/aws/shared_config.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/single_flight.hpp"

namespace llmauth::aws {

struct DefaultChainOptions {
  std::optional<std::string> profile;  // explicit profile name
  ProfileProviderOptions providers;    // timeouts for process, container, IMDS
  RefreshWindows windows;
};

struct Attempt {
  enum class Outcome { kUnavailable, kFailed, kSucceeded };
  std::string provider;
  Outcome outcome = Outcome::kUnavailable;
  std::string detail;
};

class ChainError : public Error {
 public:
  ChainError(const std::string& message, std::vector<Attempt> attempts, ErrorCode code)
      : Error(message, code), attempts_(std::move(attempts)) {}
  [[nodiscard]] const std::vector<Attempt>& attempts() const { return attempts_; }

 private:
  std::vector<Attempt> attempts_;
};

class DefaultChain final : public CredentialsProvider {
 public:
  explicit DefaultChain(Ambient ambient, DefaultChainOptions options = {});

  // Throws ChainError (code kUnavailable when no source was configured, else the failing
  // source's code) listing every attempt.
  std::shared_ptr<const Credentials> resolve() override;
  [[nodiscard]] std::string name() const override { return "default-chain"; }

  // The attempts of the last walk of the chain.
  [[nodiscard]] std::vector<Attempt> attempts() const;
  [[nodiscard]] const std::string& profile_name() const { return profile_; }
  // The region for this profile: AWS_REGION, AWS_DEFAULT_REGION, the profile's region.
  [[nodiscard]] std::optional<std::string> region() const;
  void invalidate();

 private:
  std::shared_ptr<const Credentials> walk();
  void check_profile_named_by_environment() const;

  Ambient ambient_;
  DefaultChainOptions options_;
  std::string profile_;
  std::vector<ProviderPtr> providers_;
  mutable std::mutex mutex_;
  std::vector<Attempt> attempts_;
  std::shared_ptr<Refreshing> winner_;
  SingleFlight<Credentials> walk_;
};

}  // namespace llmauth::aws
