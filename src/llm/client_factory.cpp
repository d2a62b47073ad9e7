#include "llmauth/llm/client_factory.hpp"

#include <array>

#include "llmauth/aws/bearer_token.hpp"
#include "llmauth/aws/bedrock_token.hpp"
#include "llmauth/aws/credentials/assume_role_provider.hpp"
#include "llmauth/aws/credentials/default_chain.hpp"
#include "llmauth/aws/credentials/profile_provider.hpp"
#include "llmauth/aws/credentials/refreshing.hpp"
#include "llmauth/aws/credentials/web_identity_provider.hpp"
#include "llmauth/aws/endpoints.hpp"
#include "llmauth/azure/credentials/azure_cli_credential.hpp"
#include "llmauth/azure/credentials/client_certificate_credential.hpp"
#include "llmauth/azure/credentials/client_secret_credential.hpp"
#include "llmauth/azure/credentials/default_azure_credential.hpp"
#include "llmauth/azure/credentials/managed_identity_credential.hpp"
#include "llmauth/azure/credentials/static_token_credential.hpp"
#include "llmauth/azure/credentials/workload_identity_credential.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/llm/azure_openai_client.hpp"
#include "llmauth/llm/bedrock_client.hpp"

namespace llmauth::llm {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// What an explicit method may still read from the environment: where endpoints are and which CA
// to trust — never a credential, a profile name or a token.
constexpr std::array<std::string_view, 6> kEndpointVariables = {
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_STS_REGIONAL_ENDPOINTS",
    "AZURE_AUTHORITY_HOST",
    "AWS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST"};

bool endpoint_variable(const std::string& name) {
  if (name == "AWS_ENDPOINT_URL" || name.starts_with("AWS_ENDPOINT_URL_")) return true;
  for (auto v : kEndpointVariables) {
    if (name == v) return true;
  }
  return false;
}

// Variables the host sets for its managed identity endpoint.
bool managed_identity_variable(const std::string& name) {
  return name == "IDENTITY_ENDPOINT" || name == "IDENTITY_HEADER" || name == "MSI_ENDPOINT" ||
         name == "MSI_SECRET" || name == "IMDS_ENDPOINT" || name == "IDENTITY_SERVER_THUMBPRINT";
}

std::shared_ptr<aws::CredentialsProvider> access_keys_provider(
    const config::aws_auth::AccessKeys& k, const Ambient& ambient) {
  aws::Credentials c;
  c.access_key_id = std::string(k.access_key_id.resolve(ambient).reveal());
  c.secret_access_key = k.secret_access_key.resolve(ambient);
  if (k.session_token) c.session_token = k.session_token->resolve(ambient);
  c.source = "access keys from the provider config";
  return std::make_shared<aws::StaticProvider>(std::move(c));
}

// An Ambient for a profile, with the config's own file paths when it names them.
Ambient profile_ambient(const Ambient& ambient, const config::aws_auth::Profile& p) {
  if (!p.config_file && !p.credentials_file) return ambient;
  auto vars = ambient.environment().all();
  if (p.config_file) vars["AWS_CONFIG_FILE"] = *p.config_file;
  if (p.credentials_file) vars["AWS_SHARED_CREDENTIALS_FILE"] = *p.credentials_file;
  return ambient.isolated(std::move(vars));
}

// A Bedrock API key as a bearer token; a short-term key says when it runs out.
std::shared_ptr<llm::Authorizer> bedrock_key_authorizer(Secret token, std::string description,
                                                        std::shared_ptr<const Clock> clock) {
  std::optional<TimePoint> expires_at;
  if (const auto info = aws::inspect_bedrock_token(token.reveal())) expires_at = info->expires_at;
  return std::make_shared<llm::StaticBearerAuthorizer>(std::move(token), std::move(description),
                                                       expires_at, std::move(clock));
}

// The values of custom headers that are credentials (a key-like name, or read from a variable or
// file): hidden from every message built from an answer, like the auth headers.
Redactor secret_header_values(const config::Provider& provider, const http::Headers& resolved) {
  Redactor out;
  for (std::size_t i = 0; i < provider.headers.size() && i < resolved.size(); ++i) {
    const auto& h = provider.headers[i];
    if (h.is_credential() || h.value.source != config::SecretRef::Source::kInline) {
      out.add(resolved[i].value);
    }
  }
  return out;
}

aws::StsOptions sts_options(const Ambient& ambient, const std::string& region) {
  aws::StsOptions sts;
  sts.region = region;
  sts.endpoint = aws::endpoint_override(ambient, "STS", nullptr, nullptr);
  return sts;
}

}  // namespace

