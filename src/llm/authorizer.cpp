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

}  // namespace

HeaderKeyAuthorizer::HeaderKeyAuthorizer(std::string header_name, Secret key,
                                         std::string description)
    : header_(std::move(header_name)), key_(std::move(key)), description_(std::move(description)) {
  http::require_header_safe(key_, description_);
}

void HeaderKeyAuthorizer::authorize(http::Request& request) {
  set_header(request, header_, std::string(key_.reveal()));
}

StaticBearerAuthorizer::StaticBearerAuthorizer(Secret token, std::string description,
                                               std::optional<TimePoint> expires_at,
                                               std::shared_ptr<const Clock> clock)
    : token_(std::move(token)),
      description_(std::move(description)),
      expires_at_(expires_at),
      clock_(clock ? std::move(clock) : SystemClock::instance()) {
  http::require_header_safe(token_, description_);
}

void StaticBearerAuthorizer::authorize(http::Request& request) {
  if (expires_at_) {
    const TimePoint now = clock_->now();
    if (now >= *expires_at_) {
      throw Error("the " + description_ + " expired at " + timefmt::format_iso8601(*expires_at_) +
                      " (" + timefmt::describe_remaining(*expires_at_, now) +
                      "); get a new one — it cannot be renewed by llmauth",
                  ErrorCode::kFailed);
    }
  }
  set_header(request, "Authorization", "Bearer " + std::string(token_.reveal()));
}

EntraTokenAuthorizer::EntraTokenAuthorizer(azure::CredentialPtr credential, std::string scope,
                                           std::shared_ptr<const Clock> clock)
    : cache_(std::make_shared<azure::TokenCache>(std::move(credential), std::move(clock))),
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

void EntraTokenAuthorizer::authorize(http::Request& request) {
  const auto token = cache_->get_token(request_);
  last_expiry_.store(token->expires_on);
  set_header(request, "Authorization", "Bearer " + std::string(token->token.reveal()));
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
    : credentials_(std::move(credentials)),
      refresh_(std::move(refresh)),
      signer_(std::move(options)),
      clock_(std::move(clock)) {}

void SigV4Authorizer::authorize(http::Request& request) {
  const auto credentials = credentials_->resolve();
  last_expiry_.store(credentials->expiration);
  last_from_environment_.store(credentials->source == "environment", std::memory_order_relaxed);
  signer_.sign_headers(request, *credentials, clock_->now());
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
