// EnvironmentCredential: which credential the AZURE_* variables select, what "incomplete" looks
// like (unavailable), and what "complete but wrong" looks like (an error at get_token).
#include "llmauth/azure/credentials/environment_credential.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"
#include "unit/azure/entra_test_support.hpp"
#include "unit/azure/test_certificates.hpp"

namespace llmauth::azure {
namespace {

using namespace llmauth::testing;

struct Fixture {
  std::shared_ptr<FakeMetadataTransport> transport =
      std::make_shared<FakeMetadataTransport>([](const http::Request&) { return token_reply(); });
  EnvironmentCredential make(std::map<std::string, std::string> env) const {
    return EnvironmentCredential(fake_ambient(transport, std::move(env)));
  }
};

TEST(EnvironmentCredential, NothingSet_IsUnavailableListingWhatIsMissing) {
  Fixture f;
  auto cred = f.make({});
  EXPECT_EQ(cred.name(), "EnvironmentCredential");
  EXPECT_EQ(unavailable_of([&] { (void)cred.get_token({.scopes = {kScope}}); }),
            "EnvironmentCredential: not configured: AZURE_TENANT_ID, AZURE_CLIENT_ID, "
            "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH are not set");
}

TEST(EnvironmentCredential, Incomplete_IsUnavailable) {
  Fixture f;
  auto ids_only = f.make({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient}});
  EXPECT_EQ(unavailable_of([&] { (void)ids_only.get_token({.scopes = {kScope}}); }),
            "EnvironmentCredential: not configured: AZURE_CLIENT_SECRET or "
            "AZURE_CLIENT_CERTIFICATE_PATH is not set");
  auto no_tenant = f.make({{"AZURE_CLIENT_ID", kClient}, {"AZURE_CLIENT_SECRET", kClientSecret}});
  const auto message = unavailable_of([&] { (void)no_tenant.get_token({.scopes = {kScope}}); });
  EXPECT_EQ(message, "EnvironmentCredential: not configured: AZURE_TENANT_ID is not set");
  expect_no_secret(message, kClientSecret);
  EXPECT_TRUE(f.transport->requests().empty());
}

TEST(EnvironmentCredential, Secret_SelectsClientSecretCredential) {
  Fixture f;
  auto cred = f.make({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient},
                      {"AZURE_CLIENT_SECRET", kClientSecret},
                      {"AZURE_CLIENT_CERTIFICATE_PATH", "/also/set/but/secret/wins.pem"},
                      {"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us"}});
  EXPECT_EQ(cred.selected(), "ClientSecretCredential");
  EXPECT_EQ(cred.get_token({.scopes = {kScope}})->token.reveal(), kIssuedToken);
  const auto r = f.transport->requests().at(0);
  EXPECT_EQ(r.url, std::string("https://login.microsoftonline.us/") + kTenant + "/oauth2/v2.0/token");
  EXPECT_EQ(form_of(r).at("client_secret"), kClientSecret);
}

TEST(EnvironmentCredential, CertificatePath_SelectsClientCertificateCredential) {
  Fixture f;
  const auto& c = test_certificates();
  auto cred = f.make({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient},
                      {"AZURE_CLIENT_CERTIFICATE_PATH", c.chain_pem.string()},
                      {"AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true"}});
  EXPECT_EQ(cred.selected(), "ClientCertificateCredential");
  (void)cred.get_token({.scopes = {kScope}});
  const auto form = form_of(f.transport->requests().at(0));
  const auto d = decode_jwt(form.at("client_assertion"));
  EXPECT_EQ(d.header.at("x5c").size(), 2u);

  auto pfx = f.make({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient},
                     {"AZURE_CLIENT_CERTIFICATE_PATH", c.pfx_with_password.string()},
                     {"AZURE_CLIENT_CERTIFICATE_PASSWORD", kPfxPassword},
                     {"AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "0"}});
  (void)pfx.get_token({.scopes = {kScope}});
  EXPECT_FALSE(decode_jwt(form_of(f.transport->requests().at(1)).at("client_assertion")).header.contains("x5c"));
}

TEST(EnvironmentCredential, CompleteButBroken_IsAnErrorAtGetToken) {
  Fixture f;
  const auto& c = test_certificates();
  auto wrong_password = f.make({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient},
                                {"AZURE_CLIENT_CERTIFICATE_PATH", c.pfx_with_password.string()},
                                {"AZURE_CLIENT_CERTIFICATE_PASSWORD", "wrong-env-password"}});
  EXPECT_EQ(wrong_password.selected(), "");
  const auto [m1, c1] = error_of([&] { (void)wrong_password.get_token({.scopes = {kScope}}); });
  EXPECT_EQ(c1, ErrorCode::kInvalidInput);
  EXPECT_EQ(m1.rfind("EnvironmentCredential: ClientCertificateCredential: cannot open the PKCS#12 file " +
                         c.pfx_with_password.string() + ": the password is wrong",
                     0),
            0u)
      << m1;
  expect_no_secret(m1, "wrong-env-password");

  auto missing = f.make({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient},
                         {"AZURE_CLIENT_CERTIFICATE_PATH", "/nonexistent/client.pem"}});
  const auto [m2, c2] = error_of([&] { (void)missing.get_token({.scopes = {kScope}}); });
  EXPECT_EQ(m2, "EnvironmentCredential: ClientCertificateCredential: certificate file "
                "/nonexistent/client.pem: no such file");

  auto http_authority = f.make({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient},
                                {"AZURE_CLIENT_SECRET", kClientSecret},
                                {"AZURE_AUTHORITY_HOST", "http://login.example.test"}});
  const auto [m3, c3] = error_of([&] { (void)http_authority.get_token({.scopes = {kScope}}); });
  EXPECT_NE(m3.find("AZURE_AUTHORITY_HOST=http://login.example.test must be an https URL"), std::string::npos) << m3;
  expect_no_secret(m3, kClientSecret);
  EXPECT_TRUE(f.transport->requests().empty());
}

TEST(EnvironmentCredential, Refusal_IsPrefixedAndHidesTheSecret) {
  auto transport = std::make_shared<FakeMetadataTransport>([](const http::Request&) {
    return entra_error(401, "invalid_client", 7000215, "Invalid client secret provided.");
  });
  EnvironmentCredential cred(fake_ambient(transport, {{"AZURE_TENANT_ID", kTenant},
                                                      {"AZURE_CLIENT_ID", kClient},
                                                      {"AZURE_CLIENT_SECRET", kClientSecret}}));
  const auto [message, code] = error_of([&] { (void)cred.get_token({.scopes = {kScope}}); });
  EXPECT_EQ(code, ErrorCode::kHttpStatus);
  EXPECT_EQ(message.rfind("EnvironmentCredential: ClientSecretCredential: Entra ID refused the request "
                          "(HTTP 401): invalid_client AADSTS7000215",
                          0),
            0u)
      << message;
  expect_no_secret(message, kClientSecret);
  EXPECT_EQ(transport->requests().size(), 1u);
}

}  // namespace
}  // namespace llmauth::azure
