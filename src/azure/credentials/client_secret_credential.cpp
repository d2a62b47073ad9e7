#include "llmauth/azure/credentials/client_secret_credential.hpp"

#include "llmauth/core/error.hpp"

namespace llmauth::azure {
namespace {

constexpr std::string_view kName = "ClientSecretCredential";

EntraTokenClientOptions client_options(ClientSecretCredentialOptions& o) {
  // Check the fields in the order a user fills them, before the client checks their shape.
  if (o.tenant_id.empty()) throw Error(std::string(kName) + ": tenant_id is empty", ErrorCode::kInvalidInput);
  if (o.client_id.empty()) throw Error(std::string(kName) + ": client_id is empty", ErrorCode::kInvalidInput);
  if (o.client_secret.empty()) {
    throw Error(std::string(kName) + ": client_secret is empty", ErrorCode::kInvalidInput);
  }
  return {.credential = std::string(kName),
          .tenant_id = std::move(o.tenant_id),
          .client_id = std::move(o.client_id),
          .authority_host = std::move(o.authority_host),
          .retry = std::move(o.retry),
          .sleep = std::move(o.sleep)};
}

}  // namespace

ClientSecretCredential::ClientSecretCredential(Ambient ambient, ClientSecretCredentialOptions options)
    : secret_(options.client_secret), client_(std::move(ambient), client_options(options)) {}

std::shared_ptr<const AccessToken> ClientSecretCredential::get_token(const TokenRequest& request) {
  auto token = client_.request_token(request, [this](const std::string&) {
    return ClientAuthentication{{{"client_secret", std::string(secret_.reveal())}}, {secret_}};
  });
  return std::make_shared<const AccessToken>(std::move(token));
}

}  // namespace llmauth::azure
