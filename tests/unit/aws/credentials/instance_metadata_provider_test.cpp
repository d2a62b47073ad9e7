#include "llmauth/aws/credentials/instance_metadata_provider.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "support/failure_of.hpp"
#include "support/test_support.hpp"
#include "unit/aws/credentials/fake_metadata_transport.hpp"

namespace llmauth::aws {
namespace {

using namespace std::chrono_literals;
using testing::expect_no_secret;
using testing::fake_ambient;
using testing::offline_ambient;
using testing::FakeMetadataTransport;
using testing::reply;
using testing::test_ambient;

constexpr const char* kSecret = "imds-secret-key-0123456789abcdefghijklmnop";
constexpr const char* kToken = "imds-session-token-0123456789ABCDEFGHIJKLMNOP";
constexpr const char* kImdsToken = "AQAEAimds-v2-token-must-not-be-printed==";
constexpr const char* kEndpoint = "http://127.0.0.1:9";
constexpr const char* kRoles = "/latest/meta-data/iam/security-credentials/";

std::string creds_body(const std::string& code = "Success") {
  return R"({"Code":")" + code +
         R"(","LastUpdated":"2026-01-01T00:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS","SecretAccessKey":")" +
         kSecret + R"(","Token":")" + kToken + R"(","Expiration":"2030-01-01T00:00:00Z"})";
}

// A scripted IMDS. Each field says how one step answers.
struct FakeImds {
  int token_status = 200;       // 0: the PUT times out
  bool token_required = false;  // GETs without the right token get 401
  int roles_status = 200;
  std::string roles_body = "llmauth-role\nsecond-role\n";
  int creds_status = 200;
  std::string creds = creds_body();
  int issued = 0;  // tokens handed out

  std::shared_ptr<FakeMetadataTransport> transport() {
    return std::make_shared<FakeMetadataTransport>([this](const http::Request& r) {
      const std::string path = r.url.substr(std::string(kEndpoint).size());
      if (path == "/latest/api/token") {
        if (r.method != "PUT") return reply(405);
        if (token_status == 0) return testing::timeout_failure(r);
        if (token_status != 200) return reply(token_status, "Forbidden");
        ++issued;
        return reply(200, std::string(kImdsToken) + std::to_string(issued),
                     {{"x-aws-ec2-metadata-token-ttl-seconds", "21600"}});
      }
      const auto sent = http::find_header(r.headers, "x-aws-ec2-metadata-token");
      if (token_required && (!sent || *sent != std::string(kImdsToken) + std::to_string(issued))) {
        return reply(401, "Unauthorized");
      }
      if (path == kRoles)
        return reply(roles_status, roles_status == 200 ? roles_body : "404 - Not Found");
      if (path == std::string(kRoles) + "llmauth-role") return reply(creds_status, creds);
      return reply(404, "404 - Not Found");
    });
  }
};

std::map<std::string, std::string> enabled(std::map<std::string, std::string> env = {}) {
  env.try_emplace("AWS_EC2_METADATA_DISABLED", "false");
  env.try_emplace("AWS_EC2_METADATA_SERVICE_ENDPOINT", kEndpoint);
  return env;
}

using testing::Outcome;

Outcome failure_of(InstanceMetadataProvider& p) { return testing::failure_of(p, {kSecret, kToken, kImdsToken}); }

// --- settings --------------------------------------------------------------------------------

TEST(ImdsSettings, Defaults_AreBotocores) {
  const auto s = imds_settings(offline_ambient({{"AWS_EC2_METADATA_DISABLED", "false"}}));
  EXPECT_FALSE(s.disabled);
  EXPECT_EQ(s.endpoint, "http://169.254.169.254");
  EXPECT_EQ(s.timeout, 1s);
  EXPECT_EQ(s.attempts, 1);
  EXPECT_FALSE(s.v1_disabled);
}

TEST(ImdsSettings, Ipv6Mode_UsesTheIpv6Endpoint) {
  EXPECT_EQ(
      imds_settings(offline_ambient({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}})).endpoint,
      "http://[fd00:ec2::254]");
  EXPECT_EQ(imds_settings(offline_ambient(), {.endpoint_mode = "ipv6"}).endpoint,
            "http://[fd00:ec2::254]");
}

