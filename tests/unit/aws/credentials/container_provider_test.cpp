#include "llmauth/aws/credentials/container_provider.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "support/failure_of.hpp"
#include "support/test_support.hpp"
#include "unit/aws/credentials/fake_metadata_transport.hpp"

namespace llmauth::aws {
namespace {

using testing::expect_no_secret;
using testing::fake_ambient;
using testing::offline_ambient;
using testing::FakeMetadataTransport;
using testing::reply;
using testing::TempDir;
using testing::test_ambient;

constexpr const char* kSecret = "container-secret-key-0123456789abcdefghij";
constexpr const char* kToken = "container-session-token-0123456789ABCDEFGHIJ";
constexpr const char* kAuth = "container-auth-token-must-stay-hidden-42";
constexpr const char* kFullUri = "http://127.0.0.1:9/container/credentials";

const ContainerProviderOptions kFast{.timeout = std::chrono::milliseconds(200),
                                     .attempts = 3,
                                     .retry_delay = std::chrono::milliseconds(0)};

std::string good_body() {
  return std::string(R"({"AccessKeyId":"ASIACONTAINER","SecretAccessKey":")") + kSecret +
         R"(","Token":")" + kToken +
         R"(","Expiration":"2030-01-01T00:00:00Z","RoleArn":"arn:aws:iam::123456789012:role/r","AccountId":"123456789012"})";
}

std::shared_ptr<FakeMetadataTransport> serving(std::string body = good_body()) {
  return std::make_shared<FakeMetadataTransport>(
      [body](const http::Request&) { return reply(200, body); });
}

using testing::Outcome;

Outcome failure_of(ContainerProvider& p) { return testing::failure_of(p, {kSecret, kToken, kAuth}); }

// --- which URL -------------------------------------------------------------------------------

TEST(ContainerProvider, NeitherUriSet_IsUnavailable) {
  auto t = serving();
  ContainerProvider p(fake_ambient(t), kFast);
  const auto o = failure_of(p);
  EXPECT_TRUE(o.unavailable);
  EXPECT_NE(o.message.find("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                           "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set"),
            std::string::npos);
  EXPECT_TRUE(t->requests().empty());
  EXPECT_EQ(p.name(), "container");
}

TEST(ContainerProvider, RelativeUri_GoesToTheEcsAddress) {
  const auto a = offline_ambient({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}});
  EXPECT_EQ(container_credentials_url(a), "http://169.254.170.2/v2/credentials/abc");
}

TEST(ContainerProvider, RelativeUriWithoutSlash_CannotChangeTheHost) {
  const auto a = offline_ambient({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@evil.example/x"}});
  EXPECT_EQ(container_credentials_url(a), "http://169.254.170.2/@evil.example/x");
}

TEST(ContainerProvider, RelativeUriWinsOverFullUri) {
  const auto a = offline_ambient({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x"},
                               {"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri}});
  EXPECT_EQ(container_credentials_url(a), "http://169.254.170.2/v2/x");
}

// URL checks only: container_credentials_url() computes the URL; the offline ambient fails the
// test on any request.
TEST(ContainerProvider, FullUri_AllowedPlainHttpHosts) {
  for (const char* uri :
       {"http://127.0.0.1:8080/creds", "http://127.0.0.2/creds", "http://localhost/creds",
        "http://[::1]:80/creds", "http://169.254.170.2/v2/creds",
        "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
        "http://[FD00:EC2:0:0:0:0:0:23]/v1/credentials"}) {
    const auto a = offline_ambient({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", uri}});
    EXPECT_EQ(container_credentials_url(a), uri) << uri;
  }
}

TEST(ContainerProvider, FullUri_HttpsMayBeAnyHost) {
  const auto a =
      offline_ambient({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://creds.example.com/role"}});
  EXPECT_EQ(container_credentials_url(a), "https://creds.example.com/role");
}

// The fake transport would answer, but the provider must refuse these before any request.
TEST(ContainerProvider, FullUri_PlainHttpElsewhere_IsRefusedBeforeAnyRequest) {
  for (const char* uri :
       {"http://10.0.0.1/creds", "http://169.254.169.254/latest", "http://169.254.170.3/creds",
        "http://example.com/creds", "http://[fd00:ec2::24]/creds"}) {
    auto t = serving();
    ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", uri}}), kFast);
    const auto o = failure_of(p);
    EXPECT_FALSE(o.unavailable) << uri;
    EXPECT_EQ(o.code, ErrorCode::kInvalidInput) << uri;
    EXPECT_NE(o.message.find("plain http is only allowed to a loopback address, 169.254.170.2"),
              std::string::npos)
        << o.message;
    EXPECT_NE(o.message.find("use https"), std::string::npos) << o.message;
    EXPECT_TRUE(t->requests().empty()) << uri;
  }
}

TEST(ContainerProvider, FullUri_Malformed_NamesTheVariable) {
  auto t = serving();
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "ftp://x/y"}}),
                      kFast);
  const auto o = failure_of(p);
  EXPECT_EQ(o.code, ErrorCode::kInvalidInput);
  EXPECT_NE(o.message.find("AWS_CONTAINER_CREDENTIALS_FULL_URI"), std::string::npos) << o.message;
}

// --- the request -----------------------------------------------------------------------------

TEST(ContainerProvider, Success_SendsAcceptAndNoAuthorization) {
  auto t = serving();
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri}}), kFast);
  const auto c = p.resolve();
  EXPECT_EQ(c->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(c->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(c->session_token.reveal(), kToken);
  EXPECT_EQ(c->account_id.value_or(""), "123456789012");
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(c->source, std::string("container credentials endpoint ") + kFullUri);
  const auto reqs = t->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].url, kFullUri);
  EXPECT_EQ(http::find_header(reqs[0].headers, "Accept").value_or(""), "application/json");
  EXPECT_FALSE(http::find_header(reqs[0].headers, "Authorization"));
  EXPECT_EQ(reqs[0].timeout, std::chrono::milliseconds(200));
  EXPECT_EQ(reqs[0].connect_timeout, std::chrono::milliseconds(200));
}

TEST(ContainerProvider, DefaultOptions_AreBotocoresTwoSecondsThreeAttempts) {
  const ContainerProviderOptions defaults;
  EXPECT_EQ(defaults.timeout, std::chrono::seconds(2));
  EXPECT_EQ(defaults.attempts, 3);
}

TEST(ContainerProvider, TokenFromEnvironment_IsTheAuthorizationHeader) {
  auto t = serving();
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri},
                                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", kAuth}}),
                      kFast);
  p.resolve();
  EXPECT_EQ(http::find_header(t->requests().at(0).headers, "Authorization").value_or(""), kAuth);
}

