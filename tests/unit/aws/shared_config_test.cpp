#include "llmauth/aws/shared_config.hpp"

#include <gtest/gtest.h>

#include "llmauth/aws/endpoints.hpp"
#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

TEST(SharedConfig, ProfileSpellingDiffersBetweenFiles) {
  const auto cfg = SharedConfig::from_text(
      "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n[dev2]\nregion = x\n",
      "[dev]\naws_access_key_id = AKIA1\n[profile weird]\nx = 1\n");
  ASSERT_NE(cfg.config_profile("default"), nullptr);
  ASSERT_NE(cfg.config_profile("dev"), nullptr);
  EXPECT_EQ(cfg.config_profile("dev2"), nullptr);  // config sections need "profile "
  EXPECT_NE(cfg.credentials_profile("dev"), nullptr);
  EXPECT_NE(cfg.credentials_profile("profile weird"), nullptr);  // taken literally
}

TEST(SharedConfig, CredentialsFileOverridesConfigInMergedView) {
  const auto cfg = SharedConfig::from_text("[profile dev]\nregion = eu-west-1\nfoo = config\n",
                                           "[dev]\nfoo = credentials\n");
  const auto merged = cfg.merged("dev");
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->get("foo"), "credentials");
  EXPECT_EQ(merged->get("region"), "eu-west-1");
  EXPECT_EQ(merged->where("foo"), "credentials:2");
}

TEST(SharedConfig, NotFoundMessageListsProfiles) {
  const auto cfg = SharedConfig::from_text("[profile a]\nx=1\n", "[b]\ny=2\n");
  const auto msg = cfg.not_found_message("prod");
  EXPECT_NE(msg.find("profile 'prod' was not found"), std::string::npos);
  EXPECT_NE(msg.find("profiles: a, b"), std::string::npos) << msg;
}

TEST(SharedConfig, SsoSessionSectionsAreNotProfiles) {
  const auto cfg = SharedConfig::from_text(
      "[profile dev]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://x/start\n"
      "sso_region = eu-west-1\n[sso-session  spaced ]\nsso_region = us-east-1\n",
      "", "cfg");
  const Profile* corp = cfg.sso_session("corp");
  ASSERT_NE(corp, nullptr);
  EXPECT_EQ(corp->name, "corp");
  EXPECT_EQ(corp->get("sso_start_url"), "https://x/start");
  EXPECT_EQ(corp->get("sso_region"), "eu-west-1");
  EXPECT_EQ(corp->where("sso_region"), "cfg:5");
  ASSERT_NE(cfg.sso_session("spaced"), nullptr);
  EXPECT_EQ(cfg.sso_session("dev"), nullptr);
  EXPECT_EQ(cfg.profile_names(), std::vector<std::string>{"dev"});
}

TEST(SharedConfig, LoadReadsTheFilesNamedByTheEnvironment) {
  testing::TempDir dir;
  const auto config = dir.write("cfg", "[profile p]\nregion = ap-south-1\n");
  const auto creds = dir.write("creds", "[p]\naws_access_key_id = AKIAP\n");
  const auto ambient = testing::test_ambient(
      {{"AWS_CONFIG_FILE", config.string()}, {"AWS_SHARED_CREDENTIALS_FILE", creds.string()}});
  const auto cfg = SharedConfig::load(ambient);
  EXPECT_EQ(cfg.merged("p")->get("region"), "ap-south-1");
  EXPECT_EQ(cfg.merged("p")->get("aws_access_key_id"), "AKIAP");
}

TEST(SharedConfig, MissingFilesAreEmpty) {
  const auto cfg = SharedConfig::load(testing::test_ambient());
  EXPECT_TRUE(cfg.profile_names().empty());
}

TEST(SharedConfig, DefaultFilesLiveUnderHome) {
  testing::TempDir dir;
  dir.write(".aws/config", "[default]\nregion = us-east-2\n");
  const auto cfg = SharedConfig::load(testing::test_ambient({{"HOME", dir.path().string()}}));
  EXPECT_EQ(cfg.merged("default")->get("region"), "us-east-2");
}

TEST(ProfileName, EnvironmentOrDefault) {
  EXPECT_EQ(profile_name_from_env(testing::test_ambient()), "default");
  EXPECT_EQ(profile_name_from_env(testing::test_ambient({{"AWS_DEFAULT_PROFILE", "old"}})), "old");
  EXPECT_EQ(profile_name_from_env(
                testing::test_ambient({{"AWS_PROFILE", "new"}, {"AWS_DEFAULT_PROFILE", "old"}})),
            "new");
}

TEST(Endpoints, ServiceSpecificOverrideWinsOverGlobal) {
  const auto ambient = testing::test_ambient(
      {{"AWS_ENDPOINT_URL", "http://global"}, {"AWS_ENDPOINT_URL_STS", "http://sts"}});
  EXPECT_EQ(endpoint_override(ambient, "STS", nullptr, nullptr), "http://sts");
  EXPECT_EQ(endpoint_override(ambient, "Bedrock Runtime", nullptr, nullptr), "http://global");
  EXPECT_EQ(endpoint_env_var("Bedrock Runtime"), "AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
}

TEST(Endpoints, ProfileServicesSectionAndEndpointUrl) {
  const auto cfg = SharedConfig::from_text(
      "[profile p]\nservices = local\nendpoint_url = http://profile-wide\n"
      "[services local]\nsts =\n  endpoint_url = http://sts-from-services\n",
      "");
  const auto p = cfg.merged("p");
  const auto ambient = testing::test_ambient();
  EXPECT_EQ(endpoint_override(ambient, "STS", &*p, &cfg), "http://sts-from-services");
  EXPECT_EQ(endpoint_override(ambient, "Bedrock Runtime", &*p, &cfg), "http://profile-wide");
  const auto ignoring = testing::test_ambient({{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"},
                                               {"AWS_ENDPOINT_URL_STS", "http://x"}});
  EXPECT_EQ(endpoint_override(ignoring, "STS", &*p, &cfg), std::nullopt);
}

TEST(Endpoints, RegionPrecedence) {
  const auto cfg = SharedConfig::from_text("[default]\nregion = from-profile\n", "");
  const auto p = cfg.merged("default");
  EXPECT_EQ(resolve_region(testing::test_ambient(), &*p), "from-profile");
  EXPECT_EQ(resolve_region(testing::test_ambient({{"AWS_DEFAULT_REGION", "d"}}), &*p), "d");
  EXPECT_EQ(resolve_region(
                testing::test_ambient({{"AWS_DEFAULT_REGION", "d"}, {"AWS_REGION", "r"}}), &*p),
            "r");
  EXPECT_THROW(validate_region("US_EAST", "x"), Error);
  EXPECT_NO_THROW(validate_region("us-gov-west-1", "x"));
}

}  // namespace
}  // namespace llmauth::aws
