// WorkloadIdentityCredential: Microsoft Entra Workload ID (AKS, and any platform that mounts a
// federated token): the contents of a token file, re-read for every token request because the
// platform rotates it, are the client assertion of a ClientAssertionCredential.
//
// Empty options come from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE
// (and AZURE_AUTHORITY_HOST). When any of the three is missing the credential is unavailable:
// get_token throws UnavailableError naming the missing variables (a chain moves on). A token
// file that is configured but missing or empty is an Error naming the path.
#pragma once

#include <memory>
#include <string>

#include "llmauth/azure/credentials/client_assertion_credential.hpp"
#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::azure {

struct WorkloadIdentityCredentialOptions {
  std::string tenant_id;        // empty: AZURE_TENANT_ID
  std::string client_id;        // empty: AZURE_CLIENT_ID
  std::string token_file_path;  // empty: AZURE_FEDERATED_TOKEN_FILE
  std::string authority_host;   // empty: AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com
  http::RetryPolicy retry;
  http::Sleeper sleep;  // tests only: replaces the retry backoff's sleep
};

class WorkloadIdentityCredential final : public TokenCredential {
 public:
  explicit WorkloadIdentityCredential(Ambient ambient, WorkloadIdentityCredentialOptions options = {});

  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return "WorkloadIdentityCredential"; }

 private:
  std::string unavailable_;  // why, when not configured
  std::unique_ptr<ClientAssertionCredential> inner_;
};

}  // namespace llmauth::azure
