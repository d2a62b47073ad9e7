// Profile resolution that needs no network: static keys, precedence between the two files,
// configuration errors. Assume-role and web-identity chains run against the emulator
// (tests/integration/aws/profile_chain_test.cpp).
#include "llmauth/aws/credentials/profile_provider.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>
#include <vector>

#include "llmauth/aws/credentials/default_chain.hpp"
#include "support/test_support.hpp"
#include "unit/aws/credentials/sso_test_world.hpp"

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
    static_cast<void>(p.resolve());
  } catch (const UnavailableError& e) {
    return std::string("UNAVAILABLE: ") + e.what();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ProfileProvider, CredentialsFileStaticKeys) {
  Files f("",
          "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = devsecret\n"
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
  Files f(
      "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = a\n"
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
  Files f(
      "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n"
      "mfa_serial = arn:aws:iam::123456789012:mfa/me\n",
      "[base]\naws_access_key_id = A\naws_secret_access_key = s\n");
  ProfileProvider p(f.ambient(), "r");
  EXPECT_NE(error_of(p).find("interactive MFA code"), std::string::npos);
}

TEST(ProfileProvider, SourceProfileCycleIsRejected) {
  Files f(
      "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n"
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
  Files f(
      "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = empty\n"
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

TEST(DefaultChain, AwsProfileNamingAMissingProfile_IsAnErrorEvenWithEnvironmentKeys) {
  // botocore: ProfileNotFound, whatever AWS_ACCESS_KEY_ID says. Signing with the environment's
  // keys instead would act as an identity the user did not ask for.
  Files f("[profile dev]\nregion = us-east-1\n", "");
  DefaultChain chain(f.ambient(
      {{"AWS_PROFILE", "prod"}, {"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}}));
  try {
    chain.resolve();
    FAIL() << "the environment's keys were used";
  } catch (const ChainError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("profile 'prod' was not found"), std::string::npos) << what;
    EXPECT_NE(what.find("AWS_PROFILE"), std::string::npos) << what;
    EXPECT_NE(what.find("dev"), std::string::npos) << what;  // the profiles there are
  }
}

TEST(DefaultChain, ConcurrentFirstCalls_WalkTheChainOnce) {
  // 16 threads ask a cold chain at once; the profile's credential_process counts its runs.
  TempDir d;
  const auto counter = d.path() / "runs";
  const auto cmd = d.write("creds.sh",
                           "#!/bin/sh\necho run >> '" + counter.string() +
                               "'\nsleep 0.3\necho '{\"Version\":1,\"AccessKeyId\":\"AKIAPROC\","
                               "\"SecretAccessKey\":\"procsecret\"}'\n",
                           std::filesystem::perms::owner_all)
                       .string();
  Files f("[default]\ncredential_process = " + cmd + "\n", "");
  DefaultChain chain(f.ambient({{"PATH", "/usr/bin:/bin"}}));
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<const Credentials>> got(16);
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] { got[static_cast<std::size_t>(i)] = chain.resolve(); });
  }
  for (auto& t : threads) t.join();
  std::ifstream runs(counter);
  int lines = 0;
  for (std::string line; std::getline(runs, line);) ++lines;
  EXPECT_EQ(lines, 1);
  for (const auto& c : got) EXPECT_EQ(c, got[0]);  // one credential set, shared
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

// ---- IAM Identity Center (SSO) in the profile: botocore's precedence ------------------------
// Top profile: role_arn > web identity > SSO > credentials-file keys > credential_process >
// config-file keys. A source profile: keys win over its role_arn, then the same order.

using testing::kPortalAccessKey;
using testing::SsoWorld;

// STS's answer to AssumeRole / AssumeRoleWithWebIdentity (the action read from the form).
http::Response sts_answer(const http::Request& r) {
  const std::string action = r.body.find("Action=AssumeRoleWithWebIdentity") != std::string::npos
                                 ? "AssumeRoleWithWebIdentity"
                                 : "AssumeRole";
  return testing::reply(
      200, "<" + action + "Response><" + action +
               "Result><Credentials><AccessKeyId>ASIASTSROLE</AccessKeyId><SecretAccessKey>"
               "sts-secret</SecretAccessKey><SessionToken>sts-token</SessionToken><Expiration>"
               "2026-03-01T13:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>"
               "arn:aws:sts::123456789012:assumed-role/x/s</Arn></AssumedRoleUser></" +
               action + "Result></" + action + "Response>");
}

// The access key id that signed the n-th STS request.
std::string sts_signer(const SsoWorld& w, std::size_t n) {
  std::vector<http::Request> sts;
  for (const auto& r : w.transport().requests()) {
    if (r.url.find("sts") != std::string::npos) sts.push_back(r);
  }
  if (n >= sts.size()) return "no STS request " + std::to_string(n);
  const std::string auth(http::find_header(sts[n].headers, "Authorization").value_or(""));
  const auto at = auth.find("Credential=");
  return at == std::string::npos ? "unsigned" : auth.substr(at + 11, auth.find('/', at) - at - 11);
}

const std::string kSsoKeys =
    "sso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n";
const std::string kCorp =
    "[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\n"
    "sso_region = us-east-1\n";
const std::string kBaseKeys =
    "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret\n";

ProfileProviderOptions fast_sso() {
  ProfileProviderOptions o;
  o.sso.retry = {.attempts = 1, .timeout = std::chrono::milliseconds(500)};
  o.sso.token.retry = {.attempts = 1, .timeout = std::chrono::milliseconds(500)};
  return o;
}

void login(const SsoWorld& w, std::chrono::seconds valid_for = std::chrono::hours(8)) {
  w.write_cache(testing::kCorpCacheKey, w.session_token(valid_for).dump());
}

TEST(ProfileProviderSso, SsoProfileGivesRoleCredentials) {
  SsoWorld w;
  login(w);
  const auto c = ProfileProvider(w.ambient(), "dev", fast_sso()).resolve();
  EXPECT_EQ(c->access_key_id, kPortalAccessKey);
  EXPECT_EQ(c->source, "SSO role ReadOnly in account 111122223333 (profile dev)");
  EXPECT_EQ(c->account_id, "111122223333");
}

TEST(ProfileProviderSso, SsoWinsOverStaticKeysInTheCredentialsFile) {
  SsoWorld w(testing::kSsoConfig,
             "[dev]\naws_access_key_id = AKIASTATIC\naws_secret_access_key = s\n");
  login(w);
  EXPECT_EQ(ProfileProvider(w.ambient(), "dev", fast_sso()).resolve()->access_key_id,
            kPortalAccessKey);
  EXPECT_EQ(w.portal_calls(), 1u);
}

TEST(ProfileProviderSso, SsoWinsOverCredentialProcessAndConfigKeys) {
  // /bin/false would fail the resolve if credential_process were run.
  SsoWorld w("[profile dev]\n" + kSsoKeys +
             "credential_process = /bin/false\naws_access_key_id = AKIACONFIG\n"
             "aws_secret_access_key = c\n" +
             kCorp);
  login(w);
  EXPECT_EQ(ProfileProvider(w.ambient(), "dev", fast_sso()).resolve()->access_key_id,
            kPortalAccessKey);
}

TEST(ProfileProviderSso, WebIdentityWinsOverSso) {
  TempDir d;
  const auto token = d.write("token", "web-identity-token");
  SsoWorld w("[profile dev]\n" + kSsoKeys + "web_identity_token_file = " + token.string() +
             "\nrole_arn = arn:aws:iam::123456789012:role/web\n" + kCorp);
  w.sts = sts_answer;
  login(w);
  const auto c = ProfileProvider(w.ambient(), "dev", fast_sso()).resolve();
  EXPECT_EQ(c->access_key_id, "ASIASTSROLE");
  EXPECT_EQ(c->source.rfind("web identity", 0), 0u) << c->source;
  EXPECT_EQ(w.portal_calls(), 0u);
}

TEST(ProfileProviderSso, RoleArnWinsOverSsoInTheTopProfile) {
  SsoWorld w("[profile dev]\n" + kSsoKeys +
                 "role_arn = arn:aws:iam::123456789012:role/top\nsource_profile = base\n" + kCorp,
             kBaseKeys);
  w.sts = sts_answer;
  login(w);
  const auto c = ProfileProvider(w.ambient(), "dev", fast_sso()).resolve();
  EXPECT_EQ(c->access_key_id, "ASIASTSROLE");
  EXPECT_EQ(sts_signer(w, 0), "AKIABASE");
  EXPECT_EQ(w.portal_calls(), 0u);
}

TEST(ProfileProviderSso, SsoSourceProfileGivesTheAssumeRoleSourceCredentials) {
  SsoWorld w(
      "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
      "source_profile = dev\n[profile dev]\n" +
      kSsoKeys + kCorp);
  w.sts = sts_answer;
  login(w);
  const auto c = ProfileProvider(w.ambient(), "app", fast_sso()).resolve();
  EXPECT_EQ(c->access_key_id, "ASIASTSROLE");
  EXPECT_EQ(w.portal_calls(), 1u);
  EXPECT_EQ(sts_signer(w, 0), kPortalAccessKey) << "AssumeRole was not signed with the SSO role";
  EXPECT_NE(c->source.find("(profile app) with SSO role ReadOnly in account 111122223333 "
                           "(profile dev)"),
            std::string::npos)
      << c->source;
}

TEST(ProfileProviderSso, SsoWinsOverStaticKeysInASourceProfile) {
  // botocore resolves a source profile that has keys through its profile providers, where SSO
  // comes before the keys.
  SsoWorld w(
      "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
      "source_profile = dev\n[profile dev]\n" +
          kSsoKeys + kCorp,
      "[dev]\naws_access_key_id = AKIADEVKEYS\naws_secret_access_key = k\n");
  w.sts = sts_answer;
  login(w);
  ProfileProvider(w.ambient(), "app", fast_sso()).resolve();
  EXPECT_EQ(sts_signer(w, 0), kPortalAccessKey);
}

TEST(ProfileProviderSso, RoleArnWinsOverSsoInASourceProfileWithoutKeys) {
  SsoWorld w(
      "[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = mid\n"
      "[profile mid]\n" +
          kSsoKeys + "role_arn = arn:aws:iam::123456789012:role/mid\nsource_profile = base\n" +
          kCorp,
      kBaseKeys);
  w.sts = sts_answer;
  login(w);
  ProfileProvider(w.ambient(), "top", fast_sso()).resolve();
  EXPECT_EQ(w.sts_calls(), 2u);
  EXPECT_EQ(sts_signer(w, 0), "AKIABASE");
  EXPECT_EQ(sts_signer(w, 1), "ASIASTSROLE");
  EXPECT_EQ(w.portal_calls(), 0u);
}

TEST(ProfileProviderSso, SelfReferencingProfileUsesItsSsoBeforeItsKeys) {
  SsoWorld w("[profile me]\n" + kSsoKeys +
             "role_arn = arn:aws:iam::123456789012:role/me\nsource_profile = me\n"
             "aws_access_key_id = AKIAMYKEYS\naws_secret_access_key = k\n" +
             kCorp);
  w.sts = sts_answer;
  login(w);
  ProfileProvider(w.ambient(), "me", fast_sso()).resolve();
  EXPECT_EQ(sts_signer(w, 0), kPortalAccessKey);
}

TEST(ProfileProviderSso, SelfReferencingProfileWithKeysOnlyStillWorks) {
  SsoWorld w(
      "[profile me]\nrole_arn = arn:aws:iam::123456789012:role/me\nsource_profile = me\n"
      "aws_access_key_id = AKIAMYKEYS\naws_secret_access_key = k\n");
  w.sts = sts_answer;
  ProfileProvider(w.ambient(), "me", fast_sso()).resolve();
  EXPECT_EQ(sts_signer(w, 0), "AKIAMYKEYS");
}

TEST(ProfileProviderSso, EndpointOverridesReachBothServices) {
  SsoWorld w;
  login(w, std::chrono::minutes(5));  // inside the refresh window: both services are called
  ProfileProvider(w.ambient({{"AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:7001"},
                             {"AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:7002/"}}),
                  "dev", fast_sso())
      .resolve();
  auto requests = w.transport().requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:7002/token");
  EXPECT_EQ(requests[1].url.rfind("http://127.0.0.1:7001/federation/credentials?", 0), 0u)
      << requests[1].url;

  SsoWorld generic;
  login(generic, std::chrono::minutes(5));
  ProfileProvider(generic.ambient({{"AWS_ENDPOINT_URL", "http://127.0.0.1:7003"}}), "dev",
                  fast_sso())
      .resolve();
  requests = generic.transport().requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:7003/token");
  EXPECT_EQ(requests[1].url.rfind("http://127.0.0.1:7003/federation/", 0), 0u);

  SsoWorld ignored;
  login(ignored);
  ProfileProvider(ignored.ambient({{"AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:7001"},
                                   {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}),
                  "dev", fast_sso())
      .resolve();
  ASSERT_EQ(ignored.transport().requests().size(), 1u);
  EXPECT_EQ(
      ignored.transport().requests()[0].url.rfind("https://portal.sso.us-east-1.amazonaws.com/", 0),
      0u);
}

TEST(ProfileProviderSso, IncompleteSsoProfileIsAConfigurationError) {
  SsoWorld w("[profile dev]\nsso_account_id = 111122223333\n");
  ProfileProvider p(w.ambient(), "dev", fast_sso());
  const auto e = error_of(p);
  EXPECT_EQ(e.rfind("UNAVAILABLE", 0), std::string::npos) << e;
  EXPECT_NE(e.find("profile 'dev' is configured for IAM Identity Center (SSO) but is missing "
                   "sso_role_name"),
            std::string::npos)
      << e;
}

TEST(ProfileProviderSso, NoCredentialsMessageMentionsSso) {
  Files f("[default]\nregion = us-east-1\n", "");
  ProfileProvider p(f.ambient(), "default", {.explicit_profile = false});
  EXPECT_NE(error_of(p).find("sso_account_id/sso_role_name"), std::string::npos);
}

TEST(DefaultChainSso, SsoFailureStopsTheChainWithTheLoginHint) {
  SsoWorld w;  // no cache file: not logged in
  DefaultChainOptions o;
  o.providers = fast_sso();
  DefaultChain chain(w.ambient({{"AWS_PROFILE", "dev"}}), o);
  try {
    chain.resolve();
    FAIL() << "resolved without a token";
  } catch (const ChainError& e) {
    EXPECT_NE(e.code(), ErrorCode::kUnavailable);
    ASSERT_EQ(e.attempts().size(), 2u) << "container and IMDS must not be tried";
    EXPECT_EQ(e.attempts()[0].outcome, Attempt::Outcome::kUnavailable);
    EXPECT_EQ(e.attempts()[1].provider, "profile dev");
    EXPECT_EQ(e.attempts()[1].outcome, Attempt::Outcome::kFailed);
    EXPECT_NE(std::string(e.what()).find("run `aws sso login --profile dev`"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(w.transport().requests().empty());
}

TEST(DefaultChainSso, EnvironmentKeysWinOverAnSsoProfile) {
  SsoWorld w;
  login(w);
  DefaultChain chain(w.ambient(
      {{"AWS_PROFILE", "dev"}, {"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}}));
  EXPECT_EQ(chain.resolve()->access_key_id, "AKIAENV");
  EXPECT_EQ(w.portal_calls(), 0u);
}

TEST(DefaultChainSso, ResolvesAndRemembersTheSsoProfile) {
  SsoWorld w;
  login(w);
  DefaultChainOptions o;
  o.profile = "dev";
  o.providers = fast_sso();
  DefaultChain chain(w.ambient(), o);
  const auto c = chain.resolve();
  EXPECT_EQ(c->access_key_id, kPortalAccessKey);
  EXPECT_EQ(chain.resolve(), c);
  EXPECT_EQ(w.portal_calls(), 1u);
  // Within botocore's advisory window of the role credentials (13:00), the next resolve reads
  // the cache again and calls the portal again.
  w.clock().set(*timefmt::parse_iso8601("2026-03-01T12:50:00Z"));
  chain.resolve();
  EXPECT_EQ(w.portal_calls(), 2u);
}

}  // namespace
}  // namespace llmauth::aws
