// ClientSecretCredential: an application (service principal) signs in with its client secret.
//
// POST {authority}/{tenant}/oauth2/v2.0/token with client_id + client_secret (see
// EntraTokenClient). Reads nothing from the environment but AZURE_AUTHORITY_HOST (when
// authority_host is empty); EnvironmentCredential builds one from AZURE_TENANT_ID,
// AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.
//
// Errors: Error(kInvalidInput) at construction for an empty tenant_id, client_id or
// client_secret, a malformed tenant id, or a non-https authority; Error(kHttpStatus) when Entra
// ID refuses ("invalid_client AADSTS7000215: Invalid client secret provided …"). The secret is
// never in a message.
#pragma once

#include <string>

#include "llmauth/azure/credentials/entra_token_client.hpp"
#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::azure {

struct ClientSecretCredentialOptions {
  std::string tenant_id;
  std::string client_id;
  Secret client_secret;
  std::string authority_host;  // empty: AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com
  http::RetryPolicy retry;
  http::Sleeper sleep;  // tests only: replaces the retry backoff's sleep
};

class ClientSecretCredential final : public TokenCredential {
 public:
  ClientSecretCredential(Ambient ambient, ClientSecretCredentialOptions options);

  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return "ClientSecretCredential"; }

 private:
  Secret secret_;
  EntraTokenClient client_;
};

}  // namespace llmauth::azure
