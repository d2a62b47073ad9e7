#include "llmauth/config/provider_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace llmauth::config {
namespace {

using json::Json;

const std::string kDataDir = std::string(LLMAUTH_SOURCE_DIR) + "/tests/data/config/";

// {"providers": [ <provider> ]}
std::string one(const std::string& provider) { return R"({"providers": [)" + provider + "]}"; }

// An Azure OpenAI provider with the given auth object (and extra top-level fields).
std::string azure(const std::string& auth, const std::string& extra = "") {
  return one(
      R"({"name": "a", "type": "azure_openai", "endpoint": "https://contoso.openai.azure.com", )" +
      extra + R"("auth": )" + auth + "}");
}
std::string bedrock(const std::string& auth, const std::string& extra = "") {
  return one(R"({"name": "b", "type": "aws_bedrock", "region": "us-east-1", )" + extra +
             R"("auth": )" + auth + "}");
}

std::vector<ConfigIssue> issues_of(const std::string& text) {
  try {
    (void)parse_providers(text, "test.json");
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    return e.issues();
  }
  ADD_FAILURE() << "no ConfigError for: " << text;
  return {};
}

std::string describe(const std::vector<ConfigIssue>& issues) {
  std::string out;
  for (const auto& i : issues) out += "\n  " + i.path + ": " + i.message + " (" + i.hint + ")";
  return out;
}

// The text has exactly one issue, at `path`, whose message contains `message` and whose hint
// contains `hint`.
void expect_one_issue(const std::string& text, const std::string& path, const std::string& message,
                      const std::string& hint = "") {
  const auto issues = issues_of(text);
  ASSERT_EQ(issues.size(), 1u) << describe(issues);
  EXPECT_EQ(issues[0].path, path) << describe(issues);
  EXPECT_NE(issues[0].message.find(message), std::string::npos) << describe(issues);
  EXPECT_FALSE(issues[0].hint.empty()) << describe(issues);
  EXPECT_NE(issues[0].hint.find(hint), std::string::npos) << describe(issues);
}

// Among the text's issues there is one at `path` whose message contains `message` and whose hint
// contains `hint` (other fields may be missing too: a misnamed required field is also absent).
void expect_issue(const std::string& text, const std::string& path, const std::string& message,
                  const std::string& hint = "") {
  const auto issues = issues_of(text);
  for (const auto& i : issues) {
    if (i.path != path) continue;
    EXPECT_NE(i.message.find(message), std::string::npos) << describe(issues);
    EXPECT_NE(i.hint.find(hint), std::string::npos) << describe(issues);
    return;
  }
  ADD_FAILURE() << "no issue at " << path << describe(issues);
}

const Provider& only(const ProviderFile& f) {
  EXPECT_EQ(f.providers.size(), 1u);
  return f.providers.at(0);
}
const AzureOpenAI& azure_of(const ProviderFile& f) { return std::get<AzureOpenAI>(only(f).spec); }
const Bedrock& bedrock_of(const ProviderFile& f) { return std::get<Bedrock>(only(f).spec); }

std::string read_data(const std::string& name) {
  auto text = testing::test_ambient().read_file(kDataDir + name);
  return text.value_or("");
}

// --- valid configs ----------------------------------------------------------------------------

TEST(ProviderConfig, ExampleFile_ParsesEveryAuthMethodIntoItsVariant) {
  const auto file = load_providers(testing::test_ambient(), kDataDir + "providers.example.json");
  ASSERT_EQ(file.providers.size(), 14u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"azure-key", "api_key"},
      {"azure-static-token", "azure_ad_token"},
      {"azure-service-principal", "azure_ad_token_provider"},
      {"azure-certificate", "client_certificate"},
      {"azure-managed-identity", "managed_identity"},
      {"azure-workload-identity", "workload_identity"},
      {"azure-cli", "azure_cli"},
      {"azure-default", "default_credentials"},
      {"bedrock-keys", "access_keys"},
      {"bedrock-profile", "profile"},
      {"bedrock-assume-role", "assume_role"},
      {"bedrock-web-identity", "web_identity"},
      {"bedrock-api-key", "bearer_token"},
      {"bedrock-default", "default_credentials"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(file.providers[i].name, expected[i].first);
    EXPECT_EQ(file.providers[i].auth_type(), expected[i].second) << expected[i].first;
    EXPECT_EQ(file.providers[i].type(), i < 8 ? "azure_openai" : "aws_bedrock");
  }

  const auto* key = file.find("azure-key");
  ASSERT_NE(key, nullptr);
  ASSERT_EQ(key->headers.size(), 1u);
  EXPECT_EQ(key->headers[0].name, "X-Team");
  EXPECT_EQ(key->headers[0].value.source, SecretRef::Source::kInline);
  EXPECT_EQ(key->headers[0].value.value.reveal(), "research");
  EXPECT_EQ(key->timeout_seconds, 60);
  const auto& ka = std::get<AzureOpenAI>(key->spec);
  EXPECT_EQ(ka.endpoint, "https://contoso.openai.azure.com");
  EXPECT_EQ(ka.api, AzureOpenAI::Api::kV1);
  EXPECT_EQ(ka.api_version, "");
  EXPECT_EQ(ka.deployment, "gpt-4o-mini");
  const auto& api_key = std::get<azure_auth::ApiKey>(ka.auth).key;
  EXPECT_EQ(api_key.source, SecretRef::Source::kEnv);
  EXPECT_EQ(api_key.reference, "AZURE_OPENAI_API_KEY");
  EXPECT_EQ(api_key.json_path, "providers[0].auth.api_key");

  const auto& token = std::get<azure_auth::StaticToken>(
      std::get<AzureOpenAI>(file.find("azure-static-token")->spec).auth);
  EXPECT_EQ(token.token.source, SecretRef::Source::kFile);
  EXPECT_EQ(token.token.reference, "/run/secrets/azure-ad-token");

  const auto& spa = std::get<AzureOpenAI>(file.find("azure-service-principal")->spec);
  EXPECT_EQ(spa.api, AzureOpenAI::Api::kDeployments);
  EXPECT_EQ(spa.api_version, "2024-10-21");
  EXPECT_EQ(spa.scope, kDefaultAzureScope);
  const auto& sp = std::get<azure_auth::ServicePrincipal>(spa.auth);
  EXPECT_EQ(sp.tenant_id, "00000000-0000-0000-0000-000000000001");
  EXPECT_EQ(sp.client_id, "11111111-1111-1111-1111-111111111111");
  EXPECT_EQ(sp.client_secret,
            SecretRef::env("CONTOSO_CLIENT_SECRET", "providers[2].auth.client_secret"));
  EXPECT_EQ(sp.authority_host, std::nullopt);

  const auto& cert = std::get<azure_auth::ClientCertificate>(
      std::get<AzureOpenAI>(file.find("azure-certificate")->spec).auth);
  EXPECT_EQ(cert.tenant_id, "contoso.onmicrosoft.com");
  EXPECT_EQ(cert.certificate_path, "/etc/llmauth/sp.pfx");
  ASSERT_TRUE(cert.certificate_password.has_value());
  EXPECT_EQ(cert.certificate_password->reference, "/run/secrets/sp-pfx-password");
  EXPECT_TRUE(cert.send_certificate_chain);

  const auto& mi = std::get<azure_auth::ManagedIdentity>(
      std::get<AzureOpenAI>(file.find("azure-managed-identity")->spec).auth);
  EXPECT_EQ(mi.id, azure::ManagedIdentityId::client_id("22222222-2222-2222-2222-222222222222"));

  const auto& wi = std::get<azure_auth::WorkloadIdentity>(
      std::get<AzureOpenAI>(file.find("azure-workload-identity")->spec).auth);
  EXPECT_FALSE(wi.tenant_id || wi.client_id || wi.token_file_path || wi.authority_host);

  const auto& cli =
      std::get<azure_auth::AzureCli>(std::get<AzureOpenAI>(file.find("azure-cli")->spec).auth);
  EXPECT_EQ(cli.tenant_id, "00000000-0000-0000-0000-000000000001");

  const auto& def = std::get<azure_auth::DefaultCredentials>(
      std::get<AzureOpenAI>(file.find("azure-default")->spec).auth);
  EXPECT_EQ(def.managed_identity_client_id, "22222222-2222-2222-2222-222222222222");
  EXPECT_EQ(def.exclude, std::vector<std::string>{"azure_developer_cli"});

  const auto& keys_b = std::get<Bedrock>(file.find("bedrock-keys")->spec);
  EXPECT_EQ(keys_b.region, "us-east-1");
  EXPECT_EQ(keys_b.model, "anthropic.claude-3-5-sonnet-20240620-v1:0");
  const auto& keys = std::get<aws_auth::AccessKeys>(keys_b.auth);
  EXPECT_EQ(keys.access_key_id.reference, "BEDROCK_ACCESS_KEY_ID");
  EXPECT_EQ(keys.secret_access_key.reference, "BEDROCK_SECRET_ACCESS_KEY");
  EXPECT_FALSE(keys.session_token.has_value());

  const auto& prof =
      std::get<aws_auth::Profile>(std::get<Bedrock>(file.find("bedrock-profile")->spec).auth);
  EXPECT_EQ(prof.profile, "bedrock");

  const auto& ar = std::get<aws_auth::AssumeRole>(
      std::get<Bedrock>(file.find("bedrock-assume-role")->spec).auth);
  EXPECT_EQ(ar.role_arn, "arn:aws:iam::123456789012:role/bedrock-invoke");
  EXPECT_EQ(ar.external_id, "llmauth-example");
  EXPECT_EQ(ar.role_session_name, "llmauth");
  EXPECT_EQ(ar.duration_seconds, 3600);
  EXPECT_TRUE(std::holds_alternative<aws_auth::DefaultCredentials>(ar.source));

  const auto& web = std::get<aws_auth::WebIdentity>(
      std::get<Bedrock>(file.find("bedrock-web-identity")->spec).auth);
  EXPECT_EQ(web.web_identity_token_file, "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
  EXPECT_EQ(web.role_session_name, std::nullopt);

  const auto& api = std::get<Bedrock>(file.find("bedrock-api-key")->spec);
  EXPECT_EQ(api.endpoint_url, "https://bedrock-runtime.us-east-1.amazonaws.com");
  EXPECT_EQ(std::get<aws_auth::BearerToken>(api.auth).token.reference, "AWS_BEARER_TOKEN_BEDROCK");

  EXPECT_EQ(file.find("nope"), nullptr);
}

TEST(ProviderConfig, SmallExampleFiles_Parse) {
  for (const char* name : {"azure_api_key.json", "bedrock_default.json"}) {
    EXPECT_NO_THROW((void)load_providers(testing::test_ambient(), kDataDir + name)) << name;
  }
}

TEST(ProviderConfig, Azure_InlineSecretsAreTrimmedAndKept) {
  const auto f =
      parse_providers(azure(R"({"type": "api_key", "api_key": "  sk-inline-123 \n"})"), "t");
  const auto& key = std::get<azure_auth::ApiKey>(azure_of(f).auth).key;
  EXPECT_EQ(key.source, SecretRef::Source::kInline);
  EXPECT_EQ(key.value.reveal(), "sk-inline-123");
  EXPECT_EQ(key.json_path, "providers[0].auth.api_key");
}

TEST(ProviderConfig, Azure_ServicePrincipalWithScopeAndAuthority) {
  const auto f = parse_providers(azure(R"({"type": "azure_ad_token_provider", "tenant_id": " t1 ",
      "client_id": "c1", "client_secret": "s3cr3t-value", "authority_host": "https://login.microsoftonline.us",
      "scope": "https://cognitiveservices.azure.us/.default"})"),
                                 "t");
  const auto& a = azure_of(f);
  EXPECT_EQ(a.scope, "https://cognitiveservices.azure.us/.default");
  const auto& sp = std::get<azure_auth::ServicePrincipal>(a.auth);
  EXPECT_EQ(sp.tenant_id, "t1");
  EXPECT_EQ(sp.client_secret.value.reveal(), "s3cr3t-value");
  EXPECT_EQ(sp.authority_host, "https://login.microsoftonline.us");
}

TEST(ProviderConfig, Azure_ManagedIdentityTakesOneOfThreeIdsOrNone) {
  using Id = azure::ManagedIdentityId;
  EXPECT_EQ(std::get<azure_auth::ManagedIdentity>(
                azure_of(parse_providers(azure(R"({"type": "managed_identity"})"), "t")).auth)
                .id,
            Id::system());
  EXPECT_EQ(std::get<azure_auth::ManagedIdentity>(
                azure_of(parse_providers(
                             azure(R"({"type": "managed_identity", "object_id": "o-1"})"), "t"))
                    .auth)
                .id,
            Id::object_id("o-1"));
  const std::string rid =
      "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/"
      "userAssignedIdentities/n";
  EXPECT_EQ(std::get<azure_auth::ManagedIdentity>(
                azure_of(parse_providers(azure(R"({"type": "managed_identity", "resource_id": ")" +
                                               rid + "\"}"),
                                         "t"))
                    .auth)
                .id,
            Id::resource_id(rid));
}

