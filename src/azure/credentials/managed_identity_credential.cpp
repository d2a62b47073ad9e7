#include "llmauth/azure/credentials/managed_identity_credential.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "llmauth/azure/token_response.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/excerpt.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::azure {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kName = "ManagedIdentityCredential";

// Environment variables, as the SDKs spell them.
constexpr std::string_view kIdentityEndpointVar = "IDENTITY_ENDPOINT";
constexpr std::string_view kIdentityHeaderVar = "IDENTITY_HEADER";
constexpr std::string_view kMsiEndpointVar = "MSI_ENDPOINT";
constexpr std::string_view kImdsEndpointVar = "IMDS_ENDPOINT";
constexpr std::string_view kPodIdentityHostVar = "AZURE_POD_IDENTITY_AUTHORITY_HOST";

constexpr std::string_view kImdsTokenPath = "/metadata/identity/oauth2/token";
constexpr std::string_view kImdsApiVersion = "2018-02-01";
constexpr std::string_view kAppServiceApiVersion = "2019-08-01";
// 2020-06-01 takes a user-assigned selector (client_id / object_id / msi_res_id), as MSAL sends.
constexpr std::string_view kArcApiVersion = "2020-06-01";

constexpr std::string_view kMetadataHeader = "Metadata";
constexpr std::string_view kIdentityHeader = "X-IDENTITY-HEADER";
constexpr std::string_view kBasicRealm = "basic realm=";
constexpr std::string_view kArcKeySuffix = ".key";
constexpr std::size_t kArcKeyMaxBytes = 4096;

constexpr auto kProbeTimeout = 1s;
constexpr auto kMaxConnectTimeout = 5s;
constexpr auto kHalveLifetimesFrom = 2h;

constexpr std::size_t kMaxGuidLikeId = 128;
constexpr std::size_t kMaxResourceId = 1024;

std::string prefix() { return std::string(kName) + ": "; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Ids go into a query or a form: only the characters real ids use, so no value can add a
// parameter, a header line or a path. Client and object ids are GUIDs; resource ids are ARM paths
// (/subscriptions/…/resourceGroups/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/…)
// whose segments use letters, digits, '-', '_', '.', '(' and ')'.
std::string id_problem(const ManagedIdentityId& id) {
  using Kind = ManagedIdentityId::Kind;
  auto word_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  };
  switch (id.kind) {
    case Kind::kSystem:
      if (!id.value.empty()) return "a system-assigned identity takes no id value";
      return {};
    case Kind::kClientId:
    case Kind::kObjectId: {
      const char* what = id.kind == Kind::kClientId ? "client id" : "object id";
      if (id.value.empty()) return std::string("the user-assigned ") + what + " is empty";
      if (id.value.size() > kMaxGuidLikeId ||
          !std::all_of(id.value.begin(), id.value.end(), word_char)) {
        return std::string("the user-assigned ") + what +
               " must be a GUID (letters, digits, '-', '_' and '.' only, at most 128)";
      }
      return {};
    }
    case Kind::kResourceId: {
      if (id.value.empty()) return "the user-assigned resource id is empty";
      const bool ok = id.value.front() == '/' && id.value.size() <= kMaxResourceId &&
                      std::all_of(id.value.begin(), id.value.end(), [&](char c) {
                        return word_char(c) || c == '/' || c == '(' || c == ')';
                      });
      if (!ok) {
        return "the user-assigned resource id must be an Azure resource id "
               "(/subscriptions/…/userAssignedIdentities/NAME: letters, digits and -_.()/ only)";
      }
      return {};
    }
  }
  return "unknown identity kind";
}

// "http://host:port" (the token path is appended) or a full token URL.
std::string imds_token_url(const std::string& text, std::string_view from) {
  const url::Url u = url::parse(text, from);
  std::string out = text;
  const auto q = out.find('?');
  if (q != std::string::npos) out.resize(q);
  if (u.path == "/" || u.path.empty()) {
    while (!out.empty() && out.back() == '/') out.pop_back();
    out += kImdsTokenPath;
  }
  return out;
}

