// EnvironmentCredential: a service principal described by environment variables, as in every
// Azure SDK:
//   AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET       → ClientSecretCredential
//   AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_CERTIFICATE_PATH
//     [+ AZURE_CLIENT_CERTIFICATE_PASSWORD]
//     [+ AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=true|1]              → ClientCertificateCredential
// AZURE_AUTHORITY_HOST is honoured (sovereign clouds). The secret wins when both are set.
//
// Incomplete configuration makes it unavailable: get_token throws UnavailableError listing what
// is missing (a chain moves on). A configuration that is complete but wrong (an unreadable
// certificate, an http:// authority) is an Error at get_token, and so is Entra ID's refusal;
// messages start "EnvironmentCredential: " followed by the inner credential's.
#pragma once

#include <memory>
#include <string>

#include "llmauth/azure/credentials/client_secret_credential.hpp"
#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::azure {

class EnvironmentCredential final : public TokenCredential {
 public:
  explicit EnvironmentCredential(Ambient ambient, http::RetryPolicy retry = {},
                                 http::Sleeper sleep = {});

  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return "EnvironmentCredential"; }

  // "ClientSecretCredential", "ClientCertificateCredential", or empty when unavailable/broken.
  [[nodiscard]] std::string selected() const { return inner_ ? inner_->name() : std::string(); }

 private:
  std::unique_ptr<TokenCredential> inner_;
  std::string unavailable_;  // set when not configured
  std::string broken_;       // set when configured but unusable
  ErrorCode broken_code_ = ErrorCode::kInvalidInput;
};

}  // namespace llmauth::azure
