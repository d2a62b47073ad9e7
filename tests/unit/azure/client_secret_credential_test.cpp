// ClientSecretCredential and, through it, EntraTokenClient: the request's shape, the authority,
// tenants, retries and every way Entra ID can answer badly.
#include "llmauth/azure/credentials/client_secret_credential.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"
#include "unit/azure/entra_test_support.hpp"

namespace llmauth::azure {
namespace {

using namespace llmauth::testing;
using std::chrono::milliseconds;

struct Fixture {
  std::shared_ptr<FakeMetadataTransport> transport;
  RecordingSleeper sleeper;
  Ambient ambient;

  explicit Fixture(FakeMetadataTransport::Handler handler,
                   std::map<std::string, std::string> env = {})
      : transport(std::make_shared<FakeMetadataTransport>(std::move(handler))),
        ambient(fake_ambient(transport, std::move(env))) {}

  ClientSecretCredentialOptions options() const {
    return {.tenant_id = kTenant,
            .client_id = kClient,
            .client_secret = Secret(kClientSecret),
            .sleep = sleeper.fn()};
  }
  ClientSecretCredential credential() const { return ClientSecretCredential(ambient, options()); }
};

TokenRequest scope_request() { return {.scopes = {kScope}}; }

TEST(ClientSecretCredential, PostsTheClientCredentialsForm) {
  Fixture f([](const http::Request&) { return token_reply(); });
  auto cred = f.credential();
  const auto before = std::chrono::system_clock::now();
  const auto token = cred.get_token({.scopes = {"api://a/.default", "api://b/.default"}});
  EXPECT_EQ(token->token.reveal(), kIssuedToken);
  EXPECT_EQ(token->credential, "ClientSecretCredential");
  EXPECT_GE(token->expires_on, before + std::chrono::seconds(3598));
  EXPECT_FALSE(token->refresh_on.has_value());

  const auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url,
            std::string("https://login.microsoftonline.com/") + kTenant + "/oauth2/v2.0/token");
  EXPECT_EQ(http::find_header(r.headers, "content-type").value_or(""),
            "application/x-www-form-urlencoded");
  const auto form = form_of(r);
  EXPECT_EQ(form.at("grant_type"), "client_credentials");
  EXPECT_EQ(form.at("client_id"), kClient);
  EXPECT_EQ(form.at("client_secret"), kClientSecret);
  EXPECT_EQ(form.at("scope"), "api://a/.default api://b/.default");
  EXPECT_EQ(form.count("claims"), 0u);
  EXPECT_EQ(form.count("client_assertion"), 0u);
}

TEST(ClientSecretCredential, RefreshInAndClaimsAreHonoured) {
  Fixture f([](const http::Request&) {
    return reply(
        200,
        R"({"token_type":"Bearer","expires_in":"3599","refresh_in":"1800","access_token":"t0k3n-value"})");
  });
  auto cred = f.credential();
  const auto token = cred.get_token({.scopes = {kScope}, .claims = R"({"access_token":{}})"});
  ASSERT_TRUE(token->refresh_on.has_value());
  EXPECT_EQ(form_of(f.transport->requests()[0]).at("claims"), R"({"access_token":{}})");
}

TEST(ClientSecretCredential, AuthorityHost_FromOptionThenEnvironment) {
  Fixture f([](const http::Request&) { return token_reply(); },
            {{"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/"}});
  (void)f.credential().get_token(scope_request());
  auto o = f.options();
  o.authority_host = "https://login.chinacloudapi.cn";
  (void)ClientSecretCredential(f.ambient, o).get_token(scope_request());
  const auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url,
            std::string("https://login.microsoftonline.us/") + kTenant + "/oauth2/v2.0/token");
  EXPECT_EQ(requests[1].url,
            std::string("https://login.chinacloudapi.cn/") + kTenant + "/oauth2/v2.0/token");
}

TEST(ClientSecretCredential, PlainHttpAuthority_IsRefusedBeforeAnyRequest) {
  Fixture f([](const http::Request&) { return token_reply(); },
            {{"AZURE_AUTHORITY_HOST", "http://login.example.test"}});
  const auto [env_message, env_code] = error_of([&] { f.credential(); });
  EXPECT_EQ(env_code, ErrorCode::kInvalidInput);
  EXPECT_NE(env_message.find("AZURE_AUTHORITY_HOST=http://login.example.test"), std::string::npos)
      << env_message;
  EXPECT_NE(env_message.find("https"), std::string::npos);

  auto o = f.options();
  o.authority_host = "http://127.0.0.1:1";
  const auto [opt_message, opt_code] = error_of([&] { ClientSecretCredential(f.ambient, o); });
  EXPECT_NE(opt_message.find("authority_host=http://127.0.0.1:1"), std::string::npos)
      << opt_message;
  o.authority_host = "not a url";
  EXPECT_THROW(ClientSecretCredential(f.ambient, o), Error);
  EXPECT_TRUE(f.transport->requests().empty());
}

