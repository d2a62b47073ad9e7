// `llmauth azure …` end to end, run as a user would with a controlled environment, against the
// emulator. The token is printed by `azure token` only, on stdout only.
#include <gtest/gtest.h>

#include "integration/azure/azure_chain_support.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"
#include "support/cli_runner.hpp"

namespace llmauth::testing {
namespace {

using namespace azure_chain;

class CliAzure : public ::testing::Test {
 protected:
  void SetUp() override {
    Emulator::get().reset();
    Emulator::get().config({{"azure", {{"imds", {{"mode", "absent"}}}}}});
  }

  CliResult run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    env = base_env(std::move(env));
    env.try_emplace("HOME", home.path().string());
    env.try_emplace("LLMAUTH_LOOPBACK_ONLY", "1");
    args.insert(args.begin(), {"--ca-bundle", Emulator::get().ca_path()});
    return run_cli(std::move(args), std::move(env));
  }
  std::map<std::string, std::string> fake_az(const std::string& mode = "ok") {
    return {{"PATH", fake_cli_bin() + ":/usr/local/bin:/usr/bin:/bin"},
            {"LLMAUTH_EMULATOR_URL", Emulator::get().http_url()},
            {"LLMAUTH_FAKE_AZ_MODE", mode},
            {"LLMAUTH_FAKE_AZ_TOKEN", kAzToken}};
  }
  static constexpr const char* kAzToken = "fake-az-token-for-the-cli-test-0123456789";
  TempDir home;
};

TEST_F(CliAzure, TokenJsonLikeAzAndKnownToTheEmulator) {
  const auto r = run({"azure", "token"}, fake_az());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out, "azure token output");
  EXPECT_EQ(j["accessToken"], kAzToken);
  EXPECT_EQ(j["tokenType"], "Bearer");
  EXPECT_EQ(j["credential"], "AzureCliCredential");
  ASSERT_TRUE(j["expires_on"].is_number_integer());
  const std::string local = j["expiresOn"];
  EXPECT_EQ(local.size(), 26u) << local;  // "YYYY-MM-DD HH:MM:SS.ffffff"
  EXPECT_EQ(local[10], ' ');
  EXPECT_EQ(lookup_token(kAzToken)["known"], true);
  expect_no_secret(r.err, kAzToken);
}

TEST_F(CliAzure, TokenRawWithClientSecretFromTheEnvironment) {
  const auto r = run({"azure", "token", "--credential", "client-secret", "--output", "raw"},
                     {{"AZURE_TENANT_ID", kTenant},
                      {"AZURE_CLIENT_ID", kClientId},
                      {"AZURE_CLIENT_SECRET", kClientSecret}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string token = r.out;
  while (!token.empty() && token.back() == '\n') token.pop_back();
  const auto record = lookup_token(token);
  EXPECT_EQ(record["known"], true);
  EXPECT_EQ(record["source"], "entra");
  expect_no_secret(r.all(), kClientSecret);
}

TEST_F(CliAzure, ResolvePrintsNoToken) {
  for (const char* output : {"text", "json"}) {
    const auto r = run({"azure", "resolve", "--output", output}, fake_az());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("AzureCliCredential"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ManagedIdentityCredential"), std::string::npos) << r.out;
    expect_no_secret(r.all(), kAzToken);
  }
}

TEST_F(CliAzure, ResolveJson_SaysExpiresAtInUtcAndAttemptsAsAwsResolveDoes) {
  const auto r = run({"azure", "resolve", "--output", "json"}, fake_az());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out, "azure resolve output");
  const std::string at = j["expires_at"];
  EXPECT_TRUE(timefmt::parse_iso8601(at).has_value()) << at;
  EXPECT_EQ(at.back(), 'Z') << at;
  EXPECT_FALSE(j.contains("expires_on")) << "one name for the expiry outside az's own shape";
  ASSERT_FALSE(j["attempts"].empty());
  EXPECT_EQ(j["attempts"].back(), (json::Json{{"source", "AzureCliCredential"},
                                              {"outcome", "ok"},
                                              {"detail", j["attempts"].back()["detail"]}}));
  EXPECT_EQ(j["attempts"][0]["outcome"], "unavailable");
}

TEST_F(CliAzure, TokenResource_AsksForTheResourcesDefaultScopeAsAzDoes) {
  const auto r = run({"azure", "token", "--credential", "client-secret", "--output", "raw",
                      "--resource", "https://cognitiveservices.azure.com"},
                     {{"AZURE_TENANT_ID", kTenant},
                      {"AZURE_CLIENT_ID", kClientId},
                      {"AZURE_CLIENT_SECRET", kClientSecret}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string token = r.out;
  while (!token.empty() && token.back() == '\n') token.pop_back();
  EXPECT_EQ(lookup_token(token)["scope"], "https://cognitiveservices.azure.com/.default");
  const auto both =
      run({"azure", "token", "--resource", "https://x", "--scope", "https://x/.default"});
  EXPECT_EQ(both.exit_code, 2) << both.all();
  EXPECT_EQ(both.err.rfind("llmauth: ", 0), 0u) << both.err;
}

TEST_F(CliAzure, NothingConfiguredExits3ListingAll) {
  const auto r = run({"azure", "resolve"});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  for (const char* name :
       {"EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential",
        "AzureCliCredential", "AzureDeveloperCliCredential"}) {
    EXPECT_NE(r.err.find(name), std::string::npos) << name << " missing in: " << r.err;
  }
  const auto t = run({"azure", "token"});
  EXPECT_EQ(t.exit_code, 3) << t.all();
  EXPECT_NE(t.err.find("DefaultAzureCredential failed to retrieve a token"), std::string::npos)
      << t.err;
  EXPECT_TRUE(t.out.empty());
}

TEST_F(CliAzure, FakeAzNotLoggedInIsUnavailable) {
  auto env = fake_az("not-logged-in");
  env["AZURE_TOKEN_CREDENTIALS"] = "AzureCliCredential";
  const auto r = run({"azure", "token"}, env);
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("not logged in: run az login"), std::string::npos) << r.err;
  const auto d = run({"azure", "token", "--credential", "azure-cli"}, fake_az("not-logged-in"));
  EXPECT_EQ(d.exit_code, 3) << d.all();
}

TEST_F(CliAzure, InvalidTokenCredentialsValueExits4) {
  const auto r = run({"azure", "token"}, {{"AZURE_TOKEN_CREDENTIALS", "bogus"}});
  EXPECT_EQ(r.exit_code, 4) << r.all();
  EXPECT_NE(r.err.find("AzureDeveloperCliCredential"), std::string::npos) << r.err;
}

TEST_F(CliAzure, SecretsAreNotCommandLineOptions) {
  const auto r = run({"azure", "token", "--client-secret", "x"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace llmauth::testing
