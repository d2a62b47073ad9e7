// Client-assertion JWT creation (what ClientCertificateCredential does for every token request)
// against the floor set by the RSA signature it cannot avoid.
//
//   build-*/bench/llmauth_bench --benchmark_filter=AzureJwt --benchmark_min_time=0.5
//
// BM_AzureJwt_AssertionRs256   JwtAssertionSigner::build: header + claims JSON, a random jti,
//                              base64url, RSA-2048 PKCS#1 v1.5 SHA-256 signature
// BM_AzureJwt_RawSignRs256     OpenSSL alone: EVP_DigestSign (fresh EVP_MD_CTX, as above) over
//                              the same signing input with the same key
// BM_AzureJwt_AssertionPs256 / BM_AzureJwt_RawSignPs256   the same with RSA-PSS (salt 32)
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <string>

#include "llmauth/azure/credentials/jwt_assertion.hpp"

namespace {

using namespace llmauth;

constexpr const char* kClient = "11111111-1111-1111-1111-111111111111";
constexpr const char* kAudience =
    "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/oauth2/v2.0/token";

// A throwaway RSA-2048 key and self-signed certificate, as one PEM.
struct Material {
  EVP_PKEY* key = nullptr;
  std::string pem;
  Material() {
    key = EVP_RSA_gen(2048);
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("llmauth-bench"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    X509_free(cert);
  }
  ~Material() { EVP_PKEY_free(key); }
};

const Material& material() {
  static const Material m;
  return m;
}

const azure::JwtAssertionSigner& signer() {
  static const auto s = azure::JwtAssertionSigner::load(material().pem, "bench", Secret());
  return s;
}

// The signing input (header.claims) of a real assertion, for the raw-sign floor.
std::string signing_input() {
  const auto jwt = signer().build(kClient, kAudience, std::chrono::system_clock::now(), {});
  const auto v = jwt.reveal();
  return std::string(v.substr(0, v.rfind('.')));
}

void assertion(benchmark::State& state, azure::AssertionAlgorithm alg) {
  const auto& s = signer();
  const azure::AssertionOptions options{.algorithm = alg};
  for (auto _ : state) {
    auto jwt = s.build(kClient, kAudience, std::chrono::system_clock::now(), options);
    benchmark::DoNotOptimize(jwt);
  }
}

void raw_sign(benchmark::State& state, bool pss) {
  EVP_PKEY* key = material().key;
  const std::string input = signing_input();
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char sig[512];
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestSignInit(ctx, &pctx, md, nullptr, key);
    if (pss) {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    std::size_t len = sizeof sig;
    EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    benchmark::DoNotOptimize(sig);
    EVP_MD_CTX_free(ctx);
  }
  EVP_MD_free(md);
}

void BM_AzureJwt_AssertionRs256(benchmark::State& s) { assertion(s, azure::AssertionAlgorithm::RS256); }
void BM_AzureJwt_RawSignRs256(benchmark::State& s) { raw_sign(s, false); }
void BM_AzureJwt_AssertionPs256(benchmark::State& s) { assertion(s, azure::AssertionAlgorithm::PS256); }
void BM_AzureJwt_RawSignPs256(benchmark::State& s) { raw_sign(s, true); }

BENCHMARK(BM_AzureJwt_AssertionRs256)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AzureJwt_RawSignRs256)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AzureJwt_AssertionPs256)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AzureJwt_RawSignPs256)->Unit(benchmark::kMicrosecond);

}  // namespace
