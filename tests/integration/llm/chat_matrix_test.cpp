// Every auth method of both providers, end to end through `llmauth chat` against the emulator,
// streamed and not: one row per method. Each row checks the answer, which credential the
// emulator saw (its request log records how each call was authenticated), and that no secret of
// the row reached stdout or stderr.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "llmauth/core/json.hpp"
#include "llmauth/core/process.hpp"
#include "llmauth/core/split.hpp"
#include "support/background_process.hpp"
#include "support/cli_runner.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

constexpr const char* kTenant = "00000000-0000-0000-0000-000000000001";
constexpr const char* kClientId = "11111111-1111-1111-1111-111111111111";
constexpr const char* kClientSecret = "emulator-client-secret";
constexpr const char* kAzureKey = "emulator-azure-openai-key-1";
constexpr const char* kLongTermBedrockKey =
    "ABSKQmVkcm9ja0FQSUtleS1lbXVsYXRvci1hdC0xMjM0NTY3ODkwMTI6ZW11bGF0b3ItbG9uZy10ZXJtLXNlY3JldA==";
constexpr const char* kModel = "anthropic.claude-3-haiku-20240307-v1:0";

struct Row {
  json::Json provider;                     // the provider object (name "p")
  std::map<std::string, std::string> env;  // on top of the base environment
  std::string target;                      // azure_openai | bedrock
  std::function<void(const json::Json& auth)> check_auth;
  std::vector<std::string> secrets;  // must not be printed
};

std::string fake_cli_bin() { return std::string(LLMAUTH_SOURCE_DIR) + "/tests/emulator/bin"; }

class ChatMatrix : public ::testing::TestWithParam<std::tuple<std::string, bool, std::string>> {
 protected:
  void SetUp() override {
    Emulator::get().reset();
    Emulator::get().config({{"azure", {{"imds", {{"mode", "absent"}}}}}});
  }

