#include "llmauth/aws/sts_client.hpp"

#include <regex>

#include "llmauth/aws/clock_skew.hpp"
#include "llmauth/aws/endpoints.hpp"
#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/retry.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/core/url.hpp"
#include "llmauth/core/xml.hpp"

namespace llmauth::aws {
namespace {

constexpr std::string_view kApiVersion = "2011-06-15";
// STS answers are a few KiB; a hostile endpoint must not make us buffer more.
constexpr std::size_t kMaxAnswerBytes = 64u << 10;

bool retryable_status(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504 || status == 429;
}

struct StsError {
  std::string code;
  std::string message;
};

std::optional<StsError> parse_error(const std::string& body) {
  try {
    const xml::Element doc = xml::parse(body, "STS error");
    const xml::Element* error = doc.name == "ErrorResponse" ? doc.child("Error") : nullptr;
    if (error == nullptr) return std::nullopt;
    return StsError{error->child_text("Code"), error->child_text("Message")};
  } catch (const Error&) {
    return std::nullopt;  // not XML: the caller reports the status and an excerpt instead
  }
}

bool throttling(const std::optional<StsError>& e) {
  return e && (e->code == "Throttling" || e->code == "ThrottlingException" ||
               e->code == "RequestLimitExceeded" || e->code == "IDPCommunicationError");
}

// /<Action>Response/<Action>Result of a query-protocol answer.
const xml::Element& result_element(const xml::Element& doc, const std::string& action,
                                   const std::string& what) {
  const std::string response = action + "Response";
  const std::string result = action + "Result";
  const xml::Element* node = doc.name == response ? doc.child(result) : nullptr;
  if (node == nullptr) {
    throw Error(what + ": /" + response + "/" + result + " is missing", ErrorCode::kInvalidInput);
  }
  return *node;
}

}  // namespace

Credentials detail::parse_sts_credentials(const std::string& body, const std::string& action,
                                          const std::string& endpoint) {
  const std::string what = "STS " + action + " response from " + endpoint;
  const xml::Element doc = xml::parse(body, what);
  const xml::Element& result_node = result_element(doc, action, what);
  static const xml::Element kNone;
  const xml::Element* found = result_node.child("Credentials");
  const xml::Element& creds = found != nullptr ? *found : kNone;
  const std::string path = "/" + action + "Response/" + action + "Result/Credentials/";
  for (const char* field : {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}) {
    if (creds.child_text(field).empty()) {
      throw Error(what + ": " + path + field + " is missing", ErrorCode::kInvalidInput);
    }
  }
  Credentials out;
  out.access_key_id = creds.child_text("AccessKeyId");
  out.secret_access_key = Secret(creds.child_text("SecretAccessKey"));
  out.session_token = Secret(creds.child_text("SessionToken"));
  const std::string expiration = creds.child_text("Expiration");
  out.expiration = timefmt::parse_iso8601(expiration);
  if (!out.expiration) {
    throw Error(what + ": " + path + "Expiration '" + sanitize_untrusted(expiration, 40) +
                    "' is not an ISO 8601 time",
                ErrorCode::kInvalidInput);
  }
  // The account id is the fifth field of the assumed-role ARN.
  const xml::Element* user = result_node.child("AssumedRoleUser");
  const std::string arn = user != nullptr ? user->child_text("Arn") : std::string();
  std::size_t pos = 0;
  for (int i = 0; i < 4 && pos != std::string::npos; ++i) pos = arn.find(':', pos + 1);
  if (pos != std::string::npos) {
    const auto end = arn.find(':', pos + 1);
    if (end != std::string::npos && end > pos + 1)
      out.account_id = arn.substr(pos + 1, end - pos - 1);
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
                            const Credentials* signer, const Secret* body_secret) const {
  http::Request req;
  req.method = "POST";
  req.url = endpoint_;
  req.body = form;
  req.connect_timeout = options_.connect_timeout;
  req.timeout = options_.timeout;
  req.max_response_bytes = kMaxAnswerBytes;
  req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
  if (body_secret != nullptr) req.sensitive.add(*body_secret);
  if (signer != nullptr) req.sensitive.add(signer->secret_access_key);

  http::CallOptions options;
  options.retry.max_attempts = options_.max_attempts;
  options.retry.initial_delay = std::chrono::milliseconds(100);
  options.retry.max_delay = std::chrono::seconds(20);
  options.retry.backoff = http::RetryPolicy::Backoff::kFullJitter;
  options.deadline = options_.timeout;
  options.sleep = options_.sleep;
  std::string signed_at;
  options.prepare = [&](http::Request& r) {
    if (signer == nullptr) return;
    SigV4 sigv4({.region = signing_region_, .service = "sts"});
    sigv4.sign(r, *signer, ambient_.now());  // a fresh signature for every attempt
    signed_at = std::string(http::find_header(r.headers, "x-amz-date").value_or(""));
  };
  options.judge = [](const http::Response& r) {
    return retryable_status(r.status) || throttling(parse_error(r.body)) ? http::Verdict::kRetry
                                                                         : http::Verdict::kDone;
  };
  Redactor redactor;
  options.redactor = &redactor;

  http::Response resp;
  try {
    resp = http::call(ambient_.http(), req, options);
  } catch (const Error& e) {
    throw Error("STS " + action + " at " + endpoint_ + ": " + e.what(), e.code(), e.transient());
  }
  if (resp.status == 200) return resp.body;
  const auto error = parse_error(resp.body);
  std::string detail = error
                           ? redactor.scrub(error->code, 80) + ": " + redactor.scrub(error->message)
                           : "HTTP " + std::to_string(resp.status);
  if (!error && !resp.body.empty()) detail += ": " + redactor.scrub(resp.body);
  std::string message = "STS " + action + " at " + endpoint_ + " failed with HTTP " +
                        std::to_string(resp.status) + " (" + detail + ")";
  if (error) {
    if (auto skew = clock_skew_hint(error->message, signed_at, resp.header("date"))) {
      message += "; " + *skew;
    }
  }
  message += http::attempts_note(resp);
  throw Error(message, ErrorCode::kHttpStatus);
}

Credentials StsClient::assume_role(const Credentials& source,
                                   const AssumeRoleParams& params) const {
  validate_role_arn(params.role_arn, "AssumeRole");
  validate_role_session_name(params.role_session_name, "AssumeRole");
  url::Params form = {{"Action", "AssumeRole"},
                      {"Version", std::string(kApiVersion)},
                      {"RoleArn", params.role_arn},
                      {"RoleSessionName", params.role_session_name}};
  if (params.duration_seconds)
    form.emplace_back("DurationSeconds", std::to_string(*params.duration_seconds));
  if (params.external_id) form.emplace_back("ExternalId", *params.external_id);
  if (params.policy) form.emplace_back("Policy", *params.policy);
  const std::string body = call("AssumeRole", url::form_encode(form), &source, nullptr);
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
  if (params.duration_seconds)
    form.emplace_back("DurationSeconds", std::to_string(*params.duration_seconds));
  if (params.policy) form.emplace_back("Policy", *params.policy);
  const std::string body =
      call("AssumeRoleWithWebIdentity", url::form_encode(form), nullptr, &token);
  Credentials out = detail::parse_sts_credentials(body, "AssumeRoleWithWebIdentity", endpoint_);
  out.source = "web identity " + params.role_arn;
  return out;
}

CallerIdentity StsClient::get_caller_identity(const Credentials& credentials) const {
  const std::string body = call(
      "GetCallerIdentity",
      url::form_encode({{"Action", "GetCallerIdentity"}, {"Version", std::string(kApiVersion)}}),
      &credentials, nullptr);
  const std::string what = "STS GetCallerIdentity response from " + endpoint_;
  const xml::Element doc = xml::parse(body, what);
  const xml::Element& r = result_element(doc, "GetCallerIdentity", what);
  return {r.child_text("Account"), r.child_text("Arn"), r.child_text("UserId")};
}

}  // namespace llmauth::aws
