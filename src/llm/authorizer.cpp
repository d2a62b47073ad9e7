#include "llmauth/llm/authorizer.hpp"

#include <algorithm>

#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::llm {
namespace {

void set_header(http::Request& request, std::string_view name, std::string value) {
  std::erase_if(request.headers,
                [&](const http::Header& h) { return http::iequals(h.name, name); });
  request.headers.push_back({std::string(name), std::move(value)});
}

// A credential that runs out is renewed ahead of time: `ahead` before it expires, or at half its
// remaining life when that is shorter (so a fresh credential is never renewed on first use).
TimePoint refresh_time(TimePoint now, TimePoint expires_at, std::chrono::seconds ahead) {
  if (expires_at <= now) return now;
  const auto ahead_by = std::min<TimePoint::duration>(ahead, (expires_at - now) / 2);
  return expires_at - ahead_by;
}

void refuse_if_expired(const Credential& c, const std::string& description, TimePoint now) {
  if (c.expires_at && now >= *c.expires_at) {
    throw Error("the " + description + " expired at " + timefmt::format_iso8601(*c.expires_at) +
                    " (" + timefmt::describe_remaining(*c.expires_at, now) + "); get a new one" +
                    (c.renewable ? "" : " — it cannot be renewed by llmauth"),
                ErrorCode::kFailed);
  }
}

}  // namespace

HeaderKeyAuthorizer::HeaderKeyAuthorizer(std::string header_name, Secret key,
                                         std::string description)
    : Authorizer(nullptr), header_(std::move(header_name)), description_(std::move(description)) {
  http::require_header_safe(key, description_);
  auto c = std::make_shared<Credential>();
  c->secret = std::move(key);
  c->source = description_;
  credential_ = std::move(c);
}

void HeaderKeyAuthorizer::apply(const Credential& credential, http::Request& request,
                                TimePoint /*now*/) const {
  set_header(request, header_, std::string(credential.secret.reveal()));
}

StaticBearerAuthorizer::StaticBearerAuthorizer(Secret token, std::string description,
                                               std::optional<TimePoint> expires_at,
                                               std::shared_ptr<const Clock> clock)
    : Authorizer(std::move(clock)), description_(std::move(description)) {
  http::require_header_safe(token, description_);
  auto c = std::make_shared<Credential>();
  c->secret = std::move(token);
  c->expires_at = expires_at;
  c->source = description_;
  credential_ = std::move(c);
}

void StaticBearerAuthorizer::apply(const Credential& credential, http::Request& request,
                                   TimePoint now) const {
  refuse_if_expired(credential, description_, now);
  set_header(request, "Authorization", "Bearer " + std::string(credential.secret.reveal()));
}

EntraTokenAuthorizer::EntraTokenAuthorizer(azure::CredentialPtr credential, std::string scope,
                                           std::shared_ptr<const Clock> clock)
    : Authorizer(clock),
      cache_(std::make_shared<azure::TokenCache>(std::move(credential), std::move(clock))),
      request_{{std::move(scope)}, "", ""} {}

void detail::LastExpiry::store(std::optional<TimePoint> t) {
  ns_since_epoch_.store(
      t ? std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count() : 0,
      std::memory_order_relaxed);
}

std::optional<TimePoint> detail::LastExpiry::load() const {
  const std::int64_t ns = ns_since_epoch_.load(std::memory_order_relaxed);
  if (ns == 0) return std::nullopt;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(ns)));
}

std::shared_ptr<const Credential> EntraTokenAuthorizer::acquire() {
  const auto token = cache_->get_token(request_);
  last_expiry_.store(token->expires_on);
  auto c = std::make_shared<Credential>();
  c->secret = token->token;
  c->expires_at = token->expires_on;
  // The token cache refreshes at refresh_on, else 5 minutes ahead (azure-core's 2, Envoy's 5).
  c->refresh_at = token->refresh_on && *token->refresh_on < token->expires_on
                      ? *token->refresh_on
                      : refresh_time(clock()->now(), token->expires_on, std::chrono::minutes(5));
  c->renewable = cache_->name() != "StaticTokenCredential";
  c->source = token->credential.empty() ? cache_->name() : token->credential;
  return c;
}

void EntraTokenAuthorizer::apply(const Credential& credential, http::Request& request,
                                 TimePoint now) const {
  refuse_if_expired(credential, "Entra ID token (" + credential.source + ")", now);
  set_header(request, "Authorization", "Bearer " + std::string(credential.secret.reveal()));
}

CredentialLifetime EntraTokenAuthorizer::lifetime() const {
  // A StaticTokenCredential behind the cache cannot give a new token.
  return {last_expiry_.load(), cache_->name() != "StaticTokenCredential"};
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
    : Authorizer(std::move(clock)),
      credentials_(std::move(credentials)),
      refresh_(std::move(refresh)),
      signer_(std::move(options)) {}

std::shared_ptr<const Credential> SigV4Authorizer::acquire() {
  auto credentials = credentials_->resolve();
  last_expiry_.store(credentials->expiration);
  const bool from_environment = credentials->source == "environment";
  last_from_environment_.store(from_environment, std::memory_order_relaxed);
  auto c = std::make_shared<Credential>();
  c->expires_at = credentials->expiration;
  // botocore's advisory window: 15 minutes ahead.
  if (credentials->expiration) {
    c->refresh_at =
        refresh_time(clock()->now(), *credentials->expiration, std::chrono::minutes(15));
  }
  c->renewable = refresh_ && !from_environment;
  c->source = credentials->source;
  c->aws = std::move(credentials);
  return c;
}

void SigV4Authorizer::apply(const Credential& credential, http::Request& request,
                            TimePoint now) const {
  if (!credential.aws) {
    throw Error("SigV4: no AWS credentials to sign with", ErrorCode::kInvalidInput);
  }
  refuse_if_expired(credential, "AWS credentials (" + credential.source + ")", now);
  signer_.sign_headers(request, *credential.aws, now);
}

CredentialLifetime SigV4Authorizer::lifetime() const {
  const auto expires_at = last_expiry_.load();
  return {expires_at,
          expires_at && refresh_ && !last_from_environment_.load(std::memory_order_relaxed)};
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
