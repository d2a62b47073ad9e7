// Authorizers put a provider's credentials on an outgoing request: an Azure `api-key` header, an
// Entra bearer token, a SigV4 signature, or a Bedrock API key as a bearer token. One per
// provider, long-lived and shared by every thread; the credentials behind them are cached and
// refreshed (TokenCache, aws::Refreshing), unlike the seed system which built a fresh credential
// for every call.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/aws/sigv4.hpp"
#include "llmauth/azure/token_cache.hpp"
#include "llmauth/core/clock.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::llm {

// How long the credential on the last authorized request lasts: for health checks
// (`llmauth providers test`), never for deciding anything on the call path.
struct CredentialLifetime {
  std::optional<TimePoint> expires_at;  // nullopt: does not expire (a key), or cannot be told
  bool renewed = false;                 // llmauth gets a new one by itself before it expires
};

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
  // Of the credential the last authorize() used (before the first: what is known up front).
  [[nodiscard]] virtual CredentialLifetime lifetime() const = 0;
};

// `name: <key>` (Azure OpenAI's api-key header).
class HeaderKeyAuthorizer final : public Authorizer {
 public:
  HeaderKeyAuthorizer(std::string header_name, Secret key, std::string description);
  void authorize(http::Request& request) override;
  bool invalidate() override { return false; }
  [[nodiscard]] std::string describe() const override { return description_; }
  [[nodiscard]] CredentialLifetime lifetime() const override { return {}; }

 private:
  std::string header_;
  Secret key_;
  std::string description_;
};

// `Authorization: Bearer <fixed token>`: a static Entra token, or a Bedrock API key.
// `expires_at`: when the token is known to run out (a JWT's exp, a short-term Bedrock key's
// X-Amz-Expires). Once it has, authorize() throws "… expired at …; get a new one" instead of
// sending a credential the service can only refuse.
class StaticBearerAuthorizer final : public Authorizer {
 public:
  StaticBearerAuthorizer(Secret token, std::string description,
                         std::optional<TimePoint> expires_at = std::nullopt,
                         std::shared_ptr<const Clock> clock = SystemClock::instance());
  void authorize(http::Request& request) override;
  bool invalidate() override { return false; }
  [[nodiscard]] std::string describe() const override { return description_; }
  [[nodiscard]] CredentialLifetime lifetime() const override { return {expires_at_, false}; }

 private:
  Secret token_;
  std::string description_;
  std::optional<TimePoint> expires_at_;
  std::shared_ptr<const Clock> clock_;
};

namespace detail {
// The expiry of the credential last used, shared between threads (0: none known).
class LastExpiry {
 public:
  void store(std::optional<TimePoint> t);
  [[nodiscard]] std::optional<TimePoint> load() const;

 private:
  std::atomic<std::int64_t> ns_since_epoch_{0};
};
}  // namespace detail

// `Authorization: Bearer <token>` from a TokenCredential, through a TokenCache.
class EntraTokenAuthorizer final : public Authorizer {
 public:
  EntraTokenAuthorizer(azure::CredentialPtr credential, std::string scope,
                       std::shared_ptr<const Clock> clock);
  void authorize(http::Request& request) override;
  bool invalidate() override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] CredentialLifetime lifetime() const override;

 private:
  std::shared_ptr<azure::TokenCache> cache_;
  azure::TokenRequest request_;
  detail::LastExpiry last_expiry_;
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
  // Renewed when there is a refresh and the credentials are not the environment's (which stay
  // what the process started with).
  [[nodiscard]] CredentialLifetime lifetime() const override;

 private:
  std::shared_ptr<aws::CredentialsProvider> credentials_;
  std::function<void()> refresh_;
  detail::LastExpiry last_expiry_;
  std::atomic<bool> last_from_environment_{false};
  aws::SigV4 signer_;
  std::shared_ptr<const Clock> clock_;
};

}  // namespace llmauth::llm
