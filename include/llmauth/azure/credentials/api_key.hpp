// ApiKey: an Azure OpenAI resource key, sent as the `api-key` header (not an Entra token).
//
// from_environment() reads AZURE_OPENAI_API_KEY, as the openai SDK's AzureOpenAI client does.
// The key is validated once (one header-safe word) so a stray newline from a secrets file fails
// here with the variable's name, not later as a confusing 401.
#pragma once

#include <optional>
#include <string_view>

#include "llmauth/core/ambient.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::azure {

inline constexpr std::string_view kApiKeyHeader = "api-key";
inline constexpr std::string_view kApiKeyEnvVar = "AZURE_OPENAI_API_KEY";

class ApiKey {
 public:
  // Throws Error(kInvalidInput) naming `where` when the key is empty or not header-safe.
  ApiKey(Secret key, std::string_view where = "the API key");
  // nullopt when AZURE_OPENAI_API_KEY is not set.
  static std::optional<ApiKey> from_environment(const Ambient& ambient);

  [[nodiscard]] const Secret& key() const { return key_; }

 private:
  Secret key_;
};

}  // namespace llmauth::azure
