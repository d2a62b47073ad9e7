#include "llmauth/azure/credentials/static_token_credential.hpp"

#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::azure {

StaticTokenCredential::StaticTokenCredential(Secret token, std::optional<TimePoint> expires_on,
                                             std::shared_ptr<const Clock> clock)
    : token_(std::move(token)),
      expires_on_(expires_on),
      clock_(clock ? std::move(clock) : SystemClock::instance()) {
  if (token_.empty()) throw Error("StaticTokenCredential: the token is empty", ErrorCode::kInvalidInput);
}

std::shared_ptr<StaticTokenCredential> StaticTokenCredential::from_environment(
    const Ambient& ambient) {
  auto token = ambient.env("AZURE_OPENAI_AD_TOKEN");
  if (!token) throw UnavailableError("StaticTokenCredential: AZURE_OPENAI_AD_TOKEN is not set");
  return std::make_shared<StaticTokenCredential>(Secret(std::move(*token)), std::nullopt,
                                                 ambient.clock_ptr());
}

std::shared_ptr<const AccessToken> StaticTokenCredential::get_token(const TokenRequest&) {
  const TimePoint now = clock_->now();
  if (expires_on_ && *expires_on_ <= now) {
    throw Error("StaticTokenCredential: the token expired at " +
                timefmt::format_iso8601(*expires_on_) + " (" +
                timefmt::describe_remaining(*expires_on_, now) + "); get a new one");
  }
  auto out = std::make_shared<AccessToken>();
  out->token = token_;
  out->expires_on = expires_on_.value_or(now + kAssumedLifetime);
  out->credential = name();
  return out;
}

}  // namespace llmauth::azure
