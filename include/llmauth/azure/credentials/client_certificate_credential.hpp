// ClientCertificateCredential: an application signs in with a certificate — a client assertion
// JWT signed with the certificate's RSA private key (see JwtAssertionSigner), built afresh for
// every token request and posted by EntraTokenClient.
//
// The certificate: `certificate_path` (PEM holding the certificate(s) and the key in any order,
// or PKCS#12 .pfx/.p12 told apart by content, with an optional `certificate_password`), or its
// contents in `certificate_pem`; the key may sit in its own PEM file (`private_key_path`).
// Several certificates form a chain: the leaf is the one matching the key, and
// `send_certificate_chain` sends them all in the x5c header (subject name / issuer auth).
//
// Reads nothing from the environment but AZURE_AUTHORITY_HOST (when authority_host is empty);
// EnvironmentCredential builds one from AZURE_CLIENT_CERTIFICATE_PATH,
// AZURE_CLIENT_CERTIFICATE_PASSWORD and AZURE_CLIENT_SEND_CERTIFICATE_CHAIN.
//
// Errors, at construction, Error(kInvalidInput) naming the file (never the password): missing
// file, no certificate, a certificate without key, a key that does not match, a wrong PKCS#12
// password, a non-RSA key; at get_token, Entra ID's refusal (Error(kHttpStatus)).
#pragma once

#include <optional>
#include <string>

#include "llmauth/azure/credentials/entra_token_client.hpp"
#include "llmauth/azure/credentials/jwt_assertion.hpp"
#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::azure {

struct ClientCertificateCredentialOptions {
  using Algorithm = AssertionAlgorithm;
  using Thumbprint = AssertionThumbprint;

  std::string tenant_id;
  std::string client_id;
  std::string certificate_path;
  std::optional<std::string> certificate_pem;  // the contents instead of a path
  std::string private_key_path;                // the key in its own PEM file (optional)
  Secret certificate_password;                 // PKCS#12 or an encrypted PEM key
  bool send_certificate_chain = false;
  Algorithm algorithm = Algorithm::RS256;
  Thumbprint thumbprint = Thumbprint::Sha1;  // Sha1: x5t; Sha256: x5t#S256
  std::string authority_host;  // empty: AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com
  http::RetryPolicy retry;
  http::Sleeper sleep;  // tests only: replaces the retry backoff's sleep
};

class ClientCertificateCredential final : public TokenCredential {
 public:
  ClientCertificateCredential(Ambient ambient, ClientCertificateCredentialOptions options);

  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return "ClientCertificateCredential"; }

  [[nodiscard]] const JwtAssertionSigner& signer() const { return signer_; }

 private:
  AssertionOptions assertion_;
  Ambient ambient_;
  JwtAssertionSigner signer_;
  EntraTokenClient client_;
};

}  // namespace llmauth::azure
