#include "llmauth/aws/credentials/instance_metadata_provider.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "llmauth/aws/credentials/credentials_document.hpp"
#include "llmauth/aws/credentials/metadata_client.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::aws {
namespace {

constexpr std::string_view kDisabledVar = "AWS_EC2_METADATA_DISABLED";
constexpr std::string_view kEndpointVar = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
constexpr std::string_view kEndpointModeVar = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
constexpr std::string_view kTimeoutVar = "AWS_METADATA_SERVICE_TIMEOUT";
constexpr std::string_view kAttemptsVar = "AWS_METADATA_SERVICE_NUM_ATTEMPTS";
constexpr std::string_view kV1DisabledVar = "AWS_EC2_METADATA_V1_DISABLED";

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kRolesPath = "/latest/meta-data/iam/security-credentials/";
constexpr std::string_view kTokenTtlHeader = "x-aws-ec2-metadata-token-ttl-seconds";
constexpr std::string_view kTokenHeader = "x-aws-ec2-metadata-token";

constexpr int kMaxAttempts = 20;
constexpr double kMaxTimeoutSeconds = 300;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return std::string(s);
}

// IAM role names: 1-64 of [A-Za-z0-9+=,.@_-].
bool valid_role_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("+=,.@_-").find(c) != std::string_view::npos;
  });
}

std::chrono::milliseconds parse_timeout(const std::string& text, std::string_view from) {
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(seconds) || seconds <= 0 ||
      seconds > kMaxTimeoutSeconds) {
    throw Error(std::string(from) + "='" + text.substr(0, 40) +
                    "' must be a number of seconds greater than 0 and at most 300",
                ErrorCode::kInvalidInput);
  }
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(seconds * 1000)));
}

int parse_attempts(const std::string& text, std::string_view from) {
  int n = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || p != text.data() + text.size() || n < 1 || n > kMaxAttempts) {
    throw Error(std::string(from) + "='" + text.substr(0, 40) +
                    "' must be a whole number from 1 to " + std::to_string(kMaxAttempts),
                ErrorCode::kInvalidInput);
  }
  return n;
}

std::string checked_endpoint(const std::string& text, std::string_view from) {
  url::parse(text, from);  // throws naming where the endpoint came from
  std::string e = text;
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

// How one IMDS exchange went wrong when nothing answered: unreachable means "not on EC2"
// (unavailable); the loopback guard refusing means the destination itself is wrong (an error).
[[noreturn]] void throw_unanswered(const MetadataReply& reply, const ImdsSettings& s,
                                   std::string_view step) {
  const Error& e = *reply.failure;
  if (e.code() == ErrorCode::kRefused) {
    throw Error("IMDS " + std::string(step) + ": " + e.what(), ErrorCode::kRefused);
  }
  std::string message = "no instance metadata service answered at " + s.endpoint;
  if (e.code() == ErrorCode::kTimeout) {
    message += " within " + describe_duration(s.timeout);
  } else {
    message += " (" + std::string(e.what()) + ")";
  }
  if (reply.attempts > 1) message += " (" + std::to_string(reply.attempts) + " attempts)";
  message += "; not on EC2? Set " + std::string(kDisabledVar) + "=true to skip it";
  throw UnavailableError(message);
}

[[noreturn]] void throw_status(const MetadataReply& reply, const ImdsSettings& s,
                               std::string_view step, std::string_view hint = {}) {
  std::string message = "IMDS at " + s.endpoint + " answered HTTP " + std::to_string(reply.status) +
                        " to the " + std::string(step);
  if (reply.status >= 500 && reply.attempts > 1) {
    message += " (" + std::to_string(reply.attempts) + " attempts)";
  }
  if (!hint.empty()) message += "; " + std::string(hint);
  if (const auto excerpt = error_excerpt(reply); !excerpt.empty()) message += ": " + excerpt;
  throw Error(message, ErrorCode::kHttpStatus);
}

}  // namespace