TEST(ProviderConfig, Azure_WorkloadIdentityAndDefaultCredentialsOptions) {
  const auto w =
      parse_providers(azure(R"({"type": "workload_identity", "tenant_id": "t", "client_id": "c",
      "token_file_path": "/var/run/token", "authority_host": "https://login.microsoftonline.com"})"),
                      "t");
  const auto& wi = std::get<azure_auth::WorkloadIdentity>(azure_of(w).auth);
  EXPECT_EQ(wi.tenant_id, "t");
  EXPECT_EQ(wi.client_id, "c");
  EXPECT_EQ(wi.token_file_path, "/var/run/token");
  const auto d = parse_providers(azure(R"({"type": "default_credentials", "tenant_id": "t",
      "workload_identity_client_id": "w", "exclude": ["azure_cli", "environment"],
      "scope": "api://x/.default"})"),
                                 "t");
  const auto& dc = std::get<azure_auth::DefaultCredentials>(azure_of(d).auth);
  EXPECT_EQ(dc.tenant_id, "t");
  EXPECT_EQ(dc.workload_identity_client_id, "w");
  EXPECT_EQ(dc.managed_identity_client_id, std::nullopt);
  EXPECT_EQ(dc.exclude, (std::vector<std::string>{"azure_cli", "environment"}));
  EXPECT_EQ(azure_of(d).scope, "api://x/.default");
}