ClientFactory::ClientFactory(Ambient ambient, ClientFactoryOptions options)
    : ambient_(std::move(ambient)), options_(std::move(options)) {}

Ambient ClientFactory::isolated_ambient() const {
  std::map<std::string, std::string> vars;
  for (auto& [k, v] : ambient_.environment().all()) {
    if (endpoint_variable(k)) vars.emplace(k, v);
  }
  return ambient_.isolated(std::move(vars));
}

ClientFactory::Built& ClientFactory::slot_locked(const config::Provider& provider) {
  const std::string fp = config::fingerprint(provider);
  Built& slot = built_[provider.name];
  if (slot.fingerprint != fp) slot = Built{fp, nullptr, nullptr};
  return slot;
}

std::shared_ptr<Authorizer> ClientFactory::authorizer(const config::Provider& provider) {
  std::lock_guard lock(mutex_);
  Built& slot = slot_locked(provider);
  if (!slot.authorizer) slot.authorizer = build_authorizer(provider);
  return slot.authorizer;
}

std::shared_ptr<ChatClient> ClientFactory::client(const config::Provider& provider) {
  std::lock_guard lock(mutex_);
  Built& slot = slot_locked(provider);
  if (!slot.authorizer) slot.authorizer = build_authorizer(provider);
  if (!slot.client) slot.client = build_client(provider, slot.authorizer);
  return slot.client;
}

void ClientFactory::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  built_.erase(name);
}

