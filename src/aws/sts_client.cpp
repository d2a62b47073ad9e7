#include "llmauth/aws/sts_client.hpp"

#include <pugixml.hpp>

#include <random>
#include <regex>
#include <thread>

#include "llmauth/aws/endpoints.hpp"
#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::aws {
namespace {

constexpr std::string_view kApiVersion = "2011-06-15";

bool retryable_status(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504 || status == 429;
}

std::string child_text(const pugi::xml_node& node, const char* name) {
  return node.child(name).text().as_string();
}

struct StsError {
  std::string code;
  std::string message;
};

std::optional<StsError> parse_error(const std::string& body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return std::nullopt;
  const auto error = doc.child("ErrorResponse").child("Error");
  if (!error) return std::nullopt;
  return StsError{child_text(error, "Code"), child_text(error, "Message")};
}

bool throttling(const std::optional<StsError>& e) {
  return e && (e->code == "Throttling" || e->code == "ThrottlingException" ||
               e->code == "RequestLimitExceeded" || e->code == "IDPCommunicationError");
}

}  // namespace

Credentials detail::parse_sts_credentials(const std::string& body, const std::string& action,
                                          const std::string& endpoint) {
  const std::string what = "STS " + action + " response from " + endpoint;
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(body.data(), body.size());
  if (!parsed) {
    throw Error(what + ": not valid XML (" + parsed.description() + " at byte " +
                    std::to_string(parsed.offset) + ")",
                ErrorCode::kInvalidInput);
  }
  const std::string response = action + "Response";
  const std::string result = action + "Result";
  const auto result_node = doc.child(response.c_str()).child(result.c_str());
  if (!result_node) {
    throw Error(what + ": /" + response + "/" + result + " is missing", ErrorCode::kInvalidInput);
  }
  const auto creds = result_node.child("Credentials");
  const std::string path = "/" + response + "/" + result + "/Credentials/";
  Credentials out;
  for (const char* field : {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}) {
    if (child_text(creds, field).empty()) {
      throw Error(what + ": " + path + field + " is missing", ErrorCode::kInvalidInput);
    }
  }
  out.access_key_id = child_text(creds, "AccessKeyId");
  out.secret_access_key = Secret(child_text(creds, "SecretAccessKey"));
  out.session_token = Secret(child_text(creds, "SessionToken"));
  const std::string expiration = child_text(creds, "Expiration");
  out.expiration = timefmt::parse_iso8601(expiration);
  if (!out.expiration) {
    throw Error(what + ": " + path + "Expiration '" + expiration.substr(0, 40) +
                    "' is not an ISO 8601 time",
                ErrorCode::kInvalidInput);
  }
  // The account id is the fifth field of the assumed-role ARN.
  const std::string arn = child_text(result_node.child("AssumedRoleUser"), "Arn");
  std::size_t pos = 0;
  for (int i = 0; i < 4 && pos != std::string::npos; ++i) pos = arn.find(':', pos + 1);
  if (pos != std::string::npos) {
    const auto end = arn.find(':', pos + 1);
    if (end != std::string::npos && end > pos + 1) out.account_id = arn.substr(pos + 1, end - pos - 1);
  }
  return out;
}

void validate_role_arn(const std::string& arn, const std::string& what) {
  static const std::regex kArn(R"(arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512})");
  if (!std::regex_match(arn, kArn)) {
    throw Error(what + ": '" + arn.substr(0, 100) +
                    "' is not a role ARN (expected arn:aws:iam::123456789012:role/NAME)",
                ErrorCode::kInvalidInput);
  }
}

void validate_role_session_name(const std::string& name, const std::string& what) {
  static const std::regex kName(R"([\w+=,.@-]{2,64})");
  if (!std::regex_match(name, kName)) {
    throw Error(what + ": role session name '" + name.substr(0, 80) +
                    "' must be 2-64 characters of letters, digits and +=,.@_-",
                ErrorCode::kInvalidInput);
  }
}

StsClient::StsClient(Ambient ambient, StsOptions options)
    : ambient_(std::move(ambient)), options_(std::move(options)) {
  if (!options_.region.empty()) validate_region(options_.region, "STS region");
  signing_region_ = options_.region.empty() ? "us-east-1" : options_.region;
  if (options_.endpoint) {
    const auto u = url::parse(*options_.endpoint, "STS endpoint");
    endpoint_ = u.origin() + (u.path == "/" ? "/" : u.path);
  } else if (options_.region.empty()) {
    endpoint_ = "https://sts.amazonaws.com/";
  } else {
    endpoint_ = "https://sts." + options_.region + "." + dns_suffix(options_.region) + "/";
  }
}

