// IAM Identity Center (SSO) profiles against the emulator's SSO portal and OIDC endpoint: a
// session minted through the control API is written where `aws sso login` would write it, the
// default chain resolves role credentials, and the emulator verifies their signatures.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "aws_test_support.hpp"
#include "llmauth/aws/credentials/default_chain.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"
#include "support/cli_runner.hpp"

namespace llmauth::testing {
namespace {

using aws::DefaultChain;

// `printf %s corp | sha1sum` and `printf %s https://d-1234567890.awsapps.com/start | sha1sum`,
// computed outside llmauth.
constexpr const char* kCorpKey = "ee0bfd2552fbd840c02cc48b6e823320543c450f";
constexpr const char* kLegacyKey = "7487b5b67d5fa1132cf33fa93ae51ef38cc37752";
constexpr const char* kStartUrl = "https://d-1234567890.awsapps.com/start";

const std::string kConfig =
    "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"
    "region = us-east-1\n"
    "[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\n"
    "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    "[profile legacy]\nsso_start_url = https://d-1234567890.awsapps.com/start\n"
    "sso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"
    "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = dev\n"
    "role_session_name = from-sso\n";

class SsoProfile : public ::testing::Test {
 protected:
  void SetUp() override {
    Emulator::get().reset();
    home.write(".aws/config", kConfig);
  }
  Ambient ambient(std::map<std::string, std::string> env = {}) {
    env["HOME"] = home.path().string();
    env.try_emplace("AWS_ENDPOINT_URL_SSO", Emulator::get().http_url());
    env.try_emplace("AWS_ENDPOINT_URL_SSO_OIDC", Emulator::get().http_url());
    return emulator_ambient(env);
  }
  // Mints a session and writes it to the cache file `key`, as `aws sso login` would.
  json::Json login(const std::string& key, json::Json request = json::Json::object()) {
    json::Json session = Emulator::get().control("POST", "/__control/sso/sessions", request);
    json::Json file = session;
    file.erase("expiresIn");
    home.write(".aws/sso/cache/" + key + ".json", file.dump());
    return session;
  }
  std::filesystem::path cache_file(const std::string& key) const {
    return home.path() / ".aws" / "sso" / "cache" / (key + ".json");
  }
  static void expect_no_session_secret(const std::string& text, const json::Json& session) {
    for (const char* field : {"accessToken", "refreshToken", "clientSecret"}) {
      if (session.contains(field)) expect_no_secret(text, session[field].get<std::string>());
    }
  }
  TempDir home;
};

TEST_F(SsoProfile, DefaultChainResolvesAndTheCredentialsSign) {
  login(kCorpKey);
  DefaultChain chain(ambient(), {.profile = "dev"});
  const auto creds = chain.resolve();
  EXPECT_EQ(creds->source, "SSO role ReadOnly in account 111122223333 (profile dev)");
  EXPECT_EQ(creds->account_id, "111122223333");
  EXPECT_EQ(creds->access_key_id.rfind("ASIA", 0), 0u);
  ASSERT_TRUE(creds->expiration);
  std::string echo;
  EXPECT_EQ(echo_status(*creds, &echo), 200) << echo;
  const auto verified = json::parse(echo, "echo answer");
  EXPECT_EQ(verified["temporary"], true);
  EXPECT_NE(verified["caller_arn"].get<std::string>().find(
                "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnly_"),
            std::string::npos)
      << verified.dump();

  EXPECT_EQ(Emulator::get().counter("sso.GetRoleCredentials"), 1);
  EXPECT_EQ(Emulator::get().counter("sso_oidc.CreateToken"), 0);
  const auto log = Emulator::get().control("GET", "/__control/requests?target=sso&limit=1");
  EXPECT_EQ(log[0]["query"]["role_name"], "ReadOnly");
  EXPECT_EQ(log[0]["query"]["account_id"], "111122223333");
  EXPECT_EQ(log[0]["sso"]["token_valid"], true);
}

TEST_F(SsoProfile, TokenNearExpiryIsRefreshedAtTheOidcEndpoint) {
  const auto session = login(kCorpKey, {{"expires_in_seconds", 300}});
  const auto creds = DefaultChain(ambient(), {.profile = "dev"}).resolve();
  EXPECT_EQ(echo_status(*creds), 200);
  EXPECT_EQ(Emulator::get().counter("sso_oidc.CreateToken"), 1);
  EXPECT_EQ(Emulator::get().counter("sso.GetRoleCredentials"), 1);

  // The cache file now holds the emulator's new token and the rotated refresh token.
  const auto text = ambient().read_file(cache_file(kCorpKey));
  ASSERT_TRUE(text);
  const auto saved = json::parse(*text, "saved cache");
  EXPECT_NE(saved["accessToken"], session["accessToken"]);
  EXPECT_NE(saved["refreshToken"], session["refreshToken"]);
  EXPECT_EQ(saved["clientId"], session["clientId"]);
  EXPECT_EQ(saved["clientSecret"], session["clientSecret"]);
  EXPECT_EQ(saved["registrationExpiresAt"], session["registrationExpiresAt"]);
  const auto expires_at = timefmt::parse_iso8601(saved["expiresAt"].get<std::string>());
  ASSERT_TRUE(expires_at);
  EXPECT_GT(*expires_at, std::chrono::system_clock::now() + std::chrono::minutes(55));
  struct stat st {};
  ASSERT_EQ(::stat(cache_file(kCorpKey).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // What was written is what the emulator issued: its refresh token is the live one.
  http::Request refresh;
  refresh.method = "POST";
  refresh.url = Emulator::get().http_url() + "/token";
  refresh.headers.push_back({"Content-Type", "application/json"});
  refresh.body = json::Json({{"grantType", "refresh_token"},
                             {"clientId", saved["clientId"]},
                             {"clientSecret", saved["clientSecret"]},
                             {"refreshToken", saved["refreshToken"]}})
                     .dump();
  EXPECT_EQ(test_transport()->send(refresh).status, 200);
}

TEST_F(SsoProfile, LegacyProfileUsesTheStartUrlCache) {
  login(kLegacyKey, {{"refresh_token", false}, {"start_url", kStartUrl}});
  const auto creds = DefaultChain(ambient(), {.profile = "legacy"}).resolve();
  EXPECT_EQ(creds->source, "SSO role ReadOnly in account 111122223333 (profile legacy)");
  EXPECT_EQ(echo_status(*creds), 200);
}

TEST_F(SsoProfile, RevokedSessionStopsTheChainWithTheLoginHint) {
  const auto session = login(kCorpKey);
  Emulator::get().control("POST", "/__control/sso/revoke",
                          {{"access_token", session["accessToken"]}});
  DefaultChain chain(ambient({{"AWS_PROFILE", "dev"}}));
  try {
    chain.resolve();
    FAIL() << "a revoked session gave credentials";
  } catch (const aws::ChainError& e) {
    const std::string m = e.what();
    EXPECT_NE(e.code(), ErrorCode::kUnavailable);
    ASSERT_EQ(e.attempts().size(), 2u) << m;
    EXPECT_NE(m.find("HTTP 401 UnauthorizedException"), std::string::npos) << m;
    EXPECT_NE(m.find("run `aws sso login --profile dev`"), std::string::npos) << m;
    expect_no_session_secret(m, session);
  }
}

TEST_F(SsoProfile, UnassignedRoleIsForbidden) {
  const auto session =
      login(kCorpKey, {{"roles", json::Json::array({json::Json{{"account_id", "111122223333"},
                                                               {"role_name", "Admin"}}})}});
  try {
    DefaultChain(ambient(), {.profile = "dev"}).resolve();
    FAIL() << "an unassigned role gave credentials";
  } catch (const aws::ChainError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("no access to role ReadOnly in account 111122223333 (HTTP 403 "
                     "ForbiddenException: No access)"),
              std::string::npos)
        << m;
    expect_no_session_secret(m, session);
  }
}

TEST_F(SsoProfile, SsoProfileIsTheSourceOfAnAssumeRole) {
  login(kCorpKey);
  const auto creds = DefaultChain(ambient(), {.profile = "app"}).resolve();
  EXPECT_EQ(Emulator::get().counter("sso.GetRoleCredentials"), 1);
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 1);
  const auto sts = Emulator::get().control("GET", "/__control/requests?target=sts&limit=1");
  EXPECT_EQ(sts[0]["sigv4"]["valid"], true) << sts.dump();
  EXPECT_EQ(sts[0]["form"]["RoleSessionName"], "from-sso");
  EXPECT_NE(creds->source.find("with SSO role ReadOnly in account 111122223333 (profile dev)"),
            std::string::npos)
      << creds->source;
  std::string echo;
  EXPECT_EQ(echo_status(*creds, &echo), 200);
  EXPECT_NE(echo.find("assumed-role/app/from-sso"), std::string::npos) << echo;
}

}  // namespace
}  // namespace llmauth::testing