// A short, single-line excerpt of an error answer: the error / error_description (IMDS, Cloud
// Shell, Arc) or message (App Service) of a JSON body, else its first 200 printable characters.
// `scrub` values (the identity header, the Arc key) are replaced by "****".
std::string error_excerpt(const http::Response& r, std::initializer_list<std::string_view> scrub) {
  return excerpt(json_error_text(r.body), scrub);
}

// The App Service 2017 API's "MM/DD/YYYY HH:MM:SS [AM|PM] +HH:MM" (still seen from older
// hosts), or ISO 8601; nullopt for anything else.
std::optional<TimePoint> parse_expires_on_date(const std::string& text) {
  if (auto iso = timefmt::parse_iso8601(text)) return iso;
  int mon = 0, dd = 0, yy = 0, hh = 0, mm = 0, ss = 0, used = 0;
  if (std::sscanf(text.c_str(), "%d/%d/%d %d:%d:%d%n", &mon, &dd, &yy, &hh, &mm, &ss, &used) != 6) {
    return std::nullopt;
  }
  std::string_view rest = trim(std::string_view(text).substr(static_cast<std::size_t>(used)));
  if (rest.size() >= 2 && (rest.substr(0, 2) == "AM" || rest.substr(0, 2) == "PM")) {
    if (hh < 1 || hh > 12) return std::nullopt;
    if (rest.substr(0, 2) == "AM" && hh == 12) hh = 0;
    if (rest.substr(0, 2) == "PM" && hh != 12) hh += 12;
    rest = trim(rest.substr(2));
  }
  int offset_minutes = 0;
  if (!rest.empty()) {
    int oh = 0, om = 0;
    char sign = 0;
    const std::string r(rest);
    if (std::sscanf(r.c_str(), "%c%d:%d%n", &sign, &oh, &om, &used) != 3 ||
        static_cast<std::size_t>(used) != r.size() || (sign != '+' && sign != '-') || oh > 14 ||
        om > 59) {
      return std::nullopt;
    }
    offset_minutes = (sign == '-' ? -1 : 1) * (oh * 60 + om);
  }
  using namespace std::chrono;
  const year_month_day ymd{year{yy}, month{static_cast<unsigned>(mon)},
                           day{static_cast<unsigned>(dd)}};
  if (!ymd.ok() || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) {
    return std::nullopt;
  }
  return TimePoint(sys_days(ymd) + hours(hh) + minutes(mm) + seconds(ss) - minutes(offset_minutes));
}

// Token answers are a few KiB.
constexpr std::size_t kMaxAnswerBytes = 64u << 10;

bool retryable(int status, const http::RetryPolicy& policy) {
  return std::find(policy.retry_statuses.begin(), policy.retry_statuses.end(), status) !=
         policy.retry_statuses.end();
}

}  // namespace

std::string ManagedIdentityId::describe() const {
  switch (kind) {
    case Kind::kSystem:
      return "the system-assigned identity";
    case Kind::kClientId:
      return "the user-assigned identity with client id '" + value + "'";
    case Kind::kObjectId:
      return "the user-assigned identity with object id '" + value + "'";
    case Kind::kResourceId:
      return "the user-assigned identity with resource id '" + value + "'";
  }
  return "an identity";
}

std::string_view to_string(ManagedIdentitySource source) {
  switch (source) {
    case ManagedIdentitySource::kAppService:
      return "App Service";
    case ManagedIdentitySource::kCloudShell:
      return "Cloud Shell";
    case ManagedIdentitySource::kAzureArc:
      return "Azure Arc";
    case ManagedIdentitySource::kImds:
      return "IMDS";
  }
  return "?";
}

http::RetryPolicy managed_identity_retry_policy() {
  http::RetryPolicy p;
  p.max_attempts = 6;
  p.initial_delay = 800ms;
  p.max_delay = 60s;
  p.retry_statuses = {404, 410, 429};
  for (int s = 500; s <= 599; ++s) p.retry_statuses.push_back(s);
  p.retry_transport_errors = true;
  return p;
}

