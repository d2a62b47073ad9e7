// Regions and service endpoints, with the standard overrides.
//
// Region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's `region`.
// Endpoint for a service id ("STS", "Bedrock Runtime"): AWS_ENDPOINT_URL_<ID> (upper-cased,
// spaces and dashes to '_'), AWS_ENDPOINT_URL, the profile's `services` section, the profile's
// `endpoint_url`, then the regional default. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores
// all overrides.
#pragma once

#include <optional>
#include <string>

#include "llmauth/aws/shared_config.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::aws {

std::optional<std::string> resolve_region(const Ambient& ambient, const Profile* profile);

// "AWS_ENDPOINT_URL_BEDROCK_RUNTIME" for "Bedrock Runtime".
std::string endpoint_env_var(const std::string& service_id);

// The override, if any (see above). `services_key` is the key used in `[services x]` sections
// ("sts", "bedrock_runtime").
std::optional<std::string> endpoint_override(const Ambient& ambient, const std::string& service_id,
                                             const Profile* profile, const SharedConfig* config);

// An endpoint override as a base URL to append paths to: scheme://host[:port] and its path,
// without a trailing '/'. Throws Error(kInvalidInput) naming `what` when it is not an http(s) URL.
std::string endpoint_base_url(const std::string& endpoint, std::string_view what);

// "amazonaws.com", or "amazonaws.com.cn" for cn-* regions.
std::string dns_suffix(const std::string& region);

// Region names: lower-case letters, digits and dashes ("us-east-1"). Throws Error naming `what`.
void validate_region(const std::string& region, const std::string& what);

}  // namespace llmauth::aws
