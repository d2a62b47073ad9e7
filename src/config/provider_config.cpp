#include "llmauth/config/provider_config.hpp"

#include <openssl/crypto.h>

#include <map>

#include "config_checker.hpp"
#include "llmauth/aws/endpoints.hpp"
#include "llmauth/core/did_you_mean.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::config {
namespace {

using detail::Checker;
using detail::child_path;
using detail::index_path;
using detail::quote_value;
using json::Json;

constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kMaxBytes = 4u << 20;

// --- allowed fields ---------------------------------------------------------------------------
constexpr std::string_view kRootFields[] = {"providers", "models"};
constexpr std::string_view kModelFields[] = {"name", "provider", "model"};
constexpr std::string_view kAzureFields[] = {"name",
                                             "type",
                                             "endpoint",
                                             "api",
                                             "api_version",
                                             "deployment",
                                             "headers",
                                             "timeout_seconds",
                                             "connect_timeout_seconds",
                                             "first_byte_timeout_seconds",
                                             "idle_timeout_seconds",
                                             "auth"};
constexpr std::string_view kBedrockFields[] = {"name",
                                               "type",
                                               "region",
                                               "endpoint_url",
                                               "model",
                                               "headers",
                                               "timeout_seconds",
                                               "connect_timeout_seconds",
                                               "first_byte_timeout_seconds",
                                               "idle_timeout_seconds",
                                               "auth"};
constexpr std::string_view kApiValues[] = {"v1", "deployments"};

constexpr std::string_view kApiKeyFields[] = {"type", "api_key"};
constexpr std::string_view kStaticTokenFields[] = {"type", "token"};
constexpr std::string_view kServicePrincipalFields[] = {
    "type", "tenant_id", "client_id", "client_secret", "authority_host", "scope"};
constexpr std::string_view kClientCertificateFields[] = {"type",
                                                         "tenant_id",
                                                         "client_id",
                                                         "certificate_path",
                                                         "certificate_password",
                                                         "send_certificate_chain",
                                                         "authority_host",
                                                         "scope"};
constexpr std::string_view kManagedIdentityFields[] = {"type", "client_id", "object_id",
                                                       "resource_id", "scope"};
constexpr std::string_view kWorkloadIdentityFields[] = {
    "type", "tenant_id", "client_id", "token_file_path", "authority_host", "scope"};
constexpr std::string_view kAzureCliFields[] = {"type", "tenant_id", "scope"};
constexpr std::string_view kAzureDefaultFields[] = {
    "type", "managed_identity_client_id", "workload_identity_client_id", "tenant_id", "exclude",
    "scope"};

constexpr std::string_view kAccessKeysFields[] = {"type", "access_key_id", "secret_access_key",
                                                  "session_token"};
constexpr std::string_view kProfileFields[] = {"type", "profile", "config_file",
                                               "credentials_file"};
constexpr std::string_view kAssumeRoleFields[] = {
    "type", "role_arn", "external_id", "role_session_name", "duration_seconds", "source"};
constexpr std::string_view kWebIdentityFields[] = {"type", "role_arn", "web_identity_token_file",
                                                   "role_session_name"};
constexpr std::string_view kBearerTokenFields[] = {"type", "token"};
constexpr std::string_view kAwsDefaultFields[] = {"type"};

struct FieldTable {
  std::string_view type;
  detail::Names fields;
};
constexpr FieldTable kAzureAuthTables[] = {{"api_key", kApiKeyFields},
                                           {"azure_ad_token", kStaticTokenFields},
                                           {"azure_ad_token_provider", kServicePrincipalFields},
                                           {"client_certificate", kClientCertificateFields},
                                           {"managed_identity", kManagedIdentityFields},
                                           {"workload_identity", kWorkloadIdentityFields},
                                           {"azure_cli", kAzureCliFields},
                                           {"default_credentials", kAzureDefaultFields}};
constexpr FieldTable kAwsAuthTables[] = {{"access_keys", kAccessKeysFields},
                                         {"profile", kProfileFields},
                                         {"assume_role", kAssumeRoleFields},
                                         {"web_identity", kWebIdentityFields},
                                         {"bearer_token", kBearerTokenFields}};
constexpr FieldTable kProviderTables[] = {{"azure_openai", kAzureFields},
                                          {"aws_bedrock", kBedrockFields}};

// "auth type azure_ad_token_provider" for "client_secret": the tables that have `key`.
Checker::Owner owner_in(std::span<const FieldTable> tables, std::string_view what) {
  return [tables, what](std::string_view key) -> std::string {
    std::vector<std::string_view> types;
    for (const auto& t : tables) {
      if (std::find(t.fields.begin(), t.fields.end(), key) != t.fields.end())
        types.push_back(t.type);
    }
    if (types.empty()) return {};
    return std::string(what) + (types.size() > 1 ? "s " : " ") + detail::join(types);
  };
}

// At a provider's top level: the other provider type's fields, then this type's auth fields
// (written outside "auth", as LiteLLM's flat litellm_params has them).
Checker::Owner provider_owner(std::span<const FieldTable> auth_tables) {
  return [auth_tables](std::string_view key) -> std::string {
    if (auto other = owner_in(kProviderTables, "provider type")(key); !other.empty()) return other;
    if (key == "type") return {};
    auto auth = owner_in(auth_tables, "auth type")(key);
    return auth.empty() ? auth : "\"auth\" (" + auth + ")";
  };
}

// --- the JSON text ----------------------------------------------------------------------------

std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// True when text that is not JSON reads like YAML (a LiteLLM config.yaml, a Kubernetes manifest):
// a .yaml/.yml name, or a first line that is "---", "- …" or "key: …".
bool looks_like_yaml(std::string_view text, std::string_view source) {
  if (source.ends_with(".yaml") || source.ends_with(".yml")) return true;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string line = detail::trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    if (line == "---" || line.starts_with("- ")) return true;
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) return false;
    const auto key = std::string_view(line).substr(0, colon);
    return std::all_of(key.begin(), key.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == ' ';
    });
  }
  return false;
}