TEST(ProviderConfig, Azure_HttpIsAcceptedForLoopbackOnly) {
  EXPECT_NO_THROW((void)parse_providers(
      one(R"({"name": "l", "type": "azure_openai", "endpoint": "http://127.0.0.1:8080", "auth": {"type": "azure_cli"}})"),
      "t"));
  EXPECT_NO_THROW((void)parse_providers(
      one(R"({"name": "l", "type": "azure_openai", "endpoint": "http://[::1]:8080", "auth": {"type": "azure_cli"}})"),
      "t"));
  expect_one_issue(
      one(R"({"name": "l", "type": "azure_openai", "endpoint": "http://contoso.openai.azure.com", "auth": {"type": "azure_cli"}})"),
      "providers[0].endpoint", "must use https", "127.0.0.1");
}

TEST(ProviderConfig, Bedrock_AccessKeysWithSessionTokenAndAssumeRoleSources) {
  const auto f =
      parse_providers(bedrock(R"({"type": "access_keys", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
      "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session_token": {"env": "AWS_SESSION_TOKEN"}})"),
                      "t");
  const auto& k = std::get<aws_auth::AccessKeys>(bedrock_of(f).auth);
  EXPECT_EQ(k.access_key_id.value.reveal(), "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(k.secret_access_key.value.reveal(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  ASSERT_TRUE(k.session_token.has_value());
  EXPECT_EQ(k.session_token->reference, "AWS_SESSION_TOKEN");
}

TEST(ProviderConfig, Bedrock_AssumeRoleFromProfileWithFiles) {
  const auto f =
      parse_providers(one(R"({"name": "b", "type": "aws_bedrock", "region": "us-gov-west-1",
      "auth": {"type": "assume_role", "role_arn": "arn:aws-us-gov:iam::123456789012:role/path/r",
               "source": {"type": "profile", "profile": "base", "config_file": "/etc/aws/config",
                          "credentials_file": "~/.aws/other"}}})"),
                      "t");
  const auto& ar = std::get<aws_auth::AssumeRole>(bedrock_of(f).auth);
  const auto& p = std::get<aws_auth::Profile>(ar.source);
  EXPECT_EQ(p.profile, "base");
  EXPECT_EQ(p.config_file, "/etc/aws/config");
  EXPECT_EQ(p.credentials_file, "~/.aws/other");
  EXPECT_EQ(ar.duration_seconds, std::nullopt);

  const auto k = parse_providers(
      bedrock(R"({"type": "assume_role", "role_arn": "arn:aws:iam::123456789012:role/r",
      "source": {"type": "access_keys", "access_key_id": {"file": "~/keys/id"}, "secret_access_key": {"file": "/keys/secret"}}})"),
      "t");
  const auto& ks =
      std::get<aws_auth::AccessKeys>(std::get<aws_auth::AssumeRole>(bedrock_of(k).auth).source);
  EXPECT_EQ(ks.access_key_id,
            SecretRef::file("~/keys/id", "providers[0].auth.source.access_key_id"));
  EXPECT_EQ(ks.secret_access_key.reference, "/keys/secret");
}

TEST(ProviderConfig, Bedrock_RegionShapes) {
  for (const char* region : {"us-east-1", "eu-central-2", "ap-southeast-7", "us-gov-west-1",
                             "cn-north-1", "us-isob-east-1", "il-central-1"}) {
    EXPECT_NO_THROW((void)parse_providers(
        one(std::string(R"({"name": "b", "type": "aws_bedrock", "region": ")") + region +
            R"(", "auth": {"type": "default_credentials"}})"),
        "t"))
        << region;
  }
  for (const char* region :
       {"US-EAST-1", "us-east", "useast1", "us-east-1a", "us_east_1", "u-east-1"}) {
    expect_one_issue(one(std::string(R"({"name": "b", "type": "aws_bedrock", "region": ")") +
                         region + R"(", "auth": {"type": "default_credentials"}})"),
                     "providers[0].region", "is not an AWS region", "us-east-1");
  }
}

TEST(ProviderConfig, Bedrock_EndpointOverrides) {
  for (const char* url : {"https://bedrock-runtime.us-east-1.amazonaws.com",
                          "https://vpce-0a1b-xyz.bedrock-runtime.us-east-1.vpce.amazonaws.com",
                          "https://bedrock-runtime-fips.us-east-1.amazonaws.com/",
                          "https://gateway.example.com/bedrock", "http://127.0.0.1:4566"}) {
    EXPECT_NO_THROW(
        (void)parse_providers(bedrock(R"({"type": "default_credentials"})",
                                      std::string(R"("endpoint_url": ")") + url + "\", "),
                              "t"))
        << url;
  }
}

// --- validation rules -------------------------------------------------------------------------

TEST(ProviderConfigValidation, UnknownField_ListsAllowedFieldsAndSuggests) {
  const auto issues = issues_of(azure(R"({"type": "api_key", "api_key": "k", "apikey": "k"})"));
  ASSERT_EQ(issues.size(), 1u) << describe(issues);
  EXPECT_EQ(issues[0].path, "providers[0].auth.apikey");
  EXPECT_EQ(issues[0].hint, "did you mean 'api_key'? allowed fields here: type, api_key");

  expect_one_issue(azure(R"({"type": "azure_cli"})", R"("deployement": "x", )"),
                   "providers[0].deployement", "unknown field", "did you mean 'deployment'?");
  expect_one_issue(bedrock(R"({"type": "default_credentials"})").insert(1, R"("version": 2, )"),
                   "version", "unknown field", "providers");
  // A field of another method or provider type says where it belongs.
  expect_one_issue(
      azure(R"({"type": "managed_identity", "client_secret": {"env": "S"}})"),
      "providers[0].auth.client_secret", "unknown field",
      "it belongs to auth type azure_ad_token_provider; allowed fields here: type, client_id, "
      "object_id, resource_id, scope");
  expect_one_issue(
      bedrock(
          R"({"type": "profile", "profile": "p", "role_arn": "arn:aws:iam::123456789012:role/r"})"),
      "providers[0].auth.role_arn", "unknown field",
      "it belongs to auth types assume_role, web_identity;");
  expect_one_issue(azure(R"({"type": "azure_cli"})", R"("region": "us-east-1", )"),
                   "providers[0].region", "unknown field",
                   "it belongs to provider type aws_bedrock;");
}

TEST(ProviderConfigValidation, ScopeIsOnlyForEntraMethods) {
  expect_one_issue(azure(R"({"type": "api_key", "api_key": "k", "scope": "https://x/.default"})"),
                   "providers[0].auth.scope", "unknown field", "type, api_key");
  expect_one_issue(
      azure(R"({"type": "azure_cli", "scope": "https://cognitiveservices.azure.com"})"),
      "providers[0].auth.scope", "ending in /.default",
      "https://cognitiveservices.azure.com/.default");
}

TEST(ProviderConfigValidation, WrongDiscriminator_ListsValidValues) {
  expect_one_issue(azure(R"({"type": "service_principal"})"), "providers[0].auth.type",
                   "unknown auth type for azure_openai 'service_principal'",
                   "one of: api_key, azure_ad_token, azure_ad_token_provider, client_certificate, "
                   "managed_identity, workload_identity, azure_cli, default_credentials");
  expect_one_issue(azure(R"({"type": "access_keys"})"), "providers[0].auth.type",
                   "unknown auth type", "'access_keys' is an aws_bedrock method; one of: api_key");
  expect_one_issue(
      bedrock(R"({"type": "acess_keys"})"), "providers[0].auth.type", "unknown auth type",
      "did you mean 'access_keys'? one of: access_keys, profile, assume_role, web_identity, "
      "bearer_token, default_credentials");
  expect_one_issue(bedrock(R"({"api_key": "x"})"), "providers[0].auth.type", "is required",
                   "one of: access_keys");
  expect_one_issue(bedrock(R"({"type": 3})"), "providers[0].auth.type",
                   "must be a string (got a number)", "one of: access_keys");
  expect_one_issue(one(R"({"name": "x", "type": "openai"})"), "providers[0].type",
                   "unknown provider type 'openai'", "one of: azure_openai, aws_bedrock");
  expect_one_issue(one(R"({"name": "x"})"), "providers[0].type", "is required",
                   "azure_openai, aws_bedrock");
  expect_one_issue(
      bedrock(R"({"type": "assume_role", "role_arn": "arn:aws:iam::123456789012:role/r",
                               "source": {"type": "web_identity"}})"),
      "providers[0].auth.source.type", "unknown source type for assume_role",
      "one of: access_keys, profile, default_credentials");
  expect_one_issue(
      bedrock(R"({"type": "assume_role", "role_arn": "arn:aws:iam::123456789012:role/r"})"),
      "providers[0].auth.source", "is required", "default_credentials");
  expect_one_issue(bedrock(R"("default_credentials")"), "providers[0].auth",
                   "must be an object (got a string)", "default_credentials");
}

TEST(ProviderConfigValidation, EmptyAndWhitespaceStrings_AreRejectedAfterTrimming) {
  expect_one_issue(
      one(R"({"name": "  ", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "default_credentials"}})"),
      "providers[0].name", "must not be empty", "trimmed");
  expect_one_issue(bedrock(R"({"type": "profile", "profile": "\t\n "})"),
                   "providers[0].auth.profile", "must not be empty");
  expect_one_issue(azure(R"({"type": "api_key", "api_key": "   "})"), "providers[0].auth.api_key",
                   "must not be empty", R"({"env": "VARIABLE"})");
  expect_one_issue(azure(R"({"type": "api_key", "api_key": {"env": " "}})"),
                   "providers[0].auth.api_key.env", "must not be empty");
  // Trimmed values are stored trimmed.
  const auto f =
      parse_providers(one(R"({"name": " b ", "type": " aws_bedrock ", "region": " us-east-1\n",
                                         "auth": {"type": "profile", "profile": " dev "}})"),
                      "t");
  EXPECT_EQ(only(f).name, "b");
  EXPECT_EQ(bedrock_of(f).region, "us-east-1");
  EXPECT_EQ(std::get<aws_auth::Profile>(bedrock_of(f).auth).profile, "dev");
}

