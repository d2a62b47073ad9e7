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
#include <string_view>

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

// The shape of an AWS region name: us-east-1, eu-central-2, us-gov-west-1, cn-north-1,
// us-isob-east-1, eusc-de-east-1 ([a-z]{2}-[a-z]+-N, or a partition prefix of 2-4 letters and a
// second word, as in us-gov-west-1). Catches "us-east-1x", "mars-1", "US-EAST-1", "us_east_1".
bool is_region(std::string_view name);

// Throws Error(kInvalidInput) "WHAT: 'x' is not an AWS region (…)" unless is_region(region).
void validate_region(const std::string& region, const std::string& what);

// The region an AWS host name carries, if any: "eu-west-1" for bedrock-runtime.eu-west-1.
// amazonaws.com, vpce-….bedrock-runtime.us-west-2.vpce.amazonaws.com or
// bucket.s3.us-west-2.amazonaws.com; nullopt for other hosts (127.0.0.1, a gateway) and for global
// endpoints (sts.amazonaws.com). AWS hosts end in amazonaws.com, amazonaws.com.cn or api.aws.
std::optional<std::string> region_in_host(std::string_view host);
bool is_aws_host(std::string_view host);

}  // namespace llmauth::aws
