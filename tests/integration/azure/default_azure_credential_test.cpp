// DefaultAzureCredential against the emulator: which credential wins in each setting, matching
// what @azure/identity's DefaultAzureCredential picks, and the tokens are real emulator tokens.
#include "llmauth/azure/credentials/default_azure_credential.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "integration/azure/azure_chain_support.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/process.hpp"

namespace llmauth::testing {
namespace {

using namespace azure_chain;
using azure::ChainAttempt;
using azure::DefaultAzureCredential;

const azure::TokenRequest kRequest{{"https://cognitiveservices.azure.com/.default"}, "", ""};

// @azure/identity's DefaultAzureCredential, run in a child node process with exactly `env`
// (plus what node needs to trust the emulator's CA), asked for one Cognitive Services token.
// Returns the child's one result: {"ok":true,"token":…} or {"ok":false,"name","message"}.
json::Json reference_default_credential(std::map<std::string, std::string> env) {
  env["NODE_EXTRA_CA_CERTS"] = Emulator::get().ca_path();
  env.try_emplace("HOME", "/nonexistent");
  const json::Json scenario = {
      {"credential", "DefaultAzureCredential"},
      // No retries: they change how long a dead endpoint takes, not which credential wins.
      {"options", {{"disableInstanceDiscovery", true}, {"retryOptions", {{"maxRetries", 0}}}}},
      {"calls", json::Json::array({{{"scopes", "https://cognitiveservices.azure.com/.default"}}})}};
  PosixProcessRunner runner;
  ProcessOptions options;
  options.environment = env;
  options.timeout = std::chrono::seconds(60);
  const auto r = runner.run({"/usr/bin/env", "node",
                             std::string(LLMAUTH_SOURCE_DIR) + "/tests/emulator/testlib/azure-identity-child.js",
                             scenario.dump()},
                            options);
  EXPECT_FALSE(r.timed_out);
  const auto out = json::parse(r.out, "azure-identity-child output");
  EXPECT_TRUE(out.contains("results")) << r.out << r.err;
  return out.contains("results") ? out["results"][0] : json::Json{{"ok", false}, {"message", r.err}};
}

// What identifies the winner in the emulator's token registry: which endpoint issued the token,
// how the client authenticated there, and as which identity.
std::string issuer_of(const json::Json& record) {
  const auto field = [&](const char* name) {
    return record.contains(name) && record[name].is_string() ? record[name].get<std::string>()
                                                             : std::string("-");
  };
  return field("source") + "/" + field("auth_kind") + "/" + field("client_id");
}

class DefaultAzureCredentialScenario : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }
  // Runs our chain and @azure/identity's in the same environment: both must get a token from
  // the same emulator endpoint, by the same means, for the same identity; ours must name
  // `winner` and the token must come from `source`.
  void expect_winner(const std::map<std::string, std::string>& env, const std::string& winner,
                     const std::string& source) {
    DefaultAzureCredential dac(test_ambient(env));
    const auto token = dac.get_token(kRequest);
    const auto attempts = dac.attempts();
    ASSERT_FALSE(attempts.empty());
    EXPECT_EQ(attempts.back().credential, winner);
    EXPECT_EQ(attempts.back().outcome, ChainAttempt::Outcome::kSucceeded);
    for (std::size_t i = 0; i + 1 < attempts.size(); ++i) {
      EXPECT_EQ(attempts[i].outcome, ChainAttempt::Outcome::kUnavailable) << attempts[i].detail;
    }
    const auto record = lookup_token(std::string(token->token.reveal()));
    EXPECT_EQ(record["known"], true) << record.dump();
    EXPECT_EQ(record["source"], source) << record.dump();

    const auto reference = reference_default_credential(env);
    ASSERT_EQ(reference["ok"], true) << "@azure/identity got no token: " << reference.dump();
    const auto reference_record = lookup_token(reference["token"].get<std::string>());
    EXPECT_EQ(reference_record["known"], true) << reference_record.dump();
    EXPECT_EQ(issuer_of(record), issuer_of(reference_record))
        << "llmauth's DefaultAzureCredential and @azure/identity's picked different credentials";
  }
};

TEST_F(DefaultAzureCredentialScenario, EnvironmentSecret_PicksEnvironmentCredential) {
  expect_winner(base_env({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClientId},
                          {"AZURE_CLIENT_SECRET", kClientSecret}}),
                "EnvironmentCredential", "entra");
}

