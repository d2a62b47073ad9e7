#include "llmauth/azure/credentials/entra_token_client.hpp"

#include <algorithm>

#include "llmauth/azure/token_response.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/redactor.hpp"

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

// "invalid_client AADSTS7000215: Invalid client secret provided. …" from Entra's error JSON
// (the first line of error_description: the rest is trace and correlation ids and a timestamp).
// Redacted before it is cut, so that no part of a secret survives at the cut.
std::optional<std::string> describe_entra_error(const std::string& body, const Redactor& redactor) {
  const json::Json doc = json::parse_or_discard(body);
  if (!doc.is_object()) return std::nullopt;
  std::string error;
  std::string description;
  if (auto it = doc.find("error"); it != doc.end() && it->is_string())
    error = it->get<std::string>();
  if (auto it = doc.find("error_description"); it != doc.end() && it->is_string()) {
    description = redactor.redact(it->get<std::string>());
    description = redactor.scrub(description.substr(0, description.find_first_of("\r\n")), 600);
  }
  error = redactor.scrub(error, 100);
  if (error.empty() && description.empty()) return std::nullopt;
  if (description.empty()) {
    if (auto it = doc.find("error_codes");
        it != doc.end() && it->is_array() && !it->empty() && it->front().is_number_integer()) {
      description = "AADSTS" + std::to_string(it->front().get<long long>());
    }
  }
  return error.empty() ? description : description.empty() ? error : error + " " + description;
}

// Token answers are a few KiB.
constexpr std::size_t kMaxAnswerBytes = 64u << 10;

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

  req.max_response_bytes = kMaxAnswerBytes;
  req.timeout = options_.timeout;
  for (const auto& secret : auth.secrets) req.sensitive.add(secret);

  const std::string where = " (tenant " + tenant + ", client " + options_.client_id + ")";
  http::CallOptions call;
  call.retry = options_.retry;
  call.sleep = options_.sleep;
  call.deadline = options_.timeout;
  Redactor redactor;
  call.redactor = &redactor;
  http::Response resp;
  try {
    resp = http::call(ambient_.http(), req, call);
  } catch (const Error& e) {
    throw Error(who + ": could not reach Entra ID at " + http::loggable_url(url) + ": " +
                    redactor.redact(e.what()),
                e.code(), e.transient());
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
  if (auto described = describe_entra_error(resp.body, redactor)) {
    message += ": " + *described;
  } else {
    message += " with a " + std::to_string(resp.body.size()) +
               "-byte answer that is not Entra's error JSON";
  }
  message += where;
  if (resp.attempts > 1) message += ";" + http::attempts_note(resp);
  throw Error(redactor.redact(message), ErrorCode::kHttpStatus);
}

ClientAuthentication jwt_bearer_authentication(Secret assertion) {
  ClientAuthentication auth;
  auth.fields = {{"client_assertion_type", std::string(kJwtBearerAssertionType)},
                 {"client_assertion", std::string(assertion.reveal())}};
  auth.secrets.push_back(std::move(assertion));
  return auth;
}

}  // namespace llmauth::azure
