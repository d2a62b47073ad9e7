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

// What an authorizer hands out: the credential as it is now. Immutable and shared between
// threads; apply() puts it on requests until it runs out.
struct Credential {
  Secret secret;                                // the api key or bearer token (not SigV4)
  std::shared_ptr<const aws::Credentials> aws;  // SigV4
  std::optional<TimePoint> expires_at;          // nullopt: does not expire
  TimePoint refresh_at = TimePoint::max();      // when to fetch the next one, ahead of expiry
  bool renewable = false;                       // a new one can be fetched (not a fixed key)
  std::string source;                           // where it came from (no secret)

  [[nodiscard]] bool valid_at(TimePoint t) const { return !expires_at || t < *expires_at; }
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // The current credential. May do I/O and wait (a token endpoint, STS, a child process): call
  // it off the request path when you can (the gateway's refresher does). Throws what the
  // credential throws (UnavailableError, Error) when it cannot get one.
  virtual std::shared_ptr<const Credential> acquire() = 0;
  // Puts `credential` on `request` (replacing headers of the same names); SigV4 signs it at
  // `now`. Pure: no I/O, never waits for a refresh. Throws Error(kFailed) for a credential that
  // has expired ("… expired at …; get a new one"): it is not sent.
  virtual void apply(const Credential& credential, http::Request& request, TimePoint now) const = 0;
  // acquire(), then apply() now: what the chat clients do on every attempt.
  void authorize(http::Request& request) { apply(*acquire(), request, clock_->now()); }
  // The provider answered 401/403 to a request authorized with what we hold: drop it so the
  // next acquire() fetches fresh credentials. Returns false when nothing can be refreshed
  // (a fixed key): retrying would only repeat the failure.
  virtual bool invalidate() = 0;
  // "api key", "Entra ID token (ClientSecretCredential)", "SigV4 (assume role …)", …
  [[nodiscard]] virtual std::string describe() const = 0;
  // Of the credential the last acquire() gave (before the first: what is known up front).
  [[nodiscard]] virtual CredentialLifetime lifetime() const = 0;
  [[nodiscard]] const std::shared_ptr<const Clock>& clock() const { return clock_; }

 protected:
  explicit Authorizer(std::shared_ptr<const Clock> clock)
      : clock_(clock ? std::move(clock) : SystemClock::instance()) {}

 private:
  std::shared_ptr<const Clock> clock_;
};

// `name: <key>` (Azure OpenAI's api-key header).
class HeaderKeyAuthorizer final : public Authorizer {
 public:
  HeaderKeyAuthorizer(std::string header_name, Secret key, std::string description);
  std::shared_ptr<const Credential> acquire() override { return credential_; }
  void apply(const Credential& credential, http::Request& request, TimePoint now) const override;
  bool invalidate() override { return false; }
  [[nodiscard]] std::string describe() const override { return description_; }
  [[nodiscard]] CredentialLifetime lifetime() const override { return {}; }

 private:
  std::string header_;
  std::string description_;
  std::shared_ptr<const Credential> credential_;
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
  std::shared_ptr<const Credential> acquire() override { return credential_; }
  void apply(const Credential& credential, http::Request& request, TimePoint now) const override;
  bool invalidate() override { return false; }
  [[nodiscard]] std::string describe() const override { return description_; }
  [[nodiscard]] CredentialLifetime lifetime() const override {
    return {credential_->expires_at, false};
  }

 private:
  std::string description_;
  std::shared_ptr<const Credential> credential_;
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
  std::shared_ptr<const Credential> acquire() override;
  void apply(const Credential& credential, http::Request& request, TimePoint now) const override;
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
  std::shared_ptr<const Credential> acquire() override;
  void apply(const Credential& credential, http::Request& request, TimePoint now) const override;
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
};

}  // namespace llmauth::llm