ImdsSettings imds_settings(const Ambient& ambient, const ImdsOptions& options) {
  ImdsSettings s;
  s.disabled = ambient.env_flag(kDisabledVar);

  if (auto e = ambient.env(kEndpointVar)) {
    s.endpoint = checked_endpoint(*e, kEndpointVar);
  } else if (options.endpoint && !options.endpoint->empty()) {
    s.endpoint = checked_endpoint(*options.endpoint, "ec2_metadata_service_endpoint");
  } else {
    std::string mode = "ipv4";
    std::string_view mode_from = kEndpointModeVar;
    if (auto m = ambient.env(kEndpointModeVar)) {
      mode = *m;
    } else if (options.endpoint_mode && !options.endpoint_mode->empty()) {
      mode = *options.endpoint_mode;
      mode_from = "ec2_metadata_service_endpoint_mode";
    }
    const std::string m = lower(mode);
    if (m == "ipv6") {
      s.endpoint = std::string(kImdsEndpointIPv6);
    } else if (m == "ipv4") {
      s.endpoint = std::string(kImdsEndpointIPv4);
    } else {
      throw Error(std::string(mode_from) + "='" + mode.substr(0, 40) + "' must be IPv4 or IPv6",
                  ErrorCode::kInvalidInput);
    }
  }

  if (auto t = ambient.env(kTimeoutVar)) {
    s.timeout = parse_timeout(*t, kTimeoutVar);
  } else if (options.timeout) {
    if (options.timeout->count() <= 0) {
      throw Error("metadata_service_timeout must be greater than 0", ErrorCode::kInvalidInput);
    }
    s.timeout = *options.timeout;
  }

  if (auto a = ambient.env(kAttemptsVar)) {
    s.attempts = parse_attempts(*a, kAttemptsVar);
  } else if (options.attempts) {
    if (*options.attempts < 1 || *options.attempts > kMaxAttempts) {
      throw Error("metadata_service_num_attempts must be from 1 to " + std::to_string(kMaxAttempts),
                  ErrorCode::kInvalidInput);
    }
    s.attempts = *options.attempts;
  }

  if (ambient.env(kV1DisabledVar)) {
    s.v1_disabled = ambient.env_flag(kV1DisabledVar);
  } else if (options.v1_disabled) {
    s.v1_disabled = *options.v1_disabled;
  }
  return s;
}

InstanceMetadataProvider::InstanceMetadataProvider(Ambient ambient, ImdsOptions options)
    : ambient_(std::move(ambient)), options_(std::move(options)) {
  const auto ttl = options_.token_ttl.count();
  if (ttl < 1 || ttl > 21600) {
    throw Error("ImdsOptions::token_ttl must be from 1 to 21600 seconds", ErrorCode::kInvalidInput);
  }
}

