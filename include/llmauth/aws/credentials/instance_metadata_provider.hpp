// InstanceMetadataProvider: the EC2 instance role's credentials from the instance metadata
// service (IMDSv2, with botocore's fallback to IMDSv1).
//
//   PUT  /latest/api/token  (x-aws-ec2-metadata-token-ttl-seconds: 21600)   → session token
//   GET  /latest/meta-data/iam/security-credentials/        → role name (first line)
//   GET  /latest/meta-data/iam/security-credentials/<role>  → {"Code":"Success", AccessKeyId,
//                                                              SecretAccessKey, Token, Expiration}
// The GETs carry x-aws-ec2-metadata-token. The session token is cached until a minute before its
// TTL ends (and dropped when IMDS answers 401). A token PUT answered 403, 404 or 405, or timing
// out, falls back to IMDSv1 (GETs without a token) unless v1 is disabled; a 400 is an error.
//
// Reads (each: the environment variable, else the ImdsOptions field, else the default — the
// options carry what a profile says, and the environment wins, as in botocore):
//   AWS_EC2_METADATA_DISABLED=true           → UnavailableError, nothing is sent
//   AWS_EC2_METADATA_SERVICE_ENDPOINT        endpoint (default http://169.254.169.254)
//   AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE   IPv4 | IPv6 (IPv6: http://[fd00:ec2::254])
//   AWS_METADATA_SERVICE_TIMEOUT             seconds per request (default 1; decimals allowed)
//   AWS_METADATA_SERVICE_NUM_ATTEMPTS        attempts per request (default 1)
//   AWS_EC2_METADATA_V1_DISABLED=true        never fall back to IMDSv1
//
// Errors. Nothing answering (connection refused, every attempt timed out) and "no role attached"
// (the role listing answers 404 or is empty) are UnavailableError: botocore reads them as "not
// on EC2 / no credentials here" and the chain moves on. Once IMDS has answered, anything wrong is
// an Error: a 400 to the token PUT, IMDSv1 needed but disabled, 401 without a token (IMDSv2
// required but no token could be had), 5xx after every attempt, "Code" other than "Success",
// a malformed document. Messages name the endpoint and the step, never a token or a key.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::aws {

struct ImdsOptions {
  std::optional<std::string> endpoint;               // profile: ec2_metadata_service_endpoint
  std::optional<std::string> endpoint_mode;          // profile: ec2_metadata_service_endpoint_mode
  std::optional<std::chrono::milliseconds> timeout;  // profile: metadata_service_timeout
  std::optional<int> attempts;                       // profile: metadata_service_num_attempts
  std::optional<bool> v1_disabled;                   // profile: ec2_metadata_v1_disabled
  std::chrono::seconds token_ttl{21600};             // what the token PUT asks for (1 s … 6 h)
};

// The effective settings, from the environment and the options. Error(kInvalidInput) naming the
// variable for a malformed value. `disabled` is AWS_EC2_METADATA_DISABLED.
struct ImdsSettings {
  bool disabled = false;
  std::string endpoint;  // without a trailing '/'
  std::chrono::milliseconds timeout{1000};
  int attempts = 1;
  bool v1_disabled = false;
};
ImdsSettings imds_settings(const Ambient& ambient, const ImdsOptions& options = {});

inline constexpr std::string_view kImdsEndpointIPv4 = "http://169.254.169.254";
inline constexpr std::string_view kImdsEndpointIPv6 = "http://[fd00:ec2::254]";

class InstanceMetadataProvider final : public CredentialsProvider {
 public:
  explicit InstanceMetadataProvider(Ambient ambient, ImdsOptions options = {});

  std::shared_ptr<const Credentials> resolve() override;
  [[nodiscard]] std::string name() const override { return "imds"; }

 private:
  struct CachedToken {
    Secret value;
    TimePoint refresh_at;
    std::string endpoint;  // the endpoint that issued it
  };

  Ambient ambient_;
  ImdsOptions options_;
  std::mutex mutex_;  // one fetch at a time; guards token_
  std::optional<CachedToken> token_;
};

}  // namespace llmauth::aws
