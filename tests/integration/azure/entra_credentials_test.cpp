// The Entra credentials against the emulator's token endpoint (HTTPS, its CA trusted by the test
// transport). The emulator checks what we send with node's crypto: client secrets, certificate
// assertions (RS256 / PS256 signatures, x5t / x5t#S256 / x5c, aud, iss, sub, exp, jti) and
// federated tokens; every token we get back is looked up in its registry.
#include <gtest/gtest.h>

#include <chrono>

#include "llmauth/azure/credentials/client_assertion_credential.hpp"
#include "llmauth/azure/credentials/client_certificate_credential.hpp"
#include "llmauth/azure/credentials/client_secret_credential.hpp"
#include "llmauth/azure/credentials/environment_credential.hpp"
#include "llmauth/azure/credentials/workload_identity_credential.hpp"
#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"
#include "unit/azure/test_certificates.hpp"

namespace llmauth::azure {
namespace {

using testing::Emulator;
using testing::test_certificates;

constexpr const char* kTenant = "00000000-0000-0000-0000-000000000001";
constexpr const char* kClient = "11111111-1111-1111-1111-111111111111";
constexpr const char* kSecret = "emulator-client-secret";
constexpr const char* kCertClient = "66666666-7777-8888-9999-000000000001";
const TokenRequest kRequest{.scopes = {std::string(kCognitiveServicesScope)}};

class EntraEmulator : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }

  static std::string authority() { return Emulator::get().https_url(); }
  static http::RetryPolicy fast_retries() {
    http::RetryPolicy p;
    p.initial_delay = std::chrono::milliseconds(10);
    return p;
  }
  static long long token_calls() { return Emulator::get().counter("azure.token"); }

  // The emulator's record of a token it issued.
  static json::Json lookup(const AccessToken& t) {
    return Emulator::get().control("POST", "/__control/azure/tokens/lookup",
                                   {{"token", std::string(t.token.reveal())}});
  }
  static void expect_issued_to(const AccessToken& t, const std::string& client) {
    const auto record = lookup(t);
    EXPECT_TRUE(record.value("known", false)) << record.dump();
    EXPECT_EQ(record.value("client_id", ""), client);
    EXPECT_EQ(record.value("tenant_id", ""), kTenant);
    EXPECT_EQ(record.value("scope", ""), kCognitiveServicesScope);
    EXPECT_GT(t.expires_on, std::chrono::system_clock::now() + std::chrono::minutes(50));
  }
  // Registers an app whose only credential is the certificate(s) in `pem_path`.
  static void register_certificate_app(const std::filesystem::path& pem_path) {
    Emulator::get().control("POST", "/__control/azure/apps",
                            {{"tenant_id", kTenant},
                             {"client_id", kCertClient},
                             {"certificate_pem", testing::slurp(pem_path)}});
  }
  static ClientCertificateCredentialOptions certificate_options(const std::filesystem::path& p) {
    ClientCertificateCredentialOptions o;
    o.tenant_id = kTenant;
    o.client_id = kCertClient;
    o.certificate_path = p.string();
    o.authority_host = authority();
    o.retry = fast_retries();
    return o;
  }
  static ClientSecretCredential secret_credential(const std::string& client = kClient,
                                                  const std::string& secret = kSecret) {
    return ClientSecretCredential(testing::test_ambient(),
                                  {.tenant_id = kTenant,
                                   .client_id = client,
                                   .client_secret = Secret(secret),
                                   .authority_host = authority(),
                                   .retry = fast_retries()});
  }
  template <typename F>
  static std::string failure(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "no error was thrown";
    return {};
  }
};

TEST_F(EntraEmulator, ClientSecret_GetsAnIssuedToken) {
  auto cred = secret_credential();
  const auto t = cred.get_token(kRequest);
  expect_issued_to(*t, kClient);
  EXPECT_EQ(token_calls(), 1);
  const auto log = Emulator::get().control("GET", "/__control/requests?target=azure.token");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["scheme"], "https");
  EXPECT_EQ(log[0]["form"]["grant_type"], "client_credentials");
  EXPECT_EQ(log[0]["azure"]["auth"], "client_secret");
}

