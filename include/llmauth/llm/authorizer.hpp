// Authorizers put a provider's credentials on an outgoing request: an Azure `api-key` header, an
// Entra bearer token, a SigV4 signature, or a Bedrock API key as a bearer token. One per
// provider, long-lived and shared by every thread; the credentials behind them are cached and
// refreshed (TokenCache, aws::Refreshing), unlike the seed system which built a fresh credential
// for every call.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/aws/sigv4.hpp"
#include "llmauth/azure/token_cache.hpp"
#include "llmauth/core/clock.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::llm {

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // Adds the credential headers to `request` (replacing any of the same names). Throws what the
  // credential throws (UnavailableError, Error) when it cannot get one.
  virtual void authorize(http::Request& request) = 0;
  // The provider answered 401/403 to a request authorized with what we hold: drop it so the
  // next authorize() fetches fresh credentials. Returns false when nothing can be refreshed
  // (a fixed key): retrying would only repeat the failure.
  virtual bool invalidate() = 0;
  // "api key", "Entra ID token (ClientSecretCredential)", "SigV4 (assume role …)", …
  [[nodiscard]] virtual std::string describe() const = 0;
};

// `name: <key>` (Azure OpenAI's api-key header).
class HeaderKeyAuthorizer final : public Authorizer {
 public:
  HeaderKeyAuthorizer(std::string header_name, Secret key, std::string description);
  void authorize(http::Request& request) override;
  bool invalidate() override { return false; }
  [[nodiscard]] std::string describe() const override { return description_; }

 private:
  std::string header_;
  Secret key_;
  std::string description_;
};

// `Authorization: Bearer <fixed token>`: a static Entra token, or a Bedrock API key.
class StaticBearerAuthorizer final : public Authorizer {
 public:
  StaticBearerAuthorizer(Secret token, std::string description);
  void authorize(http::Request& request) override;
  bool invalidate() override { return false; }
  [[nodiscard]] std::string describe() const override { return description_; }

 private:
  Secret token_;
  std::string description_;
};

// `Authorization: Bearer <token>` from a TokenCredential, through a TokenCache.
class EntraTokenAuthorizer final : public Authorizer {
 public:
  EntraTokenAuthorizer(azure::CredentialPtr credential, std::string scope,
                       std::shared_ptr<const Clock> clock);
  void authorize(http::Request& request) override;
  bool invalidate() override;
  [[nodiscard]] std::string describe() const override;

 private:
  std::shared_ptr<azure::TokenCache> cache_;
  azure::TokenRequest request_;
};

// SigV4 with credentials from a provider (wrapped in aws::Refreshing by the factory).
class SigV4Authorizer final : public Authorizer {
 public:
  // `refresh` drops cached credentials (aws::Refreshing::invalidate, DefaultChain::invalidate);
  // empty for fixed keys, and then invalidate() returns false.
  SigV4Authorizer(std::shared_ptr<aws::CredentialsProvider> credentials,
                  std::function<void()> refresh, aws::SigV4Options options,
                  std::shared_ptr<const Clock> clock);
  void authorize(http::Request& request) override;
  bool invalidate() override;
  [[nodiscard]] std::string describe() const override;

 private:
  std::shared_ptr<aws::CredentialsProvider> credentials_;
  std::function<void()> refresh_;
  aws::SigV4 signer_;
  std::shared_ptr<const Clock> clock_;
};

}  // namespace llmauth::llm
