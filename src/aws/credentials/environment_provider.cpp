#include "llmauth/aws/credentials/environment_provider.hpp"

#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::aws {

std::shared_ptr<const Credentials> EnvironmentProvider::resolve() {
  const auto key = ambient_.env("AWS_ACCESS_KEY_ID");
  auto secret = ambient_.env("AWS_SECRET_ACCESS_KEY");
  if (!key && !secret) {
    throw UnavailableError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  }
  if (!key || !secret) {
    throw Error(std::string(key ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                                : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not") +
                    ": set both, or unset both to use another source",
                ErrorCode::kInvalidInput);
  }
  Credentials c;
  c.access_key_id = *key;
  c.secret_access_key = Secret(std::move(*secret));
  if (auto token = ambient_.env("AWS_SESSION_TOKEN")) {
    c.session_token = Secret(std::move(*token));
  } else if (auto legacy = ambient_.env("AWS_SECURITY_TOKEN")) {
    c.session_token = Secret(std::move(*legacy));
  }
  if (auto exp = ambient_.env("AWS_CREDENTIAL_EXPIRATION")) {
    c.expiration = timefmt::parse_iso8601(*exp);
    if (!c.expiration) {
      throw Error("AWS_CREDENTIAL_EXPIRATION='" + exp->substr(0, 40) +
                      "' is not an ISO 8601 time (like 2026-01-02T03:04:05Z)",
                  ErrorCode::kInvalidInput);
    }
    if (c.expired_at(ambient_.now())) {
      throw Error("the credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY expired at " +
                      timefmt::format_iso8601(*c.expiration) +
                      " (AWS_CREDENTIAL_EXPIRATION); export fresh ones");
    }
  }
  c.account_id = ambient_.env("AWS_ACCOUNT_ID");
  c.source = "environment";
  return std::make_shared<const Credentials>(std::move(c));
}

}  // namespace llmauth::aws
