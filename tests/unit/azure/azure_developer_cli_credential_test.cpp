// AzureDeveloperCliCredential with fake `azd` scripts on PATH (and the emulator's fake azd).
#include "llmauth/azure/credentials/azure_developer_cli_credential.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"

#include <fstream>

#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

using namespace std::chrono_literals;
using azure::AzureDeveloperCliCredential;
using azure::TokenRequest;

const TokenRequest kOpenAi{{"https://cognitiveservices.azure.com/.default"}, "", ""};

struct FakeAzd {
  TempDir dir;
  explicit FakeAzd(const std::string& body) {
    dir.write("azd",
              "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$(dirname \"$0\")/argv.txt\"\n" + body,
              std::filesystem::perms::owner_all);
  }
  Ambient ambient() const { return test_ambient({{"PATH", dir.path().string() + ":/usr/bin:/bin"}}); }
  std::vector<std::string> argv() const {
    std::ifstream in(dir.path() / "argv.txt");
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
};

struct Failure {
  std::string message;
  ErrorCode code{};
  bool unavailable = false;
};
Failure failure_of(AzureDeveloperCliCredential& c, const TokenRequest& r) {
  try {
    (void)c.get_token(r);
  } catch (const UnavailableError& e) {
    return {e.what(), e.code(), true};
  } catch (const Error& e) {
    return {e.what(), e.code(), false};
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(AzureDeveloperCliCredential, RunsAzdAndParsesRfc3339Expiry) {
  FakeAzd azd("printf '{\"token\":\"azd-token-xyz\",\"expiresOn\":\"%s\"}' "
              "\"$(date -u -d \"@$(( $(date +%s) + 3600 ))\" +%Y-%m-%dT%H:%M:%SZ)\"\n");
  AzureDeveloperCliCredential cred(azd.ambient(), {.tenant_id = "00000000-0000-0000-0000-000000000001"});
  const auto now = std::chrono::system_clock::now();
  const auto t = cred.get_token(kOpenAi);
  EXPECT_EQ(t->token.reveal(), "azd-token-xyz");
  EXPECT_EQ(t->credential, "AzureDeveloperCliCredential");
  EXPECT_GT(t->expires_on, now + 3590s);
  EXPECT_LT(t->expires_on, now + 3610s);
  EXPECT_EQ(azd.argv(),
            (std::vector<std::string>{"auth", "token", "--output", "json", "--scope",
                                      "https://cognitiveservices.azure.com/.default", "--tenant-id",
                                      "00000000-0000-0000-0000-000000000001", "--no-prompt"}));
}

TEST(AzureDeveloperCliCredential, NotLoggedIn_IsUnavailable) {
  FakeAzd azd("echo 'ERROR: not logged in, run `azd auth login` to login' >&2\nexit 1\n");
  AzureDeveloperCliCredential cred(azd.ambient());
  const auto f = failure_of(cred, kOpenAi);
  EXPECT_TRUE(f.unavailable);
  EXPECT_NE(f.message.find("run azd auth login"), std::string::npos) << f.message;
}

TEST(AzureDeveloperCliCredential, NotOnPath_IsUnavailable) {
  TempDir empty;
  AzureDeveloperCliCredential cred(test_ambient({{"PATH", empty.path().string()}}));
  const auto f = failure_of(cred, kOpenAi);
  EXPECT_TRUE(f.unavailable);
  EXPECT_NE(f.message.find("azd was not found on PATH"), std::string::npos) << f.message;
}

TEST(AzureDeveloperCliCredential, BadOutputAndArguments) {
  for (const char* body : {"echo nope\n", "echo '{\"expiresOn\":\"2099-01-01T00:00:00Z\"}'\n",
                           "echo '{\"token\":\"t\",\"expiresOn\":\"tomorrow\"}'\n",
                           "echo '{\"token\":\"t\"}'\n"}) {
    FakeAzd azd(body);
    AzureDeveloperCliCredential cred(azd.ambient());
    const auto f = failure_of(cred, kOpenAi);
    EXPECT_FALSE(f.unavailable);
    EXPECT_EQ(f.code, ErrorCode::kInvalidInput) << body << f.message;
  }
  FakeAzd azd("echo '{\"token\":\"t\",\"expiresOn\":\"2099-01-01T00:00:00Z\"}'\n");
  AzureDeveloperCliCredential cred(azd.ambient());
  EXPECT_EQ(failure_of(cred, {{"https://x/.default|y"}, "", ""}).code, ErrorCode::kInvalidInput);
  EXPECT_EQ(failure_of(cred, {kOpenAi.scopes, "a b", ""}).code, ErrorCode::kInvalidInput);
  EXPECT_TRUE(azd.argv().empty());
  FakeAzd failing("echo 'ERROR: fetching token: boom' >&2\nexit 1\n");
  AzureDeveloperCliCredential c2(failing.ambient());
  const auto f = failure_of(c2, kOpenAi);
  EXPECT_FALSE(f.unavailable);
  EXPECT_NE(f.message.find("boom"), std::string::npos);
}

TEST(AzureDeveloperCliCredential, Timeout) {
  FakeAzd azd("sleep 5\n");
  AzureDeveloperCliCredential cred(azd.ambient(), {.timeout = 200ms});
  const auto f = failure_of(cred, kOpenAi);
  EXPECT_EQ(f.code, ErrorCode::kTimeout);
  EXPECT_NE(f.message.find("azd did not answer within 200 ms"), std::string::npos) << f.message;
}

TEST(AzureDeveloperCliCredential, EmulatorFakeAzd) {
  const std::string bin = std::string(LLMAUTH_SOURCE_DIR) + "/tests/emulator/bin";
  auto ambient_for = [&](const std::string& mode) {
    return test_ambient(
        {{"PATH", bin + ":/usr/local/bin:/usr/bin:/bin"}, {"LLMAUTH_FAKE_AZD_MODE", mode}});
  };
  AzureDeveloperCliCredential ok(ambient_for("ok"));
  EXPECT_EQ(std::string(ok.get_token(kOpenAi)->token.reveal()).rfind("fake-azd-token-", 0), 0u);
  AzureDeveloperCliCredential out(ambient_for("not-logged-in"));
  EXPECT_TRUE(failure_of(out, kOpenAi).unavailable);
  AzureDeveloperCliCredential garbage(ambient_for("garbage"));
  EXPECT_EQ(failure_of(garbage, kOpenAi).code, ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace llmauth::testing
