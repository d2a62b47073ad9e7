// DefaultAzureCredential: order, AZURE_TOKEN_CREDENTIALS, excludes, the MI probe staying on
// loopback, the remembered winner. No emulator: developer tools are shell scripts on PATH.
#include "llmauth/azure/credentials/default_azure_credential.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"

#include <filesystem>
#include <fstream>

#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

using namespace std::chrono_literals;
using azure::ChainAttempt;
using azure::DefaultAzureCredential;

const azure::TokenRequest kRequest{{"https://cognitiveservices.azure.com/.default"}, "", ""};

using Names = std::vector<std::string>;

struct Tools {
  TempDir dir;
  // `az` prints a token (and counts its runs in az.count); `azd` is absent unless added.
  void az_ok() {
    dir.write("az",
              "#!/bin/sh\necho x >> \"$(dirname \"$0\")/az.count\"\n"
              "printf '{\"accessToken\":\"cli-token\",\"expires_on\":%s}' $(( $(date +%s) + 3600 ))\n",
              std::filesystem::perms::owner_all);
  }
  void az_script(const std::string& body) { dir.write("az", "#!/bin/sh\n" + body, std::filesystem::perms::owner_all); }
  void azd_ok() {
    dir.write("azd",
              "#!/bin/sh\nprintf '{\"token\":\"azd-token\",\"expiresOn\":\"2099-01-01T00:00:00Z\"}'\n",
              std::filesystem::perms::owner_all);
  }
  int az_runs() const {
    int n = 0;
    std::ifstream in(dir.path() / "az.count");
    for (std::string l; std::getline(in, l);) ++n;
    return n;
  }
  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
    extra["PATH"] = dir.path().string() + ":/usr/bin:/bin";
    return extra;
  }
};

TEST(DefaultAzureCredential, Order) {
  DefaultAzureCredential dac(test_ambient());
  EXPECT_EQ(dac.credential_names(),
            (Names{"EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential",
                   "AzureCliCredential", "AzureDeveloperCliCredential"}));
}

TEST(DefaultAzureCredential, TokenCredentialsEnv_NarrowsTheChain) {
  EXPECT_EQ(DefaultAzureCredential(test_ambient({{"AZURE_TOKEN_CREDENTIALS", "dev"}})).credential_names(),
            (Names{"AzureCliCredential", "AzureDeveloperCliCredential"}));
  EXPECT_EQ(DefaultAzureCredential(test_ambient({{"AZURE_TOKEN_CREDENTIALS", "Prod"}})).credential_names(),
            (Names{"EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential"}));
  EXPECT_EQ(DefaultAzureCredential(test_ambient({{"AZURE_TOKEN_CREDENTIALS", " azureclicredential "}}))
                .credential_names(),
            (Names{"AzureCliCredential"}));
  EXPECT_EQ(DefaultAzureCredential(test_ambient({{"AZURE_TOKEN_CREDENTIALS", "ManagedIdentityCredential"}}))
                .credential_names(),
            (Names{"ManagedIdentityCredential"}));
}

