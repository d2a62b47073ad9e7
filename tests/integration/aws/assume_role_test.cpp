#include <gtest/gtest.h>

#include "aws_test_support.hpp"
#include "llmauth/aws/credentials/assume_role_provider.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::testing {
namespace {

using aws::AssumeRoleParams;
using aws::AssumeRoleProvider;
using aws::StaticProvider;
using aws::StsOptions;

constexpr const char* kRole = "arn:aws:iam::123456789012:role/BedrockInvoke";

StsOptions emulator_sts() {
  StsOptions o;
  o.region = "us-east-1";
  o.endpoint = Emulator::get().http_url();
  return o;
}

std::shared_ptr<StaticProvider> base_user() { return std::make_shared<StaticProvider>(emulator_user()); }

class AssumeRole : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }
};

TEST_F(AssumeRole, ReturnsTemporaryCredentialsThatAwsAccepts) {
  AssumeRoleProvider p(emulator_ambient(), base_user(),
                       {.role_arn = kRole, .role_session_name = "it-test", .duration_seconds = 1800},
                       emulator_sts());
  const auto creds = p.resolve();
  EXPECT_EQ(creds->access_key_id.rfind("ASIA", 0), 0u);
  EXPECT_TRUE(creds->has_session_token());
  ASSERT_TRUE(creds->expiration);
  EXPECT_EQ(creds->account_id, "123456789012");
  EXPECT_EQ(echo_status(*creds), 200);  // the emulator verifies a signature made with them

  const auto log = Emulator::get().control("GET", "/__control/requests?target=sts&limit=1");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["form"]["RoleArn"], kRole);
  EXPECT_EQ(log[0]["form"]["RoleSessionName"], "it-test");
  EXPECT_EQ(log[0]["form"]["DurationSeconds"], "1800");
}

TEST_F(AssumeRole, ExternalIdIsSentAndEnforced) {
  Emulator::get().control("POST", "/__control/roles", {{"role_arn", kRole}, {"external_id", "ext-42"}});
  AssumeRoleProvider without(emulator_ambient(), base_user(), {.role_arn = kRole}, emulator_sts());
  try {
    without.resolve();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("AccessDenied"), std::string::npos) << e.what();
  }
  AssumeRoleProvider with(emulator_ambient(), base_user(),
                          {.role_arn = kRole, .external_id = "ext-42"}, emulator_sts());
  EXPECT_NO_THROW(with.resolve());
}

TEST_F(AssumeRole, WrongSecretFailsFastWithStsCodeAndNoSecret) {
  aws::Credentials wrong = emulator_user();
  wrong.secret_access_key = Secret("this-is-the-wrong-secret-key-0123456789");
  AssumeRoleProvider p(emulator_ambient(), std::make_shared<StaticProvider>(wrong),
                       {.role_arn = kRole}, emulator_sts());
  try {
    p.resolve();
    FAIL();
  } catch (const UnavailableError&) {
    FAIL() << "a configured role that STS refuses is a failure";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SignatureDoesNotMatch"), std::string::npos) << e.what();
    expect_no_secret(e.what(), "this-is-the-wrong-secret-key-0123456789");
  }
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 1);  // a 403 is not retried
}

TEST_F(AssumeRole, ServerErrorsAreRetriedThenSucceed) {
  Emulator::get().fault("sts", 2, 500);
  AssumeRoleProvider p(emulator_ambient(), base_user(), {.role_arn = kRole}, emulator_sts());
  EXPECT_NO_THROW(p.resolve());
  EXPECT_EQ(Emulator::get().counter("fault.sts"), 2);
}

TEST_F(AssumeRole, PersistentServerErrorsGiveUpAfterThreeAttempts) {
  Emulator::get().fault("sts", 5, 503);
  AssumeRoleProvider p(emulator_ambient(), base_user(), {.role_arn = kRole}, emulator_sts());
  try {
    p.resolve();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("503"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("3 attempts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Emulator::get().counter("fault.sts"), 3);
}

TEST_F(AssumeRole, SlowStsTimesOut) {
  Emulator::get().fault("sts", 1, 0, 5000);
  StsOptions sts = emulator_sts();
  sts.timeout = std::chrono::milliseconds(500);
  sts.max_attempts = 1;
  AssumeRoleProvider p(emulator_ambient(), base_user(), {.role_arn = kRole}, sts);
  const auto start = std::chrono::steady_clock::now();
  try {
    p.resolve();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(AssumeRole, MalformedStsAnswerIsAnErrorNamingTheField) {
  Emulator::get().control("POST", "/__control/fault",
                          {{"target", "sts"}, {"count", 1}, {"status", 200},
                           {"body", "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
                                    "<AccessKeyId>ASIAX</AccessKeyId></Credentials>"
                                    "</AssumeRoleResult></AssumeRoleResponse>"}});
  AssumeRoleProvider p(emulator_ambient(), base_user(), {.role_arn = kRole}, emulator_sts());
  try {
    p.resolve();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Credentials/SecretAccessKey is missing"), std::string::npos)
        << e.what();
  }
}

TEST_F(AssumeRole, InvalidRoleArnIsRejectedBeforeAnyCall) {
  EXPECT_THROW(AssumeRoleProvider(emulator_ambient(), base_user(), {.role_arn = "role/x"},
                                  emulator_sts()),
               Error);
  EXPECT_EQ(Emulator::get().counter("sts.AssumeRole"), 0);
}

}  // namespace
}  // namespace llmauth::testing