// Overwrites every string of the parsed document, so inline secrets do not linger on the heap.
void wipe(Json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  } else if (j.is_structured()) {
    for (auto& v : j) wipe(v);
  }
}

// --- providers ------------------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(Checker& c) : c_(c) {}

  ProviderFile file(const Json& root) {
    ProviderFile out;
    if (!c_.object(root, "", kRootFields)) return out;
    const Json* providers = Checker::member(root, "providers");
    if (providers == nullptr) {
      c_.add("providers", "is required", "the file is {\"providers\": [ … ]}");
      return out;
    }
    if (!providers->is_array()) {
      c_.add("providers", "must be an array (got " + detail::json_type(*providers) + ")",
             "the file is {\"providers\": [ … ]}");
      return out;
    }
    if (providers->empty()) {
      c_.add("providers", "is empty",
             "list at least one provider: {\"name\": …, \"type\": \"azure_openai\" | "
             "\"aws_bedrock\", \"auth\": {…}, …}");
      return out;
    }
    std::map<std::string, std::size_t> names;
    for (std::size_t i = 0; i < providers->size(); ++i) {
      const std::string path = index_path("providers", i);
      auto p = provider((*providers)[i], path);
      if (!p) continue;
      if (!p->name.empty()) {
        const auto [it, fresh] = names.emplace(p->name, i);
        if (!fresh) {
          c_.add(
              child_path(path, "name"), "duplicate provider name " + quote_value(p->name),
              "already used by " + index_path("providers", it->second) + "; names must be unique");
        }
      }
      out.providers.push_back(std::move(*p));
    }
    out.models = models(root, names);
    return out;
  }

 private:
  // "models": [{"name": public name, "provider": a provider's name, "model": its model id}].
  std::vector<ModelAlias> models(const Json& root,
                                 const std::map<std::string, std::size_t>& names) {
    std::vector<ModelAlias> out;
    const Json* list = Checker::member(root, "models");
    if (list == nullptr) return out;
    const std::string hint =
        "\"models\": [{\"name\": \"gpt-4o\", \"provider\": \"azure-prod\", \"model\": "
        "\"my-gpt-4o-deployment\"}]";
    if (!list->is_array()) {
      c_.add("models", "must be an array (got " + detail::json_type(*list) + ")", hint);
      return out;
    }
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string path = index_path("models", i);
      const Json& m = (*list)[i];
      if (!m.is_object()) {
        c_.add(path, "must be an object (got " + detail::json_type(m) + ")", hint);
        continue;
      }
      c_.object(m, path, kModelFields);
      ModelAlias alias;
      auto name = c_.string(m, "name", path, true, "the name clients put in \"model\"");
      auto provider = c_.string(m, "provider", path, true, "the name of one of the providers");
      auto model = c_.string(m, "model", path, true,
                             "the deployment (Azure OpenAI) or model id / inference profile / "
                             "ARN (Bedrock)");
      if (name) {
        if (name->size() > 256 || name->find('/') != std::string::npos) {
          c_.add(child_path(path, "name"), "is not a usable model name",
                 "1 to 256 characters without '/' ('provider/model' names every model already)");
        }
        const auto [it, fresh] = seen.emplace(*name, i);
        if (!fresh) {
          c_.add(child_path(path, "name"), "duplicate model name " + quote_value(*name),
                 "already used by " + index_path("models", it->second));
        }
        alias.name = std::move(*name);
      }
      if (provider) {
        if (names.find(*provider) == names.end()) {
          c_.add(child_path(path, "provider"), "names no provider of this file",
                 "one of the providers' \"name\"");
        }
        alias.provider = std::move(*provider);
      }
      if (model) {
        if (model->size() > 2048)
          c_.add(child_path(path, "model"), "is too long", "at most 2048 characters");
        alias.model = std::move(*model);
      }
      out.push_back(std::move(alias));
    }
    return out;
  }

  std::optional<Provider> provider(const Json& j, const std::string& path) {
    if (!j.is_object()) {
      c_.add(path, "must be an object (got " + detail::json_type(j) + ")",
             "each provider is {\"name\": …, \"type\": \"azure_openai\" | \"aws_bedrock\", …}");
      return std::nullopt;
    }
    Provider p;
    const auto type = c_.discriminator(j, path, kProviderTypes, "provider type");
    if (auto name = c_.string(j, "name", path, true, "a unique name such as \"azure-prod\"")) {
      if (!detail::is_provider_name(*name)) {
        c_.add(child_path(path, "name"), "is not a valid provider name",
               "1 to 64 letters, digits, '_', '.' or '-'");
      } else {
        p.name = std::move(*name);
      }
    }
    p.headers = headers(j, path);
    if (auto t = c_.integer(j, "timeout_seconds", path, 1, 3600,
                            " (seconds a whole call may take, retries included)")) {
      p.timeout_seconds = static_cast<int>(*t);
    }
    if (auto t = c_.integer(j, "connect_timeout_seconds", path, 1, 300, " (seconds to connect)")) {
      p.connect_timeout_seconds = static_cast<int>(*t);
    }
    if (auto t = c_.integer(j, "first_byte_timeout_seconds", path, 1, 3600,
                            " (seconds one attempt may wait for the answer's first byte)")) {
      p.first_byte_timeout_seconds = static_cast<int>(*t);
    }
    if (auto t = c_.integer(j, "idle_timeout_seconds", path, 1, 3600,
                            " (seconds a stream may stay silent)")) {
      p.idle_timeout_seconds = static_cast<int>(*t);
    }
    if (!type) return p;
    if (*type == 0) {
      c_.object(j, path, kAzureFields, provider_owner(kAzureAuthTables));
      p.spec = azure(j, path);
    } else {
      c_.object(j, path, kBedrockFields, provider_owner(kAwsAuthTables));
      p.spec = bedrock(j, path);
    }
    return p;
  }

  std::vector<Header> headers(const Json& j, const std::string& path) {
    std::vector<Header> out;
    const Json* h = Checker::member(j, "headers");
    if (h == nullptr) return out;
    const std::string at = child_path(path, "headers");
    if (!h->is_object()) {
      c_.add(at, "must be an object (got " + detail::json_type(*h) + ")",
             "{\"Header-Name\": \"value\" or {\"env\": \"VARIABLE\"}, …}");
      return out;
    }
    std::vector<std::string> seen;
    for (const auto& [name, value] : h->items()) {
      const std::string hat = child_path(at, name);
      if (!detail::is_header_name(name)) {
        c_.add(hat, "is not a valid header name", "letters, digits and !#$%&'*+-.^_`|~ only");
        continue;
      }
      std::string lower;
      for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (http::is_reserved_header(name)) {
        c_.add(hat, "cannot be set in a provider config",
               "Authorization, api-key, x-amz-* and the framing headers (Host, Content-Length, "
               "…) belong to the auth method and the HTTP client");
        continue;
      }
      if (std::find(seen.begin(), seen.end(), lower) != seen.end()) {
        c_.add(hat, "is given twice (header names are case-insensitive)", "keep one of them");
        continue;
      }
      seen.push_back(lower);
      // A value, or a secret reference for a gateway key: the same forms and checks as a secret
      // (one line, no placeholder, no other tool's ${VAR}).
      if (auto v = c_.secret(*h, name, at, true)) out.push_back({name, std::move(*v)});
    }
    return out;
  }

  // --- azure_openai ---

  AzureOpenAI azure(const Json& j, const std::string& path) {
    AzureOpenAI a;
    if (auto e = c_.string(j, "endpoint", path, true,
                           "the resource endpoint, e.g. https://NAME.openai.azure.com")) {
      const std::string at = child_path(path, "endpoint");
      if (auto u = c_.https_url(*e, at, "https://NAME.openai.azure.com")) {
        if (u->path.find("/openai/") != std::string::npos || u->path.ends_with("/openai")) {
          c_.add(at, "must be the resource endpoint, without the /openai/… API path",
                 "e.g. https://NAME.openai.azure.com; the API path follows from \"api\"");
        }
      }
      a.endpoint = std::move(*e);
    }
    if (const Json* api = Checker::member(j, "api")) {
      const std::string at = child_path(path, "api");
      if (!api->is_string()) {
        c_.add(at, "must be a string (got " + detail::json_type(*api) + ")",
               "one of: v1, deployments");
      } else {
        const std::string v = detail::trim(api->get_ref<const std::string&>());
        if (v == "v1") {
          a.api = AzureOpenAI::Api::kV1;
        } else if (v == "deployments") {
          a.api = AzureOpenAI::Api::kDeployments;
        } else {
          std::string hint;
          if (const auto near = did_you_mean(v, kApiValues))
            hint = "did you mean '" + std::string(*near) + "'? ";
          c_.add(at, "unknown api " + quote_value(v), hint + "one of: v1, deployments");
        }
      }
    }
    const std::string version_at = child_path(path, "api_version");
    const bool deployments = a.api == AzureOpenAI::Api::kDeployments;
    if (auto v = c_.string(j, "api_version", path, deployments,
                           "the deployments API needs a version such as \"2024-10-21\"")) {
      if (deployments && !is_dated_version(*v)) {
        c_.add(version_at, "is not an API version",
               "a date such as 2024-10-21 or 2025-01-01-preview");
      } else if (!deployments && *v != "preview" && *v != "latest") {
        c_.add(
            version_at, "is not used by the v1 API",
            "remove it (or use \"preview\"), or set \"api\": \"deployments\" for dated versions");
      } else {
        a.api_version = std::move(*v);
      }
    }
    if (auto d = c_.string(j, "deployment", path, false)) {
      if (!detail::is_provider_name(*d)) {
        c_.add(child_path(path, "deployment"), "is not a valid deployment name",
               "1 to 64 letters, digits, '_', '.' or '-'");
      } else {
        a.deployment = std::move(*d);
      }
    }
    const std::string auth_at = child_path(path, "auth");
    const Json* auth = Checker::member(j, "auth");
    if (auth == nullptr) {
      c_.add(auth_at, "is required",
             "an object with a \"type\": one of " + detail::join(kAzureAuthTypes));
      return a;
    }
    if (!auth->is_object()) {
      c_.add(auth_at, "must be an object (got " + detail::json_type(*auth) + ")",
             "{\"type\": …} with type one of " + detail::join(kAzureAuthTypes));
      return a;
    }
    const auto type = c_.discriminator(*auth, auth_at, kAzureAuthTypes,
                                       "auth type for azure_openai", kAwsAuthTypes, "aws_bedrock");
    if (!type) return a;
    a.auth = azure_auth_method(*type, *auth, auth_at);
    if (a.uses_scope()) {
      if (auto s = c_.string(*auth, "scope", auth_at, false)) {
        if (detail::has_space_or_control(*s) || !s->ends_with("/.default")) {
          c_.add(child_path(auth_at, "scope"), "must be one resource scope ending in /.default",
                 "e.g. " + std::string(kDefaultAzureScope));
        } else {
          a.scope = std::move(*s);
        }
      }
    }
    return a;
  }

  static bool is_dated_version(std::string_view v) {
    if (v.ends_with("-preview")) v.remove_suffix(8);
    if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i == 4 || i == 7) continue;
      if (v[i] < '0' || v[i] > '9') return false;
    }
    return true;
  }

  AzureAuth azure_auth_method(std::size_t type, const Json& j, const std::string& at) {
    switch (type) {
      case 0: {
        c_.object(j, at, kApiKeyFields, azure_owner());
        azure_auth::ApiKey m;
        if (auto s = c_.secret(j, "api_key", at, true)) m.key = std::move(*s);
        return m;
      }
      case 1: {
        c_.object(j, at, kStaticTokenFields, azure_owner());
        azure_auth::StaticToken m;
        if (auto s = c_.secret(j, "token", at, true)) m.token = std::move(*s);
        return m;
      }
      case 2: {
        c_.object(j, at, kServicePrincipalFields, azure_owner());
        azure_auth::ServicePrincipal m;
        m.tenant_id = tenant(j, at, true).value_or("");
        m.client_id = identifier(j, "client_id", at, true).value_or("");
        if (auto s = c_.secret(j, "client_secret", at, true)) m.client_secret = std::move(*s);
        m.authority_host = authority(j, at);
        return m;
      }
      case 3: {
        c_.object(j, at, kClientCertificateFields, azure_owner());
        azure_auth::ClientCertificate m;
        m.tenant_id = tenant(j, at, true).value_or("");
        m.client_id = identifier(j, "client_id", at, true).value_or("");
        m.certificate_path = path_field(j, "certificate_path", at, true).value_or("");
        m.certificate_password = c_.secret(j, "certificate_password", at, false);
        m.send_certificate_chain = c_.boolean(j, "send_certificate_chain", at).value_or(false);
        m.authority_host = authority(j, at);
        return m;
      }
      case 4: {
        c_.object(j, at, kManagedIdentityFields, azure_owner());
        azure_auth::ManagedIdentity m;
        std::string first;
        const auto take = [&](std::string_view key, azure::ManagedIdentityId::Kind kind,
                              std::optional<std::string> value) {
          if (!value) return;
          if (!first.empty()) {
            c_.add(child_path(at, key), "cannot be given together with " + first,
                   "a managed identity is named by one of client_id, object_id or resource_id "
                   "(none: the system-assigned identity)");
            return;
          }
          first = key;
          m.id = {kind, std::move(*value)};
        };
        take("client_id", azure::ManagedIdentityId::Kind::kClientId,
             identifier(j, "client_id", at, false));
        take("object_id", azure::ManagedIdentityId::Kind::kObjectId,
             identifier(j, "object_id", at, false));
        auto resource = c_.string(j, "resource_id", at, false);
        if (resource && (detail::has_space_or_control(*resource) ||
                         !lower(*resource).starts_with("/subscriptions/"))) {
          c_.add(child_path(at, "resource_id"), "is not an Azure resource id",
                 "/subscriptions/…/resourceGroups/…/providers/Microsoft.ManagedIdentity/"
                 "userAssignedIdentities/NAME");
          resource.reset();
        }
        take("resource_id", azure::ManagedIdentityId::Kind::kResourceId, std::move(resource));
        return m;
      }
      case 5: {
        c_.object(j, at, kWorkloadIdentityFields, azure_owner());
        azure_auth::WorkloadIdentity m;
        m.tenant_id = tenant(j, at, false);
        m.client_id = identifier(j, "client_id", at, false);
        m.token_file_path = path_field(j, "token_file_path", at, false);
        m.authority_host = authority(j, at);
        return m;
      }
      case 6: {
        c_.object(j, at, kAzureCliFields, azure_owner());
        azure_auth::AzureCli m;
        m.tenant_id = tenant(j, at, false);
        return m;
      }
      default: {
        c_.object(j, at, kAzureDefaultFields, azure_owner());
        azure_auth::DefaultCredentials m;
        m.managed_identity_client_id = identifier(j, "managed_identity_client_id", at, false);
        m.workload_identity_client_id = identifier(j, "workload_identity_client_id", at, false);
        m.tenant_id = tenant(j, at, false);
        m.exclude = excludes(j, at);
        return m;
      }
    }
  }

  std::vector<std::string> excludes(const Json& j, const std::string& at) {
    using azure_auth::DefaultCredentials;
    std::vector<std::string> out;
    const Json* e = Checker::member(j, "exclude");
    if (e == nullptr) return out;
    const std::string eat = child_path(at, "exclude");
    const std::string valid = "any of: " + detail::join(DefaultCredentials::kExcludable);
    if (!e->is_array()) {
      c_.add(eat, "must be an array of strings (got " + detail::json_type(*e) + ")", valid);
      return out;
    }
    for (std::size_t i = 0; i < e->size(); ++i) {
      const Json& v = (*e)[i];
      const std::string iat = index_path(eat, i);
      if (!v.is_string()) {
        c_.add(iat, "must be a string (got " + detail::json_type(v) + ")", valid);
        continue;
      }
      const std::string name = detail::trim(v.get_ref<const std::string&>());
      const auto& all = DefaultCredentials::kExcludable;
      if (std::find(std::begin(all), std::end(all), name) == std::end(all)) {
        std::string hint;
        if (const auto near = did_you_mean(name, all))
          hint = "did you mean '" + std::string(*near) + "'? ";
        c_.add(iat, "unknown credential " + quote_value(name), hint + valid);
        continue;
      }
      if (std::find(out.begin(), out.end(), name) != out.end()) {
        c_.add(iat, quote_value(name) + " is excluded twice", "list each credential once");
        continue;
      }
      out.push_back(name);
    }
    if (out.size() == std::size(DefaultCredentials::kExcludable)) {
      c_.add(eat, "excludes every credential of the chain",
             "leave at least one, or pick a specific auth type instead");
    }
    return out;
  }

  static std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
  }

  std::optional<std::string> tenant(const Json& j, const std::string& at, bool required) {
    auto t = c_.string(j, "tenant_id", at, required,
                       "the directory (tenant) id, a GUID or a domain such as "
                       "contoso.onmicrosoft.com");
    if (!t) return t;
    const bool ok = t->size() <= 256 && std::all_of(t->begin(), t->end(), [](char ch) {
                      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.';
                    });
    if (!ok) {
      c_.add(child_path(at, "tenant_id"), "is not a tenant id",
             "a GUID or a domain such as contoso.onmicrosoft.com (letters, digits, '-', '.')");
      return std::nullopt;
    }
    return t;
  }

  std::optional<std::string> identifier(const Json& j, std::string_view key, const std::string& at,
                                        bool required) {
    auto v = c_.string(j, key, at, required, "an application (client) id, a GUID");
    if (!v) return v;
    const bool ok = v->size() <= 256 && std::all_of(v->begin(), v->end(), [](char ch) {
                      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ||
                             ch == '.' || ch == '_';
                    });
    if (!ok) {
      c_.add(child_path(at, key), "is not an id",
             "a GUID such as 00000000-0000-0000-0000-000000000000");
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::string> path_field(const Json& j, std::string_view key, const std::string& at,
                                        bool required) {
    auto v = c_.string(j, key, at, required, "a file path");
    if (v && v->find('\0') != std::string::npos) {
      c_.add(child_path(at, key), "contains a NUL character");
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::string> authority(const Json& j, const std::string& at) {
    auto v = c_.string(j, "authority_host", at, false);
    if (v &&
        !c_.https_url(*v, child_path(at, "authority_host"), "https://login.microsoftonline.com")) {
      return std::nullopt;
    }
    return v;
  }

  // --- aws_bedrock ---

  Bedrock bedrock(const Json& j, const std::string& path) {
    Bedrock b;
    if (auto r = c_.string(j, "region", path, true, "the AWS region, e.g. us-east-1")) {
      if (!aws::is_region(*r)) {
        c_.add(child_path(path, "region"), "is not an AWS region",
               "e.g. us-east-1, eu-central-1, us-gov-west-1");
      } else {
        b.region = std::move(*r);
      }
    }
    if (auto e = c_.string(j, "endpoint_url", path, false)) {
      const std::string at = child_path(path, "endpoint_url");
      if (auto u = c_.https_url(*e, at, "https://bedrock-runtime.us-east-1.amazonaws.com")) {
        check_endpoint_region(*u, b.region, at);
      }
      b.endpoint_url = std::move(*e);
    }
    if (auto m = c_.string(j, "model", path, false)) {
      if (detail::has_space_or_control(*m) || m->size() > 2048) {
        c_.add(child_path(path, "model"), "is not a model id",
               "a model id, inference profile id or ARN, without spaces");
      } else {
        b.model = std::move(*m);
      }
    }
    const std::string auth_at = child_path(path, "auth");
    const Json* auth = Checker::member(j, "auth");
    if (auth == nullptr) {
      c_.add(auth_at, "is required",
             "an object with a \"type\": one of " + detail::join(kAwsAuthTypes));
      return b;
    }
    if (!auth->is_object()) {
      c_.add(auth_at, "must be an object (got " + detail::json_type(*auth) + ")",
             "{\"type\": …} with type one of " + detail::join(kAwsAuthTypes));
      return b;
    }
    const auto type = c_.discriminator(*auth, auth_at, kAwsAuthTypes, "auth type for aws_bedrock",
                                       kAzureAuthTypes, "azure_openai");
    if (!type) return b;
    switch (*type) {
      case 0:
        b.auth = access_keys(*auth, auth_at);
        break;
      case 1:
        b.auth = profile(*auth, auth_at);
        break;
      case 2:
        b.auth = assume_role(*auth, auth_at);
        break;
      case 3: {
        c_.object(*auth, auth_at, kWebIdentityFields, aws_owner());
        aws_auth::WebIdentity m;
        m.role_arn = role_arn(*auth, auth_at).value_or("");
        m.web_identity_token_file =
            path_field(*auth, "web_identity_token_file", auth_at, true).value_or("");
        m.role_session_name = session_name(*auth, auth_at);
        b.auth = std::move(m);
        break;
      }
      case 4: {
        c_.object(*auth, auth_at, kBearerTokenFields, aws_owner());
        aws_auth::BearerToken m;
        if (auto s = c_.secret(*auth, "token", auth_at, true)) m.token = std::move(*s);
        b.auth = std::move(m);
        break;
      }
      default:
        c_.object(*auth, auth_at, kAwsDefaultFields, aws_owner());
        b.auth = aws_auth::DefaultCredentials{};
        break;
    }
    return b;
  }

  // A host that names a region (bedrock-runtime.eu-west-1.amazonaws.com, VPC endpoint names)
  // must name `region`: SigV4 signs for `region`, so a mismatch only fails later, as a signature
  // error.
  void check_endpoint_region(const url::Url& u, const std::string& region, const std::string& at) {
    if (!aws::is_aws_host(u.host)) return;
    if (u.host.starts_with("bedrock.") || u.host.starts_with("bedrock-fips.")) {
      c_.add(at, "is the Bedrock control-plane endpoint, not the runtime",
             "use https://bedrock-runtime.REGION.amazonaws.com");
      return;
    }
    const auto named = aws::region_in_host(u.host);
    if (region.empty() || !named || *named == region) return;
    c_.add(at, "names region " + quote_value(*named) + " but region is " + quote_value(region),
           "make them agree: requests are signed for \"region\", so a mismatch fails "
           "with a signature error");
  }

  aws_auth::AccessKeys access_keys(const Json& j, const std::string& at) {
    c_.object(j, at, kAccessKeysFields, aws_owner());
    aws_auth::AccessKeys m;
    if (auto id = c_.secret(j, "access_key_id", at, true)) {
      const auto v = id->value.reveal();
      const bool ok =
          id->source != SecretRef::Source::kInline ||
          (v.size() >= 4 && v.size() <= 128 && std::all_of(v.begin(), v.end(), [](char ch) {
             return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
           }));
      if (!ok) {
        c_.add(child_path(at, "access_key_id"), "is not an access key id",
               "upper-case letters and digits, e.g. AKIAIOSFODNN7EXAMPLE; the secret goes in "
               "secret_access_key");
      } else {
        m.access_key_id = std::move(*id);
      }
    }
    if (auto s = c_.secret(j, "secret_access_key", at, true)) m.secret_access_key = std::move(*s);
    m.session_token = c_.secret(j, "session_token", at, false);
    return m;
  }

  aws_auth::Profile profile(const Json& j, const std::string& at) {
    c_.object(j, at, kProfileFields, aws_owner());
    aws_auth::Profile m;
    if (auto p = c_.string(j, "profile", at, true, "a profile name from ~/.aws/config")) {
      if (detail::has_space_or_control(*p) || p->find_first_of("[]") != std::string::npos) {
        c_.add(child_path(at, "profile"), "is not a profile name",
               "no spaces or brackets: write \"prod\" for [profile prod]");
      } else {
        m.profile = std::move(*p);
      }
    }
    m.config_file = path_field(j, "config_file", at, false);
    m.credentials_file = path_field(j, "credentials_file", at, false);
    return m;
  }

  aws_auth::AssumeRole assume_role(const Json& j, const std::string& at) {
    c_.object(j, at, kAssumeRoleFields, aws_owner());
    aws_auth::AssumeRole m;
    m.role_arn = role_arn(j, at).value_or("");
    if (auto e = c_.string(j, "external_id", at, false)) {
      if (e->size() < 2 || e->size() > 1224 || !charset(*e, "+=,.@:/-_")) {
        c_.add(child_path(at, "external_id"), "is not a valid external id",
               "2 to 1224 letters, digits and +=,.@:/-_");
      } else {
        m.external_id = std::move(*e);
      }
    }
    m.role_session_name = session_name(j, at);
    if (auto d = c_.integer(j, "duration_seconds", at, 900, 43200,
                            " (15 minutes to 12 hours; the role's maximum session duration "
                            "applies)")) {
      m.duration_seconds = static_cast<int>(*d);
    }
    const std::string src_at = child_path(at, "source");
    const Json* src = Checker::member(j, "source");
    const std::string one_of =
        "{\"type\": …} with type one of " + detail::join(aws_auth::kAssumeRoleSourceTypes);
    if (src == nullptr) {
      c_.add(src_at, "is required: the credentials that call sts:AssumeRole", one_of);
      return m;
    }
    if (!src->is_object()) {
      c_.add(src_at, "must be an object (got " + detail::json_type(*src) + ")", one_of);
      return m;
    }
    const auto type = c_.discriminator(*src, src_at, aws_auth::kAssumeRoleSourceTypes,
                                       "source type for assume_role");
    if (!type) return m;
    if (*type == 0) {
      m.source = access_keys(*src, src_at);
    } else if (*type == 1) {
      m.source = profile(*src, src_at);
    } else {
      c_.object(*src, src_at, kAwsDefaultFields, aws_owner());
      m.source = aws_auth::DefaultCredentials{};
    }
    return m;
  }

  static bool charset(std::string_view s, std::string_view extra) {
    return std::all_of(s.begin(), s.end(), [&](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) ||
             extra.find(ch) != std::string_view::npos;
    });
  }

  std::optional<std::string> role_arn(const Json& j, const std::string& at) {
    auto r = c_.string(j, "role_arn", at, true, "e.g. arn:aws:iam::123456789012:role/NAME");
    if (r && !detail::is_role_arn(*r)) {
      c_.add(
          child_path(at, "role_arn"), "is not an IAM role ARN",
          "arn:aws:iam::ACCOUNT_ID:role/NAME, e.g. arn:aws:iam::123456789012:role/bedrock-invoke");
      return std::nullopt;
    }
    return r;
  }

  std::optional<std::string> session_name(const Json& j, const std::string& at) {
    auto s = c_.string(j, "role_session_name", at, false);
    if (s && (s->size() < 2 || s->size() > 64 || !charset(*s, "+=,.@-_"))) {
      c_.add(child_path(at, "role_session_name"), "is not a valid role session name",
             "2 to 64 letters, digits and +=,.@-_");
      return std::nullopt;
    }
    return s;
  }

  static Checker::Owner azure_owner() { return owner_in(kAzureAuthTables, "auth type"); }
  static Checker::Owner aws_owner() { return owner_in(kAwsAuthTables, "auth type"); }

  Checker& c_;
};

}  // namespace

ConfigError::ConfigError(std::string source, std::vector<ConfigIssue> issues)
    : Error(
          [&] {
            std::string out;
            for (const auto& i : issues) {
              if (!out.empty()) out += '\n';
              out += source + ": ";
              if (!i.path.empty()) out += i.path + ": ";
              out += i.message;
              if (!i.hint.empty()) out += " (" + i.hint + ")";
            }
            return out.empty() ? source + ": invalid provider config" : out;
          }(),
          ErrorCode::kInvalidInput),
      source_(std::move(source)),
      issues_(std::move(issues)) {}

ProviderFile parse_providers(std::string_view text, std::string_view source) {
  const std::string src(source);
  if (text.size() > kMaxBytes) {
    throw ConfigError(src,
                      {{"", "the file is too large (" + std::to_string(text.size()) + " bytes)",
                        "a provider config is at most 4 MiB"}});
  }
  if (const auto deep = json::nesting_exceeds(text, kMaxDepth)) {
    const auto [line, column] = line_column(text, *deep);
    throw ConfigError(src,
                      {{"",
                        "nested deeper than " + std::to_string(kMaxDepth) + " levels at line " +
                            std::to_string(line) + ", column " + std::to_string(column),
                        "a provider config is only a few levels deep"}});
  }
  Json root;
  try {
    root = Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based offset of the last character read. nlohmann's message is not used:
    // it quotes the text it read, which may be a secret.
    if (looks_like_yaml(text, source)) {
      throw ConfigError(src, {{"", "is YAML, but provider configs are JSON",
                               "write it as {\"providers\": [{\"name\": …, \"type\": …, "
                               "\"auth\": {…}}]}, see docs/config.md"}});
    }
    const auto [line, column] = line_column(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string message =
        text.empty() || detail::trim(text).empty()
            ? std::string("the file is empty")
            : "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column);
    throw ConfigError(src, {{"", std::move(message),
                             "check for a missing comma, quote or bracket there; comments and "
                             "trailing commas are not JSON"}});
  } catch (const nlohmann::json::exception&) {
    throw ConfigError(src, {{"", "the JSON cannot be represented (a number out of range?)",
                             "numbers in a provider config are small whole numbers"}});
  }
  Checker checker;
  ProviderFile out;
  try {
    Reader reader(checker);
    out = reader.file(root);
  } catch (...) {
    wipe(root);
    throw;
  }
  wipe(root);
  if (!checker.issues().empty()) throw ConfigError(src, std::move(checker.issues()));
  return out;
}

ProviderFile load_providers(const Ambient& ambient, const std::string& path) {
  const auto full = ambient.expand_user(path);
  std::optional<std::string> text;
  try {
    text = ambient.read_file(full, kMaxBytes);
  } catch (const Error& e) {
    throw Error("provider config " + full.string() + ": " + e.what(), ErrorCode::kInvalidInput);
  }
  if (!text) {
    throw Error("provider config " + full.string() + ": no such file", ErrorCode::kInvalidInput);
  }
  try {
    auto out = parse_providers(*text, full.string());
    OPENSSL_cleanse(text->data(), text->size());
    return out;
  } catch (...) {
    OPENSSL_cleanse(text->data(), text->size());
    throw;
  }
}

}  // namespace llmauth::config
