// AzureDeveloperCliCredential: the token of the account signed in to the Azure Developer CLI,
// from `azd auth token --output json --scope S [--tenant-id T] --no-prompt`.
//
// Runs without a shell, with the ambient environment and a timeout (10 s); scope and tenant are
// checked first (Error kInvalidInput). Unavailable: `azd` not on PATH, or not logged in
// ("azd auth login" in its stderr). Errors: timeout (kTimeout), other failures (stderr,
// trimmed), output without `token` / RFC 3339 `expiresOn` (kInvalidInput).
#pragma once

#include <chrono>
#include <string>

#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::azure {

struct AzureDeveloperCliCredentialOptions {
  std::string tenant_id;  // empty: azd's default (a request's tenant wins)
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

class AzureDeveloperCliCredential final : public TokenCredential {
 public:
  explicit AzureDeveloperCliCredential(Ambient ambient,
                                       AzureDeveloperCliCredentialOptions options = {});
  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return "AzureDeveloperCliCredential"; }

 private:
  Ambient ambient_;
  AzureDeveloperCliCredentialOptions options_;
};

}  // namespace llmauth::azure