TEST(ContainerProvider, TokenFile_WinsAndIsReadOnEveryCall) {
  TempDir d;
  const auto file = d.write("token", "first-token-from-file\n");
  auto t = serving();
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri},
                                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", kAuth},
                                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file.string()}}),
                      kFast);
  p.resolve();
  d.write("token", "second-token-from-file");
  p.resolve();
  const auto reqs = t->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(http::find_header(reqs[0].headers, "Authorization").value_or(""),
            "first-token-from-file");
  EXPECT_EQ(http::find_header(reqs[1].headers, "Authorization").value_or(""),
            "second-token-from-file");
}

TEST(ContainerProvider, TokenFileMissing_IsAnErrorNamingIt) {
  auto t = serving();
  ContainerProvider p(
      fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri},
                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent/tok"}}),
      kFast);
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_NE(o.message.find("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/nonexistent/tok: no such file"),
            std::string::npos)
      << o.message;
  EXPECT_TRUE(t->requests().empty());
}

TEST(ContainerProvider, TokenWithCrOrLf_IsRefused) {
  for (const std::string& bad : {std::string(kAuth) + "\r\nX-Injected: 1",
                                 std::string(kAuth) + "\n", std::string("\r") + kAuth}) {
    auto t = serving();
    ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri},
                                         {"AWS_CONTAINER_AUTHORIZATION_TOKEN", bad}}),
                        kFast);
    const auto o = failure_of(p);
    EXPECT_EQ(o.code, ErrorCode::kInvalidInput);
    EXPECT_NE(o.message.find("AWS_CONTAINER_AUTHORIZATION_TOKEN: the authorization token contains "
                             "a line break"),
              std::string::npos)
        << o.message;
    EXPECT_TRUE(t->requests().empty());
  }
  TempDir d;
  const auto file = d.write("token", std::string(kAuth) + "\nX-Injected: 1\n");
  auto t = serving();
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri},
                                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file.string()}}),
                      kFast);
  EXPECT_NE(failure_of(p).message.find("contains a line break"), std::string::npos);
  EXPECT_TRUE(t->requests().empty());
}

// --- answers ---------------------------------------------------------------------------------

TEST(ContainerProvider, ServerErrorsAreRetried_ThenSucceed) {
  int calls = 0;
  auto t = std::make_shared<FakeMetadataTransport>([&](const http::Request&) {
    return ++calls < 3 ? reply(503, R"({"code":"Busy","message":"try later"})")
                       : reply(200, good_body());
  });
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri}}), kFast);
  EXPECT_EQ(p.resolve()->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(t->requests().size(), 3u);
}

