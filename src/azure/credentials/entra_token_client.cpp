#include "llmauth/azure/credentials/entra_token_client.hpp"

#include <algorithm>

#include "llmauth/azure/token_response.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"

namespace llmauth::azure {
namespace {

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

// Replaces every occurrence of each secret by Secret::kRedacted (defence in depth: Entra does
// not echo secrets, but a proxy's error page might).
std::string redact(std::string text, const std::vector<Secret>& secrets) {
  for (const auto& s : secrets) {
    const auto value = s.reveal();
    if (value.size() < 4) continue;
    for (auto pos = text.find(value); pos != std::string::npos; pos = text.find(value, pos)) {
      text.replace(pos, value.size(), Secret::kRedacted);
    }
  }
  return text;
}

// "invalid_client AADSTS7000215: Invalid client secret provided. …" from Entra's error JSON
// (the first line of error_description: the rest is trace and correlation ids and a timestamp).
std::optional<std::string> describe_entra_error(const std::string& body,
                                                const std::vector<Secret>& secrets) {
  json::Json doc;
  try {
    doc = json::parse(body, "Entra ID error");
  } catch (const Error&) {
    return std::nullopt;
  }
  if (!doc.is_object()) return std::nullopt;
  std::string error;
  std::string description;
  if (auto it = doc.find("error"); it != doc.end() && it->is_string())
    error = it->get<std::string>();
  if (auto it = doc.find("error_description"); it != doc.end() && it->is_string()) {
    description = it->get<std::string>();
    description = redact(description.substr(0, description.find_first_of("\r\n")), secrets);
  }
  error = redact(error.substr(0, 100), secrets);
  if (error.empty() && description.empty()) return std::nullopt;
  if (description.empty()) {
    if (auto it = doc.find("error_codes");
        it != doc.end() && it->is_array() && !it->empty() && it->front().is_number_integer()) {
      description = "AADSTS" + std::to_string(it->front().get<long long>());
    }
  }
  constexpr std::size_t kMax = 600;
  if (description.size() > kMax) description = description.substr(0, kMax) + "…";
  return error.empty() ? description : description.empty() ? error : error + " " + description;
}

bool is_retryable(int status, const http::RetryPolicy& policy) {
  return std::find(policy.retry_statuses.begin(), policy.retry_statuses.end(), status) !=
             policy.retry_statuses.end() &&
         status != 400 && status != 401;
}

}  // namespace

void validate_tenant_id(std::string_view tenant, std::string_view who, std::string_view field) {
  if (tenant.empty()) {
    throw Error(std::string(who) + ": " + std::string(field) + " is empty",
                ErrorCode::kInvalidInput);
  }
  const bool ok = tenant.size() <= 256 && std::all_of(tenant.begin(), tenant.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '.';
                  });
  if (!ok) {
    throw Error(std::string(who) + ": " + std::string(field) + " '" +
                    std::string(tenant.substr(0, 80)) +
                    "' is not a tenant id (a GUID or a domain: letters, digits, '-' and '.')",
                ErrorCode::kInvalidInput);
  }
}

EntraTokenClient::EntraTokenClient(Ambient ambient, EntraTokenClientOptions options)
    : ambient_(std::move(ambient)), options_(std::move(options)) {
  const std::string& who = options_.credential;
  validate_tenant_id(options_.tenant_id, who, "tenant_id");
  if (options_.client_id.empty()) {
    throw Error(who + ": client_id is empty", ErrorCode::kInvalidInput);
  }
  std::string source = "authority_host";
  std::string host = options_.authority_host;
  if (host.empty()) {
    if (auto env = ambient_.env(kAuthorityHostVariable)) {
      host = *env;
      source = std::string(kAuthorityHostVariable);
    } else {
      host = std::string(kDefaultAuthorityHost);
    }
  }
  url::Url parsed;
  try {
    parsed = url::parse(host, source);
  } catch (const Error& e) {
    throw Error(who + ": " + e.what(), ErrorCode::kInvalidInput);
  }
  if (parsed.scheme != "https" || !parsed.query.empty()) {
    throw Error(who + ": the authority host " + source + "=" + http::loggable_url(host) +
                    " must be an https URL (Entra ID takes token requests over TLS only)",
                ErrorCode::kInvalidInput);
  }
  std::string path = parsed.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  authority_ = parsed.origin() + path;
}

std::string EntraTokenClient::token_url(std::string_view tenant) const {
  return authority_ + "/" + std::string(tenant) + "/oauth2/v2.0/token";
}

AccessToken EntraTokenClient::request_token(const TokenRequest& request,
                                            const ClientAuthenticator& authenticate) const {
  const std::string& who = options_.credential;
  if (request.scopes.empty()) {
    throw Error(who + ": no scope was requested", ErrorCode::kInvalidInput);
  }
  // A request may name another tenant (multi-tenant apps, a claims challenge from another
  // directory). azure-identity can restrict this with additionally_allowed_tenants; we allow it.
  std::string tenant = options_.tenant_id;
  if (!request.tenant_id.empty()) {
    validate_tenant_id(request.tenant_id, who, "the requested tenant");
    tenant = request.tenant_id;
  }
  const std::string url = token_url(tenant);
  ClientAuthentication auth = authenticate(url);

  url::Params form = {{"grant_type", "client_credentials"},
                      {"client_id", options_.client_id},
                      {"scope", join_scopes(request.scopes)}};
  if (!request.claims.empty()) form.emplace_back("claims", request.claims);
  for (auto& field : auth.fields) form.push_back(std::move(field));

  http::Request req;
  req.method = "POST";
  req.url = url;
  req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  req.headers.push_back({"Accept", "application/json"});
  req.body = url::form_encode(form);
  // The form holds the secret or assertion: wipe our copy once sent.
  struct Wipe {
    std::string& s;
    ~Wipe() { static_cast<void>(Secret(std::move(s))); }
  } wipe{req.body};

  const std::string where = " (tenant " + tenant + ", client " + options_.client_id + ")";
  http::Response resp;
  try {
    resp = http::send_with_retries(ambient_.http(), req, options_.retry, options_.sleep);
  } catch (const Error& e) {
    throw Error(
        redact(who + ": could not reach Entra ID at " + http::loggable_url(url) + ": " + e.what(),
               auth.secrets),
        e.code());
  }
  if (resp.status == 200) {
    try {
      return parse_token_response(resp.body, "token response from " + http::loggable_url(url), who,
                                  ambient_.now());
    } catch (const Error& e) {
      throw Error(who + ": " + e.what() + where, e.code());
    }
  }
  std::string message =
      who + ": Entra ID refused the request (HTTP " + std::to_string(resp.status) + ")";
  if (auto described = describe_entra_error(resp.body, auth.secrets)) {
    message += ": " + *described;
  } else {
    message += " with a " + std::to_string(resp.body.size()) +
               "-byte answer that is not Entra's error JSON";
  }
  message += where;
  if (is_retryable(resp.status, options_.retry) && options_.retry.max_attempts > 1) {
    message += "; gave up after " + std::to_string(options_.retry.max_attempts) + " attempts";
  }
  throw Error(redact(std::move(message), auth.secrets), ErrorCode::kHttpStatus);
}

ClientAuthentication jwt_bearer_authentication(Secret assertion) {
  ClientAuthentication auth;
  auth.fields = {{"client_assertion_type", std::string(kJwtBearerAssertionType)},
                 {"client_assertion", std::string(assertion.reveal())}};
  auth.secrets.push_back(std::move(assertion));
  return auth;
}

}  // namespace llmauth::azure
