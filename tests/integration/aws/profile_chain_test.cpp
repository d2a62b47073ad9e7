// The default chain against the emulator: the same source botocore would pick for the same
// files and environment, with real STS calls.
#include <gtest/gtest.h>

#include "aws_test_support.hpp"
#include "llmauth/aws/credentials/default_chain.hpp"
#include "llmauth/aws/credentials/web_identity_provider.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::testing {
namespace {

using aws::DefaultChain;

class ProfileChain : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }

  Ambient ambient(const std::string& config, const std::string& credentials,
                  std::map<std::string, std::string> env = {}) {
    env["AWS_CONFIG_FILE"] = dir.write("config", config).string();
    env["AWS_SHARED_CREDENTIALS_FILE"] = dir.write("credentials", credentials).string();
    return emulator_ambient(env);
  }
  std::string sts_form(const std::string& key, int index = -1) {
    const auto log = Emulator::get().control("GET", "/__control/requests?target=sts&limit=20");
    const auto& entry = index < 0 ? log[log.size() + index] : log[index];
    return entry["form"].value(key, "");
  }
  TempDir dir;
};

const std::string kBase =
    "[base]\naws_access_key_id = AKIDEXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n";

TEST_F(ProfileChain, AssumeRoleFromSourceProfile) {
  DefaultChain chain(ambient("[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
                             "source_profile = base\nrole_session_name = app-session\n",
                             kBase),
                     {.profile = "app"});
  const auto creds = chain.resolve();
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 1);
  EXPECT_EQ(sts_form("RoleSessionName"), "app-session");
  EXPECT_NE(creds->source.find("profile app"), std::string::npos) << creds->source;
  EXPECT_NE(creds->source.find("profile base"), std::string::npos) << creds->source;
  EXPECT_EQ(echo_status(*creds), 200);
}

TEST_F(ProfileChain, RoleChainingTwoLevels) {
  DefaultChain chain(ambient("[profile mid]\nrole_arn = arn:aws:iam::123456789012:role/mid\n"
                             "source_profile = base\n"
                             "[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\n"
                             "source_profile = mid\n",
                             kBase),
                     {.profile = "top"});
  const auto creds = chain.resolve();
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 2);
  EXPECT_EQ(sts_form("RoleArn", 0), "arn:aws:iam::123456789012:role/mid");
  EXPECT_EQ(sts_form("RoleArn", 1), "arn:aws:iam::123456789012:role/top");
  EXPECT_EQ(echo_status(*creds), 200);
}

TEST_F(ProfileChain, RoleArnWinsOverStaticKeysInTheTopProfile) {
  DefaultChain chain(ambient("[profile both]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
                             "source_profile = base\n",
                             kBase + "[both]\naws_access_key_id = AKIASTATIC\n"
                                     "aws_secret_access_key = s\n"),
                     {.profile = "both"});
  EXPECT_EQ(chain.resolve()->access_key_id.rfind("ASIA", 0), 0u);
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 1);
}

TEST_F(ProfileChain, StaticKeysWinOverRoleArnInASourceProfile) {
  // `src` has both keys and a role: as a source, its keys are used and its role is not assumed.
  DefaultChain chain(
      ambient("[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = src\n"
              "[profile src]\nrole_arn = arn:aws:iam::123456789012:role/never\n",
              "[src]\naws_access_key_id = AKIDEXAMPLE\n"
              "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"),
      {.profile = "top"});
  chain.resolve();
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 1);
  EXPECT_EQ(sts_form("RoleArn"), "arn:aws:iam::123456789012:role/top");
}

TEST_F(ProfileChain, ProfileMayNameItselfWhenItHasKeys) {
  DefaultChain chain(ambient("[profile self]\nrole_arn = arn:aws:iam::123456789012:role/self\n"
                             "source_profile = self\n",
                             "[self]\naws_access_key_id = AKIDEXAMPLE\n"
                             "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"),
                     {.profile = "self"});
  EXPECT_EQ(chain.resolve()->access_key_id.rfind("ASIA", 0), 0u);
}

TEST_F(ProfileChain, CredentialSourceEnvironment) {
  DefaultChain chain(
      ambient("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
              "credential_source = Environment\n",
              "",
              {{"AWS_ACCESS_KEY_ID", kEmulatorAccessKey}, {"AWS_SECRET_ACCESS_KEY", kEmulatorSecretKey}}),
      {.profile = "r"});
  EXPECT_EQ(chain.resolve()->access_key_id.rfind("ASIA", 0), 0u);
}

