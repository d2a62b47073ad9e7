// ClientCertificateCredential and JwtAssertionSigner: loading PEM / PKCS#12 made by the openssl
// command line, the assertion's header and claims, signatures checked by `openssl dgst`, and
// every malformed input.
#include "llmauth/azure/credentials/client_certificate_credential.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <regex>
#include <thread>
#include <vector>

#include "llmauth/azure/credentials/jwt_assertion.hpp"
#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"
#include "unit/azure/entra_test_support.hpp"
#include "unit/azure/test_certificates.hpp"

namespace llmauth::azure {
namespace {

using namespace llmauth::testing;

const std::string kAudience = std::string("https://login.microsoftonline.com/") + kTenant + "/oauth2/v2.0/token";

JwtAssertionSigner load_file(const std::filesystem::path& p, const Secret& password = {}) {
  return JwtAssertionSigner::load(slurp(p), p.string(), password);
}

std::string load_error(const std::filesystem::path& p, const Secret& password = {}) {
  try {
    load_file(p, password);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    return e.what();
  }
  ADD_FAILURE() << "loading " << p << " did not fail";
  return {};
}

TEST(JwtAssertionSigner, Pem_KeyAndCertificateInEitherOrder) {
  const auto& c = test_certificates();
  const std::string der = slurp(c.cert_der);
  for (const auto& p : {c.key_then_cert, c.cert_then_key}) {
    const auto signer = load_file(p);
    EXPECT_EQ(signer.leaf_der(), der);
    EXPECT_EQ(signer.chain_der().size(), 1u);
    const auto sha1 = crypto::sha1(der);
    EXPECT_EQ(signer.x5t(), crypto::base64url({reinterpret_cast<const char*>(sha1.data()), sha1.size()}));
    EXPECT_EQ(signer.x5t_s256(), crypto::base64url(crypto::as_view(crypto::sha256(der))));
  }
}

TEST(JwtAssertionSigner, Rs256Assertion_HeaderClaimsAndOpensslVerifiedSignature) {
  const auto& c = test_certificates();
  const auto signer = load_file(c.key_then_cert);
  const auto now = TimePoint(std::chrono::seconds(1767312000));
  const auto jwt = signer.build(kClient, kAudience, now, {});
  const auto d = decode_jwt(std::string(jwt.reveal()));
  EXPECT_EQ(d.header, (json::Json{{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", signer.x5t()}}));
  EXPECT_EQ(d.claims.at("aud"), kAudience);
  EXPECT_EQ(d.claims.at("iss"), kClient);
  EXPECT_EQ(d.claims.at("sub"), kClient);
  EXPECT_EQ(d.claims.at("iat"), 1767312000);
  EXPECT_EQ(d.claims.at("nbf"), 1767312000);
  EXPECT_EQ(d.claims.at("exp"), 1767312000 + 600);
  EXPECT_TRUE(std::regex_match(d.claims.at("jti").get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(d.signature.size(), 256u);
  EXPECT_TRUE(c.openssl_verifies(std::string(jwt.reveal()), c.cert, /*pss=*/false));
  EXPECT_FALSE(c.openssl_verifies(std::string(jwt.reveal()), c.cert, /*pss=*/true));
}

TEST(JwtAssertionSigner, Ps256WithSha256Thumbprint) {
  const auto& c = test_certificates();
  const auto signer = load_file(c.cert_then_key);
  const auto jwt = signer.build(kClient, kAudience, std::chrono::system_clock::now(),
                                {.algorithm = AssertionAlgorithm::PS256,
                                 .thumbprint = AssertionThumbprint::Sha256});
  const auto d = decode_jwt(std::string(jwt.reveal()));
  EXPECT_EQ(d.header, (json::Json{{"alg", "PS256"}, {"typ", "JWT"}, {"x5t#S256", signer.x5t_s256()}}));
  EXPECT_TRUE(c.openssl_verifies(std::string(jwt.reveal()), c.cert, /*pss=*/true));
  // PSS is randomised: two signatures of the same input differ
  EXPECT_NE(signer.sign("abc", AssertionAlgorithm::PS256), signer.sign("abc", AssertionAlgorithm::PS256));
  EXPECT_EQ(signer.sign("abc", AssertionAlgorithm::RS256), signer.sign("abc", AssertionAlgorithm::RS256));
}

TEST(JwtAssertionSigner, EveryAssertionHasItsOwnJti) {
  const auto signer = load_file(test_certificates().key_then_cert);
  const auto now = std::chrono::system_clock::now();
  const auto a = decode_jwt(std::string(signer.build(kClient, kAudience, now, {}).reveal()));
  const auto b = decode_jwt(std::string(signer.build(kClient, kAudience, now, {}).reveal()));
  EXPECT_NE(a.claims.at("jti"), b.claims.at("jti"));
}

TEST(JwtAssertionSigner, Chain_LeafIsTheKeysCertificate_X5cLeafFirst) {
  const auto& c = test_certificates();
  const auto signer = load_file(c.chain_pem);  // CA certificate first in the file
  const std::string leaf = c.der_of(c.leaf_cert);
  const std::string ca = c.der_of(c.ca_cert);
  ASSERT_EQ(signer.chain_der().size(), 2u);
  EXPECT_EQ(signer.leaf_der(), leaf);
  EXPECT_EQ(signer.chain_der()[1], ca);
  const auto jwt = signer.build(kClient, kAudience, std::chrono::system_clock::now(),
                                {.send_certificate_chain = true});
  const auto d = decode_jwt(std::string(jwt.reveal()));
  EXPECT_EQ(d.header.at("x5c"), (json::Json{crypto::base64(leaf), crypto::base64(ca)}));
  EXPECT_TRUE(c.openssl_verifies(std::string(jwt.reveal()), c.leaf_cert, false));
}

TEST(JwtAssertionSigner, SeparateKeyFile) {
  const auto& c = test_certificates();
  const auto signer = JwtAssertionSigner::load(slurp(c.cert), c.cert.string(), {},
                                               slurp(c.key), c.key.string());
  EXPECT_EQ(signer.leaf_der(), slurp(c.cert_der));
  const std::string other = slurp(c.other_key);
  try {
    JwtAssertionSigner::load(slurp(c.cert), c.cert.string(), {}, other, c.other_key.string());
    ADD_FAILURE() << "a mismatched key was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "the private key in " + c.other_key.string() +
                                         " does not match the certificate in " + c.cert.string());
  }
}

TEST(JwtAssertionSigner, Pkcs12_WithAndWithoutPassword) {
  const auto& c = test_certificates();
  EXPECT_EQ(load_file(c.pfx_with_password, Secret(kPfxPassword)).leaf_der(), slurp(c.cert_der));
  EXPECT_EQ(load_file(c.pfx_without_password).leaf_der(), slurp(c.cert_der));
}

TEST(JwtAssertionSigner, Pkcs12_WrongOrMissingPassword) {
  const auto& c = test_certificates();
  for (const Secret& pw : {Secret("wrong-password-value"), Secret()}) {
    const auto message = load_error(c.pfx_with_password, pw);
    EXPECT_EQ(message, "cannot open the PKCS#12 file " + c.pfx_with_password.string() +
                           ": the password is wrong (certificate_password, "
                           "AZURE_CLIENT_CERTIFICATE_PASSWORD)");
    expect_no_secret(message, kPfxPassword);
    if (!pw.empty()) expect_no_secret(message, std::string(pw.reveal()));
  }
}

TEST(JwtAssertionSigner, EncryptedPemKey) {
  const auto& c = test_certificates();
  EXPECT_EQ(load_file(c.encrypted_key_pem, Secret(kPemKeyPassword)).leaf_der(), slurp(c.cert_der));
  const auto wrong = load_error(c.encrypted_key_pem, Secret("not-the-pem-password"));
  EXPECT_NE(wrong.find("the password is wrong"), std::string::npos) << wrong;
  expect_no_secret(wrong, "not-the-pem-password");
  const auto none = load_error(c.encrypted_key_pem);
  EXPECT_NE(none.find("is encrypted and no password was given"), std::string::npos) << none;
}

TEST(JwtAssertionSigner, MalformedInputs) {
  const auto& c = test_certificates();
  EXPECT_EQ(load_error(c.garbage_pem), "no certificate found in " + c.garbage_pem.string());
  EXPECT_EQ(load_error(c.key), "no certificate found in " + c.key.string());
  EXPECT_NE(load_error(c.garbage_bin).find("no certificate found in " + c.garbage_bin.string()),
            std::string::npos);
  EXPECT_NE(load_error(c.cert).find("the certificate in " + c.cert.string() +
                                    " comes without its private key"),
            std::string::npos);
  const auto ec = load_error(c.ec_pem);
  EXPECT_NE(ec.find("is an EC key; Entra ID client assertions need an RSA key"), std::string::npos) << ec;
  EXPECT_NE(ec.find(c.ec_pem.string()), std::string::npos);
}

TEST(JwtAssertionSigner, EmptyFile) {
  const auto& c = test_certificates();
  const auto empty = c.dir.write("empty.pem", "");
  EXPECT_EQ(load_error(empty), empty.string() + " is empty");
}

TEST(JwtAssertionSigner, OneSignerServesManyThreads) {
  const auto signer = load_file(test_certificates().key_then_cert);
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const auto alg = (t + i) % 2 == 0 ? AssertionAlgorithm::RS256 : AssertionAlgorithm::PS256;
        const auto jwt = signer.build(kClient, kAudience, std::chrono::system_clock::now(), {.algorithm = alg});
        if (jwt.size() > 600 && std::count(jwt.reveal().begin(), jwt.reveal().end(), '.') == 2) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 40);
}

TEST(JwtAssertionSigner, KeyOfAnotherCertificate_DoesNotMatch) {
  const auto& c = test_certificates();
  const auto mixed = c.dir.write("mixed.pem", slurp(c.cert) + slurp(c.other_key));
  EXPECT_EQ(load_error(mixed), "the private key in " + mixed.string() +
                                   " does not match the certificate in " + mixed.string());
}

// --- the credential -------------------------------------------------------------------------

struct Fixture {
  std::shared_ptr<FakeMetadataTransport> transport =
      std::make_shared<FakeMetadataTransport>([](const http::Request&) { return token_reply(); });
  Ambient ambient = fake_ambient(transport);

  ClientCertificateCredentialOptions options(const std::filesystem::path& p) const {
    ClientCertificateCredentialOptions o;
    o.tenant_id = kTenant;
    o.client_id = kClient;
    o.certificate_path = p.string();
    return o;
  }
};

TEST(ClientCertificateCredential, PostsAFreshAssertionForEveryRequest) {
  Fixture f;
  ClientCertificateCredential cred(f.ambient, f.options(test_certificates().key_then_cert));
  EXPECT_EQ(cred.name(), "ClientCertificateCredential");
  const auto token = cred.get_token({.scopes = {kScope}});
  EXPECT_EQ(token->token.reveal(), kIssuedToken);
  EXPECT_EQ(token->credential, "ClientCertificateCredential");
  (void)cred.get_token({.scopes = {kScope}, .tenant_id = "other.example"});
  const auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  const auto form = form_of(requests[0]);
  EXPECT_EQ(form.at("grant_type"), "client_credentials");
  EXPECT_EQ(form.at("client_id"), kClient);
  EXPECT_EQ(form.at("scope"), kScope);
  EXPECT_EQ(form.at("client_assertion_type"), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  EXPECT_EQ(form.count("client_secret"), 0u);
  const auto first = decode_jwt(form.at("client_assertion"));
  EXPECT_EQ(first.claims.at("aud"), kAudience);
  const auto second = decode_jwt(form_of(requests[1]).at("client_assertion"));
  EXPECT_EQ(second.claims.at("aud"), "https://login.microsoftonline.com/other.example/oauth2/v2.0/token");
  EXPECT_NE(first.claims.at("jti"), second.claims.at("jti"));
}

TEST(ClientCertificateCredential, OptionsChooseAlgorithmThumbprintAndChain) {
  Fixture f;
  auto o = f.options(test_certificates().chain_pem);
  o.algorithm = ClientCertificateCredentialOptions::Algorithm::PS256;
  o.thumbprint = ClientCertificateCredentialOptions::Thumbprint::Sha256;
  o.send_certificate_chain = true;
  ClientCertificateCredential cred(f.ambient, o);
  (void)cred.get_token({.scopes = {kScope}});
  const auto d = decode_jwt(form_of(f.transport->requests()[0]).at("client_assertion"));
  EXPECT_EQ(d.header.at("alg"), "PS256");
  EXPECT_TRUE(d.header.contains("x5t#S256"));
  EXPECT_FALSE(d.header.contains("x5t"));
  EXPECT_EQ(d.header.at("x5c").size(), 2u);
}

TEST(ClientCertificateCredential, PemContentsAndSeparateKeyPath) {
  Fixture f;
  const auto& c = test_certificates();
  auto o = f.options({});
  o.certificate_pem = slurp(c.cert_then_key);
  EXPECT_NO_THROW((void)ClientCertificateCredential(f.ambient, o).get_token({.scopes = {kScope}}));
  auto two = f.options(c.cert);
  two.private_key_path = c.key.string();
  EXPECT_NO_THROW((void)ClientCertificateCredential(f.ambient, two).get_token({.scopes = {kScope}}));
}

TEST(ClientCertificateCredential, ConstructionErrors_NameTheFileNotThePassword) {
  Fixture f;
  const auto& c = test_certificates();
  auto missing = f.options("/nonexistent/dir/cert.pem");
  auto [m1, c1] = error_of([&] { ClientCertificateCredential(f.ambient, missing); });
  EXPECT_EQ(m1, "ClientCertificateCredential: certificate file /nonexistent/dir/cert.pem: no such file");
  EXPECT_EQ(c1, ErrorCode::kInvalidInput);

  auto wrong = f.options(c.pfx_with_password);
  wrong.certificate_password = Secret("a-wrong-pfx-password");
  auto [m2, c2] = error_of([&] { ClientCertificateCredential(f.ambient, wrong); });
  EXPECT_NE(m2.find("ClientCertificateCredential: cannot open the PKCS#12 file " +
                    c.pfx_with_password.string() + ": the password is wrong"),
            std::string::npos)
      << m2;
  expect_no_secret(m2, "a-wrong-pfx-password");

  auto no_key = f.options(c.cert);
  auto [m3, c3] = error_of([&] { ClientCertificateCredential(f.ambient, no_key); });
  EXPECT_NE(m3.find("comes without its private key"), std::string::npos) << m3;

  auto empty = f.options({});
  auto [m4, c4] = error_of([&] { ClientCertificateCredential(f.ambient, empty); });
  EXPECT_NE(m4.find("certificate_path is empty"), std::string::npos) << m4;
  EXPECT_TRUE(f.transport->requests().empty());
}

TEST(ClientCertificateCredential, RefusalNeverShowsTheAssertion) {
  auto transport = std::make_shared<FakeMetadataTransport>([](const http::Request& r) {
    const auto form = form_of(r);
    return entra_error(401, "invalid_client", 700027,
                       "The certificate is not registered. Assertion: " + form.at("client_assertion"));
  });
  ClientCertificateCredential cred(fake_ambient(transport), Fixture().options(test_certificates().key_then_cert));
  const auto [message, code] = error_of([&] { (void)cred.get_token({.scopes = {kScope}}); });
  EXPECT_NE(message.find("invalid_client AADSTS700027"), std::string::npos) << message;
  EXPECT_EQ(message.find("eyJ"), std::string::npos) << message;
  EXPECT_EQ(transport->requests().size(), 1u);
}

}  // namespace
}  // namespace llmauth::azure
