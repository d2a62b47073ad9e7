// Issue #9 end to end: what a newcomer and an attacker at an endpoint hit in their first hour —
// a credential_process that runs llmauth for its own profile, deadlines, expired credentials,
// unusable CA bundles, a missing AWS_PROFILE, and hostile answers that echo the credential or
// forge lines of our output. Each runs the real binary against the emulator and greps
// everything it printed.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "integration/azure/azure_chain_support.hpp"
#include "llmauth/core/json.hpp"
#include "support/cli_runner.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

constexpr const char* kAzureKey = "hostile-echo-azure-openai-key-0123456789";
// An Entra token whose exp (2023-11-14T22:13:20Z) has passed; encoded with Python's base64.
constexpr const char* kExpiredJwt =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJhdWQiOiJodHRwczovL2NvZ25pdGl2ZXNlcnZpY2VzLmF6dXJlLmNvbSIsImV4cCI6MTcwMDAwMDAwMH0."
    "c2lnbmF0dXJl";

class CliHardening : public ::testing::Test {
 protected:
  void SetUp() override {
    Emulator::get().reset();
    Emulator::get().control("POST", "/__control/azure/openai/keys",
                            {{"key", kAzureKey}, {"key_id", "hostile"}});
  }

  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) {
    extra.try_emplace("PATH", "/usr/local/bin:/usr/bin:/bin");
    extra.try_emplace("HOME", home.path().string());
    extra.try_emplace("LLMAUTH_LOOPBACK_ONLY", "1");
    extra.try_emplace("AWS_EC2_METADATA_DISABLED", "true");
    extra.try_emplace("AWS_ENDPOINT_URL_STS", Emulator::get().http_url());
    return extra;
  }
  CliResult run(std::vector<std::string> args, std::map<std::string, std::string> extra = {},
                std::chrono::seconds timeout = std::chrono::seconds(60)) {
    return run_cli(std::move(args), env(std::move(extra)), timeout);
  }
  std::string config(const json::Json& provider_extra = json::Json::object(),
                     const json::Json& auth = {{"type", "api_key"}, {"api_key", kAzureKey}}) {
    json::Json p = {{"name", "azure"},
                    {"type", "azure_openai"},
                    {"endpoint", Emulator::get().http_url()},
                    {"deployment", "gpt-4o"},
                    {"auth", auth}};
    p.update(provider_extra);
    return home.write("providers.json", json::Json({{"providers", {p}}}).dump(2)).string();
  }
  // No line of what was printed may start as if llmauth had printed it, but for the first.
  static void expect_no_forged_line(const std::string& printed, const std::string& marker) {
    std::istringstream lines(printed);
    for (std::string line; std::getline(lines, line);) {
      EXPECT_NE(line.rfind(marker, 0), 0u) << "a forged line: " << line;
    }
  }
  TempDir home;
};

// ---- 1. credential_process recursion --------------------------------------------------------

TEST_F(CliHardening, CredentialProcessThatRunsLlmauthForItsOwnProfile_StopsAtTheCycle) {
  home.write(".aws/config", std::string("[profile loop]\ncredential_process = ") +
                                LLMAUTH_CLI_PATH +
                                " aws export-credentials --profile loop --format process\n");
  const auto r = run({"aws", "resolve", "--profile", "loop"}, {}, std::chrono::seconds(30));
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("profile cycle: loop -> loop"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("llmauth: ", 0), 0u) << r.err;
}

// ---- 2. deadlines -----------------------------------------------------------------------------

TEST_F(CliHardening, ChatTimeout_IsADeadlineForTheWholeCallAndSaysHowManyAttempts) {
  Emulator::get().fault("azure_openai", 20, 0, 30000);  // accepts, then says nothing for 30 s
  const auto started = std::chrono::steady_clock::now();
  const auto r = run({"chat", "--config", config(), "--provider", "azure", "--timeout", "3", "hi"});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
  // Not 4 attempts × the timeout: the deadline covers them all (a generous bound, not a bench).
  EXPECT_LT(took, std::chrono::seconds(15)) << r.err;
  expect_no_secret(r.all(), kAzureKey);
}

