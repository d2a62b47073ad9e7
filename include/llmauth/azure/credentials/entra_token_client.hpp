// EntraTokenClient: the one piece that asks Microsoft Entra ID for a token with the client
// credentials grant, for every credential that authenticates as an application (client secret,
// client certificate, client assertion, workload identity).
//
// POST {authority}/{tenant}/oauth2/v2.0/token, form grant_type=client_credentials, client_id,
// scope (the scopes joined by spaces), claims (when a challenge gave some), plus the
// credential's own fields (client_secret, or client_assertion_type + client_assertion).
//
// The authority is the `authority_host` option, else AZURE_AUTHORITY_HOST, else
// https://login.microsoftonline.com (sovereign clouds: https://login.microsoftonline.us,
// https://login.chinacloudapi.cn). It must be https: anything else is Error(kInvalidInput) at
// construction, naming where it came from. Retries follow http::RetryPolicy (never a 400/401),
// within `timeout` for the whole request.
//
// Entra's refusals become Error(kHttpStatus):
//   "ClientSecretCredential: Entra ID refused the request (HTTP 401): invalid_client
//    AADSTS7000215: Invalid client secret provided. … (tenant …, client …)"
// A secret or an assertion is never part of a message.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/retry.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::azure {

inline constexpr std::string_view kDefaultAuthorityHost = "https://login.microsoftonline.com";
inline constexpr std::string_view kAuthorityHostVariable = "AZURE_AUTHORITY_HOST";
inline constexpr std::string_view kJwtBearerAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

struct EntraTokenClientOptions {
  std::string credential;  // the name messages start with, "ClientSecretCredential"
  std::string tenant_id;
  std::string client_id;
  std::string authority_host;  // empty: AZURE_AUTHORITY_HOST, else the public cloud
  http::RetryPolicy retry;
  http::Sleeper sleep;  // tests: a fake sleeper; empty: really sleep
  // The whole token request, retries included.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

// The credential's own form fields for one request; given the token URL (an assertion's aud).
// `secrets` receives values that must never appear in a message.
struct ClientAuthentication {
  url::Params fields;
  std::vector<Secret> secrets;
};
using ClientAuthenticator = std::function<ClientAuthentication(const std::string& token_url)>;

// The form fields of a signed client assertion (certificate, federated token):
// client_assertion_type=…jwt-bearer and client_assertion=<assertion>, which is also kept secret.
ClientAuthentication jwt_bearer_authentication(Secret assertion);

class EntraTokenClient {
 public:
  // Throws Error(kInvalidInput) for an empty or malformed tenant or client id, or an authority
  // that is not an https URL.
  EntraTokenClient(Ambient ambient, EntraTokenClientOptions options);

  // The tenant of `request` (when given) or the credential's own.
  [[nodiscard]] AccessToken request_token(const TokenRequest& request,
                                          const ClientAuthenticator& authenticate) const;

  [[nodiscard]] std::string token_url(std::string_view tenant) const;
  [[nodiscard]] const std::string& authority() const { return authority_; }
  [[nodiscard]] const std::string& tenant_id() const { return options_.tenant_id; }
  [[nodiscard]] const std::string& client_id() const { return options_.client_id; }

 private:
  Ambient ambient_;
  EntraTokenClientOptions options_;
  std::string authority_;  // scheme://host[:port][/path], no trailing slash
};

// Tenant ids are GUIDs or domain names: letters, digits, '-' and '.'. Throws Error(kInvalidInput)
// naming `who` and `field` otherwise.
void validate_tenant_id(std::string_view tenant, std::string_view who, std::string_view field);

}  // namespace llmauth::azure
