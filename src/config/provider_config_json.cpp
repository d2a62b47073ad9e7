// The model's accessors and its printing back to JSON (secrets redacted).
#include <cctype>
#include <type_traits>

#include "llmauth/config/provider_config.hpp"

#include "llmauth/core/crypto.hpp"

namespace llmauth::config {
namespace {

using json::Json;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Set while fingerprint() prints a provider: inline secrets take part in the hash.
thread_local bool t_reveal_secrets = false;

// An inline secret is printed as "<redacted>"; references as they were written.
Json secret_json(const SecretRef& ref, bool redact = true) {
  redact = redact && !t_reveal_secrets;
  switch (ref.source) {
    case SecretRef::Source::kEnv:
      return Json{{"env", ref.reference}};
    case SecretRef::Source::kFile:
      return Json{{"file", ref.reference}};
    case SecretRef::Source::kInline:
      break;
  }
  return redact ? Json(kRedactedValue) : Json(std::string(ref.value.reveal()));
}

void put(Json& j, const char* key, const std::optional<std::string>& v) {
  if (v) j[key] = *v;
}

Json access_keys_json(const aws_auth::AccessKeys& m) {
  Json a{{"type", "access_keys"}};
  a["access_key_id"] = secret_json(m.access_key_id, /*redact=*/false);  // an identifier
  a["secret_access_key"] = secret_json(m.secret_access_key);
  if (m.session_token) a["session_token"] = secret_json(*m.session_token);
  return a;
}

Json profile_json(const aws_auth::Profile& m) {
  Json a{{"type", "profile"}, {"profile", m.profile}};
  put(a, "config_file", m.config_file);
  put(a, "credentials_file", m.credentials_file);
  return a;
}

Json azure_auth_json(const AzureOpenAI& spec) {
  Json a =
      std::visit(Overloaded{
                     [](const azure_auth::ApiKey& m) {
                       return Json{{"type", "api_key"}, {"api_key", secret_json(m.key)}};
                     },
                     [](const azure_auth::StaticToken& m) {
                       return Json{{"type", "azure_ad_token"}, {"token", secret_json(m.token)}};
                     },
                     [](const azure_auth::ServicePrincipal& m) {
                       Json a{{"type", "azure_ad_token_provider"},
                              {"tenant_id", m.tenant_id},
                              {"client_id", m.client_id},
                              {"client_secret", secret_json(m.client_secret)}};
                       put(a, "authority_host", m.authority_host);
                       return a;
                     },
                     [](const azure_auth::ClientCertificate& m) {
                       Json a{{"type", "client_certificate"},
                              {"tenant_id", m.tenant_id},
                              {"client_id", m.client_id},
                              {"certificate_path", m.certificate_path}};
                       if (m.certificate_password)
                         a["certificate_password"] = secret_json(*m.certificate_password);
                       if (m.send_certificate_chain) a["send_certificate_chain"] = true;
                       put(a, "authority_host", m.authority_host);
                       return a;
                     },
                     [](const azure_auth::ManagedIdentity& m) {
                       Json a{{"type", "managed_identity"}};
                       using Kind = azure::ManagedIdentityId::Kind;
                       switch (m.id.kind) {
                         case Kind::kClientId:
                           a["client_id"] = m.id.value;
                           break;
                         case Kind::kObjectId:
                           a["object_id"] = m.id.value;
                           break;
                         case Kind::kResourceId:
                           a["resource_id"] = m.id.value;
                           break;
                         case Kind::kSystem:
                           break;
                       }
                       return a;
                     },
                     [](const azure_auth::WorkloadIdentity& m) {
                       Json a{{"type", "workload_identity"}};
                       put(a, "tenant_id", m.tenant_id);
                       put(a, "client_id", m.client_id);
                       put(a, "token_file_path", m.token_file_path);
                       put(a, "authority_host", m.authority_host);
                       return a;
                     },
                     [](const azure_auth::AzureCli& m) {
                       Json a{{"type", "azure_cli"}};
                       put(a, "tenant_id", m.tenant_id);
                       return a;
                     },
                     [](const azure_auth::DefaultCredentials& m) {
                       Json a{{"type", "default_credentials"}};
                       put(a, "managed_identity_client_id", m.managed_identity_client_id);
                       put(a, "workload_identity_client_id", m.workload_identity_client_id);
                       put(a, "tenant_id", m.tenant_id);
                       if (!m.exclude.empty()) a["exclude"] = m.exclude;
                       return a;
                     },
                 },
                 spec.auth);
  if (spec.uses_scope() && spec.scope != kDefaultAzureScope) a["scope"] = spec.scope;
  return a;
}

Json aws_auth_json(const AwsAuth& auth) {
  return std::visit(Overloaded{
                        [](const aws_auth::AccessKeys& m) { return access_keys_json(m); },
                        [](const aws_auth::Profile& m) { return profile_json(m); },
                        [](const aws_auth::AssumeRole& m) {
                          Json a{{"type", "assume_role"}, {"role_arn", m.role_arn}};
                          put(a, "external_id", m.external_id);
                          put(a, "role_session_name", m.role_session_name);
                          if (m.duration_seconds) a["duration_seconds"] = *m.duration_seconds;
                          a["source"] = std::visit(
                              Overloaded{
                                  [](const aws_auth::AccessKeys& s) { return access_keys_json(s); },
                                  [](const aws_auth::Profile& s) { return profile_json(s); },
                                  [](const aws_auth::DefaultCredentials&) {
                                    return Json{{"type", "default_credentials"}};
                                  },
                              },
                              m.source);
                          return a;
                        },
                        [](const aws_auth::WebIdentity& m) {
                          Json a{{"type", "web_identity"},
                                 {"role_arn", m.role_arn},
                                 {"web_identity_token_file", m.web_identity_token_file}};
                          put(a, "role_session_name", m.role_session_name);
                          return a;
                        },
                        [](const aws_auth::BearerToken& m) {
                          return Json{{"type", "bearer_token"}, {"token", secret_json(m.token)}};
                        },
                        [](const aws_auth::DefaultCredentials&) {
                          return Json{{"type", "default_credentials"}};
                        },
                    },
                    auth);
}

template <class Variant>
std::size_t index_of(const Variant& v) {
  return v.index();
}

}  // namespace

bool AzureOpenAI::uses_scope() const {
  return !std::holds_alternative<azure_auth::ApiKey>(auth) &&
         !std::holds_alternative<azure_auth::StaticToken>(auth);
}

std::string_view Provider::type() const { return kProviderTypes[spec.index()]; }

std::string_view Provider::auth_type() const {
  if (const auto* a = std::get_if<AzureOpenAI>(&spec)) return kAzureAuthTypes[index_of(a->auth)];
  return kAwsAuthTypes[index_of(std::get<Bedrock>(spec).auth)];
}

bool Header::is_credential() const {
  std::string lower;
  for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (std::string_view word :
       {"key", "token", "secret", "password", "auth", "signature", "credential"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

http::Headers Provider::resolve_headers(const Ambient& ambient) const {
  http::Headers out;
  for (const auto& h : headers) {
    Secret value = h.value.resolve(ambient);
    const auto bytes = value.reveal();
    if (bytes.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
      throw Error(h.value.json_path + ": the header value contains a line break or NUL",
                  ErrorCode::kInvalidInput);
    }
    out.push_back({h.name, std::string(bytes)});
  }
  return out;
}

const Provider* ProviderFile::find(std::string_view name) const {
  for (const auto& p : providers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Json to_json(const Provider& p) {
  Json j{{"name", p.name}, {"type", p.type()}};
  if (const auto* a = std::get_if<AzureOpenAI>(&p.spec)) {
    j["endpoint"] = a->endpoint;
    if (a->api == AzureOpenAI::Api::kDeployments) j["api"] = "deployments";
    if (!a->api_version.empty()) j["api_version"] = a->api_version;
    if (a->deployment) j["deployment"] = *a->deployment;
    j["auth"] = azure_auth_json(*a);
  } else {
    const auto& b = std::get<Bedrock>(p.spec);
    j["region"] = b.region;
    if (b.endpoint_url) j["endpoint_url"] = *b.endpoint_url;
    if (b.model) j["model"] = *b.model;
    j["auth"] = aws_auth_json(b.auth);
  }
  if (!p.headers.empty()) {
    Json h = Json::object();
    for (const auto& header : p.headers) {
      h[header.name] = secret_json(header.value, /*redact=*/header.is_credential());
    }
    j["headers"] = std::move(h);
  }
  if (p.timeout_seconds) j["timeout_seconds"] = *p.timeout_seconds;
  if (p.connect_timeout_seconds) j["connect_timeout_seconds"] = *p.connect_timeout_seconds;
  if (p.first_byte_timeout_seconds) j["first_byte_timeout_seconds"] = *p.first_byte_timeout_seconds;
  if (p.idle_timeout_seconds) j["idle_timeout_seconds"] = *p.idle_timeout_seconds;
  return j;
}

std::string fingerprint(const Provider& p) {
  t_reveal_secrets = true;
  std::string text;
  try {
    text = to_json(p).dump();
  } catch (...) {
    t_reveal_secrets = false;
    throw;
  }
  t_reveal_secrets = false;
  const Secret printed(std::move(text));  // holds inline secrets: wiped when done
  return crypto::hex(crypto::sha256(printed.reveal()));
}

Json to_json(const ProviderFile& file) {
  Json list = Json::array();
  for (const auto& p : file.providers) list.push_back(to_json(p));
  Json out{{"providers", std::move(list)}};
  if (!file.models.empty()) {
    Json models = Json::array();
    for (const auto& m : file.models) {
      models.push_back({{"name", m.name}, {"provider", m.provider}, {"model", m.model}});
    }
    out["models"] = std::move(models);
  }
  return out;
}

}  // namespace llmauth::config