TEST(ProviderConfigValidation, WrongJsonTypes_SayTheExpectedType) {
  expect_one_issue(bedrock(R"({"type": "default_credentials"})", R"("model": 5, )"),
                   "providers[0].model", "must be a string (got a number)");
  expect_one_issue(bedrock(R"({"type": "default_credentials"})", R"("timeout_seconds": "30", )"),
                   "providers[0].timeout_seconds", "must be a whole number (got a string)",
                   "1 to 3600");
  expect_one_issue(bedrock(R"({"type": "default_credentials"})", R"("timeout_seconds": 2.5, )"),
                   "providers[0].timeout_seconds", "must be a whole number (got a number)");
  expect_one_issue(bedrock(R"({"type": "default_credentials"})", R"("headers": ["a"], )"),
                   "providers[0].headers", "must be an object (got an array)");
  expect_one_issue(azure(R"({"type": "client_certificate", "tenant_id": "t", "client_id": "c",
                             "certificate_path": "/c.pem", "send_certificate_chain": "yes"})"),
                   "providers[0].auth.send_certificate_chain", "must be a boolean (got a string)",
                   "true or false");
  expect_one_issue(azure(R"({"type": "default_credentials", "exclude": "azure_cli"})"),
                   "providers[0].auth.exclude", "must be an array of strings (got a string)",
                   "azure_cli");
  expect_one_issue(R"({"providers": {}})", "providers", "must be an array (got an object)");
  expect_one_issue(R"([])", "", "must be an object (got an array)", "providers");
  expect_one_issue(R"({"providers": [7]})", "providers[0]", "must be an object (got a number)",
                   "azure_openai");
  expect_one_issue(R"({})", "providers", "is required");
}

TEST(ProviderConfigValidation, RequiredFields) {
  expect_one_issue(one(R"({"name": "a", "type": "azure_openai", "auth": {"type": "azure_cli"}})"),
                   "providers[0].endpoint", "is required", "https://NAME.openai.azure.com");
  expect_one_issue(
      one(R"({"name": "b", "type": "aws_bedrock", "auth": {"type": "default_credentials"}})"),
      "providers[0].region", "is required", "us-east-1");
  expect_one_issue(one(R"({"name": "b", "type": "aws_bedrock", "region": "us-east-1"})"),
                   "providers[0].auth", "is required", "access_keys");
  const auto issues = issues_of(azure(R"({"type": "azure_ad_token_provider"})"));
  ASSERT_EQ(issues.size(), 3u) << describe(issues);
  EXPECT_EQ(issues[0].path, "providers[0].auth.tenant_id");
  EXPECT_EQ(issues[1].path, "providers[0].auth.client_id");
  EXPECT_EQ(issues[2].path, "providers[0].auth.client_secret");
  for (const auto& i : issues) EXPECT_EQ(i.message, "is required");
}

TEST(ProviderConfigValidation, BadUrls) {
  const auto endpoint = [](const std::string& url) {
    return one(R"({"name": "a", "type": "azure_openai", "endpoint": ")" + url +
               R"(", "auth": {"type": "azure_cli"}})");
  };
  expect_one_issue(endpoint("contoso.openai.azure.com"), "providers[0].endpoint",
                   "is not a valid URL: no scheme", "https://NAME.openai.azure.com");
  expect_one_issue(endpoint("ftp://contoso"), "providers[0].endpoint", "unsupported scheme");
  expect_one_issue(endpoint("https://user:pw@contoso.openai.azure.com"), "providers[0].endpoint",
                   "user info is not allowed");
  expect_one_issue(endpoint("https://contoso.openai.azure.com:99999"), "providers[0].endpoint",
                   "bad port");
  expect_one_issue(endpoint("https://contoso.openai.azure.com?api-key=abc"),
                   "providers[0].endpoint", "must not have a query string");
  expect_one_issue(endpoint("https://contoso.openai.azure.com/openai/v1/"), "providers[0].endpoint",
                   "without the /openai/");
  expect_one_issue(azure(R"({"type": "azure_ad_token_provider", "tenant_id": "t", "client_id": "c",
                             "client_secret": "s", "authority_host": "login.microsoftonline.com"})"),
                   "providers[0].auth.authority_host", "is not a valid URL",
                   "https://login.microsoftonline.com");
  expect_one_issue(
      bedrock(R"({"type": "default_credentials"})", R"("endpoint_url": "bedrock-runtime", )"),
      "providers[0].endpoint_url", "is not a valid URL");
}

TEST(ProviderConfigValidation, RegionEndpointMismatch) {
  expect_one_issue(
      bedrock(R"({"type": "default_credentials"})",
              R"("endpoint_url": "https://bedrock-runtime.eu-west-1.amazonaws.com", )"),
      "providers[0].endpoint_url", "names region 'eu-west-1' but region is 'us-east-1'",
      "make them agree");
  expect_one_issue(
      bedrock(R"({"type": "default_credentials"})",
              R"("endpoint_url": "https://vpce-1.bedrock-runtime.us-west-2.vpce.amazonaws.com", )"),
      "providers[0].endpoint_url", "names region 'us-west-2'");
  expect_one_issue(bedrock(R"({"type": "default_credentials"})",
                           R"("endpoint_url": "https://bedrock.us-east-1.amazonaws.com", )"),
                   "providers[0].endpoint_url", "control-plane", "bedrock-runtime");
}

TEST(ProviderConfigValidation, DuplicateNames_NameTheFirst) {
  const std::string p =
      R"({"name": "dup", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "default_credentials"}})";
  const std::string q =
      R"({"name": "other", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "default_credentials"}})";
  const auto issues = issues_of(R"({"providers": [)" + q + "," + p + "," + q + "," + p + "]}");
  ASSERT_EQ(issues.size(), 2u) << describe(issues);
  EXPECT_EQ(issues[0].path, "providers[2].name");
  EXPECT_EQ(issues[0].message, "duplicate provider name 'other'");
  EXPECT_EQ(issues[0].hint, "already used by providers[0]; names must be unique");
  EXPECT_EQ(issues[1].path, "providers[3].name");
  EXPECT_NE(issues[1].hint.find("providers[1]"), std::string::npos);
}

TEST(ProviderConfigValidation, NamesAndIds) {
  expect_one_issue(
      one(R"({"name": "a b", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "default_credentials"}})"),
      "providers[0].name", "is not a valid provider name", "1 to 64");
  expect_one_issue(
      one(R"({"name": ")" + std::string(65, 'x') +
          R"(", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "default_credentials"}})"),
      "providers[0].name", "is not a valid provider name");
  expect_one_issue(azure(R"({"type": "azure_cli", "tenant_id": "contoso/../evil"})"),
                   "providers[0].auth.tenant_id", "is not a tenant id", "GUID");
  expect_one_issue(azure(R"({"type": "azure_cli"})", R"("deployment": "my deployment", )"),
                   "providers[0].deployment", "is not a valid deployment name");
  expect_one_issue(
      azure(R"({"type": "managed_identity", "resource_id": "userAssignedIdentities/x"})"),
      "providers[0].auth.resource_id", "is not an Azure resource id", "/subscriptions/");
  expect_one_issue(bedrock(R"({"type": "default_credentials"})", R"("model": "claude 3", )"),
                   "providers[0].model", "is not a model id");
}

