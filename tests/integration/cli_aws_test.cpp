// The llmauth binary end to end: run as a user would, with a controlled environment, against
// the emulator. Every test checks that no secret reached stdout or stderr unless the command's
// job is to print it.
#include <gtest/gtest.h>

#include "aws/aws_test_support.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"
#include "support/cli_runner.hpp"

namespace llmauth::testing {
namespace {

class CliAws : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }

  CliResult run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    env.try_emplace("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.try_emplace("HOME", home.path().string());
    env.try_emplace("LLMAUTH_LOOPBACK_ONLY", "1");
    env.try_emplace("AWS_EC2_METADATA_DISABLED", "true");
    env.try_emplace("AWS_ENDPOINT_URL_STS", Emulator::get().http_url());
    return run_cli(std::move(args), std::move(env));
  }
  std::map<std::string, std::string> env_keys() {
    return {{"AWS_ACCESS_KEY_ID", kEmulatorAccessKey},
            {"AWS_SECRET_ACCESS_KEY", kEmulatorSecretKey}};
  }
  TempDir home;
};

TEST_F(CliAws, ResolveShowsSourceMaskedKeyAndNoSecret) {
  auto env = env_keys();
  env["AWS_SESSION_TOKEN"] = "session-token-value-that-must-not-be-printed";
  env["AWS_REGION"] = "eu-central-1";
  const CliResult r = run({"aws", "resolve"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("source:        environment"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("*******MPLE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("eu-central-1"), std::string::npos);
  expect_no_secret(r.all(), kEmulatorSecretKey);
  expect_no_secret(r.all(), "session-token-value-that-must-not-be-printed");
  EXPECT_EQ(r.all().find(kEmulatorAccessKey), std::string::npos) << "the full key id was printed";
}

TEST_F(CliAws, ResolveSsoProfileShowsTheSsoSourceAndNoSecret) {
  home.write(".aws/config",
             "[profile sso-dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
             "sso_role_name = ReadOnly\nregion = eu-west-1\n"
             "[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\n"
             "sso_region = us-east-1\n");
  const std::map<std::string, std::string> sso_env = {
      {"AWS_ENDPOINT_URL_SSO", Emulator::get().http_url()},
      {"AWS_ENDPOINT_URL_SSO_OIDC", Emulator::get().http_url()}};

  const CliResult before = run({"aws", "resolve", "--profile", "sso-dev"}, sso_env);
  EXPECT_NE(before.exit_code, 0);
  EXPECT_NE(before.err.find("run `aws sso login --profile sso-dev`"), std::string::npos)
      << before.err;

  // A token that is due for refresh, so both SSO endpoints are used.
  const auto session =
      Emulator::get().control("POST", "/__control/sso/sessions", {{"expires_in_seconds", 600}});
  json::Json file = session;
  file.erase("expiresIn");
  // `printf %s corp | sha1sum`
  home.write(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json", file.dump());
  const CliResult r = run({"aws", "resolve", "--profile", "sso-dev"}, sso_env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find("source:        SSO role ReadOnly in account 111122223333 (profile sso-dev)"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("account:       111122223333"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("session token: yes"), std::string::npos) << r.out;
  EXPECT_EQ(Emulator::get().counter("sso_oidc.CreateToken"), 1);
  EXPECT_EQ(Emulator::get().counter("sso.GetRoleCredentials"), 1);
  for (const char* field : {"accessToken", "refreshToken", "clientSecret"}) {
    expect_no_secret(r.all(), session[field].get<std::string>());
  }
  // Nor the token the refresh wrote back.
  const auto saved =
      json::parse(*test_ambient().read_file(
                      home.path() / ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
                  "cache");
  expect_no_secret(r.all(), saved["accessToken"].get<std::string>());
  expect_no_secret(r.all(), saved["refreshToken"].get<std::string>());
}

TEST_F(CliAws, ResolveWithNothingConfiguredExits3AndListsEverySource) {
  const CliResult r = run({"aws", "resolve"});
  EXPECT_EQ(r.exit_code, 3);
  for (const char* source : {"environment", "profile default", "container", "imds"}) {
    EXPECT_NE(r.err.find(source), std::string::npos) << source << " missing in: " << r.err;
  }
}

TEST_F(CliAws, ResolveJsonThroughAssumeRoleProfile) {
  home.write(".aws/credentials",
             "[base]\naws_access_key_id = AKIDEXAMPLE\n"
             "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
  home.write(".aws/config",
             "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
             "source_profile = base\nregion = us-west-2\n");
  const CliResult r = run({"aws", "resolve", "--profile", "app", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out, "resolve output");
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["region"], "us-west-2");
  EXPECT_EQ(j["session_token"], true);
  EXPECT_FALSE(j["expires_at"].is_null());
  EXPECT_TRUE(timefmt::parse_iso8601(j["expires_at"].get<std::string>()).has_value()) << j.dump();
  EXPECT_FALSE(j.contains("expiration")) << "one name for the expiry in every output";
  EXPECT_NE(j["source"].get<std::string>().find("assume role"), std::string::npos);
  ASSERT_FALSE(j["attempts"].empty());
  EXPECT_EQ(j["attempts"].back()["outcome"], "ok");
  EXPECT_TRUE(j["attempts"].back().contains("source")) << j["attempts"].dump();
  expect_no_secret(r.all(), kEmulatorSecretKey);
}

TEST_F(CliAws, MalformedConfigExits4WithFileAndLine) {
  home.write(".aws/config", "[default]\nregion = a\nregion = b\n");
  const CliResult r = run({"aws", "resolve"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find(".aws/config:3"), std::string::npos) << r.err;
}

TEST_F(CliAws, ExportCredentialsProcessFormatIsACredentialProcess) {
  const CliResult r = run({"aws", "export-credentials", "--format", "process"}, env_keys());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out, "export output");
  EXPECT_EQ(j["Version"], 1);
  EXPECT_EQ(j["AccessKeyId"], kEmulatorAccessKey);
  EXPECT_EQ(j["SecretAccessKey"], kEmulatorSecretKey);

  // …and llmauth can use itself as a credential_process.
  home.write(".aws/config", std::string("[profile viaproc]\ncredential_process = ") +
                                LLMAUTH_CLI_PATH +
                                " aws export-credentials --profile base --format process\n");
  home.write(".aws/credentials",
             "[base]\naws_access_key_id = AKIDEXAMPLE\n"
             "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
  const CliResult chained = run({"aws", "resolve", "--profile", "viaproc"});
  EXPECT_EQ(chained.exit_code, 0) << chained.err;
  EXPECT_NE(chained.out.find("credential_process"), std::string::npos) << chained.out;
}

TEST_F(CliAws, ExportCredentialsEnvFormats) {
  auto env = env_keys();
  env["AWS_SESSION_TOKEN"] = "tok";
  const CliResult r = run({"aws", "export-credentials", "--format", "env"}, env);
  EXPECT_EQ(r.out, "export AWS_ACCESS_KEY_ID=AKIDEXAMPLE\nexport AWS_SECRET_ACCESS_KEY=" +
                       std::string(kEmulatorSecretKey) + "\nexport AWS_SESSION_TOKEN=tok\n");
  const CliResult n = run({"aws", "export-credentials", "--format", "env-no-export"}, env);
  EXPECT_EQ(n.out.rfind("AWS_ACCESS_KEY_ID=AKIDEXAMPLE\n", 0), 0u);
}

TEST_F(CliAws, SignedRequestIsAcceptedByTheEmulatorsOfficialVerifier) {
  const std::string url = Emulator::get().http_url() + "/echo/model/anthropic.claude-3/converse";
  const CliResult r =
      run({"aws", "sign", "--region", "us-east-1", "--service", "bedrock", "--method", "POST",
           "--url", url, "-H", "content-type: application/json", "--data", R"({"messages":[]})"},
          env_keys());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out, "sign output");
  EXPECT_FALSE(j["canonical_request"].get<std::string>().empty());
  EXPECT_EQ(j["string_to_sign"].get<std::string>().rfind("AWS4-HMAC-SHA256\n", 0), 0u);
  expect_no_secret(r.all(), kEmulatorSecretKey);

  http::Request req;
  req.method = "POST";
  req.url = j["url"];
  req.body = R"({"messages":[]})";
  for (const auto& [name, value] : j["headers"].items()) req.headers.push_back({name, value});
  const auto resp = test_transport()->send(req);
  EXPECT_EQ(resp.status, 200) << resp.body;
}

TEST_F(CliAws, PresignedUrlIsAccepted) {
  const std::string url = Emulator::get().http_url() + "/echo/presigned?x=1";
  const CliResult r = run({"aws", "sign", "--region", "us-east-1", "--service", "bedrock", "--url",
                           url, "--presign", "--expires", "300"},
                          env_keys());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out, "sign output");
  const std::string signed_url = j["url"];
  EXPECT_NE(signed_url.find("X-Amz-Signature="), std::string::npos);
  http::Request req;
  req.url = signed_url;
  EXPECT_EQ(test_transport()->send(req).status, 200);
}

TEST_F(CliAws, SignAtAFixedTimeIsReproducible) {
  const std::vector<std::string> args = {"aws",       "sign",
                                         "--region",  "us-east-1",
                                         "--service", "service",
                                         "--url",     "https://example.amazonaws.com/",
                                         "--time",    "2015-08-30T12:36:00Z"};
  const CliResult a = run(args, env_keys());
  const CliResult b = run(args, env_keys());
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  // The official get-vanilla vector: same key, time, region, service and request.
  EXPECT_NE(a.out.find("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
            std::string::npos)
      << a.out;
}

TEST_F(CliAws, ResolveMentionsAnAmbientBedrockApiKeyWithoutPrintingIt) {
  const CliResult minted =
      run({"aws", "bedrock-token", "--region", "eu-west-1", "--expires", "600"}, env_keys());
  ASSERT_EQ(minted.exit_code, 0) << minted.err;
  std::string key = minted.out;
  while (!key.empty() && key.back() == '\n') key.pop_back();
  auto env = env_keys();
  env["AWS_BEARER_TOKEN_BEDROCK"] = key;
  const CliResult r = run({"aws", "resolve"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find("AWS_BEARER_TOKEN_BEDROCK is set (short-term key for *******MPLE in eu-west-1"),
      std::string::npos)
      << r.out;
  expect_no_secret(r.all(), key);
}

TEST_F(CliAws, BedrockTokenHasTheApiKeyShape) {
  const CliResult r =
      run({"aws", "bedrock-token", "--region", "us-east-1", "--expires", "600"}, env_keys());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("bedrock-api-key-", 0), 0u);
  expect_no_secret(r.out, kEmulatorSecretKey);
}

TEST_F(CliAws, UsageErrorsExit2AndHelpPrintsNoSecret) {
  EXPECT_EQ(run({"aws", "sign", "--url", "x"}).exit_code, 2);
  EXPECT_EQ(run({"aws", "nonsense"}).exit_code, 2);
  const CliResult help = run({"aws", "sign", "--help"}, env_keys());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--presign"), std::string::npos);
  expect_no_secret(help.all(), kEmulatorSecretKey);
}

// --- regions are checked wherever they come from ---------------------------------------------

TEST_F(CliAws, BedrockToken_RegionThatIsNotOne_Exits4NamingWhereItCameFrom) {
  const CliResult flag = run({"aws", "bedrock-token", "--region", "mars-1"}, env_keys());
  EXPECT_EQ(flag.exit_code, 4) << flag.all();
  EXPECT_EQ(flag.err.rfind("llmauth: --region: 'mars-1' is not an AWS region", 0), 0u) << flag.err;
  EXPECT_TRUE(flag.out.empty()) << "no token for a region that does not exist";

  auto env = env_keys();
  env["AWS_REGION"] = "us-east-1x";
  const CliResult variable = run({"aws", "bedrock-token"}, env);
  EXPECT_EQ(variable.exit_code, 4) << variable.all();
  EXPECT_NE(variable.err.find("AWS_REGION: 'us-east-1x' is not an AWS region"), std::string::npos)
      << variable.err;
  EXPECT_TRUE(variable.out.empty());

  home.write(".aws/config", "[default]\nregion = us-east-1x\n");
  const CliResult profile = run({"aws", "bedrock-token"}, env_keys());
  EXPECT_EQ(profile.exit_code, 4) << profile.all();
  EXPECT_NE(profile.err.find("region of profile 'default': 'us-east-1x' is not an AWS region"),
            std::string::npos)
      << profile.err;
  EXPECT_TRUE(profile.out.empty());
}

TEST_F(CliAws, Resolve_FlagsARegionThatIsNotOne) {
  auto env = env_keys();
  env["AWS_REGION"] = "us-east-1x";
  const CliResult r = run({"aws", "resolve"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;  // the credentials themselves are fine
  EXPECT_NE(r.out.find("us-east-1x (NOT an AWS region; it comes from AWS_REGION)"),
            std::string::npos)
      << r.out;
}

TEST_F(CliAws, Sign_UrlThatNamesItsRegion_SuppliesIt) {
  home.write(".aws/config", "[default]\nregion = us-east-1\n");
  const CliResult r = run({"aws", "sign", "--service", "bedrock", "--url",
                           "https://bedrock-runtime.eu-west-1.amazonaws.com/model/m/converse",
                           "--time", "2025-01-01T00:00:00Z"},
                          env_keys());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out, "sign output");
  EXPECT_EQ(j["region"], "eu-west-1");
  EXPECT_EQ(j["credential_scope"], "20250101/eu-west-1/bedrock/aws4_request");
}

TEST_F(CliAws, Sign_RegionTheUrlContradicts_Exits4) {
  const CliResult r = run({"aws", "sign", "--service", "bedrock", "--region", "us-east-1", "--url",
                           "https://bedrock-runtime.eu-west-1.amazonaws.com/model/m/converse"},
                          env_keys());
  EXPECT_EQ(r.exit_code, 4) << r.all();
  EXPECT_NE(r.err.find("llmauth: --region us-east-1 but the URL names region eu-west-1"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty());
  auto env = env_keys();
  env["AWS_REGION"] = "us-east-1x";
  const CliResult global =
      run({"aws", "sign", "--service", "sts", "--url", "https://sts.amazonaws.com/"}, env);
  EXPECT_EQ(global.exit_code, 4) << global.all();
  EXPECT_NE(global.err.find("AWS_REGION: 'us-east-1x' is not an AWS region"), std::string::npos)
      << global.err;
  // Other SigV4 services name their regions as they like (R2: "auto").
  const CliResult r2 = run({"aws", "sign", "--service", "s3", "--region", "auto", "--url",
                            "https://account.r2.cloudflarestorage.com/bucket/key"},
                           env_keys());
  EXPECT_EQ(r2.exit_code, 0) << r2.err;
}

// --- what sign prints -------------------------------------------------------------------------

TEST_F(CliAws, Sign_HelpSaysTheOutputHoldsTheSessionToken) {
  const CliResult help = run({"aws", "sign", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("The output holds the session token"), std::string::npos) << help.out;
  auto env = env_keys();
  env["AWS_SESSION_TOKEN"] = "session-token-of-the-sign-test";
  const CliResult r = run({"aws", "sign", "--service", "bedrock", "--region", "us-east-1", "--url",
                           "https://bedrock-runtime.us-east-1.amazonaws.com/"},
                          env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out, "sign output")["headers"]["X-Amz-Security-Token"],
            "session-token-of-the-sign-test");
}

TEST_F(CliAws, SignCurl_CarriesTheCaBundleInUse) {
  const std::vector<std::string> sign = {
      "aws",      "sign",      "--service", "bedrock",
      "--region", "us-east-1", "--url",     Emulator::get().http_url() + "/echo/x",
      "--output", "curl"};
  const CliResult none = run(sign, env_keys());
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out.find("--cacert"), std::string::npos) << none.out;

  auto flag_args = sign;
  flag_args.insert(flag_args.end(),
                   {"--ca-bundle", Emulator::get().ca_path()});  // after the command
  const CliResult flag = run(flag_args, env_keys());
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_NE(flag.out.find("--cacert '" + Emulator::get().ca_path() + "'"), std::string::npos)
      << flag.out;

  auto env = env_keys();
  env["AWS_CA_BUNDLE"] = Emulator::get().ca_path();
  const CliResult variable = run(sign, env);
  EXPECT_NE(variable.out.find("--cacert '" + Emulator::get().ca_path() + "'"), std::string::npos)
      << variable.out;
}

// --- AWS_BEARER_TOKEN_BEDROCK alone ---------------------------------------------------------

TEST_F(CliAws, Resolve_OnlyABedrockApiKey_ReportsItAsTheSourceAndExits0) {
  const std::string key = "bedrock-api-key-long-term-key-of-the-resolve-test-0123456789";
  const CliResult r = run({"aws", "resolve"}, {{"AWS_BEARER_TOKEN_BEDROCK", key}});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("source:        AWS_BEARER_TOKEN_BEDROCK (Bedrock API key, long-term key)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("other AWS services need credentials"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("environment: unavailable"), std::string::npos) << r.out;

  const CliResult j =
      run({"aws", "resolve", "--output", "json"}, {{"AWS_BEARER_TOKEN_BEDROCK", key}});
  EXPECT_EQ(j.exit_code, 0) << j.all();
  const auto out = json::parse(j.out, "resolve output");
  EXPECT_EQ(out["ok"], true);
  EXPECT_EQ(out["source"], "AWS_BEARER_TOKEN_BEDROCK");
  EXPECT_EQ(out["bedrock_api_key"]["kind"], "long-term");
  EXPECT_FALSE(out.contains("error")) << out.dump();
  for (const auto* printed : {&r, &j}) expect_no_secret(printed->all(), key);

  // A short-term key says whose and until when; with no key at all it is still exit 3.
  const CliResult minted =
      run({"aws", "bedrock-token", "--region", "eu-west-1", "--expires", "600"}, env_keys());
  ASSERT_EQ(minted.exit_code, 0) << minted.err;
  std::string short_term = minted.out;
  while (!short_term.empty() && short_term.back() == '\n') short_term.pop_back();
  const CliResult s =
      run({"aws", "resolve", "--output", "json"}, {{"AWS_BEARER_TOKEN_BEDROCK", short_term}});
  EXPECT_EQ(s.exit_code, 0) << s.all();
  const auto sj = json::parse(s.out, "resolve output");
  EXPECT_EQ(sj["bedrock_api_key"]["region"], "eu-west-1");
  EXPECT_EQ(sj["bedrock_api_key"]["access_key_id"], "*******MPLE");
  EXPECT_TRUE(timefmt::parse_iso8601(sj["bedrock_api_key"]["expires_at"].get<std::string>()));
  expect_no_secret(s.all(), short_term);
}

// --- export-credentials in the aws CLI's shapes ---------------------------------------------

TEST_F(CliAws, ExportCredentialsProcess_PrintsVersionFirstAsTheAwsCliDoes) {
  const CliResult r = run({"aws", "export-credentials", "--format", "process"}, env_keys());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      r.out.rfind(
          "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIDEXAMPLE\",\n  \"SecretAccessKey\": ", 0),
      0u)
      << r.out;
}

TEST_F(CliAws, ExportCredentials_PowershellWindowsCmdAndFish) {
  auto env = env_keys();
  env["AWS_SESSION_TOKEN"] = "tok";
  const std::string secret = kEmulatorSecretKey;
  EXPECT_EQ(run({"aws", "export-credentials", "--format", "powershell"}, env).out,
            "$Env:AWS_ACCESS_KEY_ID=\"AKIDEXAMPLE\"\n$Env:AWS_SECRET_ACCESS_KEY=\"" + secret +
                "\"\n$Env:AWS_SESSION_TOKEN=\"tok\"\n");
  EXPECT_EQ(run({"aws", "export-credentials", "--format", "windows-cmd"}, env).out,
            "set AWS_ACCESS_KEY_ID=AKIDEXAMPLE\nset AWS_SECRET_ACCESS_KEY=" + secret +
                "\nset AWS_SESSION_TOKEN=tok\n");
  EXPECT_EQ(run({"aws", "export-credentials", "--format", "fish"}, env).out,
            "set -gx AWS_ACCESS_KEY_ID \"AKIDEXAMPLE\"\nset -gx AWS_SECRET_ACCESS_KEY \"" + secret +
                "\"\nset -gx AWS_SESSION_TOKEN \"tok\"\n");
}

TEST_F(CliAws, LoopbackGuardRefusesTheRealStsWhenNotOverridden) {
  home.write(".aws/credentials",
             "[base]\naws_access_key_id = AKIDEXAMPLE\n"
             "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
  home.write(".aws/config",
             "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
             "source_profile = base\nregion = us-west-2\n");
  const CliResult r = run({"aws", "resolve", "--profile", "app"}, {{"AWS_ENDPOINT_URL_STS", ""}});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("loopback-only guard"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sts.us-west-2.amazonaws.com"), std::string::npos) << r.err;
}

TEST_F(CliAws, HttpsStsIsTrustedThroughTheCaBundleOnly) {
  home.write(".aws/credentials",
             "[base]\naws_access_key_id = AKIDEXAMPLE\n"
             "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
  home.write(".aws/config",
             "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
             "source_profile = base\n");
  const std::map<std::string, std::string> https_sts = {
      {"AWS_ENDPOINT_URL_STS", Emulator::get().https_url()}};
  const CliResult untrusted = run({"aws", "resolve", "--profile", "app"}, https_sts);
  EXPECT_EQ(untrusted.exit_code, 5) << untrusted.err;
  const CliResult flag = run(
      {"--ca-bundle", Emulator::get().ca_path(), "aws", "resolve", "--profile", "app"}, https_sts);
  EXPECT_EQ(flag.exit_code, 0) << flag.err;
  auto env = https_sts;
  env["AWS_CA_BUNDLE"] = Emulator::get().ca_path();
  const CliResult variable = run({"aws", "resolve", "--profile", "app"}, env);
  EXPECT_EQ(variable.exit_code, 0) << variable.err;
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 2);
}

}  // namespace
}  // namespace llmauth::testing

namespace llmauth::testing {
namespace {

// libcurl is loaded on first use: signing never needs it, and when it is missing the first
// network call says what to install instead of the program failing to start.
class CliLazyLibcurl : public CliAws {};

TEST_F(CliLazyLibcurl, SigningWorksWithoutLibcurl) {
  auto env = env_keys();
  env["LLMAUTH_LIBCURL"] = "/nonexistent/libcurl.so.4";
  const CliResult r = run({"aws", "sign", "--region", "us-east-1", "--service", "bedrock", "--url",
                           "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse",
                           "--time", "2015-08-30T12:36:00Z", "--data", "{}"},
                          env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"signature\""), std::string::npos);
}

TEST_F(CliLazyLibcurl, MissingLibcurlIsANetworkErrorThatSaysWhatToInstall) {
  home.write(".aws/credentials",
             "[base]\naws_access_key_id = AKIDEXAMPLE\n"
             "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
  home.write(".aws/config",
             "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
             "source_profile = base\nregion = us-west-2\n");
  const CliResult r = run({"aws", "resolve", "--profile", "app"},
                          {{"LLMAUTH_LIBCURL", "/nonexistent/libcurl.so.4"}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot load libcurl"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("apt-get install libcurl4"), std::string::npos) << r.err;
  EXPECT_EQ(Emulator::get().counter("sts"), 0);
  expect_no_secret(r.all(), kEmulatorSecretKey);
}

}  // namespace
}  // namespace llmauth::testing