TEST_F(EntraEmulator, WrongSecret_FailsFastWithAADSTS7000215) {
  auto cred = secret_credential(kClient, "a-wrong-secret-value");
  const auto message = failure([&] { (void)cred.get_token(kRequest); });
  EXPECT_NE(message.find("ClientSecretCredential: Entra ID refused the request (HTTP 401): "
                         "invalid_client AADSTS7000215: Invalid client secret provided."),
            std::string::npos)
      << message;
  testing::expect_no_secret(message, "a-wrong-secret-value");
  EXPECT_EQ(token_calls(), 1);
}

TEST_F(EntraEmulator, UnknownClient_AADSTS700016) {
  auto cred = secret_credential("99999999-9999-9999-9999-999999999999");
  const auto message = failure([&] { (void)cred.get_token(kRequest); });
  EXPECT_NE(message.find("unauthorized_client AADSTS700016"), std::string::npos) << message;
  testing::expect_no_secret(message, kSecret);
  EXPECT_EQ(token_calls(), 1);
}

TEST_F(EntraEmulator, Certificate_Rs256WithX5t) {
  const auto& c = test_certificates();
  register_certificate_app(c.cert);
  ClientCertificateCredential cred(testing::test_ambient(), certificate_options(c.key_then_cert));
  expect_issued_to(*cred.get_token(kRequest), kCertClient);
  const auto log = Emulator::get().control("GET", "/__control/requests?target=azure.token");
  EXPECT_EQ(log[0]["azure"]["auth"], "certificate") << log.dump();
  EXPECT_EQ(log[0]["azure"]["assertion"]["header"]["alg"], "RS256");
}

TEST_F(EntraEmulator, Certificate_Ps256WithX5tS256_FromPkcs12) {
  const auto& c = test_certificates();
  register_certificate_app(c.cert);
  auto o = certificate_options(c.pfx_with_password);
  o.certificate_password = Secret(testing::kPfxPassword);
  o.algorithm = ClientCertificateCredentialOptions::Algorithm::PS256;
  o.thumbprint = ClientCertificateCredentialOptions::Thumbprint::Sha256;
  ClientCertificateCredential cred(testing::test_ambient(), o);
  expect_issued_to(*cred.get_token(kRequest), kCertClient);
  expect_issued_to(*cred.get_token(kRequest), kCertClient);  // a second, fresh assertion
  const auto log = Emulator::get().control("GET", "/__control/requests?target=azure.token");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["azure"]["assertion"]["header"]["alg"], "PS256");
  EXPECT_TRUE(log[0]["azure"]["assertion"]["header"].contains("x5t#S256"));
  EXPECT_NE(log[0]["azure"]["assertion"]["claims"]["jti"], log[1]["azure"]["assertion"]["claims"]["jti"]);
}

TEST_F(EntraEmulator, Certificate_SendCertificateChain) {
  const auto& c = test_certificates();
  register_certificate_app(c.leaf_cert);
  auto o = certificate_options(c.chain_pem);
  o.send_certificate_chain = true;
  ClientCertificateCredential cred(testing::test_ambient(), o);
  expect_issued_to(*cred.get_token(kRequest), kCertClient);
  const auto log = Emulator::get().control("GET", "/__control/requests?target=azure.token");
  EXPECT_EQ(log[0]["azure"]["assertion"]["header"]["x5c"].size(), 2u);
}