TEST(ProviderConfigValidation, AzureApiAndVersion) {
  expect_one_issue(azure(R"({"type": "azure_cli"})", R"("api": "deployments", )"),
                   "providers[0].api_version", "is required", "2024-10-21");
  expect_one_issue(
      azure(R"({"type": "azure_cli"})", R"("api": "deployments", "api_version": "latest", )"),
      "providers[0].api_version", "is not an API version", "2024-10-21");
  expect_one_issue(azure(R"({"type": "azure_cli"})", R"("api_version": "2024-10-21", )"),
                   "providers[0].api_version", "is not used by the v1 API",
                   R"("api": "deployments")");
  expect_one_issue(azure(R"({"type": "azure_cli"})", R"("api": "v2", )"), "providers[0].api",
                   "unknown api 'v2'", "did you mean 'v1'? one of: v1, deployments");
  const auto f =
      parse_providers(azure(R"({"type": "azure_cli"})", R"("api_version": "preview", )"), "t");
  EXPECT_EQ(azure_of(f).api_version, "preview");
  const auto g =
      parse_providers(azure(R"({"type": "azure_cli"})",
                            R"("api": "deployments", "api_version": "2025-01-01-preview", )"),
                      "t");
  EXPECT_EQ(azure_of(g).api_version, "2025-01-01-preview");
}

TEST(ProviderConfigValidation, ManagedIdentity_AtMostOneId) {
  expect_one_issue(azure(R"({"type": "managed_identity", "client_id": "c", "object_id": "o"})"),
                   "providers[0].auth.object_id", "cannot be given together with client_id",
                   "one of");
}

TEST(ProviderConfigValidation, DefaultCredentials_Exclude) {
  expect_one_issue(azure(R"({"type": "default_credentials", "exclude": ["azurecli"]})"),
                   "providers[0].auth.exclude[0]", "unknown credential 'azurecli'",
                   "did you mean 'azure_cli'?");
  expect_one_issue(
      azure(R"({"type": "default_credentials", "exclude": ["azure_cli", "azure_cli"]})"),
      "providers[0].auth.exclude[1]", "excluded twice");
  expect_one_issue(
      azure(R"({"type": "default_credentials", "exclude": ["environment", "workload_identity",
                             "managed_identity", "azure_cli", "azure_developer_cli"]})"),
      "providers[0].auth.exclude", "excludes every credential");
}

TEST(ProviderConfigValidation, Headers) {
  for (const char* name : {"Authorization", "api-key", "API-KEY", "X-Amz-Security-Token",
                           "x-amz-date", "Host", "content-length"}) {
    expect_one_issue(bedrock(R"({"type": "default_credentials"})",
                             std::string(R"("headers": {")") + name + R"(": "v"}, )"),
                     std::string("providers[0].headers.") + name,
                     "cannot be set in a provider config", "Authorization");
  }
  expect_one_issue(
      bedrock(R"({"type": "default_credentials"})", R"("headers": {"X-A": "a\r\nX-Evil: 1"}, )"),
      "providers[0].headers.X-A", "line break");
  expect_one_issue(
      bedrock(R"({"type": "default_credentials"})", R"("headers": {"Bad Name": "v"}, )"),
      "providers[0].headers.Bad Name", "not a valid header name");
  expect_one_issue(
      bedrock(R"({"type": "default_credentials"})", R"("headers": {"X-A": "1", "x-a": "2"}, )"),
      "providers[0].headers.x-a", "given twice");
  expect_one_issue(bedrock(R"({"type": "default_credentials"})", R"("headers": {"X-A": 1}, )"),
                   "providers[0].headers.X-A", "must be a string");
}

TEST(ProviderConfigValidation, HeaderValues_MayBeSecretReferences) {
  const auto f = parse_providers(
      azure(
          R"({"type": "azure_cli"})",
          R"("headers": {"Ocp-Apim-Subscription-Key": {"env": "APIM_KEY"}, "X-Proxy-Token": {"file": "~/proxy"}, "X-Team": "t"}, )"),
      "t");
  const auto& h = only(f).headers;
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].name, "Ocp-Apim-Subscription-Key");
  EXPECT_EQ(h[0].value.source, SecretRef::Source::kEnv);
  EXPECT_EQ(h[0].value.reference, "APIM_KEY");
  EXPECT_EQ(h[0].value.json_path, "providers[0].headers.Ocp-Apim-Subscription-Key");
  EXPECT_EQ(h[1].value.source, SecretRef::Source::kFile);
  EXPECT_EQ(h[2].value.source, SecretRef::Source::kInline);
  // Printed back: references as written, a plain value as it is, a key-like header's inline value
  // redacted.
  const auto inline_key = parse_providers(
      azure(R"({"type": "azure_cli"})",
            R"("headers": {"Ocp-Apim-Subscription-Key": "apim-SECRET-0001", "X-Team": "t"}, )"),
      "t");
  const auto printed = to_json(inline_key)["providers"][0]["headers"];
  EXPECT_EQ(printed["Ocp-Apim-Subscription-Key"], "<redacted>");
  EXPECT_EQ(printed["X-Team"], "t");
  testing::expect_no_secret(to_json(inline_key).dump(), "apim-SECRET-0001");
  EXPECT_EQ(to_json(f)["providers"][0]["headers"]["Ocp-Apim-Subscription-Key"],
            (Json{{"env", "APIM_KEY"}}));
  EXPECT_EQ(to_json(f)["providers"][0]["headers"]["X-Proxy-Token"], (Json{{"file", "~/proxy"}}));
}

TEST(ProviderConfigValidation, HeaderReferences_ResolveWhenTheClientIsBuilt) {
  testing::TempDir dir;
  const auto secret_file = dir.write("proxy-token", "proxy-SECRET-0002\n");
  const auto f = parse_providers(
      bedrock(R"({"type": "default_credentials"})",
              R"("headers": {"X-Gateway-Key": {"env": "GW_KEY"}, "X-Proxy-Token": {"file": ")" +
                  secret_file.string() + R"("}, "X-Team": "t"}, )"),
      "t");
  const auto headers =
      only(f).resolve_headers(testing::test_ambient({{"GW_KEY", "gw-SECRET-0001"}}));
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0].name, "X-Gateway-Key");
  EXPECT_EQ(headers[0].value, "gw-SECRET-0001");
  EXPECT_EQ(headers[1].value, "proxy-SECRET-0002");
  EXPECT_EQ(headers[2].value, "t");
  try {
    (void)only(f).resolve_headers(
        testing::test_ambient({{"GW_KEY", "gw-SECRET-0001\r\nX-Evil: 1"}}));
    FAIL() << "a header value with a line break was resolved";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("providers[0].headers.X-Gateway-Key"), std::string::npos)
        << e.what();
    testing::expect_no_secret(e.what(), "gw-SECRET-0001");
  }
  try {
    (void)only(f).resolve_headers(testing::test_ambient());
    FAIL() << "an unset variable was resolved";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("GW_KEY"), std::string::npos) << e.what();
  }
}

TEST(ProviderConfigValidation, HeaderValues_AreCheckedAsSecretsAre) {
  expect_one_issue(
      bedrock(R"({"type": "default_credentials"})", R"("headers": {"X-Key": {"vault": "k"}}, )"),
      "providers[0].headers.X-Key.vault", "unknown secret reference", "{\"env\"");
  expect_one_issue(
      bedrock(R"({"type": "default_credentials"})", R"("headers": {"X-Key": "${GW_KEY}"}, )"),
      "providers[0].headers.X-Key", "environment variable reference", "{\"env\": \"GW_KEY\"}");
  expect_one_issue(
      bedrock(R"({"type": "default_credentials"})", R"("headers": {"X-Key": "<redacted>"}, )"),
      "providers[0].headers.X-Key", "redacted placeholder");
}

