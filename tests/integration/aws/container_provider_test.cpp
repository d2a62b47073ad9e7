// ContainerProvider against the emulator's container credentials endpoint (ECS / EKS Pod
// Identity shape), and the credentials it gets checked by the emulator's SigV4 verifier.
#include "llmauth/aws/credentials/container_provider.hpp"

#include <gtest/gtest.h>

#include "integration/aws/aws_test_support.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::aws {
namespace {

using namespace std::chrono_literals;
using testing::Emulator;

constexpr const char* kAuth = "container-authorization-token-for-tests-7f3a";

class ContainerEmulator : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }

  static Ambient ambient(std::map<std::string, std::string> env = {}) {
    env.try_emplace("AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    Emulator::get().http_url() + "/container/credentials");
    return testing::test_ambient(std::move(env));
  }
  static void require_authorization(const std::string& token) {
    Emulator::get().config({{"container", {{"authorization", token}}}});
  }

  static constexpr ContainerProviderOptions kFast{
      .timeout = 500ms, .attempts = 2, .retry_delay = 10ms};

  static Error failure(ContainerProvider& p) {
    try {
      p.resolve();
    } catch (const UnavailableError& e) {
      ADD_FAILURE() << "unavailable: " << e.what();
      return e;
    } catch (const Error& e) {
      testing::expect_no_secret(e.what(), kAuth);
      return e;
    }
    ADD_FAILURE() << "resolve() did not throw";
    return Error("");
  }
};

TEST_F(ContainerEmulator, NoAuthorizationRequired_GetsWorkingCredentials) {
  ContainerProvider p(ambient(), kFast);
  const auto c = p.resolve();
  EXPECT_EQ(c->access_key_id.rfind("ASIA", 0), 0u);
  EXPECT_EQ(c->account_id.value_or(""), "123456789012");
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(Emulator::get().counter("container"), 1);
  std::string body;
  EXPECT_EQ(testing::echo_status(*c, &body), 200) << body;
}

TEST_F(ContainerEmulator, CorrectToken_IsAccepted) {
  require_authorization(kAuth);
  ContainerProvider p(ambient({{"AWS_CONTAINER_AUTHORIZATION_TOKEN", kAuth}}), kFast);
  const auto c = p.resolve();
  EXPECT_EQ(testing::echo_status(*c), 200);
  const auto log = Emulator::get().control("GET", "/__control/requests?target=container&limit=1");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["headers"].value("authorization", ""), kAuth);
}

TEST_F(ContainerEmulator, WrongToken_IsAnErrorWith403) {
  require_authorization(kAuth);
  ContainerProvider p(ambient({{"AWS_CONTAINER_AUTHORIZATION_TOKEN", "not-the-right-token"}}),
                      kFast);
  const Error e = failure(p);
  EXPECT_EQ(e.code(), ErrorCode::kHttpStatus);
  EXPECT_NE(std::string(e.what()).find("answered HTTP 403; check the authorization token"),
            std::string::npos)
      << e.what();
  testing::expect_no_secret(e.what(), "not-the-right-token");
  EXPECT_EQ(Emulator::get().counter("container"), 1) << "a 4xx is not retried";
}

TEST_F(ContainerEmulator, MissingToken_IsAnErrorWith401) {
  require_authorization(kAuth);
  ContainerProvider p(ambient(), kFast);
  const Error e = failure(p);
  EXPECT_NE(std::string(e.what()).find("answered HTTP 401; no authorization token was sent"),
            std::string::npos)
      << e.what();
}

TEST_F(ContainerEmulator, TokenFile_IsReadAgainOnEveryCall) {
  testing::TempDir d;
  const auto file = d.write("eks-pod-identity-token", "first-rotation-token");
  ContainerProvider p(ambient({{"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file.string()},
                               {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token-loses"}}),
                      kFast);
  require_authorization("first-rotation-token");
  EXPECT_NO_THROW(p.resolve());
  // The agent rotates the token: the file and what the endpoint expects change together.
  d.write("eks-pod-identity-token", "second-rotation-token\n");
  require_authorization("second-rotation-token");
  const auto c = p.resolve();
  EXPECT_EQ(testing::echo_status(*c), 200);
  EXPECT_EQ(Emulator::get().counter("container"), 2);
}

TEST_F(ContainerEmulator, ServerErrorThenSuccess_IsRetried) {
  Emulator::get().fault("container", 1, 500);
  ContainerProvider p(ambient(), kFast);
  EXPECT_NO_THROW(p.resolve());
  EXPECT_EQ(Emulator::get().counter("container"), 2);
}

TEST_F(ContainerEmulator, ServerErrorsOnEveryAttempt_IsAnError) {
  Emulator::get().fault("container", 2, 503);
  ContainerProvider p(ambient(), kFast);
  const Error e = failure(p);
  EXPECT_EQ(e.code(), ErrorCode::kHttpStatus);
  EXPECT_NE(std::string(e.what()).find("answered HTTP 503 (2 attempts)"), std::string::npos)
      << e.what();
}

TEST_F(ContainerEmulator, SlowEndpoint_TimesOutPromptly) {
  Emulator::get().fault("container", 2, 0, 3000);
  ContainerProvider p(ambient(), kFast);
  const auto start = std::chrono::steady_clock::now();
  const Error e = failure(p);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.code(), ErrorCode::kTimeout);
  EXPECT_NE(std::string(e.what()).find("did not answer within 500 ms (2 attempts)"),
            std::string::npos)
      << e.what();
  EXPECT_LT(took, 2s);
}

}  // namespace
}  // namespace llmauth::aws