ManagedIdentityCredential::ManagedIdentityCredential(Ambient ambient,
                                                     ManagedIdentityCredentialOptions options)
    : ambient_(std::move(ambient)), options_(std::move(options)) {
  using Kind = ManagedIdentityId::Kind;
  const auto identity_endpoint = ambient_.env(kIdentityEndpointVar);
  const auto identity_header = ambient_.env(kIdentityHeaderVar);
  const auto msi_endpoint = ambient_.env(kMsiEndpointVar);
  const auto imds_endpoint = ambient_.env(kImdsEndpointVar);

  // Configuration problems wait for get_token(): a chain that merely builds this credential
  // must not fail because of them.
  auto check_url = [&](const std::string& value, std::string_view var) {
    try {
      url::parse(value, var);
    } catch (const Error& e) {
      if (config_error_.empty()) config_error_ = prefix() + e.what();
    }
  };

  if (identity_endpoint && identity_header) {
    source_ = ManagedIdentitySource::kAppService;
    endpoint_ = *identity_endpoint;
    identity_header_ = Secret(*identity_header);
    check_url(endpoint_, kIdentityEndpointVar);
  } else if (msi_endpoint) {
    source_ = ManagedIdentitySource::kCloudShell;
    endpoint_ = *msi_endpoint;
    check_url(endpoint_, kMsiEndpointVar);
    if (options_.id.kind != Kind::kSystem) {
      // Cloud Shell always answers with the signed-in user's token, whatever id is asked for;
      // MSAL and azure-identity refuse user-assigned ids here, and so do we.
      config_error_ = prefix() + "Cloud Shell (" + std::string(kMsiEndpointVar) +
                      ") gives the signed-in user's token only and cannot select " +
                      options_.id.describe() + "; remove it from the options";
    }
  } else if (identity_endpoint && imds_endpoint) {
    source_ = ManagedIdentitySource::kAzureArc;
    endpoint_ = *identity_endpoint;
    check_url(endpoint_, kIdentityEndpointVar);
    check_url(*imds_endpoint, kImdsEndpointVar);
  } else {
    source_ = ManagedIdentitySource::kImds;
    try {
      if (!options_.imds_endpoint.empty()) {
        endpoint_ = imds_token_url(options_.imds_endpoint,
                                   "ManagedIdentityCredentialOptions::imds_endpoint");
      } else if (auto host = ambient_.env(kPodIdentityHostVar)) {
        endpoint_ = imds_token_url(*host, kPodIdentityHostVar);
      } else {
        endpoint_ = std::string(kImdsTokenEndpoint);
      }
    } catch (const Error& e) {
      endpoint_ = std::string(kImdsTokenEndpoint);
      config_error_ = prefix() + e.what();
    }
    probe_pending_ = options_.probe;
  }
  if (auto problem = id_problem(options_.id); !problem.empty()) config_error_ = prefix() + problem;
  if (options_.timeout.count() <= 0) config_error_ = prefix() + "the timeout must be positive";
}

std::string ManagedIdentityCredential::who() const {
  return std::string(to_string(source_)) + " at " + http::loggable_url(endpoint_);
}

