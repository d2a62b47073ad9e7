// AzureCliCredential with small fake `az` scripts on PATH (and the emulator's fake az).
#include "llmauth/azure/credentials/azure_cli_credential.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"

#include <fstream>

#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

using namespace std::chrono_literals;
using azure::AzureCliCredential;
using azure::AzureCliCredentialOptions;
using azure::TokenRequest;

const TokenRequest kOpenAi{{"https://cognitiveservices.azure.com/.default"}, "", ""};
constexpr auto kExec = std::filesystem::perms::owner_all;

// A fake tool that records its arguments (one per line) in argv.txt, then runs `body`.
struct FakeTool {
  TempDir dir;
  FakeTool(const std::string& name, const std::string& body) {
    dir.write(name, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$(dirname \"$0\")/argv.txt\"\n" + body,
              kExec);
  }
  Ambient ambient(std::map<std::string, std::string> env = {}) const {
    env["PATH"] = dir.path().string() + ":/usr/bin:/bin";
    return test_ambient(std::move(env));
  }
  std::vector<std::string> argv() const {
    std::ifstream in(dir.path() / "argv.txt");
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
};

const std::string kOkBody =
    "now=$(date +%s)\n"
    "printf '{\"accessToken\":\"az-token-value-123\",\"expiresOn\":\"2000-01-01 00:00:00.000000\","
    "\"expires_on\":%s,\"subscription\":\"sub\",\"tenant\":\"t\",\"tokenType\":\"Bearer\"}\\n' "
    "$((now+3600))\n";

std::string failure(AzureCliCredential& c, const TokenRequest& r, bool* unavailable = nullptr,
                    ErrorCode* code = nullptr) {
  try {
    (void)c.get_token(r);
  } catch (const UnavailableError& e) {
    if (unavailable) *unavailable = true;
    if (code) *code = e.code();
    return e.what();
  } catch (const Error& e) {
    if (unavailable) *unavailable = false;
    if (code) *code = e.code();
    return e.what();
  }
  ADD_FAILURE() << "get_token did not throw";
  return {};
}

TEST(AzureCliCredential, RunsAzWithScopeAndParsesExpiresOnEpoch) {
  FakeTool az("az", kOkBody);
  AzureCliCredential cred(az.ambient());
  const auto before = std::chrono::system_clock::now();
  const auto token = cred.get_token(kOpenAi);
  EXPECT_EQ(token->token.reveal(), "az-token-value-123");
  EXPECT_EQ(token->credential, "AzureCliCredential");
  EXPECT_GT(token->expires_on, before + 3500s);  // expires_on wins over the (past) expiresOn
  EXPECT_LT(token->expires_on, before + 3700s);
  EXPECT_EQ(az.argv(), (std::vector<std::string>{"account", "get-access-token", "--output", "json",
                                                 "--scope",
                                                 "https://cognitiveservices.azure.com/.default"}));
}

TEST(AzureCliCredential, PassesTenantFromRequestOrOptions) {
  FakeTool az("az", kOkBody);
  AzureCliCredential cred(az.ambient(), {.tenant_id = "contoso.onmicrosoft.com"});
  (void)cred.get_token(kOpenAi);
  auto argv = az.argv();
  ASSERT_EQ(argv.size(), 8u);
  EXPECT_EQ(argv[6], "--tenant");
  EXPECT_EQ(argv[7], "contoso.onmicrosoft.com");
  (void)cred.get_token({kOpenAi.scopes, "00000000-0000-0000-0000-000000000001", ""});
  EXPECT_EQ(az.argv().back(), "00000000-0000-0000-0000-000000000001");
}

TEST(AzureCliCredential, SubscriptionIsPassedWhenNoTenant) {
  FakeTool az("az", kOkBody);
  AzureCliCredential cred(az.ambient(), {.subscription = "My Subscription"});
  (void)cred.get_token(kOpenAi);
  EXPECT_EQ(az.argv().back(), "My Subscription");
}

TEST(AzureCliCredential, LegacyExpiresOnLocalTime) {
  FakeTool az("az",
              "exp=$(date -d \"@$(( $(date +%s) + 1800 ))\" '+%Y-%m-%d %H:%M:%S.123456')\n"
              "printf '{\"accessToken\":\"legacy\",\"expiresOn\":\"%s\",\"tokenType\":\"Bearer\"}' \"$exp\"\n");
  AzureCliCredential cred(az.ambient());
  const auto now = std::chrono::system_clock::now();
  const auto token = cred.get_token(kOpenAi);
  EXPECT_EQ(token->token.reveal(), "legacy");
  EXPECT_GT(token->expires_on, now + 1790s);
  EXPECT_LT(token->expires_on, now + 1810s);
}

TEST(AzureCliCredential, ParseLocalTime) {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 0;
  tm.tm_mday = 2;
  tm.tm_hour = 3;
  tm.tm_min = 4;
  tm.tm_sec = 5;
  tm.tm_isdst = -1;
  const auto expected = std::chrono::system_clock::from_time_t(std::mktime(&tm)) + 500ms;
  EXPECT_EQ(azure::detail::parse_local_time("2026-01-02 03:04:05.500000"), expected);
  EXPECT_EQ(azure::detail::parse_local_time("2026-01-02 03:04:05.5"), expected);
  EXPECT_FALSE(azure::detail::parse_local_time("2026-01-02T03:04:05Z"));
  EXPECT_FALSE(azure::detail::parse_local_time("2026-13-02 03:04:05"));
  EXPECT_FALSE(azure::detail::parse_local_time(""));
}

TEST(AzureCliCredential, ScopeAndTenantAreValidatedBeforeRunning) {
  FakeTool az("az", kOkBody);
  AzureCliCredential cred(az.ambient());
  ErrorCode code{};
  for (const char* bad : {"https://x/.default; rm -rf /", "a b", "$(id)", "scope`x`", "\"q\""}) {
    const auto m = failure(cred, {{bad}, "", ""}, nullptr, &code);
    EXPECT_EQ(code, ErrorCode::kInvalidInput) << bad;
    EXPECT_NE(m.find("scope"), std::string::npos) << m;
  }
  for (const char* bad : {"ten ant", "-t", "a;b", "x/y"}) {
    failure(cred, {kOpenAi.scopes, bad, ""}, nullptr, &code);
    EXPECT_EQ(code, ErrorCode::kInvalidInput) << bad;
  }
  EXPECT_TRUE(az.argv().empty()) << "az ran";
  failure(cred, {{"a", "b"}, "", ""}, nullptr, &code);
  EXPECT_EQ(code, ErrorCode::kInvalidInput);
}

TEST(AzureCliCredential, NotOnPath_IsUnavailable) {
  TempDir empty;
  AzureCliCredential cred(test_ambient({{"PATH", empty.path().string()}}));
  bool unavailable = false;
  const auto m = failure(cred, kOpenAi, &unavailable);
  EXPECT_TRUE(unavailable);
  EXPECT_NE(m.find("az was not found on PATH"), std::string::npos) << m;
}

TEST(AzureCliCredential, NotLoggedIn_IsUnavailable) {
  FakeTool az("az", "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
  AzureCliCredential cred(az.ambient());
  bool unavailable = false;
  const auto m = failure(cred, kOpenAi, &unavailable);
  EXPECT_TRUE(unavailable);
  EXPECT_NE(m.find("not logged in: run az login"), std::string::npos) << m;

  FakeTool az2("az", "echo \"Please run 'az account set' to select a subscription\" >&2\nexit 1\n");
  AzureCliCredential cred2(az2.ambient());
  failure(cred2, kOpenAi, &unavailable);
  EXPECT_TRUE(unavailable);
}

TEST(AzureCliCredential, OtherFailure_IsAnErrorWithTrimmedStderr) {
  FakeTool az("az", "printf '\\n  ERROR: AADSTS70043: The refresh token has expired  \\n\\n' >&2\nexit 1\n");
  AzureCliCredential cred(az.ambient());
  bool unavailable = true;
  const auto m = failure(cred, kOpenAi, &unavailable);
  EXPECT_FALSE(unavailable);
  EXPECT_NE(m.find("exited with status 1: ERROR: AADSTS70043: The refresh token has expired"),
            std::string::npos)
      << m;
}

TEST(AzureCliCredential, HugeStderr_IsCapped) {
  FakeTool az("az", "head -c 100000 /dev/zero | tr '\\0' x >&2\nexit 2\n");
  AzureCliCredential cred(az.ambient());
  const auto m = failure(cred, kOpenAi);
  EXPECT_LT(m.size(), 1400u);
  EXPECT_NE(m.find("more bytes"), std::string::npos);
}

TEST(AzureCliCredential, Timeout_IsKTimeout) {
  FakeTool az("az", "sleep 5\n");
  AzureCliCredential cred(az.ambient(), {.timeout = 300ms});
  ErrorCode code{};
  bool unavailable = true;
  const auto m = failure(cred, kOpenAi, &unavailable, &code);
  EXPECT_FALSE(unavailable);
  EXPECT_EQ(code, ErrorCode::kTimeout);
  EXPECT_NE(m.find("az did not answer within 300 ms"), std::string::npos) << m;
}

TEST(AzureCliCredential, GarbageOrMissingToken_IsInvalidInput) {
  for (const char* body : {"echo 'not json at all'\n", "echo '{\"expires_on\": 99999999999}'\n",
                           "echo '{\"accessToken\":\"x\"}'\n", "echo '[1,2]'\n",
                           "echo '{\"accessToken\":\"x\",\"expiresOn\":\"soon\"}'\n"}) {
    FakeTool az("az", body);
    AzureCliCredential cred(az.ambient());
    ErrorCode code{};
    bool unavailable = true;
    const auto m = failure(cred, kOpenAi, &unavailable, &code);
    EXPECT_FALSE(unavailable) << body;
    EXPECT_EQ(code, ErrorCode::kInvalidInput) << body << " → " << m;
    EXPECT_EQ(m.rfind("AzureCliCredential: ", 0), 0u) << m;
  }
}

TEST(AzureCliCredential, ExpiredToken_IsAnError) {
  FakeTool az("az", "echo '{\"accessToken\":\"x\",\"expires_on\":1000}'\n");
  AzureCliCredential cred(az.ambient());
  const auto m = failure(cred, kOpenAi);
  EXPECT_NE(m.find("expired"), std::string::npos) << m;
}

TEST(AzureCliCredential, EmulatorFakeAz_Modes) {
  const std::string bin = std::string(LLMAUTH_SOURCE_DIR) + "/tests/emulator/bin";
  auto ambient_for = [&](const std::string& mode) {
    return test_ambient({{"PATH", bin + ":/usr/local/bin:/usr/bin:/bin"},
                         {"LLMAUTH_FAKE_AZ_MODE", mode},
                         {"LLMAUTH_FAKE_CLI_SLOW_SECONDS", "5"}});
  };
  {
    AzureCliCredential cred(ambient_for("ok"));
    const auto t = cred.get_token(kOpenAi);
    EXPECT_EQ(std::string(t->token.reveal()).rfind("fake-az-token-", 0), 0u);
  }
  {
    AzureCliCredential cred(ambient_for("legacy"));
    const auto now = std::chrono::system_clock::now();
    const auto t = cred.get_token(kOpenAi);
    EXPECT_GT(t->expires_on, now + 3500s);
    EXPECT_LT(t->expires_on, now + 3700s);
  }
  bool unavailable = false;
  {
    AzureCliCredential cred(ambient_for("not-logged-in"));
    failure(cred, kOpenAi, &unavailable);
    EXPECT_TRUE(unavailable);
  }
  ErrorCode code{};
  for (const char* mode : {"garbage", "missing-token"}) {
    AzureCliCredential cred(ambient_for(mode));
    failure(cred, kOpenAi, &unavailable, &code);
    EXPECT_FALSE(unavailable);
    EXPECT_EQ(code, ErrorCode::kInvalidInput) << mode;
  }
  {
    // "Interactive authentication is needed. Please run: az login --scope …": unavailable, as
    // in azure-identity (any "az login" in stderr), with the AADSTS reason kept.
    AzureCliCredential cred(ambient_for("error"));
    const auto m = failure(cred, kOpenAi, &unavailable, &code);
    EXPECT_TRUE(unavailable);
    EXPECT_NE(m.find("(AADSTS70043"), std::string::npos) << m;
  }
  {
    AzureCliCredential cred(ambient_for("slow"), {.timeout = 1s});
    failure(cred, kOpenAi, &unavailable, &code);
    EXPECT_EQ(code, ErrorCode::kTimeout);
  }
}

}  // namespace
}  // namespace llmauth::testing
