#include "llmauth/llm/authorizer.hpp"

#include <algorithm>

#include "llmauth/core/error.hpp"

namespace llmauth::llm {
namespace {

void set_header(http::Request& request, std::string_view name, std::string value) {
  std::erase_if(request.headers,
                [&](const http::Header& h) { return http::iequals(h.name, name); });
  request.headers.push_back({std::string(name), std::move(value)});
}

}  // namespace

HeaderKeyAuthorizer::HeaderKeyAuthorizer(std::string header_name, Secret key,
                                         std::string description)
    : header_(std::move(header_name)), key_(std::move(key)), description_(std::move(description)) {
  http::require_header_safe(key_, description_);
}

void HeaderKeyAuthorizer::authorize(http::Request& request) {
  set_header(request, header_, std::string(key_.reveal()));
}

StaticBearerAuthorizer::StaticBearerAuthorizer(Secret token, std::string description)
    : token_(std::move(token)), description_(std::move(description)) {
  http::require_header_safe(token_, description_);
}

void StaticBearerAuthorizer::authorize(http::Request& request) {
  set_header(request, "Authorization", "Bearer " + std::string(token_.reveal()));
}

EntraTokenAuthorizer::EntraTokenAuthorizer(azure::CredentialPtr credential, std::string scope,
                                           std::shared_ptr<const Clock> clock)
    : cache_(std::make_shared<azure::TokenCache>(std::move(credential), std::move(clock))),
      request_{{std::move(scope)}, "", ""} {}

void EntraTokenAuthorizer::authorize(http::Request& request) {
  const auto token = cache_->get_token(request_);
  set_header(request, "Authorization", "Bearer " + std::string(token->token.reveal()));
}

bool EntraTokenAuthorizer::invalidate() {
  cache_->invalidate(request_);
  return true;
}

std::string EntraTokenAuthorizer::describe() const {
  return "Entra ID token (" + cache_->name() + ", scope " + request_.scopes.front() + ")";
}

SigV4Authorizer::SigV4Authorizer(std::shared_ptr<aws::CredentialsProvider> credentials,
                                 std::function<void()> refresh, aws::SigV4Options options,
                                 std::shared_ptr<const Clock> clock)
    : credentials_(std::move(credentials)),
      refresh_(std::move(refresh)),
      signer_(std::move(options)),
      clock_(std::move(clock)) {}

void SigV4Authorizer::authorize(http::Request& request) {
  const auto credentials = credentials_->resolve();
  signer_.sign_headers(request, *credentials, clock_->now());
}

bool SigV4Authorizer::invalidate() {
  if (!refresh_) return false;
  refresh_();
  return true;
}

std::string SigV4Authorizer::describe() const {
  return "SigV4 (" + credentials_->name() + ", " + signer_.options().service + " in " +
         signer_.options().region + ")";
}

}  // namespace llmauth::llm
