// Provider configs: the declarative `{"providers": [...]}` file that says, for each named
// provider, where an Azure OpenAI resource or a Bedrock region is and how to authenticate to it.
// The auth method is a discriminated union on `auth.type`, as in the seed's pydantic model.
//
// parse_providers() checks the whole document and throws one ConfigError listing every problem
// (JSON path, message, hint). Parsing reads nothing from the environment: secrets given as
// {"env": NAME} or {"file": PATH} stay references until SecretRef::resolve() is called, and
// to_json() prints the config back with every inline secret redacted. See docs/config.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "llmauth/azure/credentials/managed_identity_credential.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/secret.hpp"

namespace llmauth::config {

// A secret given inline ("..."), from the environment ({"env": "NAME"}) or from a file
// ({"file": "/path"}). Only inline values are key material in the config itself; references
// are names and are printed as they are.
struct SecretRef {
  enum class Source { kInline, kEnv, kFile };
  Source source = Source::kInline;
  Secret value;           // kInline only
  std::string reference;  // kEnv: the variable's name; kFile: the path (may start with "~/")
  std::string json_path;  // where it was declared: "providers[1].auth.client_secret"

  static SecretRef inline_value(std::string value, std::string json_path = {});
  static SecretRef env(std::string name, std::string json_path = {});
  static SecretRef file(std::string path, std::string json_path = {});

  // The secret, through `ambient` (env(), read_file()); a file's one trailing newline ("\n" or
  // "\r\n") is dropped. Throws Error(kInvalidInput) naming json_path and the variable or file
  // (never the value) when the variable is unset or empty, or the file is missing, unreadable
  // or empty.
  [[nodiscard]] Secret resolve(const Ambient& ambient) const;

  bool operator==(const SecretRef&) const = default;
};

inline constexpr std::string_view kDefaultAzureScope =
    "https://cognitiveservices.azure.com/.default";

namespace azure_auth {
struct ApiKey {  // "api_key": the `api-key` header
  SecretRef key;
};
struct StaticToken {  // "azure_ad_token": a bearer token obtained elsewhere
  SecretRef token;
};
struct ServicePrincipal {  // "azure_ad_token_provider": client secret credential
  std::string tenant_id, client_id;
  SecretRef client_secret;
  std::optional<std::string> authority_host;
};
struct ClientCertificate {  // "client_certificate"
  std::string tenant_id, client_id, certificate_path;
  std::optional<SecretRef> certificate_password;
  bool send_certificate_chain = false;
  std::optional<std::string> authority_host;
};
struct ManagedIdentity {  // "managed_identity": at most one of client_id / object_id / resource_id
  azure::ManagedIdentityId id;
};
struct WorkloadIdentity {  // "workload_identity": missing fields come from AZURE_* at run time
  std::optional<std::string> tenant_id, client_id, token_file_path, authority_host;
};
struct AzureCli {  // "azure_cli"
  std::optional<std::string> tenant_id;
};
struct DefaultCredentials {  // "default_credentials": DefaultAzureCredential
  std::optional<std::string> managed_identity_client_id, workload_identity_client_id, tenant_id;
  // Any of kExcludable, each at most once.
  std::vector<std::string> exclude;
  static constexpr std::string_view kExcludable[] = {
      "environment", "workload_identity", "managed_identity", "azure_cli", "azure_developer_cli"};
};
}  // namespace azure_auth

using AzureAuth = std::variant<azure_auth::ApiKey, azure_auth::StaticToken,
                               azure_auth::ServicePrincipal, azure_auth::ClientCertificate,
                               azure_auth::ManagedIdentity, azure_auth::WorkloadIdentity,
                               azure_auth::AzureCli, azure_auth::DefaultCredentials>;

// The `auth.type` of each alternative, in variant order.
inline constexpr std::string_view kAzureAuthTypes[] = {"api_key",
                                                       "azure_ad_token",
                                                       "azure_ad_token_provider",
                                                       "client_certificate",
                                                       "managed_identity",
                                                       "workload_identity",
                                                       "azure_cli",
                                                       "default_credentials"};

struct AzureOpenAI {
  // https://NAME.openai.azure.com (any https URL; http only for 127.0.0.1, ::1, localhost).
  std::string endpoint;
  enum class Api { kV1, kDeployments };
  Api api = Api::kV1;
  // kDeployments: required ("2024-10-21", "2025-01-01-preview"). kV1: optional, only
  // "preview" or "latest" (sent as api-version for preview features); empty = none.
  std::string api_version;
  std::optional<std::string> deployment;  // default deployment (deployments API) or model (v1)
  // For every Entra method; written as `auth.scope` in the file (as the seed's token provider),
  // not allowed for api_key / azure_ad_token.
  std::string scope = std::string(kDefaultAzureScope);
  AzureAuth auth;

