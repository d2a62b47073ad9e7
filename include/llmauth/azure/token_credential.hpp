// TokenCredential: one source of Microsoft Entra access tokens (a service principal's secret or
// certificate, a workload identity, a managed identity, the Azure CLI, …).
//
// get_token() throws UnavailableError when the source is not configured here (a chain moves
// on) and Error when it is configured but fails (a chain stops with that error), as in the
// official SDKs. Messages name the credential ("ClientSecretCredential: …") and never contain a
// secret or a token.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/core/clock.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::azure {

// The scope Azure OpenAI (Cognitive Services) expects.
inline constexpr std::string_view kCognitiveServicesScope =
    "https://cognitiveservices.azure.com/.default";

struct TokenRequest {
  std::vector<std::string> scopes;  // usually one, ending in "/.default"
  std::string tenant_id;            // empty: the credential's own tenant
  std::string claims;               // a claims challenge (JSON), usually empty

  bool operator==(const TokenRequest&) const = default;
};

struct AccessToken {
  Secret token;
  TimePoint expires_on;
  // When to refresh: from the service's refresh_in, or derived by the credential (managed
  // identity: half the lifetime for tokens of 2 h or more). nullopt: the cache decides.
  std::optional<TimePoint> refresh_on;
  std::string credential;  // the name of the credential that produced it
};

class TokenCredential {
 public:
  virtual ~TokenCredential() = default;
  [[nodiscard]] virtual std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) = 0;
  // "ClientSecretCredential", "ManagedIdentityCredential", …
  [[nodiscard]] virtual std::string name() const = 0;
};

using CredentialPtr = std::shared_ptr<TokenCredential>;

// "https://cognitiveservices.azure.com/.default" → "https://cognitiveservices.azure.com"
// (managed identity and the CLIs take a resource). Throws Error(kInvalidInput) unless exactly
// one scope is given.
std::string scope_to_resource(const std::vector<std::string>& scopes, std::string_view who);

}  // namespace llmauth::azure