TEST_F(DefaultAzureCredentialScenario, EnvironmentCertificate_PicksEnvironmentCredential) {
  TempDir dir;
  PosixProcessRunner runner;
  ProcessOptions options;
  options.timeout = std::chrono::seconds(30);
  const auto pem = dir.path() / "cert.pem";
  const auto r = runner.run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                             (dir.path() / "key.pem").string(), "-out", (dir.path() / "crt.pem").string(),
                             "-days", "2", "-subj", "/CN=llmauth-dac-test"},
                            options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream crt(dir.path() / "crt.pem"), key(dir.path() / "key.pem");
  const std::string cert_text((std::istreambuf_iterator<char>(crt)), {});
  const std::string key_text((std::istreambuf_iterator<char>(key)), {});
  dir.write("cert.pem", cert_text + key_text);
  const std::string client = "66666666-6666-6666-6666-666666666666";
  Emulator::get().control("POST", "/__control/azure/apps",
                          {{"tenant_id", kTenant}, {"client_id", client}, {"certificate_pem", cert_text}});
  expect_winner(base_env({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", client},
                          {"AZURE_CLIENT_CERTIFICATE_PATH", pem.string()}}),
                "EnvironmentCredential", "entra");
}

TEST_F(DefaultAzureCredentialScenario, WorkloadIdentity_PicksWorkloadIdentityCredential) {
  TempDir dir;
  const auto file = dir.write("token", "emulator-federated-token");
  expect_winner(base_env({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClientId},
                          {"AZURE_FEDERATED_TOKEN_FILE", file.string()}}),
                "WorkloadIdentityCredential", "entra");
}

TEST_F(DefaultAzureCredentialScenario, AppService_PicksManagedIdentityCredential) {
  expect_winner(base_env({{"IDENTITY_ENDPOINT", Emulator::get().http_url() + "/msi/token"},
                          {"IDENTITY_HEADER", "emulator-identity-header"}}),
                "ManagedIdentityCredential", "appservice");
}

TEST_F(DefaultAzureCredentialScenario, Imds_PicksManagedIdentityCredential) {
  expect_winner(base_env(), "ManagedIdentityCredential", "imds");
}

TEST_F(DefaultAzureCredentialScenario, ImdsUserAssignedFromAzureClientId) {
  // AZURE_CLIENT_ID without a secret: EnvironmentCredential is unavailable, and managed identity
  // asks for that user-assigned identity (as azure-identity's DefaultAzureCredential does).
  const auto env = base_env({{"AZURE_CLIENT_ID", "44444444-4444-4444-4444-444444444444"}});
  expect_winner(env, "ManagedIdentityCredential", "imds");
  DefaultAzureCredential dac(test_ambient(env));
  const auto token = dac.get_token(kRequest);
  const auto record = lookup_token(std::string(token->token.reveal()));
  EXPECT_EQ(record["client_id"], "44444444-4444-4444-4444-444444444444") << record.dump();
}

// No IMDS here: its address refuses connections, as on a developer machine. (A host that drops
// them instead is managed_identity_test's business: @azure/identity spends ~20 s on retries
// there, which would only slow this comparison down.)
const std::pair<std::string, std::string> kNoImds{"AZURE_POD_IDENTITY_AUTHORITY_HOST",
                                                  "http://127.0.0.1:9"};

TEST_F(DefaultAzureCredentialScenario, CliOnly_ManagedIdentityAbsent_PicksAzureCliCredential) {
  auto env = base_env({{"PATH", fake_cli_bin() + ":/usr/local/bin:/usr/bin:/bin"},
                       {"LLMAUTH_EMULATOR_URL", Emulator::get().http_url()},
                       kNoImds});
  expect_winner(env, "AzureCliCredential", "az");
}

TEST_F(DefaultAzureCredentialScenario, Nothing_IsUnavailableListingAll) {
  DefaultAzureCredential dac(test_ambient(base_env({kNoImds})));
  try {
    (void)dac.get_token(kRequest);
    FAIL() << "a token";
  } catch (const azure::ChainUnavailableError& e) {
    const std::string m = e.what();
    for (const auto name : DefaultAzureCredential::kCredentialNames) {
      EXPECT_NE(m.find(std::string(name) + ": "), std::string::npos) << name << " not in " << m;
    }
    EXPECT_EQ(e.attempts().size(), 5u);
  }
  const auto reference = reference_default_credential(base_env({kNoImds}));
  EXPECT_EQ(reference["ok"], false) << reference.dump();
  EXPECT_NE(reference.value("message", std::string()).find("CredentialUnavailableError"), std::string::npos)
      << reference.dump();
}

TEST_F(DefaultAzureCredentialScenario, WrongSecret_StopsTheChain) {
  DefaultAzureCredential dac(test_ambient(base_env({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClientId},
                                                    {"AZURE_CLIENT_SECRET", "wrong-secret-value"}})));
  try {
    (void)dac.get_token(kRequest);
    FAIL() << "a token";
  } catch (const UnavailableError& e) {
    FAIL() << "unavailable: " << e.what();
  } catch (const azure::ChainedTokenCredentialError& e) {
    EXPECT_NE(std::string(e.what()).find("AADSTS7000215"), std::string::npos) << e.what();
    EXPECT_EQ(e.attempts().size(), 1u);
    expect_no_secret(e.what(), "wrong-secret-value");
  }
  EXPECT_EQ(Emulator::get().counter("azure.imds"), 0);
}

}  // namespace
}  // namespace llmauth::testing
