#include "llmauth/azure/credentials/api_key.hpp"

#include "llmauth/core/http.hpp"

namespace llmauth::azure {

ApiKey::ApiKey(Secret key, std::string_view where) : key_(std::move(key)) {
  http::require_header_safe(key_, where);
}

std::optional<ApiKey> ApiKey::from_environment(const Ambient& ambient) {
  auto value = ambient.env(kApiKeyEnvVar);
  if (!value) return std::nullopt;
  return ApiKey(Secret(std::move(*value)), kApiKeyEnvVar);
}

}  // namespace llmauth::azure
