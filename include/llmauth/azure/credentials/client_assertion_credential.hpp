// ClientAssertionCredential: an application signs in with an assertion that something else
// produced (a federated token from Kubernetes, GitHub Actions, another cloud), returned by a
// callback that is called for every token request — the building block of workload identity.
//
// POST {authority}/{tenant}/oauth2/v2.0/token with client_assertion_type=…jwt-bearer and
// client_assertion=<the callback's answer> (see EntraTokenClient). Reads nothing from the
// environment but AZURE_AUTHORITY_HOST (when authority_host is empty).
//
// Errors: Error(kInvalidInput) at construction for empty fields or a non-https authority; what
// the callback throws, as it threw it; Entra ID's refusal as Error(kHttpStatus). The assertion
// is never in a message.
#pragma once

#include <functional>
#include <string>

#include "llmauth/azure/credentials/entra_token_client.hpp"
#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::azure {

struct ClientAssertionCredentialOptions {
  std::string tenant_id;
  std::string client_id;
  std::function<Secret()> assertion;  // called for every token request
  std::string authority_host;  // empty: AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com
  http::RetryPolicy retry;
  http::Sleeper sleep;  // tests only: replaces the retry backoff's sleep
};

class ClientAssertionCredential final : public TokenCredential {
 public:
  ClientAssertionCredential(Ambient ambient, ClientAssertionCredentialOptions options);
  // `name` is how messages and tokens name the credential (WorkloadIdentityCredential uses its own).
  ClientAssertionCredential(Ambient ambient, ClientAssertionCredentialOptions options,
                            std::string name);

  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return name_; }

 private:
  std::string name_;
  std::function<Secret()> assertion_;
  EntraTokenClient client_;
};

}  // namespace llmauth::azure