http::Request ManagedIdentityCredential::build_request(const std::string& resource) const {
  using Kind = ManagedIdentityId::Kind;
  const auto& id = options_.id;
  http::Request r;
  r.timeout = options_.timeout;
  r.connect_timeout = std::min<std::chrono::milliseconds>(options_.timeout, kMaxConnectTimeout);
  url::Params params;
  auto add_id = [&](const char* client, const char* object, const char* resource_key) {
    switch (id.kind) {
      case Kind::kSystem:
        break;
      case Kind::kClientId:
        params.emplace_back(client, id.value);
        break;
      case Kind::kObjectId:
        params.emplace_back(object, id.value);
        break;
      case Kind::kResourceId:
        params.emplace_back(resource_key, id.value);
        break;
    }
  };
  auto with_query = [&] {
    return endpoint_ + (endpoint_.find('?') == std::string::npos ? "?" : "&") +
           url::form_encode(params);
  };
  switch (source_) {
    case ManagedIdentitySource::kAppService:
      params = {{"api-version", std::string(kAppServiceApiVersion)}, {"resource", resource}};
      add_id("client_id", "principal_id", "mi_res_id");
      r.url = with_query();
      r.headers.push_back({std::string(kIdentityHeader), std::string(identity_header_.reveal())});
      break;
    case ManagedIdentitySource::kCloudShell:
      params = {{"resource", resource}};
      r.method = "POST";
      r.url = endpoint_;
      r.body = url::form_encode(params);
      r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
      r.headers.push_back({std::string(kMetadataHeader), "true"});
      break;
    case ManagedIdentitySource::kAzureArc:
      params = {{"api-version", std::string(kArcApiVersion)}, {"resource", resource}};
      add_id("client_id", "object_id", "msi_res_id");
      r.url = with_query();
      r.headers.push_back({std::string(kMetadataHeader), "true"});
      break;
    case ManagedIdentitySource::kImds:
      params = {{"api-version", std::string(kImdsApiVersion)}, {"resource", resource}};
      add_id("client_id", "object_id", "msi_res_id");
      r.url = with_query();
      r.headers.push_back({std::string(kMetadataHeader), "true"});
      break;
  }
  return r;
}

// One request with the retry policy (IMDS's 404/410 retries apply to IMDS only). Nothing
// answering is an Error that keeps the transport's code.
http::Response ManagedIdentityCredential::send(const http::Request& request) const {
  http::RetryPolicy policy = options_.retry;
  if (source_ != ManagedIdentitySource::kImds) {
    std::erase_if(policy.retry_statuses, [](int s) { return s == 404 || s == 410; });
  }
  http::Request capped = request;
  capped.max_response_bytes = kMaxAnswerBytes;
  try {
    return http::send_with_retries(ambient_.http(), capped, policy);
  } catch (const Error& e) {
    throw Error(prefix() + "no answer from " + who() + ": " + e.what(), e.code(), e.transient());
  }
}

// DefaultAzureCredential's first IMDS call: 1 s, one attempt. Nothing answering means "not on
// an Azure host" — unavailable. Once IMDS has answered, it is known to be there: a retryable
// answer goes on with the full policy, and later calls are never probes.
http::Response ManagedIdentityCredential::probe_imds(const http::Request& request) {
  http::Request probe = request;
  probe.timeout = kProbeTimeout;
  probe.connect_timeout = kProbeTimeout;
  probe.max_response_bytes = kMaxAnswerBytes;
  http::Response r;
  try {
    r = ambient_.http().send(probe);
  } catch (const Error& e) {
    throw UnavailableError(prefix() + "no IMDS endpoint answered at " +
                           http::loggable_url(endpoint_) +
                           " within 1 s, so this is not an "
                           "Azure host with a managed identity (" +
                           e.what() + ")");
  }
  if (r.status == 403 && r.body.find("unreachable") != std::string::npos) {
    throw UnavailableError(prefix() + "IMDS at " + http::loggable_url(endpoint_) +
                           " is unreachable (HTTP 403: " + error_excerpt(r, {}) + ")");
  }
  probe_pending_ = false;
  if (retryable(r.status, options_.retry)) return send(request);
  return r;
}

