// InstanceMetadataProvider against the emulator's IMDS (IMDSv1/v2 at the real paths), and the
// credentials it gets checked by the emulator's official SigV4 verifier.
#include "llmauth/aws/credentials/instance_metadata_provider.hpp"

#include <gtest/gtest.h>

#include "integration/aws/aws_test_support.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::aws {
namespace {

using namespace std::chrono_literals;
using testing::Emulator;

class ImdsEmulator : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }

  static Ambient ambient(std::map<std::string, std::string> env = {}) {
    env.try_emplace("AWS_EC2_METADATA_DISABLED", "false");
    env.try_emplace("AWS_EC2_METADATA_SERVICE_ENDPOINT", Emulator::get().http_url());
    return testing::test_ambient(std::move(env));
  }
  static void mode(const std::string& m) { Emulator::get().config({{"imds", {{"mode", m}}}}); }
  static long long count(const std::string& name) { return Emulator::get().counter(name); }

  // The message of the error resolve() throws; `unavailable` says which kind it was.
  static std::string failure(InstanceMetadataProvider& p, bool& unavailable, ErrorCode& code) {
    try {
      p.resolve();
    } catch (const UnavailableError& e) {
      unavailable = true;
      code = e.code();
      return e.what();
    } catch (const Error& e) {
      unavailable = false;
      code = e.code();
      return e.what();
    }
    ADD_FAILURE() << "resolve() did not throw";
    return {};
  }
};

TEST_F(ImdsEmulator, V2Required_GetsWorkingCredentialsWithAToken) {
  mode("required");
  InstanceMetadataProvider p(ambient());
  const auto c = p.resolve();
  EXPECT_EQ(c->source, "IMDS role llmauth-test-role");
  EXPECT_EQ(c->access_key_id.rfind("ASIA", 0), 0u);
  EXPECT_TRUE(c->has_session_token());
  ASSERT_TRUE(c->expiration);
  EXPECT_GT(*c->expiration, std::chrono::system_clock::now() + 5h);
  EXPECT_EQ(count("imds.token"), 1);
  EXPECT_EQ(count("imds.role"), 1);
  EXPECT_EQ(count("imds.credentials"), 1);

  std::string body;
  EXPECT_EQ(testing::echo_status(*c, &body), 200) << body;
  testing::expect_no_secret(body, std::string(c->secret_access_key.reveal()));
}

TEST_F(ImdsEmulator, V2_SessionTokenIsReusedAcrossResolves) {
  mode("required");
  InstanceMetadataProvider p(ambient());
  p.resolve();
  p.resolve();
  EXPECT_EQ(count("imds.token"), 1);
  EXPECT_EQ(count("imds.credentials"), 2);
}

TEST_F(ImdsEmulator, V1Only_FallsBackWithoutToken) {
  mode("v1-only");
  InstanceMetadataProvider p(ambient());
  const auto c = p.resolve();
  EXPECT_EQ(count("imds.token"), 1);  // answered 403
  EXPECT_EQ(count("imds.credentials"), 1);
  EXPECT_EQ(testing::echo_status(*c), 200);
}

TEST_F(ImdsEmulator, V1OnlyWithV1Disabled_IsAnError) {
  mode("v1-only");
  InstanceMetadataProvider p(ambient({{"AWS_EC2_METADATA_V1_DISABLED", "true"}}));
  bool unavailable = true;
  ErrorCode code{};
  const auto e = failure(p, unavailable, code);
  EXPECT_FALSE(unavailable);
  EXPECT_EQ(code, ErrorCode::kHttpStatus);
  EXPECT_NE(e.find("answered HTTP 403 to the session token request"), std::string::npos) << e;
  EXPECT_NE(e.find("IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED)"), std::string::npos) << e;
  EXPECT_EQ(count("imds.role"), 0);
}

TEST_F(ImdsEmulator, Disabled404Everywhere_IsUnavailable) {
  mode("disabled");
  InstanceMetadataProvider p(ambient());
  bool unavailable = false;
  ErrorCode code{};
  const auto e = failure(p, unavailable, code);
  EXPECT_TRUE(unavailable) << e;
  EXPECT_NE(e.find("no IAM role is attached"), std::string::npos) << e;
}

TEST_F(ImdsEmulator, NoRoleAttached_IsUnavailable) {
  Emulator::get().config({{"imds", {{"role", nullptr}}}});
  InstanceMetadataProvider p(ambient());
  bool unavailable = false;
  ErrorCode code{};
  const auto e = failure(p, unavailable, code);
  EXPECT_TRUE(unavailable) << e;
}

TEST_F(ImdsEmulator, ServerErrorThenSuccess_WithTwoAttempts) {
  mode("required");
  Emulator::get().fault("imds", 1, 500);
  InstanceMetadataProvider p(ambient({{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2"}}));
  const auto c = p.resolve();
  EXPECT_EQ(count("imds.token"), 2);
  EXPECT_EQ(count("fault.imds"), 1);
  EXPECT_EQ(testing::echo_status(*c), 200);
}

TEST_F(ImdsEmulator, ServerErrorWithOneAttempt_IsAnError) {
  Emulator::get().fault("imds.credentials", 1, 500);
  InstanceMetadataProvider p(ambient());
  bool unavailable = true;
  ErrorCode code{};
  const auto e = failure(p, unavailable, code);
  EXPECT_FALSE(unavailable);
  EXPECT_EQ(code, ErrorCode::kHttpStatus);
  EXPECT_NE(e.find("answered HTTP 500 to the credentials request for role 'llmauth-test-role'"),
            std::string::npos)
      << e;
}

TEST_F(ImdsEmulator, SlowEndpoint_IsUnavailablePromptly) {
  Emulator::get().fault("imds", 4, 0, 3000);
  InstanceMetadataProvider p(ambient({{"AWS_METADATA_SERVICE_TIMEOUT", "1"}}));
  const auto start = std::chrono::steady_clock::now();
  bool unavailable = false;
  ErrorCode code{};
  const auto e = failure(p, unavailable, code);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(unavailable) << e;
  EXPECT_NE(e.find("no instance metadata service answered at " + Emulator::get().http_url() +
                   " within 1 s"),
            std::string::npos)
      << e;
  // The token PUT (1 s) and the IMDSv1 role listing (1 s), as botocore does; never the 3 s delay.
  EXPECT_LT(took, 2800ms);
}

TEST_F(ImdsEmulator, TokenTimesOutButV2Required_ExplainsTheHopLimit) {
  mode("required");
  Emulator::get().fault("imds.token", 1, 0, 3000);
  InstanceMetadataProvider p(ambient({{"AWS_METADATA_SERVICE_TIMEOUT", "0.5"}}));
  bool unavailable = true;
  ErrorCode code{};
  const auto e = failure(p, unavailable, code);
  EXPECT_FALSE(unavailable);
  EXPECT_NE(e.find("answered HTTP 401 to the role listing"), std::string::npos) << e;
  EXPECT_NE(e.find("hop limit"), std::string::npos) << e;
}

TEST_F(ImdsEmulator, ShortLivedCredentialsCarryTheirExpiry) {
  Emulator::get().config({{"credential_ttl_seconds", 120}});
  InstanceMetadataProvider p(ambient());
  const auto c = p.resolve();
  ASSERT_TRUE(c->expiration);
  EXPECT_LT(*c->expiration, std::chrono::system_clock::now() + 3min);
}

}  // namespace
}  // namespace llmauth::aws
