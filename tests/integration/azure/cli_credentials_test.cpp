// AzureCliCredential and AzureDeveloperCliCredential running the emulator's fake az / azd: the
// tokens they print are registered with the emulator, and the argv is what the SDKs run.
#include <gtest/gtest.h>

#include <fstream>

#include "integration/azure/azure_chain_support.hpp"
#include "llmauth/azure/credentials/azure_cli_credential.hpp"
#include "llmauth/azure/credentials/azure_developer_cli_credential.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::testing {
namespace {

using namespace azure_chain;

const azure::TokenRequest kRequest{{"https://cognitiveservices.azure.com/.default"}, kTenant, ""};

class CliCredentials : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }
  TempDir dir;
  std::string log = (dir.path() / "cli.log").string();
  Ambient ambient(std::map<std::string, std::string> extra = {}) {
    extra["PATH"] = fake_cli_bin() + ":/usr/local/bin:/usr/bin:/bin";
    extra["LLMAUTH_EMULATOR_URL"] = Emulator::get().http_url();
    extra["LLMAUTH_FAKE_CLI_LOG"] = log;
    return test_ambient(extra);
  }
  json::Json last_log() {
    std::ifstream in(log);
    std::string line, last;
    while (std::getline(in, line)) last = line;
    return json::parse(last, "cli log");
  }
};

TEST_F(CliCredentials, AzureCli_TokenIsKnownToTheEmulator) {
  azure::AzureCliCredential cred(ambient());
  const auto token = cred.get_token(kRequest);
  const auto record = lookup_token(std::string(token->token.reveal()));
  EXPECT_EQ(record["known"], true);
  EXPECT_EQ(record["source"], "az");
  EXPECT_EQ(record["tenant_id"], kTenant);
  EXPECT_EQ(last_log()["argv"],
            json::Json::array({"account", "get-access-token", "--output", "json", "--scope",
                               "https://cognitiveservices.azure.com/.default", "--tenant", kTenant}));
}

TEST_F(CliCredentials, AzureDeveloperCli_TokenIsKnownToTheEmulator) {
  azure::AzureDeveloperCliCredential cred(ambient());
  const auto token = cred.get_token(kRequest);
  const auto record = lookup_token(std::string(token->token.reveal()));
  EXPECT_EQ(record["known"], true);
  EXPECT_EQ(record["source"], "azd");
}

TEST_F(CliCredentials, NotLoggedIn_AreUnavailable) {
  azure::AzureCliCredential az(ambient({{"LLMAUTH_FAKE_AZ_MODE", "not-logged-in"}}));
  EXPECT_THROW((void)az.get_token(kRequest), UnavailableError);
  azure::AzureDeveloperCliCredential azd(ambient({{"LLMAUTH_FAKE_AZD_MODE", "not-logged-in"}}));
  EXPECT_THROW((void)azd.get_token(kRequest), UnavailableError);
}

}  // namespace
}  // namespace llmauth::testing
