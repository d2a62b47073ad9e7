#include "llmauth/azure/credentials/client_assertion_credential.hpp"

#include "llmauth/core/error.hpp"

namespace llmauth::azure {
namespace {

EntraTokenClientOptions client_options(const std::string& name,
                                       ClientAssertionCredentialOptions& o) {
  if (o.tenant_id.empty()) throw Error(name + ": tenant_id is empty", ErrorCode::kInvalidInput);
  if (o.client_id.empty()) throw Error(name + ": client_id is empty", ErrorCode::kInvalidInput);
  if (!o.assertion) throw Error(name + ": no assertion callback was given", ErrorCode::kInvalidInput);
  return {.credential = name,
          .tenant_id = std::move(o.tenant_id),
          .client_id = std::move(o.client_id),
          .authority_host = std::move(o.authority_host),
          .retry = std::move(o.retry),
          .sleep = std::move(o.sleep)};
}

}  // namespace

ClientAssertionCredential::ClientAssertionCredential(Ambient ambient,
                                                     ClientAssertionCredentialOptions options)
    : ClientAssertionCredential(std::move(ambient), std::move(options), "ClientAssertionCredential") {}

ClientAssertionCredential::ClientAssertionCredential(Ambient ambient,
                                                     ClientAssertionCredentialOptions options,
                                                     std::string name)
    : name_(std::move(name)),
      assertion_(options.assertion),
      client_(std::move(ambient), client_options(name_, options)) {}

std::shared_ptr<const AccessToken> ClientAssertionCredential::get_token(const TokenRequest& request) {
  auto token = client_.request_token(request, [this](const std::string&) {
    Secret assertion = assertion_();
    if (assertion.empty()) {
      throw Error(name_ + ": the client assertion is empty", ErrorCode::kInvalidInput);
    }
    return jwt_bearer_authentication(std::move(assertion));
  });
  return std::make_shared<const AccessToken>(std::move(token));
}

}  // namespace llmauth::azure