TEST_F(EntraEmulator, Certificate_NotRegistered_IsRejected) {
  const auto& c = test_certificates();
  register_certificate_app(c.cert);
  ClientCertificateCredential cred(testing::test_ambient(), certificate_options(c.chain_pem));
  const auto message = failure([&] { (void)cred.get_token(kRequest); });
  EXPECT_NE(message.find("ClientCertificateCredential: Entra ID refused the request (HTTP 401): "
                         "invalid_client AADSTS700027"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("eyJ"), std::string::npos) << message;
  EXPECT_EQ(token_calls(), 1);
}

TEST_F(EntraEmulator, WorkloadIdentity_TokenFileReReadEveryRequest) {
  testing::TempDir dir;
  const auto file = dir.write("azure-identity-token", "emulator-federated-token");
  WorkloadIdentityCredential cred(testing::test_ambient({{"AZURE_TENANT_ID", kTenant},
                                                         {"AZURE_CLIENT_ID", kClient},
                                                         {"AZURE_FEDERATED_TOKEN_FILE", file.string()},
                                                         {"AZURE_AUTHORITY_HOST", authority()}}));
  expect_issued_to(*cred.get_token(kRequest), kClient);
  dir.write("azure-identity-token", "a-token-the-emulator-does-not-accept");
  const auto message = failure([&] { (void)cred.get_token(kRequest); });
  EXPECT_NE(message.find("WorkloadIdentityCredential: Entra ID refused the request (HTTP 400): "
                         "invalid_request AADSTS50027"),
            std::string::npos)
      << message;
  testing::expect_no_secret(message, "a-token-the-emulator-does-not-accept");
  EXPECT_EQ(token_calls(), 2);
}

TEST_F(EntraEmulator, ClientAssertion_FromACallback) {
  ClientAssertionCredential cred(testing::test_ambient(),
                                 {.tenant_id = kTenant,
                                  .client_id = kClient,
                                  .assertion = [] { return Secret("emulator-federated-token"); },
                                  .authority_host = authority()});
  expect_issued_to(*cred.get_token(kRequest), kClient);
}

TEST_F(EntraEmulator, EnvironmentCredential_SecretAndCertificate) {
  EnvironmentCredential with_secret(testing::test_ambient({{"AZURE_TENANT_ID", kTenant},
                                                           {"AZURE_CLIENT_ID", kClient},
                                                           {"AZURE_CLIENT_SECRET", kSecret},
                                                           {"AZURE_AUTHORITY_HOST", authority()}}));
  expect_issued_to(*with_secret.get_token(kRequest), kClient);

  const auto& c = test_certificates();
  register_certificate_app(c.cert);
  EnvironmentCredential with_certificate(
      testing::test_ambient({{"AZURE_TENANT_ID", kTenant},
                             {"AZURE_CLIENT_ID", kCertClient},
                             {"AZURE_CLIENT_CERTIFICATE_PATH", c.pfx_without_password.string()},
                             {"AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true"},
                             {"AZURE_AUTHORITY_HOST", authority()}}));
  EXPECT_EQ(with_certificate.selected(), "ClientCertificateCredential");
  expect_issued_to(*with_certificate.get_token(kRequest), kCertClient);
  EXPECT_EQ(token_calls(), 2);
}

TEST_F(EntraEmulator, ServerErrorsTwice_ThenSuccess) {
  Emulator::get().fault("azure.token", 2, 500);
  auto cred = secret_credential();
  expect_issued_to(*cred.get_token(kRequest), kClient);
  EXPECT_EQ(token_calls(), 3);
}

TEST_F(EntraEmulator, TooManyRequests_RetryAfterIsHonoured) {
  Emulator::get().control("POST", "/__control/fault",
                          {{"target", "azure.token"}, {"count", 1}, {"status", 429},
                           {"headers", {{"retry-after", "1"}}}});
  auto cred = secret_credential();
  const auto start = std::chrono::steady_clock::now();
  expect_issued_to(*cred.get_token(kRequest), kClient);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(950));
  EXPECT_LT(waited, std::chrono::seconds(10));
  EXPECT_EQ(token_calls(), 2);
}

TEST_F(EntraEmulator, PlainHttpAuthority_RefusedBeforeAnyRequest) {
  const std::string http = Emulator::get().http_url();
  const auto message = failure([&] {
    ClientSecretCredential(testing::test_ambient({{"AZURE_AUTHORITY_HOST", http}}),
                           {.tenant_id = kTenant, .client_id = kClient, .client_secret = Secret(kSecret)});
  });
  EXPECT_NE(message.find("ClientSecretCredential: the authority host AZURE_AUTHORITY_HOST=" + http +
                         " must be an https URL"),
            std::string::npos)
      << message;
  testing::expect_no_secret(message, kSecret);
  EXPECT_EQ(token_calls(), 0);
}

}  // namespace
}  // namespace llmauth::azure