std::string StsClient::call(const std::string& action, const std::string& form,
                            const Credentials* signer) const {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::string last_problem;
  ErrorCode last_code = ErrorCode::kFailed;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    http::Request req;
    req.method = "POST";
    req.url = endpoint_;
    req.body = form;
    req.connect_timeout = options_.connect_timeout;
    req.timeout = options_.timeout;
    req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
    if (signer != nullptr) {
      SigV4 sigv4({.region = signing_region_, .service = "sts"});
      sigv4.sign(req, *signer, ambient_.now());
    }
    bool retry = false;
    try {
      const http::Response resp = ambient_.http().send(req);
      if (resp.status == 200) return resp.body;
      const auto error = parse_error(resp.body);
      const std::string detail =
          error ? error->code + ": " + error->message : "HTTP " + std::to_string(resp.status);
      last_problem = "STS " + action + " at " + endpoint_ + " failed with HTTP " +
                     std::to_string(resp.status) + " (" + detail + ")";
      last_code = ErrorCode::kHttpStatus;
      retry = retryable_status(resp.status) || throttling(error);
      if (!retry) throw Error(last_problem, last_code);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNetwork && e.code() != ErrorCode::kTimeout) throw;
      last_problem = "STS " + action + " at " + endpoint_ + ": " + e.what();
      last_code = e.code();
      retry = true;
    }
    if (retry && attempt < options_.max_attempts) {
      // Full jitter: uniform in [0, 100 ms * 2^attempt].
      std::uniform_int_distribution<int> jitter(0, 100 * (1 << attempt));
      std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
    }
  }
  throw Error(last_problem + " after " + std::to_string(options_.max_attempts) + " attempts",
              last_code);
}

Credentials StsClient::assume_role(const Credentials& source,
                                   const AssumeRoleParams& params) const {
  validate_role_arn(params.role_arn, "AssumeRole");
  validate_role_session_name(params.role_session_name, "AssumeRole");
  url::Params form = {{"Action", "AssumeRole"},
                      {"Version", std::string(kApiVersion)},
                      {"RoleArn", params.role_arn},
                      {"RoleSessionName", params.role_session_name}};
  if (params.duration_seconds) form.emplace_back("DurationSeconds", std::to_string(*params.duration_seconds));
  if (params.external_id) form.emplace_back("ExternalId", *params.external_id);
  if (params.policy) form.emplace_back("Policy", *params.policy);
  const std::string body = call("AssumeRole", url::form_encode(form), &source);
  Credentials out = detail::parse_sts_credentials(body, "AssumeRole", endpoint_);
  out.source = "assume role " + params.role_arn;
  return out;
}

Credentials StsClient::assume_role_with_web_identity(const AssumeRoleParams& params,
                                                     const Secret& token) const {
  validate_role_arn(params.role_arn, "AssumeRoleWithWebIdentity");
  validate_role_session_name(params.role_session_name, "AssumeRoleWithWebIdentity");
  url::Params form = {{"Action", "AssumeRoleWithWebIdentity"},
                      {"Version", std::string(kApiVersion)},
                      {"RoleArn", params.role_arn},
                      {"RoleSessionName", params.role_session_name},
                      {"WebIdentityToken", std::string(token.reveal())}};
  if (params.duration_seconds) form.emplace_back("DurationSeconds", std::to_string(*params.duration_seconds));
  if (params.policy) form.emplace_back("Policy", *params.policy);
  const std::string body =
      call("AssumeRoleWithWebIdentity", url::form_encode(form), nullptr);
  Credentials out = detail::parse_sts_credentials(body, "AssumeRoleWithWebIdentity", endpoint_);
  out.source = "web identity " + params.role_arn;
  return out;
}

CallerIdentity StsClient::get_caller_identity(const Credentials& credentials) const {
  const std::string body = call(
      "GetCallerIdentity",
      url::form_encode({{"Action", "GetCallerIdentity"}, {"Version", std::string(kApiVersion)}}),
      &credentials);
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) {
    throw Error("STS GetCallerIdentity response from " + endpoint_ + ": not valid XML",
                ErrorCode::kInvalidInput);
  }
  const auto r = doc.child("GetCallerIdentityResponse").child("GetCallerIdentityResult");
  if (!r) {
    throw Error("STS GetCallerIdentity response from " + endpoint_ +
                    ": /GetCallerIdentityResponse/GetCallerIdentityResult is missing",
                ErrorCode::kInvalidInput);
  }
  return {child_text(r, "Account"), child_text(r, "Arn"), child_text(r, "UserId")};
}

}  // namespace llmauth::aws