  std::map<std::string, std::string> base_env() {
    const auto& e = Emulator::get();
    return {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
            {"HOME", home.path().string()},
            {"LLMAUTH_LOOPBACK_ONLY", "1"},
            {"AWS_EC2_METADATA_DISABLED", "true"},
            {"AWS_ENDPOINT_URL_STS", e.http_url()},
            {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", e.http_url()},
            {"AZURE_AUTHORITY_HOST", e.https_url()},
            {"AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9"}};
  }

  json::Json azure(json::Json auth, json::Json extra = json::Json::object()) {
    json::Json p = {{"name", "p"},
                    {"type", "azure_openai"},
                    {"endpoint", Emulator::get().http_url()},
                    {"deployment", "gpt-4o"},
                    {"auth", std::move(auth)}};
    p.update(extra);
    return p;
  }
  static json::Json bedrock(json::Json auth) {
    return {{"name", "p"},
            {"type", "aws_bedrock"},
            {"region", "us-east-1"},
            {"model", kModel},
            {"auth", std::move(auth)}};
  }

  static std::function<void(const json::Json&)> expect_entra(std::string source,
                                                             std::string auth_kind) {
    return [source, auth_kind](const json::Json& a) {
      EXPECT_EQ(a.value("kind", ""), "entra") << a.dump();
      EXPECT_EQ(a.value("source", ""), source) << a.dump();
      if (!auth_kind.empty()) {
        EXPECT_EQ(a.value("auth_kind", ""), auth_kind) << a.dump();
      }
    };
  }
  static std::function<void(const json::Json&)> expect_sigv4(std::optional<std::string> akid,
                                                             bool temporary) {
    return [akid, temporary](const json::Json& a) {
      EXPECT_EQ(a.value("kind", ""), "sigv4") << a.dump();
      if (akid) {
        EXPECT_EQ(a.value("access_key_id", ""), *akid) << a.dump();
      }
      EXPECT_EQ(a.value("temporary", !temporary), temporary) << a.dump();
    };
  }

  // A self-signed certificate registered for a new app; returns {client id, PEM path}.
  std::pair<std::string, std::string> certificate_app() {
    PosixProcessRunner runner;
    ProcessOptions options;
    options.timeout = std::chrono::seconds(30);
    const auto key = home.path() / "key.pem";
    const auto crt = home.path() / "crt.pem";
    const auto r = runner.run(
        {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.string(),
         "-out", crt.string(), "-days", "2", "-subj", "/CN=llmauth-matrix"},
        options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::ifstream c(crt), k(key);
    const std::string cert_text((std::istreambuf_iterator<char>(c)), {});
    const std::string key_text((std::istreambuf_iterator<char>(k)), {});
    const auto pem = home.write("sp.pem", cert_text + key_text);
    const std::string client = "66666666-6666-6666-6666-666666666666";
    Emulator::get().control(
        "POST", "/__control/azure/apps",
        {{"tenant_id", kTenant}, {"client_id", client}, {"certificate_pem", cert_text}});
    return {client, pem.string()};
  }

  // A short-term Bedrock API key minted by `llmauth aws bedrock-token` from the emulator's key.
  std::string minted_bedrock_key() {
    auto env = base_env();
    env["AWS_ACCESS_KEY_ID"] = kEmulatorAccessKey;
    env["AWS_SECRET_ACCESS_KEY"] = kEmulatorSecretKey;
    const auto r =
        run_cli({"aws", "bedrock-token", "--region", "us-east-1", "--expires", "900"}, env);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string token = r.out;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    return token;
  }

  Row row(const std::string& name) {
    const auto& e = Emulator::get();
    if (name == "azure_api_key") {
      return {azure({{"type", "api_key"}, {"api_key", kAzureKey}}),
              {},
              "azure_openai",
              [](const json::Json& a) {
                EXPECT_EQ(a.value("kind", ""), "api-key") << a.dump();
                EXPECT_EQ(a.value("key_id", ""), "key1");
                EXPECT_EQ(a.value("via", ""), "api-key");
              },
              {kAzureKey}};
    }
    if (name == "azure_api_key_env_deployments_api") {
      return {azure({{"type", "api_key"}, {"api_key", {{"env", "MY_AZURE_KEY"}}}},
                    {{"api", "deployments"}, {"api_version", "2024-10-21"}}),
              {{"MY_AZURE_KEY", "emulator-azure-openai-key-2"}},
              "azure_openai",
              [](const json::Json& a) { EXPECT_EQ(a.value("key_id", ""), "key2") << a.dump(); },
              {"emulator-azure-openai-key-2"}};
    }
    if (name == "azure_ad_token") {
      const std::string token = "static-entra-token-for-the-matrix-0123456789";
      Emulator::get().control("POST", "/__control/azure/tokens",
                              {{"token", token},
                               {"source", "external"},
                               {"resource", "https://cognitiveservices.azure.com"},
                               {"scope", "https://cognitiveservices.azure.com/.default"}});
      const auto file = home.write("token", token + "\n");
      return {azure({{"type", "azure_ad_token"}, {"token", {{"file", file.string()}}}}),
              {},
              "azure_openai",
              expect_entra("external", ""),
              {token}};
    }
    if (name == "azure_service_principal") {
      return {azure({{"type", "azure_ad_token_provider"},
                     {"tenant_id", kTenant},
                     {"client_id", kClientId},
                     {"client_secret", {{"env", "SP_SECRET"}}}}),
              {{"SP_SECRET", kClientSecret}},
              "azure_openai",
              expect_entra("entra", "client_secret"),
              {kClientSecret}};
    }
    if (name == "azure_client_certificate") {
      const auto [client, pem] = certificate_app();
      return {azure({{"type", "client_certificate"},
                     {"tenant_id", kTenant},
                     {"client_id", client},
                     {"certificate_path", pem}}),
              {},
              "azure_openai",
              expect_entra("entra", "certificate"),
              {}};
    }
    if (name == "azure_managed_identity") {
      return {azure({{"type", "managed_identity"},
                     {"client_id", "44444444-4444-4444-4444-444444444444"}}),
              {{"IDENTITY_ENDPOINT", e.http_url() + "/msi/token"},
               {"IDENTITY_HEADER", "emulator-identity-header"}},
              "azure_openai",
              [](const json::Json& a) {
                EXPECT_EQ(a.value("source", ""), "appservice") << a.dump();
                EXPECT_EQ(a.value("client_id", ""), "44444444-4444-4444-4444-444444444444");
              },
              {"emulator-identity-header"}};
    }
    if (name == "azure_workload_identity") {
      const auto file = home.write("federated", "emulator-federated-token");
      return {azure({{"type", "workload_identity"},
                     {"tenant_id", kTenant},
                     {"client_id", kClientId},
                     {"token_file_path", file.string()}}),
              {},
              "azure_openai",
              expect_entra("entra", "federated"),
              {}};
    }
    if (name == "azure_cli") {
      return {azure({{"type", "azure_cli"}}),
              {{"PATH", fake_cli_bin() + ":/usr/local/bin:/usr/bin:/bin"},
               {"LLMAUTH_EMULATOR_URL", e.http_url()},
               {"LLMAUTH_FAKE_AZ_TOKEN", "fake-az-token-for-the-matrix-0123456789"}},
              "azure_openai",
              expect_entra("az", ""),
              {"fake-az-token-for-the-matrix-0123456789"}};
    }
    if (name == "azure_default_credentials") {
      return {azure({{"type", "default_credentials"}}),
              {{"AZURE_TENANT_ID", kTenant},
               {"AZURE_CLIENT_ID", kClientId},
               {"AZURE_CLIENT_SECRET", kClientSecret}},
              "azure_openai",
              expect_entra("entra", "client_secret"),
              {kClientSecret}};
    }
    if (name == "bedrock_access_keys") {
      return {bedrock({{"type", "access_keys"},
                       {"access_key_id", kEmulatorAccessKey},
                       {"secret_access_key", kEmulatorSecretKey}}),
              {},
              "bedrock",
              expect_sigv4(kEmulatorAccessKey, false),
              {kEmulatorSecretKey}};
    }
    if (name == "bedrock_profile") {
      home.write(".aws/credentials", std::string("[bedrock]\naws_access_key_id = ") +
                                         kEmulatorAccessKey +
                                         "\naws_secret_access_key = " + kEmulatorSecretKey + "\n");
      return {bedrock({{"type", "profile"}, {"profile", "bedrock"}}),
              {},
              "bedrock",
              expect_sigv4(kEmulatorAccessKey, false),
              {kEmulatorSecretKey}};
    }
    if (name == "bedrock_assume_role") {
      return {bedrock({{"type", "assume_role"},
                       {"role_arn", "arn:aws:iam::123456789012:role/bedrock-invoke"},
                       {"source",
                        {{"type", "access_keys"},
                         {"access_key_id", kEmulatorAccessKey},
                         {"secret_access_key", {{"env", "SOURCE_SECRET"}}}}}}),
              {{"SOURCE_SECRET", kEmulatorSecretKey}},
              "bedrock",
              [](const json::Json& a) {
                EXPECT_EQ(a.value("kind", ""), "sigv4") << a.dump();
                EXPECT_EQ(a.value("temporary", false), true);
                EXPECT_NE(a.value("caller_arn", "").find("assumed-role/bedrock-invoke"),
                          std::string::npos)
                    << a.dump();
              },
              {kEmulatorSecretKey}};
    }
    if (name == "bedrock_web_identity") {
      const auto file = home.write("wi-token", "web-identity-token-for-tests");
      return {
          bedrock({{"type", "web_identity"},
                   {"role_arn", "arn:aws:iam::123456789012:role/bedrock-wi"},
                   {"web_identity_token_file", file.string()}}),
          {},
          "bedrock",
          [](const json::Json& a) {
            EXPECT_EQ(a.value("temporary", false), true) << a.dump();
            EXPECT_NE(a.value("caller_arn", "").find("assumed-role/bedrock-wi"), std::string::npos)
                << a.dump();
          },
          {}};
    }
    if (name == "bedrock_bearer_token_long_term") {
      return {bedrock({{"type", "bearer_token"}, {"token", kLongTermBedrockKey}}),
              {},
              "bedrock",
              [](const json::Json& a) {
                EXPECT_EQ(a.value("kind", ""), "bearer") << a.dump();
                EXPECT_EQ(a.value("api_key", ""), "long-term");
              },
              {kLongTermBedrockKey}};
    }
    if (name == "bedrock_bearer_token_short_term") {
      const std::string key = minted_bedrock_key();
      return {bedrock({{"type", "bearer_token"}, {"token", {{"env", "MY_BEDROCK_KEY"}}}}),
              {{"MY_BEDROCK_KEY", key}},
              "bedrock",
              [](const json::Json& a) {
                EXPECT_EQ(a.value("kind", ""), "bearer") << a.dump();
                EXPECT_EQ(a.value("api_key", ""), "short-term");
                EXPECT_EQ(a.value("access_key_id", ""), kEmulatorAccessKey);
              },
              {key}};
    }
    if (name == "bedrock_default_credentials") {
      return {bedrock({{"type", "default_credentials"}}),
              {{"AWS_ACCESS_KEY_ID", kEmulatorAccessKey},
               {"AWS_SECRET_ACCESS_KEY", kEmulatorSecretKey}},
              "bedrock",
              expect_sigv4(kEmulatorAccessKey, false),
              {kEmulatorSecretKey}};
    }
    if (name == "bedrock_default_credentials_api_key") {
      // As botocore: AWS_BEARER_TOKEN_BEDROCK wins over the SigV4 chain.
      return {bedrock({{"type", "default_credentials"}}),
              {{"AWS_ACCESS_KEY_ID", kEmulatorAccessKey},
               {"AWS_SECRET_ACCESS_KEY", kEmulatorSecretKey},
               {"AWS_BEARER_TOKEN_BEDROCK", kLongTermBedrockKey}},
              "bedrock",
              [](const json::Json& a) { EXPECT_EQ(a.value("kind", ""), "bearer") << a.dump(); },
              {kLongTermBedrockKey, kEmulatorSecretKey}};
    }
    ADD_FAILURE() << "no row " << name;
    return {};
  }

  TempDir home;
};

// The same chat through `llmauth serve`: the gateway holds the row's credential; the client
// presents only a gateway key. Returns the answer's text and everything printed (the gateway's
// log and the client's answer), for the secret checks.
std::pair<std::string, std::string> chat_through_gateway(const std::filesystem::path& config,
                                                         std::map<std::string, std::string> env,
                                                         const TempDir& home, bool stream) {
  env["AWS_CA_BUNDLE"] = Emulator::get().ca_path();
  for (auto& [k, v] : proxy_trap_environment()) env.try_emplace(k, v);
  const std::string keys = (home.path() / "keys.json").string();
  const auto made =
      run_cli({"keys", "create", "--keys", keys, "--name", "matrix", "--output", "json"}, env);
  EXPECT_EQ(made.exit_code, 0) << made.err;
  const std::string key = json::parse(made.out, "keys create")["key"].get<std::string>();
  BackgroundProcess gateway(
      {LLMAUTH_SERVE_PATH, "--config", config.string(), "--keys", keys, "--listen", "127.0.0.1:0"},
      env);
  const std::string address =
      gateway.wait_for("llmauth serve: listening on ", std::chrono::seconds(20));
  EXPECT_FALSE(address.empty()) << gateway.output();
  http::Request r;
  r.method = "POST";
  r.url = "http://" + address + "/v1/chat/completions";
  r.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}};
  r.body = json::Json({{"model", "p"},
                       {"stream", stream},
                       {"messages", {{{"role", "user"}, {"content", "hello from the matrix"}}}}})
               .dump();
  r.timeout = std::chrono::seconds(60);
  std::string body;
  const auto resp = test_transport()->send_streaming(r, [&](std::string_view piece) {
    body += piece;
    return true;
  });
  if (resp.status != 200) body += resp.body;
  EXPECT_EQ(resp.status, 200) << body << gateway.output();
  std::string text;
  if (!stream) {
    const auto j = json::parse_or_discard(body);
    if (j.is_object() && j.contains("choices")) text = j["choices"][0]["message"]["content"];
  } else {
    for (auto line : split(body, '\n')) {
      if (line.rfind("data: {", 0) != 0) continue;
      const auto j = json::parse_or_discard(line.substr(6));
      if (!j.is_object() || !j.contains("choices") || j["choices"].empty()) continue;
      const auto& d = j["choices"][0]["delta"];
      if (d.contains("content") && d["content"].is_string())
        text += d["content"].get<std::string>();
    }
  }
  gateway.stop();
  return {text, body + gateway.output()};
}