http::Response ManagedIdentityCredential::answer_arc_challenge(const http::Request& request,
                                                               const http::Response& challenge,
                                                               Secret& key) const {
  namespace fs = std::filesystem;
  const auto www = challenge.header("WWW-Authenticate");
  if (!www) {
    throw Error(prefix() + who() +
                    " answered HTTP 401 without a WWW-Authenticate challenge; is this an Azure "
                    "Arc agent?",
                ErrorCode::kHttpStatus);
  }
  const std::string header(*www);
  const auto at = lower(header).find(kBasicRealm);
  if (at == std::string::npos) {
    throw Error(prefix() + who() +
                    " answered HTTP 401 with a WWW-Authenticate challenge that is not "
                    "'Basic realm=<key file>'",
                ErrorCode::kHttpStatus);
  }
  std::string_view realm = trim(std::string_view(header).substr(at + kBasicRealm.size()));
  if (realm.size() >= 2 && realm.front() == '"' && realm.back() == '"') {
    realm = realm.substr(1, realm.size() - 2);
  }
  const fs::path file{std::string(realm)};
  fs::path dir = fs::path(options_.arc_key_dir).lexically_normal();
  if (!dir.has_filename() && dir.has_parent_path() && dir != dir.root_path()) {
    dir = dir.parent_path();  // "/var/opt/azcmagent/tokens/" → "/var/opt/azcmagent/tokens"
  }
  const std::string shown = file.string().substr(0, 300);
  // The agent names a file in its own token folder; anything else (another folder, "..", a
  // relative path) could make us send the contents of an arbitrary file.
  if (!file.is_absolute() || file.lexically_normal() != file || file.parent_path() != dir) {
    throw Error(prefix() + "the Azure Arc challenge names the key file '" + shown +
                    "', which is not in the agent's token folder " + dir.string(),
                ErrorCode::kInvalidInput);
  }
  const std::string name = file.filename().string();
  if (name.size() <= kArcKeySuffix.size() || !ends_with(name, kArcKeySuffix)) {
    throw Error(prefix() + "the Azure Arc challenge names the key file '" + shown +
                    "', which does not end in " + std::string(kArcKeySuffix),
                ErrorCode::kInvalidInput);
  }
  std::optional<std::string> contents;
  try {
    contents = ambient_.read_file(file, kArcKeyMaxBytes);
  } catch (const Error& e) {
    throw Error(prefix() + "the Azure Arc key file " + e.what(), ErrorCode::kInvalidInput);
  }
  if (!contents) {
    throw Error(prefix() + "the Azure Arc key file " + file.string() + " does not exist",
                ErrorCode::kInvalidInput);
  }
  while (!contents->empty() && (contents->back() == '\n' || contents->back() == '\r')) {
    contents->pop_back();
  }
  key = Secret(std::move(*contents));
  const auto bad = std::find_if(key.reveal().begin(), key.reveal().end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
  if (key.empty() || bad != key.reveal().end()) {
    throw Error(prefix() + "the Azure Arc key file " + file.string() +
                    (key.empty() ? " is empty" : " holds control characters"),
                ErrorCode::kInvalidInput);
  }
  http::Request answer = request;
  answer.headers.push_back({"Authorization", "Basic " + std::string(key.reveal())});
  http::Response r = send(answer);
  if (r.status == 401) {
    throw Error(prefix() + who() + " refused the key from " + file.string() + " (HTTP 401)",
                ErrorCode::kHttpStatus);
  }
  return r;
}

void ManagedIdentityCredential::throw_status(const http::Response& r,
                                             std::string_view scrub) const {
  const std::string excerpt = error_excerpt(r, {identity_header_.reveal(), scrub});
  const std::string status =
      "HTTP " + std::to_string(r.status) + (excerpt.empty() ? "" : ": ") + excerpt;
  if (source_ == ManagedIdentitySource::kImds && r.status == 403 &&
      r.body.find("unreachable") != std::string::npos) {
    // Docker Desktop answers for the unreachable link-local address (azure-identity reads this
    // as "no IMDS here").
    throw UnavailableError(prefix() + who() + " is unreachable (" + status + ")");
  }
  if (r.status == 400 && lower(r.body).find("identity not found") != std::string::npos) {
    std::string message =
        prefix() + who() + " does not know " + options_.id.describe() + " (" + status + "); ";
    message += options_.id.kind == ManagedIdentityId::Kind::kSystem
                   ? "enable the resource's system-assigned identity, or name a user-assigned one"
                   : "check the id, and that this identity is assigned to the resource";
    throw Error(message, ErrorCode::kHttpStatus);
  }
  if (source_ == ManagedIdentitySource::kAppService && (r.status == 401 || r.status == 403)) {
    throw Error(prefix() + who() + " refused the " + std::string(kIdentityHeader) + " (" + status +
                    "); " + std::string(kIdentityHeaderVar) +
                    " is wrong or stale (it changes when the app restarts)",
                ErrorCode::kHttpStatus);
  }
  throw Error(prefix() + who() + " answered " + status, ErrorCode::kHttpStatus);
}

AccessToken ManagedIdentityCredential::parse(const std::string& body) const {
  const std::string what = prefix() + "the answer of " + who();
  const TimePoint now = ambient_.now();
  std::string_view text = body;
  // expires_on may be a date (App Service 2017, some Arc agents): turn it into epoch seconds
  // for the shared parser. The rewritten document holds the token, so it lives in a Secret.
  Secret rewritten;
  {
    auto doc = json::parse(body, what);
    if (doc.is_object()) {
      const auto it = doc.find("expires_on");
      if (it != doc.end() && it->is_string()) {
        const std::string s = it->get<std::string>();
        const bool numeric = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        });
        if (!numeric) {
          const auto when = parse_expires_on_date(s);
          if (!when) {
            throw Error(what + ": /expires_on is neither epoch seconds nor a date",
                        ErrorCode::kInvalidInput);
          }
          *it = std::chrono::duration_cast<std::chrono::seconds>(when->time_since_epoch()).count();
          rewritten = Secret(doc.dump());
          text = rewritten.reveal();
        }
      }
    }
  }
  AccessToken token = parse_token_response(
      text, what, std::string(kName) + " (" + std::string(to_string(source_)) + ")", now,
      TokenResponseFields{.expires_in = true, .expires_on = true, .refresh_in = false});
  const auto lifetime = token.expires_on - now;
  if (lifetime >= kHalveLifetimesFrom) token.refresh_on = now + lifetime / 2;
  return token;
}