// --- habits from LiteLLM, boto3, the openai SDK, Phoenix --------------------------------------

TEST(ProviderConfigValidation, SecretWrittenAsLiteLlmReference_IsRefusedWithTheEnvForm) {
  expect_one_issue(azure(R"({"type": "api_key", "api_key": "os.environ/AZURE_API_KEY"})"),
                   "providers[0].auth.api_key", "environment variable reference",
                   "use {\"env\": \"AZURE_API_KEY\"}");
  expect_one_issue(azure(R"({"type": "api_key", "api_key": "${AZURE_API_KEY}"})"),
                   "providers[0].auth.api_key", "llmauth would send it as the secret itself",
                   "use {\"env\": \"AZURE_API_KEY\"}");
  expect_one_issue(
      bedrock(R"({"type": "access_keys", "access_key_id": "os.environ/AWS_ACCESS_KEY_ID",
                               "secret_access_key": {"env": "S"}})"),
      "providers[0].auth.access_key_id", "environment variable reference",
      "use {\"env\": \"AWS_ACCESS_KEY_ID\"}");
  expect_one_issue(azure(R"({"type": "api_key", "api_key": "${AZURE_API_KEY:-fallback}"})"),
                   "providers[0].auth.api_key", "environment variable reference",
                   "use {\"env\": \"AZURE_API_KEY\"}");
  // A reference inside the env form, and in a field that is not a secret.
  expect_one_issue(azure(R"({"type": "api_key", "api_key": {"env": "${AZURE_API_KEY}"}})"),
                   "providers[0].auth.api_key.env", "not as a variable name",
                   "write the name alone: {\"env\": \"AZURE_API_KEY\"}");
  expect_one_issue(
      one(R"({"name": "a", "type": "azure_openai", "endpoint": "os.environ/AZURE_API_BASE",
                           "auth": {"type": "azure_cli"}})"),
      "providers[0].endpoint", "does not expand", "write the value itself");
  // Keys that merely start with '$' are keys.
  EXPECT_NO_THROW(
      (void)parse_providers(azure(R"({"type": "api_key", "api_key": "$AZURE_API_KEY"})"), "t"));
}

TEST(ProviderConfigValidation, OtherToolsFieldNames_SuggestLlmauthsName) {
  expect_issue(
      bedrock(
          R"({"type": "access_keys", "access_key_id": {"env": "A"}, "secret_access_key": {"env": "S"},
                               "aws_session_token": {"env": "T"}})"),
      "providers[0].auth.aws_session_token", "unknown field", "did you mean 'session_token'?");
  expect_issue(
      bedrock(
          R"({"type": "access_keys", "aws_access_key_id": {"env": "A"}, "secret_access_key": {"env": "S"}})"),
      "providers[0].auth.aws_access_key_id", "unknown field", "did you mean 'access_key_id'?");
  expect_issue(one(R"({"name": "b", "type": "aws_bedrock", "region_name": "us-east-1",
                           "auth": {"type": "default_credentials"}})"),
               "providers[0].region_name", "unknown field", "did you mean 'region'?");
  expect_issue(one(R"({"name": "b", "type": "aws_bedrock", "aws_region_name": "us-east-1",
                           "auth": {"type": "default_credentials"}})"),
               "providers[0].aws_region_name", "unknown field", "did you mean 'region'?");
  expect_issue(
      one(R"({"name": "a", "type": "azure_openai", "azure_endpoint": "https://x.openai.azure.com",
                           "auth": {"type": "azure_cli"}})"),
      "providers[0].azure_endpoint", "unknown field", "did you mean 'endpoint'?");
  expect_issue(
      one(R"({"name": "a", "type": "azure_openai", "api_base": "https://x.openai.azure.com",
                           "auth": {"type": "azure_cli"}})"),
      "providers[0].api_base", "unknown field", "did you mean 'endpoint'?");
  expect_issue(
      bedrock(R"({"type": "default_credentials"})", R"("api_base": "https://gw.example.com", )"),
      "providers[0].api_base", "unknown field", "did you mean 'endpoint_url'?");
  expect_issue(azure(R"({"type": "managed_identity", "azure_client_id": "c"})"),
               "providers[0].auth.azure_client_id", "unknown field", "did you mean 'client_id'?");
  expect_issue(azure(R"({"type": "azure_cli"})", R"("model": "gpt-4o", )"), "providers[0].model",
               "unknown field", "did you mean 'deployment'?");
  const auto profile = issues_of(bedrock(R"({"type": "profile", "profile_name": "dev"})"));
  ASSERT_EQ(profile.size(), 2u) << describe(profile);  // and "profile" is required
  EXPECT_EQ(profile[0].path, "providers[0].auth.profile_name");
  EXPECT_NE(profile[0].hint.find("did you mean 'profile'?"), std::string::npos)
      << describe(profile);
  // Written where LiteLLM's flat litellm_params put it: the hint says where it belongs.
  expect_issue(
      bedrock(R"({"type": "default_credentials"})", R"("aws_secret_access_key": {"env": "S"}, )"),
      "providers[0].aws_secret_access_key", "unknown field",
      "llmauth calls it 'secret_access_key', which belongs to \"auth\" (auth type access_keys)");
  expect_issue(azure(R"({"type": "azure_cli"})", R"("api_key": {"env": "K"}, )"),
               "providers[0].api_key", "unknown field",
               "it belongs to \"auth\" (auth type api_key)");
  // A LiteLLM config.yaml's list, in JSON.
  const auto list = issues_of(R"({"model_list": []})");
  ASSERT_EQ(list.size(), 2u) << describe(list);  // and "providers" is required
  EXPECT_EQ(list[0].path, "model_list");
  EXPECT_NE(list[0].hint.find("did you mean 'providers'?"), std::string::npos) << describe(list);
}

TEST(ProviderConfigValidation, YamlFile_SaysProviderConfigsAreJson) {
  const std::string litellm =
      "model_list:\n  - model_name: gpt-4o\n    litellm_params:\n      model: azure/gpt-4o\n";
  auto issues = issues_of(litellm);
  ASSERT_EQ(issues.size(), 1u) << describe(issues);
  EXPECT_EQ(issues[0].message, "is YAML, but provider configs are JSON");
  EXPECT_NE(issues[0].hint.find("{\"providers\": ["), std::string::npos) << issues[0].hint;
  EXPECT_EQ(issues_of("# providers\n---\nproviders:\n  - name: a\n")[0].message,
            "is YAML, but provider configs are JSON");
  try {
    (void)parse_providers("providers = []", "providers.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.issues().at(0).message, "is YAML, but provider configs are JSON");
  }
  // Broken JSON stays a JSON syntax error.
  EXPECT_EQ(issues_of("{\"providers\": [}")[0].message.rfind("invalid JSON", 0), 0u);
}

TEST(ProviderConfigValidation, NoProviders_IsAnError) {
  expect_one_issue(R"({"providers": []})", "providers", "is empty", "at least one provider");
}

TEST(ProviderConfigValidation, NumbersInRange) {
  expect_one_issue(bedrock(R"({"type": "default_credentials"})", R"("timeout_seconds": 0, )"),
                   "providers[0].timeout_seconds", "is out of range", "1 to 3600");
  expect_one_issue(
      bedrock(R"({"type": "default_credentials"})", R"("timeout_seconds": 18446744073709551615, )"),
      "providers[0].timeout_seconds", "is out of range");
  const std::string role =
      R"("role_arn": "arn:aws:iam::123456789012:role/r", "source": {"type": "default_credentials"})";
  expect_one_issue(bedrock(R"({"type": "assume_role", "duration_seconds": 899, )" + role + "}"),
                   "providers[0].auth.duration_seconds", "is out of range", "900 to 43200");
  expect_one_issue(bedrock(R"({"type": "assume_role", "duration_seconds": 43201, )" + role + "}"),
                   "providers[0].auth.duration_seconds", "is out of range");
  EXPECT_NO_THROW((void)parse_providers(
      bedrock(R"({"type": "assume_role", "duration_seconds": 43200, )" + role + "}"), "t"));
}

TEST(ProviderConfigValidation, AwsShapes) {
  expect_one_issue(
      bedrock(
          R"({"type": "web_identity", "role_arn": "arn:aws:iam::1234:role/r", "web_identity_token_file": "/t"})"),
      "providers[0].auth.role_arn", "is not an IAM role ARN", "arn:aws:iam::");
  expect_one_issue(
      bedrock(
          R"({"type": "web_identity", "role_arn": "arn:aws:iam::123456789012:user/u", "web_identity_token_file": "/t"})"),
      "providers[0].auth.role_arn", "is not an IAM role ARN");
  expect_one_issue(
      bedrock(R"({"type": "web_identity", "role_arn": "arn:aws:iam::123456789012:role/r",
                               "web_identity_token_file": "/t", "role_session_name": "has space"})"),
      "providers[0].auth.role_session_name", "is not a valid role session name");
  expect_one_issue(
      bedrock(
          R"({"type": "assume_role", "role_arn": "arn:aws:iam::123456789012:role/r", "external_id": "x",
                               "source": {"type": "default_credentials"}})"),
      "providers[0].auth.external_id", "is not a valid external id");
  expect_one_issue(
      bedrock(
          R"({"type": "access_keys", "access_key_id": "akia-lower", "secret_access_key": "s"})"),
      "providers[0].auth.access_key_id", "is not an access key id", "AKIAIOSFODNN7EXAMPLE");
  // A secret key pasted into the id field (lower case, '/', '+').
  expect_one_issue(
      bedrock(
          R"({"type": "access_keys", "access_key_id": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "secret_access_key": "s"})"),
      "providers[0].auth.access_key_id", "is not an access key id", "secret_access_key");
  expect_one_issue(bedrock(R"({"type": "profile", "profile": "[profile x]"})"),
                   "providers[0].auth.profile", "is not a profile name");
  expect_one_issue(bedrock(R"({"type": "default_credentials", "profile": "x"})"),
                   "providers[0].auth.profile", "unknown field", "allowed fields here: type");
}