TEST(DefaultAzureCredential, TokenCredentialsEnv_InvalidValueListsTheValidOnes) {
  try {
    DefaultAzureCredential dac(test_ambient({{"AZURE_TOKEN_CREDENTIALS", "AzureCLI"}}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    const std::string m = e.what();
    for (const char* v : {"AzureCLI", "dev", "prod", "EnvironmentCredential", "WorkloadIdentityCredential",
                          "ManagedIdentityCredential", "AzureCliCredential", "AzureDeveloperCliCredential"}) {
      EXPECT_NE(m.find(v), std::string::npos) << v << " not in " << m;
    }
  }
}

TEST(DefaultAzureCredential, Excludes) {
  DefaultAzureCredential dac(test_ambient(), {.exclude_environment = true,
                                              .exclude_managed_identity = true,
                                              .exclude_azure_developer_cli = true});
  EXPECT_EQ(dac.credential_names(), (Names{"WorkloadIdentityCredential", "AzureCliCredential"}));
  DefaultAzureCredential dev(test_ambient({{"AZURE_TOKEN_CREDENTIALS", "dev"}}),
                             {.exclude_azure_cli = true});
  EXPECT_EQ(dev.credential_names(), (Names{"AzureDeveloperCliCredential"}));
}

TEST(DefaultAzureCredential, NothingConfigured_IsUnavailableListingAll_AndImdsProbeStaysOnLoopback) {
  Tools tools;  // empty PATH dir: no az, no azd
  // test_ambient points Azure IMDS at a closed loopback port: the managed-identity probe finds
  // nothing there, and in probe mode that must be "unavailable", fast.
  DefaultAzureCredential dac(test_ambient(tools.env()));
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)dac.get_token(kRequest);
    FAIL();
  } catch (const azure::ChainUnavailableError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("DefaultAzureCredential failed to retrieve a token: EnvironmentCredential: ", 0), 0u) << m;
    for (const char* n : {"WorkloadIdentityCredential: ", "ManagedIdentityCredential: ",
                          "AzureCliCredential: az was not found on PATH",
                          "AzureDeveloperCliCredential: azd was not found on PATH"}) {
      EXPECT_NE(m.find(n), std::string::npos) << n << " not in " << m;
    }
    EXPECT_EQ(e.attempts().size(), 5u);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  const auto attempts = dac.attempts();
  ASSERT_EQ(attempts.size(), 5u);
  for (const auto& a : attempts) EXPECT_EQ(a.outcome, ChainAttempt::Outcome::kUnavailable) << a.credential << ": " << a.detail;
}

TEST(DefaultAzureCredential, AzureCli_WinsWhenNothingElseIsConfigured_AndIsRemembered) {
  Tools tools;
  tools.az_ok();
  tools.azd_ok();
  DefaultAzureCredential dac(test_ambient(tools.env()), {.exclude_managed_identity = true});
  const auto t = dac.get_token(kRequest);
  EXPECT_EQ(t->token.reveal(), "cli-token");
  EXPECT_EQ(t->credential, "AzureCliCredential");
  auto attempts = dac.attempts();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[2].credential, "AzureCliCredential");
  EXPECT_EQ(attempts[2].outcome, ChainAttempt::Outcome::kSucceeded);
  (void)dac.get_token(kRequest);
  EXPECT_EQ(tools.az_runs(), 2);
  EXPECT_EQ(dac.attempts().size(), 3u);
}

TEST(DefaultAzureCredential, AzureCliFailing_StopsTheChainBeforeAzd) {
  Tools tools;
  tools.az_script("echo 'ERROR: AADSTS50173: the grant has expired' >&2\nexit 1\n");
  tools.azd_ok();
  DefaultAzureCredential dac(test_ambient(tools.env()), {.exclude_managed_identity = true});
  try {
    (void)dac.get_token(kRequest);
    FAIL();
  } catch (const azure::ChainedTokenCredentialError& e) {
    EXPECT_NE(std::string(e.what()).find("AzureCliCredential failed"), std::string::npos) << e.what();
    EXPECT_EQ(e.attempts().back().credential, "AzureCliCredential");
  }
}

TEST(DefaultAzureCredential, AzureCliNotLoggedIn_FallsThroughToAzd) {
  Tools tools;
  tools.az_script("echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
  tools.azd_ok();
  DefaultAzureCredential dac(test_ambient(tools.env({{"AZURE_TOKEN_CREDENTIALS", "dev"}})));
  EXPECT_EQ(dac.get_token(kRequest)->token.reveal(), "azd-token");
  EXPECT_EQ(dac.attempts()[0].detail, "Azure CLI is not logged in: run az login");
}

TEST(DefaultAzureCredential, TenantIsPassedToTheCli) {
  Tools tools;
  tools.az_script("for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$(dirname \"$0\")/argv.txt\"\n"
                  "printf '{\"accessToken\":\"t\",\"expires_on\":%s}' $(( $(date +%s) + 3600 ))\n");
  DefaultAzureCredential dac(test_ambient(tools.env({{"AZURE_TOKEN_CREDENTIALS", "AzureCliCredential"}})),
                             {.tenant_id = "contoso.onmicrosoft.com"});
  (void)dac.get_token(kRequest);
  std::ifstream in(tools.dir.path() / "argv.txt");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(all.find("--tenant\ncontoso.onmicrosoft.com\n"), std::string::npos) << all;
}

}  // namespace
}  // namespace llmauth::testing