std::shared_ptr<const Credentials> InstanceMetadataProvider::resolve() {
  const ImdsSettings s = imds_settings(ambient_, options_);
  if (s.disabled) throw UnavailableError(std::string(kDisabledVar) + " is set to true");

  std::lock_guard lock(mutex_);
  const MetadataClient client(ambient_.http(), {.attempts = s.attempts, .timeout = s.timeout});

  // Two rounds at most: a cached session token that IMDS no longer accepts (401) is dropped
  // and the sequence starts over with a new one.
  for (int round = 0;; ++round) {
    // 1. The session token (IMDSv2), or none (IMDSv1 fallback).
    std::optional<Secret> token;
    bool fresh_token = false;
    if (token_ && token_->endpoint == s.endpoint && ambient_.now() < token_->refresh_at) {
      token = token_->value;
    } else {
      token_.reset();
      http::Request put;
      put.method = "PUT";
      put.url = s.endpoint + std::string(kTokenPath);
      put.headers.push_back(
          {std::string(kTokenTtlHeader), std::to_string(options_.token_ttl.count())});
      const MetadataReply reply = client.send(std::move(put));
      const std::string step = "session token request (PUT " + std::string(kTokenPath) + ")";
      if (reply.ok()) {
        std::string value = trim(reply.body);
        if (value.empty())
          throw Error("IMDS at " + s.endpoint + " answered the " + step + " with an empty token",
                      ErrorCode::kInvalidInput);
        auto ttl = options_.token_ttl;
        if (auto granted = reply.header(kTokenTtlHeader)) {
          long long g = 0;
          const std::string gs = trim(*granted);
          const auto [p, ec] = std::from_chars(gs.data(), gs.data() + gs.size(), g);
          if (ec == std::errc{} && p == gs.data() + gs.size() && g > 0 && g < ttl.count()) {
            ttl = std::chrono::seconds(g);
          }
        }
        // Renew a minute before the end (half-way for very short tokens).
        const auto margin = ttl > std::chrono::seconds(120) ? std::chrono::seconds(60) : ttl / 2;
        token = Secret(std::move(value));
        token_ = CachedToken{*token, ambient_.now() + ttl - margin, s.endpoint};
        fresh_token = true;
      } else if (reply.status == 403 || reply.status == 404 || reply.status == 405 ||
                 reply.timed_out()) {
        if (s.v1_disabled) {
          if (reply.timed_out()) throw_unanswered(reply, s, step);
          throw_status(reply, s, step,
                       "IMDSv1 is disabled (" + std::string(kV1DisabledVar) +
                           "), so there is no fallback without a session token");
        }
        // IMDSv1: the GETs go without a token.
      } else if (reply.status == 400) {
        throw_status(reply, s, step,
                     "the request was malformed (token TTL " +
                         std::to_string(options_.token_ttl.count()) + " s)");
      } else if (!reply.answered()) {
        throw_unanswered(reply, s, step);
      } else {
        throw_status(reply, s, step);
      }
    }

    auto get = [&](const std::string& path) {
      http::Request r;
      r.method = "GET";
      r.url = s.endpoint + path;
      if (token) r.headers.push_back({std::string(kTokenHeader), std::string(token->reveal())});
      return client.send(std::move(r));
    };
    // A 401 means the token is stale (retry once with a new one) or, without a token, that
    // IMDSv2 is required.
    auto unauthorized = [&](const MetadataReply& reply, std::string_view step) -> bool {
      if (reply.status != 401) return false;
      if (token && !fresh_token && round == 0) {
        token_.reset();
        return true;
      }
      throw_status(reply, s, step,
                   token ? "IMDS rejected the session token it had just issued"
                         : "IMDS requires a session token (IMDSv2) and the token request got no "
                           "answer in time; from a container, raise the instance's metadata "
                           "hop limit to 2");
    };

    // 2. The role name.
    const std::string roles_step = "role listing (GET " + std::string(kRolesPath) + ")";
    const MetadataReply roles = get(std::string(kRolesPath));
    if (!roles.answered()) throw_unanswered(roles, s, roles_step);
    if (unauthorized(roles, roles_step)) continue;
    if (roles.status == 404) {
      throw UnavailableError("no IAM role is attached to this instance (IMDS at " + s.endpoint +
                             " answered HTTP 404 to the " + roles_step + ")");
    }
    if (!roles.ok()) throw_status(roles, s, roles_step);
    const std::string role = trim(std::string_view(roles.body).substr(0, roles.body.find('\n')));
    if (role.empty()) {
      throw UnavailableError("no IAM role is attached to this instance (IMDS at " + s.endpoint +
                             " listed no role)");
    }
    if (!valid_role_name(role)) {
      throw Error("IMDS at " + s.endpoint + " answered the " + roles_step +
                      " with something that is not an IAM role name",
                  ErrorCode::kInvalidInput);
    }

    // 3. The role's credentials.
    const std::string creds_step = "credentials request for role '" + role + "'";
    const MetadataReply creds = get(std::string(kRolesPath) + url::encode(role));
    if (!creds.answered()) throw_unanswered(creds, s, creds_step);
    if (unauthorized(creds, creds_step)) continue;
    if (!creds.ok()) throw_status(creds, s, creds_step);

    Credentials c = parse_credentials_document(
        creds.body, "IMDS credentials of role '" + role + "' from " + s.endpoint,
        DocumentRules{
            .require_session_token = true, .require_expiration = true, .check_code = true});
    c.source = "IMDS role " + role;
    return std::make_shared<const Credentials>(std::move(c));
  }
}

}  // namespace llmauth::aws
