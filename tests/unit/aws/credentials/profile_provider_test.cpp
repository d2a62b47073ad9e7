// Profile resolution that needs no network: static keys, precedence between the two files,
// configuration errors. Assume-role and web-identity chains run against the emulator
// (tests/integration/aws/profile_chain_test.cpp).
#include "llmauth/aws/credentials/profile_provider.hpp"

#include <gtest/gtest.h>

#include "llmauth/aws/credentials/default_chain.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

using testing::TempDir;

struct Files {
  TempDir dir;
  std::map<std::string, std::string> env;
  Files(const std::string& config, const std::string& credentials) {
    env["AWS_CONFIG_FILE"] = dir.write("config", config).string();
    env["AWS_SHARED_CREDENTIALS_FILE"] = dir.write("credentials", credentials).string();
  }
  Ambient ambient(std::map<std::string, std::string> extra = {}) const {
    auto e = env;
    for (auto& [k, v] : extra) e[k] = v;
    return testing::test_ambient(e);
  }
};

std::string error_of(CredentialsProvider& p) {
  try {
    p.resolve();
  } catch (const UnavailableError& e) {
    return std::string("UNAVAILABLE: ") + e.what();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ProfileProvider, CredentialsFileStaticKeys) {
  Files f("", "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = devsecret\n"
              "aws_session_token = devtoken\n");
  ProfileProvider p(f.ambient(), "dev");
  const auto c = p.resolve();
  EXPECT_EQ(c->access_key_id, "AKIADEV");
  EXPECT_EQ(c->session_token.reveal(), "devtoken");
  EXPECT_NE(c->source.find("credentials file"), std::string::npos) << c->source;
}

TEST(ProfileProvider, CredentialsFileWinsOverConfigFile) {
  Files f("[profile dev]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c\n",
          "[dev]\naws_access_key_id = AKIACREDS\naws_secret_access_key = k\n");
  EXPECT_EQ(ProfileProvider(f.ambient(), "dev").resolve()->access_key_id, "AKIACREDS");
}

TEST(ProfileProvider, ConfigFileStaticKeysWhenCredentialsFileHasNone) {
  Files f("[profile dev]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c\n", "");
  const auto c = ProfileProvider(f.ambient(), "dev").resolve();
  EXPECT_EQ(c->access_key_id, "AKIACONFIG");
  EXPECT_NE(c->source.find("config file"), std::string::npos);
}

TEST(ProfileProvider, CredentialProcessWinsOverConfigFileKeys) {
  TempDir d;
  const auto script = d.write("proc.sh",
                              "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIAPROC\","
                              "\"SecretAccessKey\":\"procsecret\"}'\n",
                              std::filesystem::perms::owner_all);
  Files f("[profile dev]\ncredential_process = " + script.string() +
              "\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c\n",
          "");
  EXPECT_EQ(ProfileProvider(f.ambient(), "dev").resolve()->access_key_id, "AKIAPROC");
}

TEST(ProfileProvider, MissingExplicitProfileListsKnownOnes) {
  Files f("[profile a]\nregion=x\n", "[b]\naws_access_key_id=A\naws_secret_access_key=s\n");
  ProfileProvider p(f.ambient(), "prod");
  const auto e = error_of(p);
  EXPECT_NE(e.find("profile 'prod' was not found"), std::string::npos) << e;
  EXPECT_NE(e.find("profiles: a, b"), std::string::npos) << e;
}

TEST(ProfileProvider, MissingImplicitDefaultIsUnavailable) {
  Files f("", "");
  ProfileProvider p(f.ambient(), "default", {.explicit_profile = false});
  EXPECT_THROW(p.resolve(), UnavailableError);
}

TEST(ProfileProvider, ProfileWithoutCredentialsIsUnavailable) {
  Files f("[default]\nregion = us-east-1\n", "");
  ProfileProvider p(f.ambient(), "default", {.explicit_profile = false});
  EXPECT_NE(error_of(p).find("UNAVAILABLE: profile 'default' has no credentials"),
            std::string::npos);
}

TEST(ProfileProvider, HalfAKeyPairNamesFileAndLine) {
  Files f("", "[dev]\n\naws_secret_access_key = only-the-secret-here\n");
  ProfileProvider p(f.ambient(), "dev");
  const auto e = error_of(p);
  EXPECT_NE(e.find("credentials:3"), std::string::npos) << e;
  EXPECT_NE(e.find("no aws_access_key_id"), std::string::npos) << e;
  testing::expect_no_secret(e, "only-the-secret-here");
}

TEST(ProfileProvider, RoleArnWithoutSourceIsAnError) {
  Files f("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\n", "");
  ProfileProvider p(f.ambient(), "r");
  const auto e = error_of(p);
  EXPECT_NE(e.find("neither source_profile nor credential_source"), std::string::npos) << e;
  EXPECT_NE(e.find("config:2"), std::string::npos) << e;
}

TEST(ProfileProvider, RoleArnWithBothSourcesIsAnError) {
  Files f("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = a\n"
          "credential_source = Environment\n",
          "");
  ProfileProvider p(f.ambient(), "r");
  EXPECT_NE(error_of(p).find("both source_profile and credential_source"), std::string::npos);
}

TEST(ProfileProvider, UnknownCredentialSourceListsValidOnes) {
  Files f("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Lambda\n",
          "");
  ProfileProvider p(f.ambient(), "r");
  EXPECT_NE(error_of(p).find("Environment, Ec2InstanceMetadata, EcsContainer"), std::string::npos);
}

TEST(ProfileProvider, MfaSerialIsRefusedClearlyInsteadOfHanging) {
  Files f("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n"
          "mfa_serial = arn:aws:iam::123456789012:mfa/me\n",
          "[base]\naws_access_key_id = A\naws_secret_access_key = s\n");
  ProfileProvider p(f.ambient(), "r");
  EXPECT_NE(error_of(p).find("interactive MFA code"), std::string::npos);
}

TEST(ProfileProvider, SourceProfileCycleIsRejected) {
  Files f("[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n"
          "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n",
          "");
  ProfileProvider p(f.ambient(), "a");
  const auto e = error_of(p);
  EXPECT_NE(e.find("cycle: a -> b -> a"), std::string::npos) << e;
}

TEST(ProfileProvider, SelfReferenceWithoutKeysIsACycle) {
  Files f("[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = a\n", "");
  ProfileProvider p(f.ambient(), "a");
  EXPECT_NE(error_of(p).find("cycle"), std::string::npos);
}

TEST(ProfileProvider, SourceProfileWithoutCredentialsIsAnError) {
  Files f("[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = empty\n"
          "[profile empty]\nregion = us-east-1\n",
          "");
  ProfileProvider p(f.ambient(), "a");
  const auto e = error_of(p);
  EXPECT_EQ(e.rfind("UNAVAILABLE", 0), std::string::npos) << e;
  EXPECT_NE(e.find("source profile 'empty' has no credentials"), std::string::npos) << e;
}

TEST(ProfileProvider, MalformedFileStopsWithFileAndLine) {
  Files f("[profile a]\nregion = x\nregion = y\n", "");
  ProfileProvider p(f.ambient(), "a");
  EXPECT_NE(error_of(p).find("config:3"), std::string::npos);
}

TEST(ProfileProvider, WebIdentityTokenFileWithoutRoleIsAnError) {
  Files f("[profile w]\nweb_identity_token_file = /tmp/token\n", "");
  ProfileProvider p(f.ambient(), "w");
  EXPECT_NE(error_of(p).find("no role is"), std::string::npos);
}

// ---- the default chain's precedence (no network) ------------------------------------------

TEST(DefaultChain, EnvironmentWinsOverProfile) {
  Files f("", "[default]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = p\n");
  DefaultChain chain(f.ambient({{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}}));
  EXPECT_EQ(chain.resolve()->access_key_id, "AKIAENV");
  ASSERT_EQ(chain.attempts().size(), 1u);
  EXPECT_EQ(chain.attempts()[0].provider, "environment");
}

TEST(DefaultChain, AwsProfileSelectsTheProfileButEnvKeysStillWin) {
  Files f("", "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = d\n");
  DefaultChain with_env(f.ambient(
      {{"AWS_PROFILE", "dev"}, {"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}}));
  EXPECT_EQ(with_env.resolve()->access_key_id, "AKIAENV");
  DefaultChain without_env(f.ambient({{"AWS_PROFILE", "dev"}}));
  EXPECT_EQ(without_env.resolve()->access_key_id, "AKIADEV");
}

TEST(DefaultChain, ExplicitProfileSkipsEnvironmentKeys) {
  Files f("", "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = d\n");
  DefaultChain chain(f.ambient({{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}}),
                     {.profile = "dev"});
  EXPECT_EQ(chain.resolve()->access_key_id, "AKIADEV");
}

TEST(DefaultChain, AwsProfileNamingAMissingProfileIsAnError) {
  Files f("", "");
  DefaultChain chain(f.ambient({{"AWS_PROFILE", "nope"}}));
  try {
    chain.resolve();
    FAIL();
  } catch (const ChainError& e) {
    EXPECT_NE(e.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("profile 'nope' was not found"), std::string::npos);
  }
}

TEST(DefaultChain, NothingConfiguredListsEveryAttempt) {
  Files f("", "");
  DefaultChain chain(f.ambient());
  try {
    chain.resolve();
    FAIL();
  } catch (const ChainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    ASSERT_EQ(e.attempts().size(), 4u);
    EXPECT_EQ(e.attempts()[0].provider, "environment");
    EXPECT_EQ(e.attempts()[1].provider, "profile default");
    EXPECT_EQ(e.attempts()[2].provider, "container");
    EXPECT_EQ(e.attempts()[3].provider, "imds");
    EXPECT_NE(std::string(e.what()).find("AWS_EC2_METADATA_DISABLED"), std::string::npos)
        << e.what();
  }
}

TEST(DefaultChain, AConfiguredButFailingSourceStopsTheChain) {
  Files f("", "[default]\naws_access_key_id = AKIAP\naws_secret_access_key = p\n");
  DefaultChain chain(f.ambient({{"AWS_SECRET_ACCESS_KEY", "only-secret-xyz"}}));
  try {
    chain.resolve();
    FAIL();
  } catch (const ChainError& e) {
    ASSERT_EQ(e.attempts().size(), 1u);  // the profile was never consulted
    EXPECT_EQ(e.attempts()[0].outcome, Attempt::Outcome::kFailed);
    testing::expect_no_secret(e.what(), "only-secret-xyz");
  }
}

TEST(DefaultChain, WinnerIsRemembered) {
  Files f("", "[default]\naws_access_key_id = AKIAP\naws_secret_access_key = p\n");
  DefaultChain chain(f.ambient());
  const auto a = chain.resolve();
  const auto b = chain.resolve();
  EXPECT_EQ(a, b);  // the same cached object: no second walk
}

}  // namespace
}  // namespace llmauth::aws
