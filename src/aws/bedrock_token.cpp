#include "llmauth/aws/bedrock_token.hpp"

#include <openssl/crypto.h>

#include <charconv>

#include "llmauth/aws/endpoints.hpp"
#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::aws {
namespace {

constexpr std::string_view kHost = "bedrock.amazonaws.com";
constexpr std::string_view kScheme = "https://";
constexpr std::string_view kAction = "CallWithBearerToken";
constexpr std::string_view kSigningName = "bedrock";
constexpr std::string_view kVersionSuffix = "&Version=1";

// Wipes a string that held key material.
struct Wiped {
  std::string& s;
  ~Wiped() {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  }
};

}  // namespace

BedrockToken mint_bedrock_token(const Credentials& credentials, const std::string& region,
                                std::chrono::seconds expires, TimePoint now) {
  using std::chrono::seconds;
  validate_region(region, "Bedrock API key region");
  if (expires < seconds(1) || expires > kBedrockTokenMaxExpiry) {
    throw Error("Bedrock API key: the lifetime must be 1 to " +
                    std::to_string(kBedrockTokenMaxExpiry.count()) + " seconds (12 h); asked for " +
                    std::to_string(expires.count()),
                ErrorCode::kInvalidInput);
  }
  const TimePoint signed_at = std::chrono::floor<seconds>(now);
  seconds lifetime = expires;
  if (credentials.expiration) {
    const auto remaining = std::chrono::floor<seconds>(*credentials.expiration - now);
    if (remaining <= seconds(1)) {
      const std::string from = credentials.source.empty() ? "" : " from " + credentials.source;
      throw Error("Bedrock API key: the credentials" + from + " (access key " +
                  credentials.masked_access_key_id() + ") " +
                  (remaining < seconds(0) ? "expired at " : "expire at ") +
                  timefmt::format_iso8601(*credentials.expiration) +
                  "; refresh them before minting a key");
    }
    lifetime = std::min(lifetime, remaining);
  }

  const SigV4 signer({.region = region, .service = std::string(kSigningName)});
  http::Request request;
  request.method = "POST";
  request.url = std::string(kScheme) + std::string(kHost) + "/?Action=" + std::string(kAction);
  Wiped wipe_url{request.url};
  signer.presign(request, credentials, signed_at, lifetime);

  std::string_view presigned = request.url;
  presigned.remove_prefix(kScheme.size());
  std::string payload;
  Wiped wipe_payload{payload};
  payload.reserve(presigned.size() + kVersionSuffix.size());
  payload.append(presigned).append(kVersionSuffix);
  std::string encoded = crypto::base64(payload);
  Wiped wipe_encoded{encoded};

  std::string token;
  token.reserve(kBedrockTokenPrefix.size() + encoded.size());
  token.append(kBedrockTokenPrefix).append(encoded);
  return BedrockToken{Secret(std::move(token)), signed_at + lifetime};
}

std::optional<BedrockTokenInfo> inspect_bedrock_token(std::string_view token) {
  if (token.substr(0, kBedrockTokenPrefix.size()) != kBedrockTokenPrefix) return std::nullopt;
  token.remove_prefix(kBedrockTokenPrefix.size());
  std::optional<std::string> text = crypto::base64_decode(token);
  if (!text) return std::nullopt;
  Wiped wipe_text{*text};
  const std::string prefix = std::string(kHost) + "/?";
  if (text->compare(0, prefix.size(), prefix) != 0) return std::nullopt;

  url::Params params = url::parse_query(std::string_view(*text).substr(prefix.size()));
  BedrockTokenInfo info;
  std::optional<TimePoint> issued;
  std::optional<long long> lifetime;
  bool action = false;
  for (auto& [key, value] : params) {
    if (key == "Action") {
      action = value == kAction;
    } else if (key == "X-Amz-Credential") {
      // AKID/yyyymmdd/region/bedrock/aws4_request
      const auto a = value.find('/');
      const auto b = a == std::string::npos ? a : value.find('/', a + 1);
      const auto c = b == std::string::npos ? b : value.find('/', b + 1);
      if (c == std::string::npos) return std::nullopt;
      info.access_key_id = value.substr(0, a);
      info.region = value.substr(b + 1, c - b - 1);
    } else if (key == "X-Amz-Date") {
      issued = timefmt::parse_iso8601(value);
    } else if (key == "X-Amz-Expires") {
      long long n = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      // A presigned URL lives at most 7 days (SigV4's limit); anything longer is not one.
      if (ec == std::errc{} && p == value.data() + value.size() && n > 0 && n <= 604800) {
        lifetime = n;
      }
    } else if (key == "X-Amz-Security-Token") {
      info.has_session_token = !value.empty();
    }
    if (!value.empty()) OPENSSL_cleanse(value.data(), value.size());
  }
  if (!action || !issued || !lifetime || info.access_key_id.empty() || info.region.empty()) {
    return std::nullopt;
  }
  info.issued_at = *issued;
  info.lifetime = std::chrono::seconds(*lifetime);
  info.expires_at = *issued + info.lifetime;
  return info;
}

}  // namespace llmauth::aws