TEST(ImdsSettings, EnvironmentWinsOverOptions) {
  const auto s = imds_settings(
      offline_ambient({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1234/"},
                    {"AWS_METADATA_SERVICE_TIMEOUT", "2.5"},
                    {"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3"},
                    {"AWS_EC2_METADATA_V1_DISABLED", "false"}}),
      {.endpoint = "http://127.0.0.1:5678", .timeout = 9s, .attempts = 7, .v1_disabled = true});
  EXPECT_EQ(s.endpoint, "http://127.0.0.1:1234");
  EXPECT_EQ(s.timeout, 2500ms);
  EXPECT_EQ(s.attempts, 3);
  EXPECT_FALSE(s.v1_disabled);
}

TEST(ImdsSettings, OptionsApplyWhenTheEnvironmentIsSilent) {
  const auto s = imds_settings(
      offline_ambient(),
      {.endpoint = "http://127.0.0.1:5678", .timeout = 300ms, .attempts = 2, .v1_disabled = true});
  EXPECT_EQ(s.endpoint, "http://127.0.0.1:5678");
  EXPECT_EQ(s.timeout, 300ms);
  EXPECT_EQ(s.attempts, 2);
  EXPECT_TRUE(s.v1_disabled);
}

// Settings parsing only: imds_settings() reads variables and sends nothing.
TEST(ImdsSettings, MalformedValues_NameTheVariable) {
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{{"AWS_METADATA_SERVICE_TIMEOUT", "soon"}}, "AWS_METADATA_SERVICE_TIMEOUT='soon' must be"},
      {{{"AWS_METADATA_SERVICE_TIMEOUT", "0"}}, "AWS_METADATA_SERVICE_TIMEOUT='0' must be"},
      {{{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "0"}},
       "AWS_METADATA_SERVICE_NUM_ATTEMPTS='0' must be"},
      {{{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2x"}},
       "AWS_METADATA_SERVICE_NUM_ATTEMPTS='2x' must be"},
      {{{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5"}},
       "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE='IPv5' must be IPv4 or IPv6"},
      {{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254"}},
       "AWS_EC2_METADATA_SERVICE_ENDPOINT"},
  };
  for (const auto& [env, expected] : cases) {
    try {
      (void)imds_settings(offline_ambient(env));
      ADD_FAILURE() << expected;
    } catch (const UnavailableError& e) {
      ADD_FAILURE() << "unavailable: " << e.what();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

// --- availability ----------------------------------------------------------------------------

TEST(InstanceMetadataProvider, Disabled_IsUnavailableAndSendsNothing) {
  FakeImds imds;
  auto t = imds.transport();
  InstanceMetadataProvider p(fake_ambient(t, {{"AWS_EC2_METADATA_DISABLED", "true"}}));
  const auto o = failure_of(p);
  EXPECT_TRUE(o.unavailable);
  EXPECT_NE(o.message.find("AWS_EC2_METADATA_DISABLED is set to true"), std::string::npos);
  EXPECT_TRUE(t->requests().empty());
  EXPECT_EQ(p.name(), "imds");
}

TEST(InstanceMetadataProvider, LoopbackGuard_RefusesTheRealImdsAddress) {
  // The real transport with the tests' loopback-only guard: refused before any packet leaves
  // (and, were the guard broken, libcurl would meet the tests' proxy trap on a loopback port).
  InstanceMetadataProvider p(test_ambient({{"AWS_EC2_METADATA_DISABLED", "false"}}));
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_EQ(o.code, ErrorCode::kRefused);
  EXPECT_NE(o.message.find("http://169.254.169.254/latest/api/token"), std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("loopback-only guard"), std::string::npos) << o.message;
}

TEST(InstanceMetadataProvider, NothingListening_IsUnavailable) {
  auto t = std::make_shared<FakeMetadataTransport>(testing::refused_connection);
  InstanceMetadataProvider p(
      fake_ambient(t, enabled({{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2"}})));
  const auto o = failure_of(p);
  EXPECT_TRUE(o.unavailable);
  EXPECT_NE(o.message.find(std::string("no instance metadata service answered at ") + kEndpoint),
            std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("AWS_EC2_METADATA_DISABLED=true"), std::string::npos) << o.message;
  EXPECT_EQ(t->requests().size(), 2u)
      << "the token PUT, twice; no IMDSv1 attempt at a refusing host";
}

TEST(InstanceMetadataProvider, NoAnswerInTime_IsUnavailableAfterTheV1Try) {
  auto t = std::make_shared<FakeMetadataTransport>(testing::timeout_failure);
  InstanceMetadataProvider p(fake_ambient(t, enabled()));
  const auto o = failure_of(p);
  EXPECT_TRUE(o.unavailable);
  EXPECT_NE(o.message.find(std::string("no instance metadata service answered at ") + kEndpoint +
                           " within 1 s"),
            std::string::npos)
      << o.message;
  const auto reqs = t->requests();
  ASSERT_EQ(reqs.size(), 2u);  // the token PUT timed out, then the IMDSv1 role listing did too
  EXPECT_EQ(reqs[0].method, "PUT");
  EXPECT_EQ(reqs[1].method, "GET");
  EXPECT_EQ(reqs[1].timeout, 1s);
}

TEST(InstanceMetadataProvider, NoRoleAttached_IsUnavailable) {
  FakeImds imds;
  imds.roles_status = 404;
  InstanceMetadataProvider p(fake_ambient(imds.transport(), enabled()));
  const auto o = failure_of(p);
  EXPECT_TRUE(o.unavailable);
  EXPECT_NE(o.message.find("no IAM role is attached to this instance"), std::string::npos)
      << o.message;
}

// --- IMDSv2 ----------------------------------------------------------------------------------

TEST(InstanceMetadataProvider, V2_PutsTokenThenSendsItOnBothGets) {
  FakeImds imds;
  imds.token_required = true;
  auto t = imds.transport();
  InstanceMetadataProvider p(fake_ambient(t, enabled()));
  const auto c = p.resolve();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  EXPECT_EQ(c->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(c->session_token.reveal(), kToken);
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(c->source, "IMDS role llmauth-role");

  const auto reqs = t->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].method, "PUT");
  EXPECT_EQ(reqs[0].url, std::string(kEndpoint) + "/latest/api/token");
  EXPECT_EQ(http::find_header(reqs[0].headers, "x-aws-ec2-metadata-token-ttl-seconds").value_or(""),
            "21600");
  EXPECT_EQ(reqs[1].method, "GET");
  EXPECT_EQ(reqs[1].url, std::string(kEndpoint) + kRoles);
  EXPECT_EQ(reqs[2].url, std::string(kEndpoint) + kRoles + "llmauth-role");
  for (int i : {1, 2}) {
    EXPECT_EQ(http::find_header(reqs[i].headers, "x-aws-ec2-metadata-token").value_or(""),
              std::string(kImdsToken) + "1");
  }
}

TEST(InstanceMetadataProvider, V2_TokenIsCachedAcrossCalls) {
  auto clock = std::make_shared<FakeClock>(std::chrono::system_clock::now());
  FakeImds imds;
  imds.token_required = true;
  auto t = imds.transport();
  InstanceMetadataProvider p(fake_ambient(t, enabled(), clock));
  p.resolve();
  clock->advance(5h);
  p.resolve();
  EXPECT_EQ(t->count("PUT", "/latest/api/token"), 1u);
  clock->advance(1h);  // within a minute of the 6 h TTL: a new token
  p.resolve();
  EXPECT_EQ(t->count("PUT", "/latest/api/token"), 2u);
}

TEST(InstanceMetadataProvider, V2_ShorterGrantedTtlIsHonoured) {
  auto clock = std::make_shared<FakeClock>(std::chrono::system_clock::now());
  int puts = 0;
  auto t = std::make_shared<FakeMetadataTransport>([&](const http::Request& r) {
    if (r.method == "PUT") {
      ++puts;
      return reply(200, kImdsToken, {{"x-aws-ec2-metadata-token-ttl-seconds", "600"}});
    }
    if (r.url.ends_with(kRoles)) return reply(200, "llmauth-role");
    return reply(200, creds_body());
  });
  InstanceMetadataProvider p(fake_ambient(t, enabled(), clock));
  p.resolve();
  clock->advance(8min);
  p.resolve();
  EXPECT_EQ(puts, 1);
  clock->advance(2min);
  p.resolve();
  EXPECT_EQ(puts, 2);
}

TEST(InstanceMetadataProvider, V2_StaleCachedTokenIsReplacedOnce) {
  FakeImds imds;
  imds.token_required = true;
  auto t = imds.transport();
  InstanceMetadataProvider p(fake_ambient(t, enabled()));
  p.resolve();
  imds.issued = 100;  // IMDS forgot the token it issued (e.g. the instance was stopped)
  EXPECT_EQ(p.resolve()->access_key_id, "ASIAIMDS");
  EXPECT_EQ(t->count("PUT", "/latest/api/token"), 2u);
}

TEST(InstanceMetadataProvider, TokenTtlOption_IsSent) {
  FakeImds imds;
  auto t = imds.transport();
  InstanceMetadataProvider p(fake_ambient(t, enabled()), {.token_ttl = 60s});
  p.resolve();
  EXPECT_EQ(http::find_header(t->requests().at(0).headers, "x-aws-ec2-metadata-token-ttl-seconds")
                .value_or(""),
            "60");
}

// --- IMDSv1 fallback -------------------------------------------------------------------------

class ImdsFallback : public ::testing::TestWithParam<int> {};

TEST_P(ImdsFallback, TokenRefused_FallsBackToV1WithoutTokenHeader) {
  FakeImds imds;
  imds.token_status = GetParam();
  auto t = imds.transport();
  InstanceMetadataProvider p(fake_ambient(t, enabled()));
  EXPECT_EQ(p.resolve()->access_key_id, "ASIAIMDS");
  const auto reqs = t->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_FALSE(http::find_header(reqs[1].headers, "x-aws-ec2-metadata-token"));
  EXPECT_FALSE(http::find_header(reqs[2].headers, "x-aws-ec2-metadata-token"));
}

TEST_P(ImdsFallback, TokenRefusedWithV1Disabled_IsAnError) {
  FakeImds imds;
  imds.token_status = GetParam();
  auto t = imds.transport();
  InstanceMetadataProvider p(fake_ambient(t, enabled({{"AWS_EC2_METADATA_V1_DISABLED", "true"}})));
  const auto o = failure_of(p);
  if (GetParam() == 0) {
    EXPECT_TRUE(o.unavailable) << "nothing answered: " << o.message;
  } else {
    EXPECT_FALSE(o.unavailable);
    EXPECT_NE(o.message.find("IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED)"),
              std::string::npos)
        << o.message;
  }
  EXPECT_EQ(t->requests().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(StatusOrTimeout, ImdsFallback, ::testing::Values(403, 404, 405, 0));

TEST(InstanceMetadataProvider, V1DisabledByOption_IsHonoured) {
  FakeImds imds;
  imds.token_status = 403;
  InstanceMetadataProvider p(fake_ambient(imds.transport(), enabled()), {.v1_disabled = true});
  EXPECT_NE(failure_of(p).message.find("IMDSv1 is disabled"), std::string::npos);
}

TEST(InstanceMetadataProvider, TokenTimedOutAndV2Required_ExplainsTheHopLimit) {
  FakeImds imds;
  imds.token_status = 0;
  imds.token_required = true;
  InstanceMetadataProvider p(fake_ambient(imds.transport(), enabled()));
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_EQ(o.code, ErrorCode::kHttpStatus);
  EXPECT_NE(o.message.find("answered HTTP 401 to the role listing"), std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("hop limit"), std::string::npos) << o.message;
}

TEST(InstanceMetadataProvider, TokenBadRequest_IsAnError) {
  FakeImds imds;
  imds.token_status = 400;
  auto t = imds.transport();
  InstanceMetadataProvider p(fake_ambient(t, enabled()));
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_EQ(o.code, ErrorCode::kHttpStatus);
  EXPECT_NE(o.message.find("answered HTTP 400 to the session token request"), std::string::npos)
      << o.message;
  EXPECT_EQ(t->requests().size(), 1u);
}

// --- retries and failures ----------------------------------------------------------------------

TEST(InstanceMetadataProvider, ServerErrorIsRetriedWithinAttempts) {
  int token_calls = 0;
  FakeImds imds;
  auto inner = imds.transport();
  auto t = std::make_shared<FakeMetadataTransport>([&](const http::Request& r) {
    if (r.method == "PUT" && ++token_calls == 1) return reply(500, "Injected fault");
    return inner->send(r);
  });
  InstanceMetadataProvider p(
      fake_ambient(t, enabled({{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2"}})));
  EXPECT_EQ(p.resolve()->access_key_id, "ASIAIMDS");
  EXPECT_EQ(token_calls, 2);
}

TEST(InstanceMetadataProvider, ServerErrorWithOneAttempt_IsAnError) {
  FakeImds imds;
  imds.creds_status = 500;
  InstanceMetadataProvider p(fake_ambient(imds.transport(), enabled()));
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_EQ(o.code, ErrorCode::kHttpStatus);
  EXPECT_NE(o.message.find("answered HTTP 500 to the credentials request for role 'llmauth-role'"),
            std::string::npos)
      << o.message;
}

TEST(InstanceMetadataProvider, CodeOtherThanSuccess_IsAnError) {
  FakeImds imds;
  imds.creds = creds_body("AssumeRoleUnauthorizedAccess");
  InstanceMetadataProvider p(fake_ambient(imds.transport(), enabled()));
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_NE(
      o.message.find("IMDS credentials of role 'llmauth-role' from http://127.0.0.1:9: /Code is "
                     "AssumeRoleUnauthorizedAccess, not Success"),
      std::string::npos)
      << o.message;
}

TEST(InstanceMetadataProvider, MalformedCredentials_NameTheField) {
  for (const auto& [body, expected] : std::vector<std::pair<std::string, std::string>>{
           {std::string("{\"Code\":\"Success\",\"SecretAccessKey\":\"") + kSecret,
            "invalid JSON at byte"},
           {std::string(R"({"AccessKeyId":"A","SecretAccessKey":")") + kSecret + R"(","Token":")" +
                kToken + "\"}",
            "/Expiration is missing"},
           {std::string(R"({"AccessKeyId":"A","SecretAccessKey":")") + kSecret +
                R"(","Expiration":"2030-01-01T00:00:00Z"})",
            "/Token is missing"},
       }) {
    FakeImds imds;
    imds.creds = body;
    InstanceMetadataProvider p(fake_ambient(imds.transport(), enabled()));
    const auto o = failure_of(p);
    EXPECT_EQ(o.code, ErrorCode::kInvalidInput);
    EXPECT_NE(o.message.find(expected), std::string::npos) << o.message;
  }
}

TEST(InstanceMetadataProvider, RoleListingThatIsNotARoleName_IsRejected) {
  FakeImds imds;
  imds.roles_body = "../../../etc/passwd";
  auto t = imds.transport();
  InstanceMetadataProvider p(fake_ambient(t, enabled()));
  const auto o = failure_of(p);
  EXPECT_NE(o.message.find("not an IAM role name"), std::string::npos) << o.message;
  EXPECT_EQ(t->requests().size(), 2u);
}

TEST(InstanceMetadataProvider, ErrorBodyDoesNotLeakTheSessionToken) {
  auto t = std::make_shared<FakeMetadataTransport>([](const http::Request& r) {
    if (r.method == "PUT") return reply(200, kImdsToken);
    if (r.url.ends_with(kRoles)) return reply(200, "llmauth-role");
    return reply(500, "internal error");
  });
  InstanceMetadataProvider p(fake_ambient(t, enabled()));
  (void)failure_of(p);  // asserts kImdsToken is absent
}

}  // namespace
}  // namespace llmauth::aws