namespace llmauth::testing {
namespace {

TEST_F(SsoProfile, ConcurrentProcessesWithADueToken_RefreshOnceAndAllSucceed) {
  // Three `llmauth aws resolve` at once, with a token inside the refresh window: the service
  // rotates the refresh token, so only one of them may spend it; the others must find its new
  // token in the cache instead of failing with invalid_grant.
  for (int trial = 0; trial < 3; ++trial) {
    Emulator::get().reset();
    login(kCorpKey, {{"expires_in_seconds", 300}});
    std::map<std::string, std::string> env = {
        {"PATH", "/usr/bin:/bin"},
        {"HOME", home.path().string()},
        {"LLMAUTH_LOOPBACK_ONLY", "1"},
        {"AWS_EC2_METADATA_DISABLED", "true"},
        {"AWS_ENDPOINT_URL_SSO", Emulator::get().http_url()},
        {"AWS_ENDPOINT_URL_SSO_OIDC", Emulator::get().http_url()}};
    std::vector<CliResult> results(3);
    std::vector<std::thread> runs;
    for (std::size_t i = 0; i < results.size(); ++i) {
      runs.emplace_back([&, i] {
        results[i] = run_cli({"aws", "resolve", "--profile", "dev"}, env);
      });
    }
    for (auto& t : runs) t.join();
    for (const auto& r : results) {
      EXPECT_EQ(r.exit_code, 0) << "trial " << trial << ": " << r.err;
      EXPECT_EQ(r.err.find("invalid_grant"), std::string::npos) << r.err;
    }
    EXPECT_EQ(Emulator::get().counter("sso_oidc.CreateToken"), 1) << "trial " << trial;
  }
}

}  // namespace
}  // namespace llmauth::testing
