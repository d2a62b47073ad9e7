// Short-term Amazon Bedrock API keys, minted from AWS credentials exactly as AWS's own
// @aws/bedrock-token-generator does: a SigV4-presigned
// `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken` (service "bedrock"), without
// its "https://", with "&Version=1" appended, base64-encoded and prefixed "bedrock-api-key-".
// It is sent as `Authorization: Bearer <token>` (or read from AWS_BEARER_TOKEN_BEDROCK).
//
// Minting is local: no network, no clock but the `now` it is given.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "llmauth/aws/credentials.hpp"
#include "llmauth/core/clock.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::aws {

inline constexpr std::string_view kBedrockTokenPrefix = "bedrock-api-key-";
// The service accepts at most 12 hours; it is also the reference's default.
inline constexpr std::chrono::seconds kBedrockTokenMaxExpiry{43200};
inline constexpr std::chrono::seconds kBedrockTokenDefaultExpiry = kBedrockTokenMaxExpiry;

struct BedrockToken {
  Secret token;          // "bedrock-api-key-…"
  TimePoint expires_at;  // signing time (whole seconds) + effective lifetime
};

// Mints a token valid for `expires` (1 s to 12 h) or until the credentials expire, whichever
// comes first. Throws Error(kInvalidInput) for an invalid region or lifetime or credentials
// without a key, and Error(kFailed) when the credentials are expired or expire within a second.
BedrockToken mint_bedrock_token(const Credentials& credentials, const std::string& region,
                                std::chrono::seconds expires, TimePoint now);

// What a token says about itself, without its signature or session token: for `llmauth aws
// bedrock-token --inspect` and for messages ("the Bedrock API key expired at …").
struct BedrockTokenInfo {
  std::string access_key_id;
  std::string region;
  TimePoint issued_at;
  std::chrono::seconds lifetime{0};
  TimePoint expires_at;
  bool has_session_token = false;
};

// nullopt when `token` is not a short-term Bedrock API key (a long-term key, or garbage).
std::optional<BedrockTokenInfo> inspect_bedrock_token(std::string_view token);

}  // namespace llmauth::aws
