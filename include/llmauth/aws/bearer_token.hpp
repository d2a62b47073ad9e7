// Bedrock API keys used as bearer tokens (`Authorization: Bearer <key>` instead of SigV4).
//
// The ambient form is botocore's: AWS_BEARER_TOKEN_<SIGNING NAME> (upper-cased, '-' and ' ' to
// '_'), i.e. AWS_BEARER_TOKEN_BEDROCK. An explicit key (a provider config) is simply a Secret;
// the seed system could not pass one explicitly, llmauth can.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "llmauth/core/ambient.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::aws {

// "AWS_BEARER_TOKEN_BEDROCK" for "bedrock".
std::string bearer_token_env_var(std::string_view signing_name);

// The key from the environment, if set. Throws Error(kInvalidInput) naming the variable when the
// value cannot be a header value (CR, LF, spaces, control characters).
std::optional<Secret> bearer_token_from_environment(const Ambient& ambient,
                                                    std::string_view signing_name = "bedrock");

// Throws Error(kInvalidInput) naming `where` when `token` cannot be sent as a bearer token.
void validate_bearer_token(const Secret& token, std::string_view where);

}  // namespace llmauth::aws
