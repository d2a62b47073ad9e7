#include "llmauth/aws/credentials/sso_provider.hpp"

#include <cctype>
#include <limits>
#include <vector>

#include "llmauth/aws/endpoints.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::aws {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// "UnauthorizedException" from `x-amzn-ErrorType: UnauthorizedException:http://internal…`.
std::string error_type(const MetadataReply& reply) {
  const auto header = reply.header("x-amzn-ErrorType");
  if (!header) return {};
  std::string out;
  for (char c : header->substr(0, header->find(':'))) {
    if (out.size() >= 64) break;
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) out += c;
  }
  return out;
}

// Epoch milliseconds that a TimePoint (nanoseconds, until 2262) can hold.
constexpr long long kMaxEpochMillis = std::numeric_limits<long long>::max() / 1'000'000;

}  // namespace

std::optional<SsoConfig> sso_config(const Profile& profile, const SharedConfig& config) {
  // Role name or account id say that the profile is meant for SSO (botocore's SSOProvider).
  if (!profile.has("sso_account_id") && !profile.has("sso_role_name")) return std::nullopt;
  const std::string where =
      profile.where(profile.has("sso_account_id") ? "sso_account_id" : "sso_role_name");

  std::vector<std::string> missing;
  for (const char* key : {"sso_account_id", "sso_role_name"}) {
    if (!profile.has(key)) missing.push_back(std::string(key) + " in the profile");
  }
  SsoConfig out;
  out.profile = profile.name;
  if (const auto name = profile.get("sso_session")) {
    const Profile* session = config.sso_session(*name);
    if (session == nullptr) {
      throw Error(profile.where("sso_session") + ": profile '" + profile.name +
                      "' names sso_session '" + *name + "', but " + config.config_path() +
                      " has no [sso-session " + *name + "] section",
                  ErrorCode::kInvalidInput);
    }
    // Keys given in both places must agree (botocore: "The value for X is inconsistent between
    // profile and sso-session").
    for (const auto& [key, value] : session->values) {
      const auto it = profile.values.find(key);
      if (it != profile.values.end() && it->second != value) {
        throw Error(profile.where(key) + ": " + key + " of profile '" + profile.name + "' (" +
                        it->second + ") differs from the one in [sso-session " + *name + "] (" +
                        session->where(key) + ": " + value +
                        "); remove it from the profile or make them equal",
                    ErrorCode::kInvalidInput);
      }
    }
    for (const char* key : {"sso_start_url", "sso_region"}) {
      if (!session->has(key)) {
        missing.push_back(std::string(key) + " in [sso-session " + *name + "]");
      }
    }
    out.session = {session->get("sso_start_url").value_or(""),
                   session->get("sso_region").value_or(""), *name};
  } else {
    for (const char* key : {"sso_start_url", "sso_region"}) {
      if (!profile.has(key)) {
        missing.push_back(std::string(key) +
                          " in the profile (or sso_session naming an "
                          "[sso-session] section that has it)");
      }
    }
    out.session = {profile.get("sso_start_url").value_or(""),
                   profile.get("sso_region").value_or(""), std::nullopt};
  }
  if (!missing.empty()) {
    throw Error(where + ": profile '" + profile.name +
                    "' is configured for IAM Identity Center (SSO) but is missing " +
                    join(missing) + " (" + config.config_path() + ")",
                ErrorCode::kInvalidInput);
  }
  out.account_id = *profile.get("sso_account_id");
  out.role_name = *profile.get("sso_role_name");
  return out;
}

SsoProvider::SsoProvider(Ambient ambient, SsoConfig config, SsoProviderOptions options)
    : ambient_(std::move(ambient)),
      config_(std::move(config)),
      options_(std::move(options)),
      tokens_(ambient_, config_.session, config_.profile, options_.token) {
  const std::string& region = config_.session.region;
  const std::string base =
      options_.portal_endpoint
          ? endpoint_base_url(*options_.portal_endpoint, "SSO endpoint override")
          : "https://portal.sso." + region + "." + dns_suffix(region);
  url_ = base + "/federation/credentials?role_name=" + url::encode(config_.role_name) +
         "&account_id=" + url::encode(config_.account_id);
}