TEST_F(CliHardening, SlowButHealthyStream_IsNotCutByTheCallTimeout) {
  Emulator::get().config({{"llm", {{"stream_chunk_delay_ms", 900}}}});
  const auto started = std::chrono::steady_clock::now();
  const auto r = run({"chat", "--config", config(), "--provider", "azure", "--stream", "--timeout",
                      "2", "tell me a story"});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(took, std::chrono::seconds(2)) << "the stream was not longer than the timeout";
  EXPECT_FALSE(r.out.empty());
}

TEST_F(CliHardening, StalledStream_FailsOnItsIdleTimeout) {
  Emulator::get().config({{"llm", {{"stream_chunk_delay_ms", 3000}}}});  // 3 s of silence
  const auto r = run({"chat", "--config", config({{"idle_timeout_seconds", 1}}), "--provider",
                      "azure", "--stream", "hi"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_NE(r.err.find("stalled"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("idle timeout"), std::string::npos) << r.err;
}

// ---- 3. credentials known to be expired are not sent ------------------------------------------

TEST_F(CliHardening, ExpiredStaticEntraToken_FailsLocallyAndIsNeverSent) {
  const auto r =
      run({"chat", "--config",
           config(json::Json::object(), {{"type", "azure_ad_token"}, {"token", kExpiredJwt}}),
           "--provider", "azure", "hi"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("expired at 2023-11-14T22:13:20Z"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("get a new one"), std::string::npos) << r.err;
  EXPECT_EQ(Emulator::get().counter("azure_openai.chat"), 0);
  expect_no_secret(r.all(), kExpiredJwt);
}

// ---- 4. an unusable CA bundle is named ----------------------------------------------------

TEST_F(CliHardening, MissingOrGarbageCaBundle_NamesTheVariableTheFileAndWhy) {
  const auto garbage = home.write("garbage.pem", "this is not a certificate\n");
  struct Case {
    std::string bundle;
    std::string why;
  } cases[] = {{"/nonexistent.pem", "no such file"},
               {garbage.string(), "holds no PEM certificate"}};
  for (const auto& c : cases) {
    const auto r =
        run_cli({"azure", "token", "--credential", "client-secret"},
                env(azure_chain::base_env({{"AWS_CA_BUNDLE", c.bundle},
                                           {"AZURE_TENANT_ID", azure_chain::kTenant},
                                           {"AZURE_CLIENT_ID", azure_chain::kClientId},
                                           {"AZURE_CLIENT_SECRET", azure_chain::kClientSecret}})));
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("AWS_CA_BUNDLE=" + c.bundle), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.why), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("trust its CA with"), std::string::npos) << "advice already followed";
    expect_no_secret(r.all(), azure_chain::kClientSecret);
  }
}

// ---- 5. AWS_PROFILE naming a missing profile ------------------------------------------------

TEST_F(CliHardening, AwsProfileNamingAMissingProfile_IsAnErrorEvenWithEnvironmentKeys) {
  home.write(".aws/config", "[profile dev]\nregion = us-east-1\n");
  const auto r = run({"aws", "resolve"}, {{"AWS_PROFILE", "prod"},
                                          {"AWS_ACCESS_KEY_ID", kEmulatorAccessKey},
                                          {"AWS_SECRET_ACCESS_KEY", kEmulatorSecretKey}});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("profile 'prod' was not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("AWS_PROFILE"), std::string::npos) << r.err;
  expect_no_secret(r.all(), kEmulatorSecretKey);
}

// ---- A. answers that echo the credential or forge our output --------------------------------

TEST_F(CliHardening, ChatErrorThatEchoesTheApiKey_IsScrubbedPlainStreamedAndInProvidersTest) {
  const std::string body =
      json::Json({{"error",
                   {{"code", "401"},
                    {"message", std::string("Access denied for api-key ") + kAzureKey +
                                    "\nllmauth: FORGED all good\x1b[2J"}}}})
          .dump();
  Emulator::get().control("POST", "/__control/fault",
                          {{"target", "azure_openai"},
                           {"count", 20},
                           {"status", 401},
                           {"body", body},
                           {"headers", {{"content-type", "application/json"}}}});
  const std::string file = config();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"chat", "--config", file, "--provider", "azure", "hi"},
           {"chat", "--config", file, "--provider", "azure", "--stream", "hi"},
           {"providers", "test", file}}) {
    const auto r = run(args);
    EXPECT_NE(r.exit_code, 0);
    expect_no_secret(r.all(), kAzureKey);
    expect_no_forged_line(r.all(), "llmauth: FORGED");
    EXPECT_EQ(r.all().find('\x1b'), std::string::npos);
    EXPECT_NE(r.all().find("Access denied for api-key ****"), std::string::npos) << r.all();
    EXPECT_EQ(r.all().find("HTTP 401 401"), std::string::npos) << r.all();
  }
}

TEST_F(CliHardening, StsErrorThatEchoesTheWebIdentityToken_IsScrubbedAndCapped) {
  const std::string token = "hostile-web-identity-token-0123456789abcdef";
  const auto token_file = home.write("token", token);
  const std::string message =
      "Not authorized: " + token + "\nllmauth: FORGED" + std::string(5000, 'x');
  Emulator::get().control(
      "POST", "/__control/fault",
      {{"target", "sts"},
       {"count", 5},
       {"status", 403},
       {"body", "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>" +
                    message + "</Message></Error></ErrorResponse>"},
       {"headers", {{"content-type", "text/xml"}}}});
  const auto r = run({"aws", "resolve"}, {{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file.string()},
                                          {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/app"},
                                          {"AWS_REGION", "us-east-1"}});
  EXPECT_NE(r.exit_code, 0);
  expect_no_secret(r.all(), token);
  expect_no_forged_line(r.all(), "llmauth: FORGED");
  EXPECT_NE(r.err.find("AccessDenied"), std::string::npos) << r.err;
  EXPECT_LT(r.err.size(), 3000u) << "the 5 KB message was not capped";
}

TEST_F(CliHardening, EntraErrorThatEchoesTheFormEncodedSecret_IsScrubbed) {
  // A secret with '+', '/' and '=' goes out form-encoded (%2B, %2F, %3D): that copy is hidden too.
  const std::string secret = "a+b/c=hostile-client-secret-0123";
  const std::string encoded = "a%2Bb%2Fc%3Dhostile-client-secret-0123";
  const std::string body =
      json::Json({{"error", "invalid_client"},
                  {"error_description",
                   "AADSTS7000215: Invalid client secret: " + encoded + " (raw " + secret + ")"}})
          .dump();
  Emulator::get().control("POST", "/__control/fault",
                          {{"target", "azure.token"},
                           {"count", 5},
                           {"status", 401},
                           {"body", body},
                           {"headers", {{"content-type", "application/json"}}}});
  const auto r = run_cli(
      {"--ca-bundle", Emulator::get().ca_path(), "azure", "token", "--credential", "client-secret"},
      env(azure_chain::base_env({{"AZURE_TENANT_ID", azure_chain::kTenant},
                                 {"AZURE_CLIENT_ID", azure_chain::kClientId},
                                 {"AZURE_CLIENT_SECRET", secret}})));
  EXPECT_NE(r.exit_code, 0);
  expect_no_secret(r.all(), secret);
  EXPECT_EQ(r.all().find("a%2Bb%2Fc"), std::string::npos) << r.all();
  EXPECT_NE(r.err.find("AADSTS7000215"), std::string::npos) << r.err;
}

// ---- B. hostile JSON --------------------------------------------------------------------------

TEST_F(CliHardening, DeeplyNestedOrHugeManagedIdentityAnswers_AreRefusedQuickly) {
  Emulator::get().config({{"azure", {{"imds", {{"mode", "available"}}}}}});
  for (const std::string& body :
       {std::string(20000, '[') + std::string(20000, ']'), std::string(2'000'000, ' ') + "{}"}) {
    Emulator::get().control("POST", "/__control/fault",
                            {{"target", "azure.imds"},
                             {"count", 10},
                             {"status", 200},
                             {"body", body},
                             {"headers", {{"content-type", "application/json"}}}});
    const auto r = run_cli({"azure", "token", "--credential", "managed-identity"},
                           env(azure_chain::base_env()), std::chrono::seconds(60));
    EXPECT_NE(r.exit_code, 0) << r.out;
    const bool refused = r.err.find("nested deeper than 64") != std::string::npos ||
                         r.err.find("larger than 65536 bytes") != std::string::npos;
    EXPECT_TRUE(refused) << r.err;
    EXPECT_LT(r.err.size(), 2000u);
    Emulator::get().reset();
    Emulator::get().config({{"azure", {{"imds", {{"mode", "available"}}}}}});
  }
}

}  // namespace
}  // namespace llmauth::testing