TEST_F(ProfileChain, EnvironmentKeysWinOverAnAssumeRoleDefaultProfile) {
  DefaultChain chain(ambient("[default]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                             "source_profile = base\n",
                             kBase,
                             {{"AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT"}, {"AWS_SECRET_ACCESS_KEY", "e"}}));
  EXPECT_EQ(chain.resolve()->access_key_id, "AKIAENVIRONMENT");
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 0);
}

TEST_F(ProfileChain, AssumeRoleFromTheDefaultProfileWinsOverEnvWebIdentity) {
  const auto token = dir.write("token", "web-identity-token-for-tests\n");
  DefaultChain chain(ambient("[default]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                             "source_profile = base\n",
                             kBase,
                             {{"AWS_WEB_IDENTITY_TOKEN_FILE", token.string()},
                              {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/wi"}}));
  chain.resolve();
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 1);
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRoleWithWebIdentity"), 0);
}

TEST_F(ProfileChain, WebIdentityFromEnvironmentWithoutAnyProfile) {
  const auto token = dir.write("token", "web-identity-token-for-tests\n");
  DefaultChain chain(ambient("", "",
                             {{"AWS_WEB_IDENTITY_TOKEN_FILE", token.string()},
                              {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/wi"},
                              {"AWS_ROLE_SESSION_NAME", "pod-1"}}));
  const auto creds = chain.resolve();
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRoleWithWebIdentity"), 1);
  EXPECT_EQ(sts_form("RoleSessionName"), "pod-1");
  EXPECT_EQ(sts_form("WebIdentityToken"), "web-identity-token-for-tests");
  EXPECT_EQ(echo_status(*creds), 200);
}

TEST_F(ProfileChain, WebIdentityTokenFileIsReReadOnEveryCall) {
  const auto token = dir.write("token", "web-identity-token-for-tests");
  aws::WebIdentityProvider p(emulator_ambient(),
                             {.token_file = token.string(),
                              .role_arn = "arn:aws:iam::123456789012:role/wi"},
                             {.region = "us-east-1", .endpoint = Emulator::get().http_url()});
  EXPECT_NO_THROW(p.resolve());
  dir.write("token", "rotated-token-the-emulator-does-not-know");
  try {
    p.resolve();
    FAIL() << "the rotated (unknown) token must have been sent";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("InvalidIdentityToken"), std::string::npos) << e.what();
    expect_no_secret(e.what(), "rotated-token-the-emulator-does-not-know");
  }
  Emulator::get().control("POST", "/__control/web-identity-tokens",
                          {{"token", "rotated-token-the-emulator-does-not-know"}});
  EXPECT_NO_THROW(p.resolve());
}

TEST_F(ProfileChain, WebIdentityInAProfile) {
  const auto token = dir.write("token", "web-identity-token-for-tests");
  DefaultChain chain(ambient("[profile wi]\nweb_identity_token_file = " + token.string() +
                                 "\nrole_arn = arn:aws:iam::123456789012:role/wi\n",
                             ""),
                     {.profile = "wi"});
  chain.resolve();
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRoleWithWebIdentity"), 1);
}

TEST_F(ProfileChain, MissingWebIdentityTokenFileIsAnError) {
  DefaultChain chain(ambient("", "",
                             {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token"},
                              {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/wi"}}));
  try {
    chain.resolve();
    FAIL();
  } catch (const aws::ChainError& e) {
    EXPECT_NE(e.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/token: no such file"), std::string::npos)
        << e.what();
  }
}

TEST_F(ProfileChain, StsEndpointFromTheProfile) {
  // No AWS_ENDPOINT_URL_STS: the profile's endpoint_url points at the emulator.
  TempDir d;
  std::map<std::string, std::string> env;
  env["AWS_CONFIG_FILE"] =
      d.write("config", "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
                        "source_profile = base\nregion = eu-west-1\nendpoint_url = " +
                            Emulator::get().http_url() + "\n")
          .string();
  env["AWS_SHARED_CREDENTIALS_FILE"] = d.write("credentials", kBase).string();
  DefaultChain chain(test_ambient(env), {.profile = "app"});
  chain.resolve();
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 1);
  const auto log = Emulator::get().control("GET", "/__control/requests?target=sts&limit=1");
  const std::string auth = log[0]["headers"].value("authorization", "");
  EXPECT_NE(auth.find("/eu-west-1/sts/aws4_request"), std::string::npos) << auth;
}

}  // namespace
}  // namespace llmauth::testing