std::shared_ptr<const Credentials> SsoProvider::resolve() {
  const SsoToken token = tokens_.token();
  const std::string& p = config_.profile;
  const std::string role = "role " + config_.role_name + " in account " + config_.account_id;

  http::Request request;
  request.method = "GET";
  request.url = url_;
  request.headers.push_back({"x-amz-sso_bearer_token", std::string(token.access_token.reveal())});
  request.headers.push_back({"Accept", "application/json"});
  const MetadataClient client(ambient_.http(), options_.retry);
  const MetadataReply reply = client.send(std::move(request));
  const std::string where = "SSO portal GetRoleCredentials at " + url_;
  const std::string tries =
      reply.attempts == 1 ? "1 attempt" : std::to_string(reply.attempts) + " attempts";

  if (!reply.answered()) {
    const Error& e = *reply.failure;
    if (e.code() == ErrorCode::kTimeout) {
      throw Error(where + " did not answer within " + describe_duration(options_.retry.timeout) +
                      " (" + tries + ")",
                  ErrorCode::kTimeout);
    }
    throw Error(where + " could not be reached: " + e.what(), e.code());
  }
  if (!reply.ok()) {
    const std::string type = error_type(reply);
    const std::string detail = error_excerpt(reply);
    std::string answer = "HTTP " + std::to_string(reply.status);
    if (!type.empty()) answer += " " + type;
    if (!detail.empty()) answer += ": " + detail;
    if (reply.status == 401) {
      throw Error(
          where + " refused the access token of profile '" + p + "' (" + answer +
              "): the SSO session has expired or was revoked; run `aws sso login --profile " + p +
              "`",
          ErrorCode::kHttpStatus);
    }
    if (reply.status == 403) {
      throw Error(where + " gave profile '" + p + "' no access to " + role + " (" + answer +
                      "): check sso_role_name and sso_account_id, and that your user is "
                      "assigned that permission set in that account; if the session was "
                      "revoked, run `aws sso login --profile " +
                      p + "`",
                  ErrorCode::kHttpStatus);
    }
    throw Error(where + " answered " + answer + (reply.status >= 500 ? " (" + tries + ")" : ""),
                ErrorCode::kHttpStatus);
  }

  // The answer holds the secret key and session token: never quote it.
  const std::string what = "SSO GetRoleCredentials answer from " + url_;
  const Secret raw(reply.body);
  const json::Json doc = json::parse(raw.reveal(), what);
  if (!doc.is_object() || !doc.contains("roleCredentials") || !doc["roleCredentials"].is_object()) {
    throw Error(what + ": /roleCredentials is missing or not an object", ErrorCode::kInvalidInput);
  }
  const json::Json& rc = doc["roleCredentials"];
  constexpr std::string_view kPath = "/roleCredentials";
  auto required = [&](std::string_view key) {
    std::string v = json::require_string(rc, key, what, kPath);
    if (v.empty()) {
      throw Error(what + ": /roleCredentials/" + std::string(key) + " is empty",
                  ErrorCode::kInvalidInput);
    }
    return v;
  };
  Credentials c;
  c.access_key_id = required("accessKeyId");
  c.secret_access_key = Secret(required("secretAccessKey"));
  c.session_token = Secret(required("sessionToken"));
  const auto expiration = json::optional_integer(rc, "expiration", what, kPath);
  if (!expiration) {
    throw Error(what + ": /roleCredentials/expiration is missing", ErrorCode::kInvalidInput);
  }
  if (*expiration <= 0 || *expiration > kMaxEpochMillis) {
    throw Error(what + ": /roleCredentials/expiration is not a time in epoch milliseconds",
                ErrorCode::kInvalidInput);
  }
  c.expiration = TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(*expiration)));
  c.account_id = config_.account_id;
  c.source = "SSO " + role + " (profile " + p + ")";
  return std::make_shared<const Credentials>(std::move(c));
}

}  // namespace llmauth::aws
