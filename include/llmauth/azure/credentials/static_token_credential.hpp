// StaticTokenCredential: a bearer token someone else obtained (AZURE_OPENAI_AD_TOKEN, a token in
// a provider config). It cannot be refreshed: with an expiry it fails once that has passed;
// without one it is taken as long-lived and reported as valid for the next 24 h on every call
// (so a TokenCache asks again, cheaply, once a day). Entra access tokens are JWTs, so the expiry
// of AZURE_OPENAI_AD_TOKEN is read from its `exp` claim.
#pragma once

#include <optional>
#include <string_view>

#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::azure {

class StaticTokenCredential final : public TokenCredential {
 public:
  StaticTokenCredential(Secret token, std::optional<TimePoint> expires_on,
                        std::shared_ptr<const Clock> clock = nullptr);

  // AZURE_OPENAI_AD_TOKEN, expiring at its `exp` claim when it has one. Throws UnavailableError
  // when it is not set.
  static std::shared_ptr<StaticTokenCredential> from_environment(const Ambient& ambient);

  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return "StaticTokenCredential"; }

  static constexpr std::chrono::hours kAssumedLifetime{24};

 private:
  Secret token_;
  std::optional<TimePoint> expires_on_;
  std::shared_ptr<const Clock> clock_;
};

// The `exp` claim of a JWT, read without verifying the token: only to tell when a fixed token
// runs out (the service is what checks it). nullopt when `token` is not a JWT with a numeric
// `exp`.
std::optional<TimePoint> jwt_expiry(std::string_view token);

}  // namespace llmauth::azure
