// DefaultAzureCredential: the credential chain of azure-identity for code that runs both on a
// developer's machine and in Azure, in this order:
//
//   EnvironmentCredential        AZURE_TENANT_ID, AZURE_CLIENT_ID + AZURE_CLIENT_SECRET or
//                                AZURE_CLIENT_CERTIFICATE_PATH (+ _PASSWORD, _SEND_CERTIFICATE_CHAIN)
//   WorkloadIdentityCredential   AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE
//   ManagedIdentityCredential    App Service / Cloud Shell / Azure Arc / IMDS; a user-assigned
//                                identity from managed_identity_client_id, else AZURE_CLIENT_ID
//                                (as Python's and JS's DefaultAzureCredential do). The first IMDS
//                                request is a 1 s probe: nothing answering = unavailable.
//   AzureCliCredential           az account get-access-token
//   AzureDeveloperCliCredential  azd auth token
//
// AZURE_TOKEN_CREDENTIALS narrows the chain (case-insensitive): `dev` (the two CLIs), `prod`
// (environment, workload identity, managed identity), or one credential's name (only that one;
// for ManagedIdentityCredential the IMDS probe is then skipped, as azure-identity does). Any other
// value is an Error(kInvalidInput) from the constructor listing the valid ones. The exclude_*
// options remove credentials on top of that.
//
// Once a credential has given a token it is asked directly from then on (as Python's and .NET's
// DefaultAzureCredential and the C++ SDK's do). The attempts of the walk are kept for
// `llmauth azure resolve`. Errors: see ChainedTokenCredential ("DefaultAzureCredential failed to
// retrieve a token: EnvironmentCredential: …; …" when nothing is configured).
// Tokens are not cached here: wrap it in a TokenCache.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/azure/credentials/chained_token_credential.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::azure {

struct DefaultAzureCredentialOptions {
  std::string tenant_id;  // for the developer tools and workload identity (empty: their default)
  std::optional<std::string> managed_identity_client_id;  // nullopt: AZURE_CLIENT_ID
  std::string workload_identity_client_id;                // empty: AZURE_CLIENT_ID
  bool exclude_environment = false;
  bool exclude_workload_identity = false;
  bool exclude_managed_identity = false;
  bool exclude_azure_cli = false;
  bool exclude_azure_developer_cli = false;
  std::chrono::milliseconds process_timeout{std::chrono::seconds(10)};  // az, azd
};

class DefaultAzureCredential final : public TokenCredential {
 public:
  // Throws Error(kInvalidInput) for an invalid AZURE_TOKEN_CREDENTIALS.
  explicit DefaultAzureCredential(Ambient ambient, DefaultAzureCredentialOptions options = {});

  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return "DefaultAzureCredential"; }

  // The attempts of the last walk of the chain.
  [[nodiscard]] std::vector<ChainAttempt> attempts() const { return chain_->attempts(); }
  // The credentials in the chain, in order (after AZURE_TOKEN_CREDENTIALS and the excludes).
  [[nodiscard]] std::vector<std::string> credential_names() const;

  static constexpr std::array<std::string_view, 5> kCredentialNames = {
      "EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential",
      "AzureCliCredential", "AzureDeveloperCliCredential"};

 private:
  std::shared_ptr<ChainedTokenCredential> chain_;
};

}  // namespace llmauth::azure
