#include "llmauth/azure/credentials/static_token_credential.hpp"

#include <cmath>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::azure {

StaticTokenCredential::StaticTokenCredential(Secret token, std::optional<TimePoint> expires_on,
                                             std::shared_ptr<const Clock> clock)
    : token_(std::move(token)),
      expires_on_(expires_on),
      clock_(clock ? std::move(clock) : SystemClock::instance()) {
  if (token_.empty())
    throw Error("StaticTokenCredential: the token is empty", ErrorCode::kInvalidInput);
}

std::shared_ptr<StaticTokenCredential> StaticTokenCredential::from_environment(
    const Ambient& ambient) {
  auto token = ambient.env("AZURE_OPENAI_AD_TOKEN");
  if (!token) throw UnavailableError("StaticTokenCredential: AZURE_OPENAI_AD_TOKEN is not set");
  const auto expires_on = jwt_expiry(*token);
  return std::make_shared<StaticTokenCredential>(Secret(std::move(*token)), expires_on,
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

std::optional<TimePoint> jwt_expiry(std::string_view token) {
  const auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string payload(token.substr(first + 1, second - first - 1));
  for (char& c : payload) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (payload.size() % 4 != 0) payload += '=';
  const auto decoded = crypto::base64_decode(payload);
  if (!decoded) return std::nullopt;
  const auto claims = json::parse_or_discard(*decoded);
  if (!claims.is_object()) return std::nullopt;
  const auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number()) return std::nullopt;
  const double seconds = exp->get<double>();
  // Seconds since 1970. TimePoint counts nanoseconds in 64 bits, so it ends in 2262; an `exp`
  // past 2200 (or before 1970) is not a usable expiry, and converting it would overflow.
  constexpr double kLatest = 7'258'118'400.0;  // 2200-01-01T00:00:00Z
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > kLatest) return std::nullopt;
  return TimePoint(std::chrono::seconds(static_cast<long long>(seconds)));
}

}  // namespace llmauth::azure