TEST(ProviderConfigValidation, SecretForms) {
  const auto secret = [](const std::string& value) {
    return azure(R"({"type": "api_key", "api_key": )" + value + "}");
  };
  expect_one_issue(secret("42"), "providers[0].auth.api_key",
                   "must be a string or an object (got a number)", R"({"file": "/path/to/file"})");
  expect_one_issue(secret("{}"), "providers[0].auth.api_key", "is an empty object");
  expect_one_issue(secret(R"({"vault": "x"})"), "providers[0].auth.api_key.vault",
                   "unknown secret reference", R"({"env": "VARIABLE"})");
  expect_one_issue(secret(R"({"envv": "X"})"), "providers[0].auth.api_key.envv",
                   "unknown secret reference", "did you mean 'env'?");
  expect_one_issue(secret(R"({"env": "X", "file": "/y"})"), "providers[0].auth.api_key",
                   "exactly one");
  expect_one_issue(secret(R"({"env": "1BAD-NAME"})"), "providers[0].auth.api_key.env",
                   "is not an environment variable name");
  expect_one_issue(secret(R"({"env": 5})"), "providers[0].auth.api_key.env", "must be a string");
  expect_one_issue(secret(R"({"file": "secrets/key"})"), "providers[0].auth.api_key.file",
                   "must be an absolute path", "'~/'");
  expect_one_issue(secret(R"("<redacted>")"), "providers[0].auth.api_key", "redacted placeholder");
  expect_one_issue(secret(R"("abc\ndef")"), "providers[0].auth.api_key", "line break");
}

TEST(ProviderConfigValidation, FiveProblems_AllReportedAtOnce) {
  const auto text = read_data("invalid.five_problems.json");
  try {
    (void)parse_providers(text, "invalid.five_problems.json");
    FAIL();
  } catch (const ConfigError& e) {
    const auto& issues = e.issues();
    ASSERT_EQ(issues.size(), 5u) << describe(issues);
    EXPECT_EQ(issues[0].path, "providers[0].auth.api_key");
    EXPECT_EQ(issues[0].message, "must not be empty");
    EXPECT_EQ(issues[1].path, "providers[1].endpoint_url");
    EXPECT_EQ(issues[2].path, "providers[1].auth.type");
    EXPECT_EQ(issues[3].path, "providers[2].auth.clientid");
    EXPECT_EQ(issues[3].hint.rfind("did you mean 'client_id'?", 0), 0u) << issues[3].hint;
    EXPECT_EQ(issues[4].path, "providers[2].name");
    for (const auto& i : issues) EXPECT_FALSE(i.hint.empty()) << i.path;
    // One line per issue: "SOURCE: PATH: MESSAGE (HINT)".
    const std::string what = e.what();
    EXPECT_EQ(std::count(what.begin(), what.end(), '\n'), 4);
    EXPECT_EQ(
        what.substr(0, what.find('\n')),
        "invalid.five_problems.json: providers[0].auth.api_key: must not be empty (give the secret "
        "inline as a string, as {\"env\": \"VARIABLE\"} or as {\"file\": \"/path/to/file\"})");
  }
}

TEST(ProviderConfigValidation, EveryMessage_NeverContainsAnInlineSecret) {
  const std::vector<std::string> secrets = {"sk-azure-SECRET-0001", "client-SECRET-0002",
                                            "cert-PASSWORD-0003",   "aws-SECRET-ACCESS-0004",
                                            "aws-SESSION-0005",     "bedrock-API-KEY-0006",
                                            "ad-TOKEN-0007"};
  // Valid secrets next to an invalid field of every kind; misplaced secrets in wrong places.
  const std::string text = R"({"providers": [
    {"name": "a1", "type": "azure_openai", "endpoint": "nope", "auth": {"type": "api_key", "api_key": "sk-azure-SECRET-0001", "x": 1}},
    {"name": "a2", "type": "azure_openai", "endpoint": "https://x.openai.azure.com", "auth": {"type": "azure_ad_token_provider",
       "tenant_id": "bad tenant", "client_id": "c", "client_secret": "client-SECRET-0002"}},
    {"name": "a3", "type": "azure_openai", "endpoint": "https://x.openai.azure.com", "auth": {"type": "client_certificate",
       "tenant_id": "t", "client_id": "c", "certificate_path": "/c", "certificate_password": "cert-PASSWORD-0003", "send_certificate_chain": 1}},
    {"name": "b1", "type": "aws_bedrock", "region": "mars-1", "auth": {"type": "access_keys", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
       "secret_access_key": "aws-SECRET-ACCESS-0004", "session_token": "aws-SESSION-0005", "region": "x"}},
    {"name": "b2", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "bearer_token", "token": "bedrock-API-KEY-0006", "tokn": 1}},
    {"name": "a4", "type": "azure_openai", "endpoint": "https://x.openai.azure.com", "auth": {"type": "azure_ad_token", "token": "ad-TOKEN-0007"},
     "timeout_seconds": -1},
    {"name": "a1", "type": "azure_openai", "endpoint": "https://x.openai.azure.com", "auth": {"type": "api_key", "api_key": {"env": "sk-azure-SECRET-0001"}}}
  ]})";
  try {
    (void)parse_providers(text, "secrets.json");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_GE(e.issues().size(), 8u) << describe(e.issues());
    std::string all = e.what();
    for (const auto& i : e.issues()) all += i.path + i.message + i.hint;
    for (const auto& s : secrets) testing::expect_no_secret(all, s);
  }
}

// --- printing back ----------------------------------------------------------------------------