// An Arc agent that predates user-assigned identities ignores the selector and answers with the
// machine's system-assigned identity; one that honours it echoes the id back. Without the echo
// the token may belong to another identity than the one asked for: fail closed, as MSAL does.
void ManagedIdentityCredential::confirm_arc_identity(std::string_view body) const {
  using Kind = ManagedIdentityId::Kind;
  const auto& id = options_.id;
  if (id.kind == Kind::kSystem) return;
  std::vector<const char*> fields;
  switch (id.kind) {
    case Kind::kClientId:
      fields = {"client_id"};
      break;
    case Kind::kObjectId:
      fields = {"object_id"};
      break;
    default:
      fields = {"msi_res_id", "mi_res_id"};
      break;
  }
  json::Json doc;
  try {
    doc = json::parse(body, "Azure Arc token response");
  } catch (const Error&) {
    return;  // parse() reports the malformed body with its own context
  }
  for (const char* field : fields) {
    if (doc.is_object() && doc.contains(field) && doc[field].is_string() &&
        http::iequals(doc[field].get<std::string>(), id.value)) {
      return;
    }
  }
  throw Error(prefix() + "Azure Arc did not confirm " + id.describe() +
                  " in its answer: the agent probably does not support user-assigned identities "
                  "and returned the machine's system-assigned identity instead; update the Azure "
                  "Connected Machine agent or use the system-assigned identity",
              ErrorCode::kFailed);
}

std::shared_ptr<const AccessToken> ManagedIdentityCredential::get_token(
    const TokenRequest& request) {
  if (!config_error_.empty()) throw Error(config_error_, ErrorCode::kInvalidInput);
  const std::string resource = scope_to_resource(request.scopes, kName);
  const http::Request req = build_request(resource);

  http::Response r = source_ == ManagedIdentitySource::kImds && probe_pending_.load()
                         ? probe_imds(req)
                         : send(req);
  Secret arc_key;
  if (source_ == ManagedIdentitySource::kAzureArc && r.status == 401) {
    r = answer_arc_challenge(req, r, arc_key);
  }
  if (r.status < 200 || r.status >= 300) throw_status(r, arc_key.reveal());
  if (source_ == ManagedIdentitySource::kAzureArc) confirm_arc_identity(r.body);
  return std::make_shared<const AccessToken>(parse(r.body));
}

}  // namespace llmauth::azure