std::shared_ptr<Authorizer> ClientFactory::build_authorizer(const config::Provider& provider) {
  const Ambient isolated = isolated_ambient();
  const auto clock = ambient_.clock_ptr();
  // Secrets of explicit methods resolve through the full ambient: {"env": "NAME"} names a
  // variable on purpose.
  const Ambient& secrets = ambient_;

  if (const auto* azure = std::get_if<config::AzureOpenAI>(&provider.spec)) {
    namespace a = config::azure_auth;
    const std::string& scope = azure->scope;
    auto entra = [&](azure::CredentialPtr credential) -> std::shared_ptr<Authorizer> {
      return std::make_shared<EntraTokenAuthorizer>(std::move(credential), scope, clock);
    };
    return std::visit(
        Overloaded{
            [&](const a::ApiKey& k) -> std::shared_ptr<Authorizer> {
              return std::make_shared<HeaderKeyAuthorizer>("api-key", k.key.resolve(secrets),
                                                           "API key (" + k.key.json_path + ")");
            },
            [&](const a::StaticToken& t) -> std::shared_ptr<Authorizer> {
              Secret token = t.token.resolve(secrets);
              const auto expires_at = azure::jwt_expiry(token.reveal());
              return std::make_shared<StaticBearerAuthorizer>(
                  std::move(token), "static Entra ID token (" + t.token.json_path + ")", expires_at,
                  clock);
            },
            [&](const a::ServicePrincipal& sp) {
              azure::ClientSecretCredentialOptions o;
              o.tenant_id = sp.tenant_id;
              o.client_id = sp.client_id;
              o.client_secret = sp.client_secret.resolve(secrets);
              o.authority_host = sp.authority_host.value_or("");
              return entra(std::make_shared<azure::ClientSecretCredential>(isolated, std::move(o)));
            },
            [&](const a::ClientCertificate& cc) {
              azure::ClientCertificateCredentialOptions o;
              o.tenant_id = cc.tenant_id;
              o.client_id = cc.client_id;
              o.certificate_path = cc.certificate_path;
              if (cc.certificate_password)
                o.certificate_password = cc.certificate_password->resolve(secrets);
              o.send_certificate_chain = cc.send_certificate_chain;
              o.authority_host = cc.authority_host.value_or("");
              return entra(
                  std::make_shared<azure::ClientCertificateCredential>(isolated, std::move(o)));
            },
            [&](const a::ManagedIdentity& mi) {
              std::map<std::string, std::string> vars;
              for (auto& [k, v] : ambient_.environment().all()) {
                if (endpoint_variable(k) || managed_identity_variable(k)) vars.emplace(k, v);
              }
              azure::ManagedIdentityCredentialOptions o;
              o.id = mi.id;
              return entra(std::make_shared<azure::ManagedIdentityCredential>(
                  ambient_.isolated(std::move(vars)), std::move(o)));
            },
            [&](const a::WorkloadIdentity& wi) {
              azure::WorkloadIdentityCredentialOptions o;
              o.tenant_id = wi.tenant_id.value_or("");
              o.client_id = wi.client_id.value_or("");
              o.token_file_path = wi.token_file_path.value_or("");
              o.authority_host = wi.authority_host.value_or("");
              return entra(
                  std::make_shared<azure::WorkloadIdentityCredential>(ambient_, std::move(o)));
            },
            [&](const a::AzureCli& cli) {
              azure::AzureCliCredentialOptions o;
              o.tenant_id = cli.tenant_id.value_or("");
              return entra(std::make_shared<azure::AzureCliCredential>(ambient_, std::move(o)));
            },
            [&](const a::DefaultCredentials& d) {
              azure::DefaultAzureCredentialOptions o;
              o.tenant_id = d.tenant_id.value_or("");
              o.managed_identity_client_id = d.managed_identity_client_id;
              o.workload_identity_client_id = d.workload_identity_client_id.value_or("");
              for (const auto& x : d.exclude) {
                if (x == "environment") o.exclude_environment = true;
                if (x == "workload_identity") o.exclude_workload_identity = true;
                if (x == "managed_identity") o.exclude_managed_identity = true;
                if (x == "azure_cli") o.exclude_azure_cli = true;
                if (x == "azure_developer_cli") o.exclude_azure_developer_cli = true;
              }
              return entra(std::make_shared<azure::DefaultAzureCredential>(ambient_, std::move(o)));
            },
        },
        azure->auth);
  }

  const auto& bedrock = std::get<config::Bedrock>(provider.spec);
  namespace w = config::aws_auth;
  const aws::SigV4Options sigv4{.region = bedrock.region, .service = "bedrock"};
  auto refreshing_sigv4 = [&](std::shared_ptr<aws::CredentialsProvider> inner) {
    auto refreshing = std::make_shared<aws::Refreshing>(std::move(inner), clock);
    std::weak_ptr<aws::Refreshing> weak = refreshing;
    return std::make_shared<SigV4Authorizer>(
        refreshing,
        [weak] {
          if (auto r = weak.lock()) r->invalidate();
        },
        sigv4, clock);
  };
  return std::visit(
      Overloaded{
          [&](const w::AccessKeys& k) -> std::shared_ptr<Authorizer> {
            return std::make_shared<SigV4Authorizer>(access_keys_provider(k, secrets), nullptr,
                                                     sigv4, clock);
          },
          [&](const w::Profile& p) -> std::shared_ptr<Authorizer> {
            return refreshing_sigv4(
                std::make_shared<aws::ProfileProvider>(profile_ambient(ambient_, p), p.profile));
          },
          [&](const w::AssumeRole& ar) -> std::shared_ptr<Authorizer> {
            std::shared_ptr<aws::CredentialsProvider> source = std::visit(
                Overloaded{
                    [&](const w::AccessKeys& k) -> std::shared_ptr<aws::CredentialsProvider> {
                      return access_keys_provider(k, secrets);
                    },
                    [&](const w::Profile& p) -> std::shared_ptr<aws::CredentialsProvider> {
                      return std::make_shared<aws::Refreshing>(
                          std::make_shared<aws::ProfileProvider>(profile_ambient(ambient_, p),
                                                                 p.profile),
                          clock);
                    },
                    [&](const w::DefaultCredentials&) -> std::shared_ptr<aws::CredentialsProvider> {
                      return std::make_shared<aws::DefaultChain>(ambient_);
                    },
                },
                ar.source);
            aws::AssumeRoleParams params;
            params.role_arn = ar.role_arn;
            params.role_session_name =
                ar.role_session_name.value_or(aws::default_role_session_name(ambient_.now()));
            params.external_id = ar.external_id;
            params.duration_seconds = ar.duration_seconds;
            return refreshing_sigv4(std::make_shared<aws::AssumeRoleProvider>(
                isolated, std::move(source), std::move(params),
                sts_options(isolated, bedrock.region)));
          },
          [&](const w::WebIdentity& wi) -> std::shared_ptr<Authorizer> {
            aws::WebIdentityConfig c;
            c.token_file = wi.web_identity_token_file;
            c.role_arn = wi.role_arn;
            c.role_session_name = wi.role_session_name.value_or("");
            return refreshing_sigv4(std::make_shared<aws::WebIdentityProvider>(
                isolated, std::move(c), sts_options(isolated, bedrock.region)));
          },
          [&](const w::BearerToken& t) -> std::shared_ptr<Authorizer> {
            Secret token = t.token.resolve(secrets);
            aws::validate_bearer_token(token, t.token.json_path);
            return bedrock_key_authorizer(std::move(token),
                                          "Bedrock API key (" + t.token.json_path + ")",
                                          ambient_.clock_ptr());
          },
          [&](const w::DefaultCredentials&) -> std::shared_ptr<Authorizer> {
            // As botocore: a Bedrock API key in AWS_BEARER_TOKEN_BEDROCK wins over SigV4.
            if (auto token = aws::bearer_token_from_environment(ambient_, "bedrock")) {
              return bedrock_key_authorizer(
                  std::move(*token),
                  "Bedrock API key (" + aws::bearer_token_env_var("bedrock") + ")",
                  ambient_.clock_ptr());
            }
            auto chain = std::make_shared<aws::DefaultChain>(ambient_);
            std::weak_ptr<aws::DefaultChain> weak = chain;
            return std::make_shared<SigV4Authorizer>(
                chain,
                [weak] {
                  if (auto c = weak.lock()) c->invalidate();
                },
                sigv4, clock);
          },
      },
      bedrock.auth);
}