TEST(ProviderConfigJson, ToJson_RedactsEveryInlineSecretAndKeepsReferences) {
  const std::string text = R"({"providers": [
    {"name": "a1", "type": "azure_openai", "endpoint": "https://x.openai.azure.com", "auth": {"type": "api_key", "api_key": "sk-azure-SECRET-0001"}},
    {"name": "a2", "type": "azure_openai", "endpoint": "https://x.openai.azure.com", "auth": {"type": "azure_ad_token_provider",
       "tenant_id": "t", "client_id": "c", "client_secret": "client-SECRET-0002"}},
    {"name": "a3", "type": "azure_openai", "endpoint": "https://x.openai.azure.com", "auth": {"type": "client_certificate",
       "tenant_id": "t", "client_id": "c", "certificate_path": "/c", "certificate_password": "cert-PASSWORD-0003"}},
    {"name": "a4", "type": "azure_openai", "endpoint": "https://x.openai.azure.com", "auth": {"type": "azure_ad_token", "token": "ad-TOKEN-0007"}},
    {"name": "b1", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "access_keys", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
       "secret_access_key": "aws-SECRET-ACCESS-0004", "session_token": "aws-SESSION-0005"}},
    {"name": "b2", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "bearer_token", "token": "bedrock-API-KEY-0006"}},
    {"name": "b3", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "assume_role", "role_arn": "arn:aws:iam::123456789012:role/r",
       "source": {"type": "access_keys", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "aws-SECRET-ACCESS-0008"}}},
    {"name": "b4", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "bearer_token", "token": {"env": "BEDROCK_KEY"}}}
  ]})";
  const auto file = parse_providers(text, "t");
  const auto j = to_json(file);
  const std::string printed = j.dump(2);
  for (const char* s : {"sk-azure-SECRET-0001", "client-SECRET-0002", "cert-PASSWORD-0003",
                        "aws-SECRET-ACCESS-0004", "aws-SESSION-0005", "bedrock-API-KEY-0006",
                        "ad-TOKEN-0007", "aws-SECRET-ACCESS-0008"}) {
    testing::expect_no_secret(printed, s);
  }
  const auto& p = j["providers"];
  EXPECT_EQ(p[0]["auth"]["api_key"], "<redacted>");
  EXPECT_EQ(p[1]["auth"]["client_secret"], "<redacted>");
  EXPECT_EQ(p[2]["auth"]["certificate_password"], "<redacted>");
  EXPECT_EQ(p[3]["auth"]["token"], "<redacted>");
  EXPECT_EQ(p[4]["auth"]["secret_access_key"], "<redacted>");
  EXPECT_EQ(p[4]["auth"]["session_token"], "<redacted>");
  EXPECT_EQ(p[4]["auth"]["access_key_id"], "AKIAIOSFODNN7EXAMPLE");  // an identifier, not a secret
  EXPECT_EQ(p[5]["auth"]["token"], "<redacted>");
  EXPECT_EQ(p[6]["auth"]["source"]["secret_access_key"], "<redacted>");
  EXPECT_EQ(p[7]["auth"]["token"], (Json{{"env", "BEDROCK_KEY"}}));

  // The redacted output is not mistaken for a config with secrets: every placeholder is an issue.
  const auto issues = issues_of(printed);
  EXPECT_EQ(issues.size(), 8u) << describe(issues);
  for (const auto& i : issues) EXPECT_EQ(i.message, "is a redacted placeholder, not a secret");
}

TEST(ProviderConfigJson, ExampleFile_RoundTripsExactly) {
  const auto text = read_data("providers.example.json");
  const auto file = parse_providers(text, "providers.example.json");
  const auto j = to_json(file);
  EXPECT_EQ(j, Json::parse(text)) << j.dump(2);
  EXPECT_EQ(to_json(parse_providers(j.dump(), "again")), j);
}

TEST(ProviderConfigJson, RoundTrip_NormalisesAndKeepsNonDefaults) {
  const std::string text =
      azure(R"({"type": "default_credentials", "tenant_id": " t ", "exclude": ["azure_cli"],
                                     "scope": "api://custom/.default"})",
            R"("api": "v1", "headers": {"X-B": "2", "X-A": " 1 "}, "timeout_seconds": 30, )");
  const auto j = to_json(parse_providers(text, "t"));
  const Json expected = Json::parse(R"({"providers": [{"name": "a", "type": "azure_openai",
      "endpoint": "https://contoso.openai.azure.com", "headers": {"X-A": "1", "X-B": "2"}, "timeout_seconds": 30,
      "auth": {"type": "default_credentials", "tenant_id": "t", "exclude": ["azure_cli"], "scope": "api://custom/.default"}}]})");
  EXPECT_EQ(j, expected) << j.dump(2);
  EXPECT_EQ(to_json(parse_providers(j.dump(), "t")), j);
  // Managed identity ids and the default scope.
  const auto m = to_json(parse_providers(azure(R"({"type": "managed_identity", "object_id": "o",
                                                   "scope": "https://cognitiveservices.azure.com/.default"})"),
                                         "t"));
  EXPECT_EQ(m["providers"][0]["auth"], (Json{{"type", "managed_identity"}, {"object_id", "o"}}));
}

// --- malformed and hostile input --------------------------------------------------------------

TEST(ProviderConfigJson, SyntaxError_GivesLineAndColumnButNoContent) {
  const auto issues = issues_of(read_data("invalid.syntax.json"));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].path, "");
  EXPECT_EQ(issues[0].message, "invalid JSON at line 4, column 33") << issues[0].message;
  EXPECT_NE(issues[0].hint.find("missing comma"), std::string::npos);

  const auto secret =
      issues_of(R"({"providers": [{"auth": {"api_key": "sk-SECRET-IN-BROKEN-JSON" oops}}]})");
  ASSERT_EQ(secret.size(), 1u);
  EXPECT_EQ(secret[0].message, "invalid JSON at line 1, column 64");
  try {
    (void)parse_providers(R"({"k": "sk-SECRET-IN-BROKEN-JSON" x})", "f.json");
  } catch (const ConfigError& e) {
    testing::expect_no_secret(e.what(), "sk-SECRET-IN-BROKEN-JSON");
    EXPECT_EQ(std::string(e.what()).rfind("f.json: invalid JSON at line 1, column ", 0), 0u)
        << e.what();
  }
  EXPECT_EQ(issues_of("")[0].message, "the file is empty");
  EXPECT_EQ(issues_of("  \n")[0].message, "the file is empty");
  EXPECT_EQ(issues_of("{\"providers\": [],}")[0].message, "invalid JSON at line 1, column 18");
}

TEST(ProviderConfigJson, HostileInput_IsAnIssueNotACrash) {
  const std::string deep(100000, '[');
  auto issues = issues_of(deep);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("nested deeper than 64 levels"), std::string::npos);
  issues = issues_of("{\"providers\": " + std::string(62, '[') + std::string(62, ']') + "}");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].path, "providers[0]");
  EXPECT_EQ(issues_of("[1e999999]")[0].path, "");
  issues = issues_of(std::string((4u << 20) + 1, ' '));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("too large"), std::string::npos);
  // A huge string and many providers.
  issues = issues_of(one(
      R"({"name": ")" + std::string(1u << 20, 'n') +
      R"(", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "default_credentials"}})"));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].path, "providers[0].name");
  std::string many = R"({"providers": [)";
  for (int i = 0; i < 2000; ++i) {
    if (i) many += ",";
    many +=
        R"({"name": "p)" + std::to_string(i) +
        R"(", "type": "aws_bedrock", "region": "us-east-1", "auth": {"type": "default_credentials"}})";
  }
  EXPECT_EQ(parse_providers(many + "]}", "t").providers.size(), 2000u);
  // Odd keys are printed safely in paths.
  issues = issues_of(bedrock(R"({"type": "default_credentials"})", "\"we\\nird\": 1, "));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].path, "providers[0].we ird");
}

TEST(ProviderConfigJson, LoadProviders_MissingFileNamesPath) {
  try {
    (void)load_providers(testing::test_ambient(), "/nonexistent/providers.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_STREQ(e.what(), "provider config /nonexistent/providers.json: no such file");
  }
  try {
    (void)load_providers(testing::test_ambient(), kDataDir + "invalid.syntax.json");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.source(), kDataDir + "invalid.syntax.json");
  }
}

}  // namespace
}  // namespace llmauth::config
