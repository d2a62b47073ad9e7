// WorkloadIdentityCredential and ClientAssertionCredential: configuration from options or the
// environment, the federated token file re-read for every request, unavailable vs failing.
#include "llmauth/azure/credentials/workload_identity_credential.hpp"

#include <gtest/gtest.h>

#include "llmauth/azure/credentials/client_assertion_credential.hpp"
#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"
#include "unit/azure/entra_test_support.hpp"

namespace llmauth::azure {
namespace {

using namespace llmauth::testing;

std::shared_ptr<FakeMetadataTransport> ok_transport() {
  return std::make_shared<FakeMetadataTransport>([](const http::Request&) { return token_reply(); });
}

TEST(ClientAssertionCredential, CallsTheCallbackForEveryRequest) {
  auto transport = ok_transport();
  int calls = 0;
  ClientAssertionCredential cred(fake_ambient(transport),
                                 {.tenant_id = kTenant,
                                  .client_id = kClient,
                                  .assertion = [&] { return Secret("assertion-" + std::to_string(++calls)); }});
  EXPECT_EQ(cred.name(), "ClientAssertionCredential");
  (void)cred.get_token({.scopes = {kScope}});
  (void)cred.get_token({.scopes = {kScope}});
  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(form_of(requests[0]).at("client_assertion"), "assertion-1");
  EXPECT_EQ(form_of(requests[1]).at("client_assertion"), "assertion-2");
  EXPECT_EQ(form_of(requests[0]).at("client_assertion_type"),
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  EXPECT_EQ(form_of(requests[0]).count("client_secret"), 0u);
}

TEST(ClientAssertionCredential, MissingCallbackOrEmptyAssertion_AreErrors) {
  auto transport = ok_transport();
  EXPECT_THROW(ClientAssertionCredential(fake_ambient(transport), {.tenant_id = kTenant, .client_id = kClient}),
               Error);
  ClientAssertionCredential cred(fake_ambient(transport),
                                 {.tenant_id = kTenant, .client_id = kClient, .assertion = [] { return Secret(); }});
  const auto [message, code] = error_of([&] { (void)cred.get_token({.scopes = {kScope}}); });
  EXPECT_EQ(message, "ClientAssertionCredential: the client assertion is empty");
  EXPECT_TRUE(transport->requests().empty());
}

TEST(WorkloadIdentityCredential, NotConfigured_IsUnavailableNamingTheVariables) {
  auto transport = ok_transport();
  WorkloadIdentityCredential none(fake_ambient(transport));
  EXPECT_EQ(unavailable_of([&] { (void)none.get_token({.scopes = {kScope}}); }),
            "WorkloadIdentityCredential: not configured: AZURE_TENANT_ID, AZURE_CLIENT_ID, "
            "AZURE_FEDERATED_TOKEN_FILE are not set");
  WorkloadIdentityCredential partly(fake_ambient(transport, {{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient}}));
  EXPECT_EQ(unavailable_of([&] { (void)partly.get_token({.scopes = {kScope}}); }),
            "WorkloadIdentityCredential: not configured: AZURE_FEDERATED_TOKEN_FILE is not set");
  EXPECT_TRUE(transport->requests().empty());
}

TEST(WorkloadIdentityCredential, TokenFileIsReReadForEveryRequest) {
  TempDir dir;
  const auto file = dir.write("token", "federated-token-one\n");
  auto transport = ok_transport();
  WorkloadIdentityCredential cred(fake_ambient(transport, {{"AZURE_TENANT_ID", kTenant},
                                                           {"AZURE_CLIENT_ID", kClient},
                                                           {"AZURE_FEDERATED_TOKEN_FILE", file.string()},
                                                           {"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us"}}));
  const auto token = cred.get_token({.scopes = {kScope}});
  EXPECT_EQ(token->credential, "WorkloadIdentityCredential");
  dir.write("token", "federated-token-two");
  (void)cred.get_token({.scopes = {kScope}});
  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, std::string("https://login.microsoftonline.us/") + kTenant + "/oauth2/v2.0/token");
  EXPECT_EQ(form_of(requests[0]).at("client_id"), kClient);
  EXPECT_EQ(form_of(requests[0]).at("client_assertion"), "federated-token-one");
  EXPECT_EQ(form_of(requests[1]).at("client_assertion"), "federated-token-two");
}

TEST(WorkloadIdentityCredential, OptionsWinOverTheEnvironment) {
  TempDir dir;
  const auto file = dir.write("token", "from-options");
  auto transport = ok_transport();
  WorkloadIdentityCredential cred(
      fake_ambient(transport, {{"AZURE_TENANT_ID", "env-tenant"}, {"AZURE_CLIENT_ID", "env-client"},
                               {"AZURE_FEDERATED_TOKEN_FILE", "/nonexistent"}}),
      {.tenant_id = kTenant, .client_id = kClient, .token_file_path = file.string()});
  (void)cred.get_token({.scopes = {kScope}});
  const auto r = transport->requests().at(0);
  EXPECT_NE(r.url.find(kTenant), std::string::npos);
  EXPECT_EQ(form_of(r).at("client_id"), kClient);
  EXPECT_EQ(form_of(r).at("client_assertion"), "from-options");
}

TEST(WorkloadIdentityCredential, MissingOrEmptyTokenFile_IsAnErrorNamingThePath) {
  TempDir dir;
  auto transport = ok_transport();
  const std::string path = (dir.path() / "absent").string();
  WorkloadIdentityCredential cred(fake_ambient(transport, {{"AZURE_TENANT_ID", kTenant},
                                                           {"AZURE_CLIENT_ID", kClient},
                                                           {"AZURE_FEDERATED_TOKEN_FILE", path}}));
  const auto [message, code] = error_of([&] { (void)cred.get_token({.scopes = {kScope}}); });
  EXPECT_EQ(message, "WorkloadIdentityCredential: AZURE_FEDERATED_TOKEN_FILE=" + path + ": no such file");
  dir.write("absent", "  \n");
  const auto [empty, empty_code] = error_of([&] { (void)cred.get_token({.scopes = {kScope}}); });
  EXPECT_NE(empty.find("the file is empty"), std::string::npos) << empty;
  EXPECT_TRUE(transport->requests().empty());
}

TEST(WorkloadIdentityCredential, Refusal_NamesTheCredentialNotTheToken) {
  TempDir dir;
  const auto file = dir.write("token", "a-federated-token-that-is-secret");
  auto transport = std::make_shared<FakeMetadataTransport>([](const http::Request&) {
    return entra_error(400, "invalid_request", 700211, "No matching federated identity record found.");
  });
  WorkloadIdentityCredential cred(fake_ambient(transport),
                                  {.tenant_id = kTenant, .client_id = kClient, .token_file_path = file.string()});
  const auto [message, code] = error_of([&] { (void)cred.get_token({.scopes = {kScope}}); });
  EXPECT_EQ(message.rfind("WorkloadIdentityCredential: Entra ID refused the request (HTTP 400): "
                          "invalid_request AADSTS700211",
                          0),
            0u)
      << message;
  expect_no_secret(message, "a-federated-token-that-is-secret");
  EXPECT_EQ(transport->requests().size(), 1u);
}

}  // namespace
}  // namespace llmauth::azure