TEST(ClientSecretCredential, EmptyFields_AreNamed) {
  Fixture f([](const http::Request&) { return token_reply(); });
  for (const char* field : {"tenant_id", "client_id", "client_secret"}) {
    auto o = f.options();
    if (std::string(field) == "tenant_id") o.tenant_id.clear();
    if (std::string(field) == "client_id") o.client_id.clear();
    if (std::string(field) == "client_secret") o.client_secret = Secret();
    const auto [message, code] = error_of([&] { ClientSecretCredential(f.ambient, o); });
    EXPECT_EQ(code, ErrorCode::kInvalidInput);
    EXPECT_EQ(message, std::string("ClientSecretCredential: ") + field + " is empty");
  }
}

TEST(ClientSecretCredential, TenantIds_AreValidated) {
  Fixture f([](const http::Request&) { return token_reply(); });
  for (const char* bad : {"a/b", "../common", "tenant?x=1", "white space", "a%2f"}) {
    auto o = f.options();
    o.tenant_id = bad;
    const auto [message, code] = error_of([&] { ClientSecretCredential(f.ambient, o); });
    EXPECT_EQ(code, ErrorCode::kInvalidInput);
    EXPECT_NE(message.find("is not a tenant id"), std::string::npos) << message;
  }
  auto o = f.options();
  o.tenant_id = "contoso.onmicrosoft.com";
  EXPECT_NO_THROW((void)ClientSecretCredential(f.ambient, o));
}

TEST(ClientSecretCredential, RequestTenant_OverridesTheCredentialsTenant) {
  Fixture f([](const http::Request&) { return token_reply(); });
  auto cred = f.credential();
  (void)cred.get_token({.scopes = {kScope}, .tenant_id = "other-tenant.example"});
  EXPECT_EQ(f.transport->requests()[0].url,
            "https://login.microsoftonline.com/other-tenant.example/oauth2/v2.0/token");
  const auto [message, code] =
      error_of([&] { (void)cred.get_token({.scopes = {kScope}, .tenant_id = "../evil"}); });
  EXPECT_EQ(code, ErrorCode::kInvalidInput);
  EXPECT_EQ(f.transport->requests().size(), 1u);
}

TEST(ClientSecretCredential, NoScope_IsAnError) {
  Fixture f([](const http::Request&) { return token_reply(); });
  auto cred = f.credential();
  EXPECT_THROW((void)cred.get_token({}), Error);
  EXPECT_TRUE(f.transport->requests().empty());
}