ModelCallOptions ClientFactory::call_options(const config::Provider& provider) const {
  ModelCallOptions o;
  Timeouts& timeouts = o.timeouts;
  timeouts.total = options_.timeout.value_or(std::chrono::seconds(provider.timeout_seconds.value_or(
      std::chrono::duration_cast<std::chrono::seconds>(timeouts.total).count())));
  if (provider.connect_timeout_seconds) {
    timeouts.connect = std::chrono::seconds(*provider.connect_timeout_seconds);
  }
  if (provider.first_byte_timeout_seconds) {
    timeouts.first_byte = std::chrono::seconds(*provider.first_byte_timeout_seconds);
  }
  if (provider.idle_timeout_seconds) {
    timeouts.idle = std::chrono::seconds(*provider.idle_timeout_seconds);
  }
  o.headers = provider.resolve_headers(ambient_);
  o.secret_header_values = secret_header_values(provider, o.headers);
  o.retry = options_.retry;
  return o;
}

std::string ClientFactory::endpoint(const config::Provider& provider) const {
  if (const auto* azure = std::get_if<config::AzureOpenAI>(&provider.spec)) {
    std::string e = azure->endpoint;
    while (!e.empty() && e.back() == '/') e.pop_back();
    return e;
  }
  const auto& bedrock = std::get<config::Bedrock>(provider.spec);
  std::string e = bedrock.endpoint_url.value_or(
      aws::endpoint_override(ambient_, "Bedrock Runtime", nullptr, nullptr).value_or(""));
  if (e.empty()) {
    e = "https://bedrock-runtime." + bedrock.region + "." + aws::dns_suffix(bedrock.region);
  }
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

std::shared_ptr<ChatClient> ClientFactory::build_client(const config::Provider& provider,
                                                        std::shared_ptr<Authorizer> authorizer) {
  const ModelCallOptions call = call_options(provider);
  if (const auto* azure = std::get_if<config::AzureOpenAI>(&provider.spec)) {
    AzureOpenAIOptions o;
    static_cast<ModelCallOptions&>(o) = call;
    o.endpoint = azure->endpoint;
    o.api = azure->api == config::AzureOpenAI::Api::kV1 ? AzureOpenAIOptions::Api::kV1
                                                        : AzureOpenAIOptions::Api::kDeployments;
    o.api_version = azure->api_version;
    o.default_deployment = azure->deployment.value_or("");
    return std::make_shared<AzureOpenAIClient>(ambient_.http_ptr(), std::move(authorizer),
                                               std::move(o), options_.sleep);
  }
  const auto& bedrock = std::get<config::Bedrock>(provider.spec);
  BedrockOptions o;
  static_cast<ModelCallOptions&>(o) = call;
  o.region = bedrock.region;
  o.endpoint = endpoint(provider);
  o.default_model = bedrock.model.value_or("");
  return std::make_shared<BedrockClient>(ambient_.http_ptr(), std::move(authorizer), std::move(o),
                                         options_.sleep);
}

}  // namespace llmauth::llm