TEST_P(ChatMatrix, ChatsWithTheConfiguredCredential) {
  const auto& [name, stream, via] = GetParam();
  Row r = row(name);
  ASSERT_FALSE(r.provider.is_null());
  const auto config = home.write("providers.json", json::Json{{"providers", {r.provider}}}.dump(2));
  auto env = base_env();
  for (auto& [k, v] : r.env) env[k] = v;
  std::string printed;
  if (via == "gateway") {
    const auto [text, all] = chat_through_gateway(config, env, home, stream);
    EXPECT_EQ(text, "Echo: hello from the matrix");
    printed = all;
  } else {
    std::vector<std::string> args = {"--ca-bundle",
                                     Emulator::get().ca_path(),
                                     "chat",
                                     "--config",
                                     config.string(),
                                     "--provider",
                                     "p"};
    if (stream) args.push_back("--stream");
    args.push_back("hello from the matrix");
    const CliResult out = run_cli(args, env);
    ASSERT_EQ(out.exit_code, 0) << out.err;
    EXPECT_EQ(out.out, "Echo: hello from the matrix\n");
    printed = out.all();
  }

  const auto log =
      Emulator::get().control("GET", "/__control/requests?target=" + r.target + "&limit=1");
  ASSERT_TRUE(log.is_array() && !log.empty()) << log.dump();
  const auto& entry = log.back();
  EXPECT_EQ(entry.value("status", 0), 200) << entry.dump();
  ASSERT_TRUE(entry.contains("llm")) << entry.dump();
  if (r.target == "bedrock") {
    EXPECT_EQ(entry.value("counter", ""), stream ? "bedrock.converse_stream" : "bedrock.converse");
  } else {
    EXPECT_EQ(entry["llm"].value("stream", !stream), stream);
  }
  r.check_auth(entry["llm"]["auth"]);
  for (const auto& s : r.secrets) expect_no_secret(printed, s);
}

INSTANTIATE_TEST_SUITE_P(
    EveryAuthMethod, ChatMatrix,
    ::testing::Combine(
        ::testing::Values("azure_api_key", "azure_api_key_env_deployments_api", "azure_ad_token",
                          "azure_service_principal", "azure_client_certificate",
                          "azure_managed_identity", "azure_workload_identity", "azure_cli",
                          "azure_default_credentials", "bedrock_access_keys", "bedrock_profile",
                          "bedrock_assume_role", "bedrock_web_identity",
                          "bedrock_bearer_token_long_term", "bedrock_bearer_token_short_term",
                          "bedrock_default_credentials", "bedrock_default_credentials_api_key"),
        ::testing::Bool(), ::testing::Values("cli", "gateway")),
    [](const auto& info) {
      return std::get<0>(info.param) + (std::get<1>(info.param) ? "_stream" : "_plain") +
             (std::get<2>(info.param) == "gateway" ? "_gateway" : "");
    });

}  // namespace
}  // namespace llmauth::testing