TEST(ClientSecretCredential, WrongSecret_FailsFastWithEntrasReason) {
  Fixture f([](const http::Request&) {
    return entra_error(401, "invalid_client", 7000215,
                       "Invalid client secret provided. Ensure the secret being sent in the "
                       "request is the client secret value, not the client secret ID.");
  });
  auto cred = f.credential();
  const auto [message, code] = error_of([&] { (void)cred.get_token(scope_request()); });
  EXPECT_EQ(code, ErrorCode::kHttpStatus);
  EXPECT_EQ(message.rfind("ClientSecretCredential: Entra ID refused the request (HTTP 401): "
                          "invalid_client AADSTS7000215: Invalid client secret provided.",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find(std::string("(tenant ") + kTenant + ", client " + kClient + ")"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("Trace ID"), std::string::npos);
  EXPECT_EQ(message.find("gave up"), std::string::npos);
  expect_no_secret(message, kClientSecret);
  EXPECT_EQ(f.transport->requests().size(), 1u);
  EXPECT_TRUE(f.sleeper.slept->empty());
}

TEST(ClientSecretCredential, BadRequest_IsNotRetried) {
  Fixture f([](const http::Request&) {
    return entra_error(400, "unauthorized_client", 700016,
                       "Application with identifier 'x' was not found.");
  });
  auto cred = f.credential();
  const auto [message, code] = error_of([&] { (void)cred.get_token(scope_request()); });
  EXPECT_NE(message.find("unauthorized_client AADSTS700016"), std::string::npos) << message;
  EXPECT_EQ(f.transport->requests().size(), 1u);
}

TEST(ClientSecretCredential, TooManyRequests_WaitsAsRetryAfterSays) {
  int calls = 0;
  Fixture f([&](const http::Request&) {
    if (++calls > 1) return token_reply();
    http::Headers headers{{"Retry-After", "1"}};
    return entra_error(429, "temporarily_unavailable", 90033, "Too many requests.", headers);
  });
  auto cred = f.credential();
  EXPECT_EQ(cred.get_token(scope_request())->token.reveal(), kIssuedToken);
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(f.sleeper.slept->size(), 1u);
  EXPECT_EQ(f.sleeper.slept->front(), milliseconds(1000));
}

TEST(ClientSecretCredential, ServerErrors_RetriedThenReported) {
  Fixture f([](const http::Request&) {
    return entra_error(503, "temporarily_unavailable", 90033, "The service is unavailable.");
  });
  auto cred = f.credential();
  const auto [message, code] = error_of([&] { (void)cred.get_token(scope_request()); });
  EXPECT_EQ(code, ErrorCode::kHttpStatus);
  EXPECT_NE(message.find("(HTTP 503): temporarily_unavailable AADSTS90033"), std::string::npos)
      << message;
  EXPECT_NE(message.find("after 4 attempts in"), std::string::npos) << message;
  EXPECT_EQ(f.transport->requests().size(), 4u);
  EXPECT_EQ(f.sleeper.slept->size(), 3u);
}

TEST(ClientSecretCredential, TransportFailure_SaysEntraWasUnreachable) {
  Fixture f([](const http::Request& r) -> http::Response { return refused_connection(r); });
  auto cred = f.credential();
  const auto [message, code] = error_of([&] { (void)cred.get_token(scope_request()); });
  EXPECT_EQ(code, ErrorCode::kNetwork);
  EXPECT_NE(
      message.find(
          "ClientSecretCredential: could not reach Entra ID at https://login.microsoftonline.com/"),
      std::string::npos)
      << message;
  expect_no_secret(message, kClientSecret);
  EXPECT_EQ(f.transport->requests().size(), 4u);
}

TEST(ClientSecretCredential, NonJsonErrorPage_IsDescribedWithoutQuotingIt) {
  Fixture f([](const http::Request&) {
    return reply(403, std::string("<html>proxy says no: ") + kClientSecret + "</html>");
  });
  auto cred = f.credential();
  const auto [message, code] = error_of([&] { (void)cred.get_token(scope_request()); });
  EXPECT_NE(message.find("(HTTP 403) with a"), std::string::npos) << message;
  EXPECT_NE(message.find("not Entra's error JSON"), std::string::npos) << message;
  expect_no_secret(message, kClientSecret);
}

TEST(ClientSecretCredential, SecretEchoedInAnErrorDescription_IsRedacted) {
  Fixture f([](const http::Request&) {
    return entra_error(401, "invalid_client", 7000215,
                       std::string("secret '") + kClientSecret + "' is wrong");
  });
  auto cred = f.credential();
  const auto [message, code] = error_of([&] { (void)cred.get_token(scope_request()); });
  expect_no_secret(message, kClientSecret);
  EXPECT_NE(message.find("secret '****' is wrong"), std::string::npos) << message;
}

TEST(ClientSecretCredential, GarbageJson_IsInvalidInput) {
  Fixture f([](const http::Request&) { return reply(200, "{\"access_token\": \"abc"); });
  auto cred = f.credential();
  const auto [message, code] = error_of([&] { (void)cred.get_token(scope_request()); });
  EXPECT_EQ(code, ErrorCode::kInvalidInput);
  EXPECT_EQ(
      message.rfind(
          "ClientSecretCredential: token response from https://login.microsoftonline.com/", 0),
      0u)
      << message;
  EXPECT_NE(message.find("invalid JSON"), std::string::npos) << message;
}

TEST(ClientSecretCredential, MissingAccessToken_IsInvalidInput) {
  Fixture f([](const http::Request&) {
    return reply(200, R"({"token_type":"Bearer","expires_in":3599})");
  });
  auto cred = f.credential();
  const auto [message, code] = error_of([&] { (void)cred.get_token(scope_request()); });
  EXPECT_EQ(code, ErrorCode::kInvalidInput);
  EXPECT_NE(message.find("/access_token is missing"), std::string::npos) << message;
}

TEST(ClientSecretCredential, MissingExpiry_IsInvalidInput_AndTheTokenIsNotPrinted) {
  Fixture f([](const http::Request&) {
    return reply(200, std::string(R"({"access_token":")") + kIssuedToken + "\"}");
  });
  auto cred = f.credential();
  const auto [message, code] = error_of([&] { (void)cred.get_token(scope_request()); });
  EXPECT_EQ(code, ErrorCode::kInvalidInput);
  EXPECT_NE(message.find("no expiry"), std::string::npos) << message;
  expect_no_secret(message, kIssuedToken);
}

}  // namespace
}  // namespace llmauth::azure