  // True for the methods that fetch Entra tokens (and so use `scope`).
  [[nodiscard]] bool uses_scope() const;
};

namespace aws_auth {
struct AccessKeys {  // "access_keys"
  // An identifier, not a secret, but it may also come from {"env"}/{"file"}: hence a SecretRef.
  // to_json() prints an inline access key id as it is.
  SecretRef access_key_id;
  SecretRef secret_access_key;
  std::optional<SecretRef> session_token;
};
struct Profile {  // "profile": a profile of the shared config/credentials files
  std::string profile;
  std::optional<std::string> config_file, credentials_file;  // default: AWS_CONFIG_FILE, ~/.aws/…
};
struct DefaultCredentials {};  // "default_credentials": the default chain
using AssumeRoleSource = std::variant<AccessKeys, Profile, DefaultCredentials>;
inline constexpr std::string_view kAssumeRoleSourceTypes[] = {"access_keys", "profile",
                                                              "default_credentials"};
struct AssumeRole {  // "assume_role": STS AssumeRole with credentials from `source`
  std::string role_arn;
  std::optional<std::string> external_id, role_session_name;
  std::optional<int> duration_seconds;  // 900..43200
  AssumeRoleSource source;
};
struct WebIdentity {  // "web_identity": STS AssumeRoleWithWebIdentity
  std::string role_arn;
  std::string web_identity_token_file;
  std::optional<std::string> role_session_name;
};
struct BearerToken {  // "bearer_token": a Bedrock API key
  SecretRef token;
};
}  // namespace aws_auth

using AwsAuth =
    std::variant<aws_auth::AccessKeys, aws_auth::Profile, aws_auth::AssumeRole,
                 aws_auth::WebIdentity, aws_auth::BearerToken, aws_auth::DefaultCredentials>;
inline constexpr std::string_view kAwsAuthTypes[] = {
    "access_keys", "profile", "assume_role", "web_identity", "bearer_token", "default_credentials"};

struct Bedrock {
  std::string region;  // [a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+
  // Overrides the bedrock-runtime endpoint. When its host names a region
  // (bedrock-runtime.REGION.amazonaws.com, VPC endpoint names) it must be `region`.
  std::optional<std::string> endpoint_url;
  std::optional<std::string> model;  // default model id / inference profile / ARN
  AwsAuth auth;
};

// An extra request header. Its value is written inline or, for a gateway key (an APIM
// subscription key, an upstream proxy's key), as a secret reference ({"env"} / {"file"}).
struct Header {
  std::string name;
  SecretRef value;
  // The name says the value is a credential (it contains "key", "token", "secret", "password",
  // "auth", "signature" or "credential", in any case): to_json() redacts its inline value.
  [[nodiscard]] bool is_credential() const;
};

struct Provider {
  std::string name;  // unique, [A-Za-z0-9_.-]{1,64}
  // Extra request headers (in name order). They cannot set Authorization, api-key, x-amz-*,
  // Host, Content-Length and friends, so they can never override the auth method.
  std::vector<Header> headers;
  // Model calls (docs/config.md "Timeouts"): the whole call with its retries (streams: until the
  // first byte), 1..3600; connecting, 1..300; one attempt's wait for the first byte, 1..3600; a
  // stream's longest silence, 1..3600.
  std::optional<int> timeout_seconds;
  std::optional<int> connect_timeout_seconds;
  std::optional<int> first_byte_timeout_seconds;
  std::optional<int> idle_timeout_seconds;
  std::variant<AzureOpenAI, Bedrock> spec;

  [[nodiscard]] std::string_view type() const;       // "azure_openai" | "aws_bedrock"
  [[nodiscard]] std::string_view auth_type() const;  // "api_key", "access_keys", …
  // The headers with their references resolved through `ambient`. Throws Error(kInvalidInput)
  // naming the header's JSON path (never the value) when a reference cannot be resolved or its
  // value is not one line.
  [[nodiscard]] http::Headers resolve_headers(const Ambient& ambient) const;
};

inline constexpr std::string_view kProviderTypes[] = {"azure_openai", "aws_bedrock"};

// A public model name for the gateway (`llmauth serve`): clients put `name` in the request's
// "model" and the call goes to `model` of `provider`. Without an alias, "provider/model" works.
struct ModelAlias {
  std::string name;
  std::string provider;
  std::string model;
  bool operator==(const ModelAlias&) const = default;
};

struct ProviderFile {
  std::vector<Provider> providers;
  std::vector<ModelAlias> models;  // "models": [{"name", "provider", "model"}]
  [[nodiscard]] const Provider* find(std::string_view name) const;
};

// One problem: where (a JSON path such as "providers[1].auth.type"; empty for the whole
// document), what is wrong, and what to do about it.
struct ConfigIssue {
  std::string path;
  std::string message;
  std::string hint;
  bool operator==(const ConfigIssue&) const = default;
};

// Every problem of a config at once. what(): one line per issue, "SOURCE: PATH: MESSAGE (HINT)".
// ErrorCode::kInvalidInput. No message contains a secret value.
class ConfigError : public Error {
 public:
  ConfigError(std::string source, std::vector<ConfigIssue> issues);
  [[nodiscard]] const std::vector<ConfigIssue>& issues() const { return issues_; }
  [[nodiscard]] const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<ConfigIssue> issues_;
};

// Parses and validates; throws ConfigError with every issue found. A JSON syntax error is one
// issue at "line L, column C". `source` names the document in messages (a file name). Reads
// nothing from the environment.
ProviderFile parse_providers(std::string_view json_text, std::string_view source);
// Reads `path` (a leading "~/" is the home directory) through ambient.read_file and parses it.
// A missing or unreadable file is an Error(kInvalidInput) naming the path.
ProviderFile load_providers(const Ambient& ambient, const std::string& path);

// The config as JSON again: every inline secret is "<redacted>" (an inline access key id is kept;
// {"env"} / {"file"} references are kept, they are names, not secrets); defaults are left out.
// parse_providers(to_json(x).dump()) gives x back when x has no inline secrets.
json::Json to_json(const ProviderFile& file);
json::Json to_json(const Provider& provider);
// A hash (hex SHA-256) of everything the provider says, inline secrets included: two providers
// with the same fingerprint authenticate the same way. Never printed with the secrets.
std::string fingerprint(const Provider& provider);

inline constexpr std::string_view kRedactedValue = "<redacted>";

}  // namespace llmauth::config