TEST(ContainerProvider, ServerErrorsOnEveryAttempt_IsAnErrorWithStatus) {
  auto t = std::make_shared<FakeMetadataTransport>([](const http::Request&) {
    return reply(500, R"({"code":"InternalServerError","message":"boom"})");
  });
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri}}), kFast);
  const auto o = failure_of(p);
  EXPECT_EQ(o.code, ErrorCode::kHttpStatus);
  EXPECT_NE(o.message.find("answered HTTP 500 (3 attempts): InternalServerError: boom"),
            std::string::npos)
      << o.message;
  EXPECT_EQ(t->requests().size(), 3u);
}

TEST(ContainerProvider, ClientError_IsNotRetried) {
  auto t = std::make_shared<FakeMetadataTransport>([](const http::Request&) {
    return reply(403, std::string(R"({"code":"AccessDeniedException","message":"bad token )") +
                          kAuth + "\"}");
  });
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri},
                                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", kAuth}}),
                      kFast);
  const auto o = failure_of(p);  // also: the echoed token is scrubbed from the excerpt
  EXPECT_EQ(o.code, ErrorCode::kHttpStatus);
  EXPECT_NE(o.message.find("answered HTTP 403; check the authorization token"), std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("AccessDeniedException: bad token ****"), std::string::npos)
      << o.message;
  EXPECT_EQ(t->requests().size(), 1u);
}

TEST(ContainerProvider, Unauthorized_WithoutToken_SaysWhichVariablesToSet) {
  auto t = std::make_shared<FakeMetadataTransport>(
      [](const http::Request&) { return reply(401, R"({"code":"AccessDeniedException"})"); });
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri}}), kFast);
  const auto o = failure_of(p);
  EXPECT_NE(
      o.message.find("no authorization token was sent (set AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
      std::string::npos)
      << o.message;
}

TEST(ContainerProvider, TimeoutsAreRetried_ThenAnError) {
  auto t = std::make_shared<FakeMetadataTransport>(testing::timeout_failure);
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri}}), kFast);
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_EQ(o.code, ErrorCode::kTimeout);
  EXPECT_NE(o.message.find(std::string("container credentials endpoint ") + kFullUri +
                           " did not answer within 200 ms (3 attempts)"),
            std::string::npos)
      << o.message;
  EXPECT_EQ(t->requests().size(), 3u);
}

TEST(ContainerProvider, ConnectionRefused_IsANetworkError) {
  auto t = std::make_shared<FakeMetadataTransport>(testing::refused_connection);
  ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri}}), kFast);
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_EQ(o.code, ErrorCode::kNetwork);
  EXPECT_NE(o.message.find("could not be reached (3 attempts)"), std::string::npos) << o.message;
}

TEST(ContainerProvider, MalformedAnswers_NameTheEndpointAndField) {
  const std::string prefix = std::string("container credentials from ") + kFullUri + ": ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json " + std::string(kSecret), "invalid JSON at byte"},
      {std::string(R"({"AccessKeyId":"A","SecretAccessKey":")") + kSecret +
           R"(","Expiration":"2030-01-01T00:00:00Z"})",
       "/Token is missing"},
      {std::string(R"({"AccessKeyId":"A","SecretAccessKey":")") + kSecret + R"(","Token":")" +
           kToken + "\"}",
       "/Expiration is missing"},
      {std::string(R"({"AccessKeyId":"A","SecretAccessKey":")") + kSecret + R"(","Token":")" +
           kToken + R"(","Expiration":"tomorrow"})",
       "/Expiration is not an ISO 8601 time"},
  };
  for (const auto& [body, expected] : cases) {
    auto t = serving(body);
    ContainerProvider p(fake_ambient(t, {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", kFullUri}}), kFast);
    const auto o = failure_of(p);
    EXPECT_EQ(o.code, ErrorCode::kInvalidInput);
    EXPECT_NE(o.message.find(prefix + expected), std::string::npos) << o.message;
    EXPECT_EQ(t->requests().size(), 1u) << "a malformed 200 is not retried";
  }
}

TEST(ContainerProvider, LoopbackGuard_RefusesTheRealEcsAddress) {
  // The real transport with the tests' loopback-only guard: refused before any packet leaves
  // (and, were the guard broken, libcurl would meet the tests' proxy trap on a loopback port).
  ContainerProvider p(
      test_ambient({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x"}}), kFast);
  const auto o = failure_of(p);
  EXPECT_EQ(o.code, ErrorCode::kRefused);
  EXPECT_NE(o.message.find("loopback-only guard"), std::string::npos) << o.message;
}

}  // namespace
}  // namespace llmauth::aws
