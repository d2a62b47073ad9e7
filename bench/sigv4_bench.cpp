// SigV4 signing cost against the floor set by the cryptography it cannot avoid.
//
//   build-*/bench/llmauth_bench --benchmark_filter=SigV4 --benchmark_min_time=0.2
//
// BM_SigV4_SignBedrockPost      a Bedrock Converse POST, 1 KiB body, 5 headers, warm key cache
// BM_SigV4_SignHeadersBedrockPost  the same through sign_headers() (no SignatureDetails)
// BM_SigV4_RawFloor_Small       what that signature must cost at least: SHA-256 of 1 KiB,
//                               SHA-256 of ~400 bytes, one HMAC-SHA256, written directly against
//                               OpenSSL with pre-fetched EVP_MD/EVP_MAC and reused contexts
// BM_SigV4_Sign1MiB             the same POST with a 1 MiB body, against
// BM_SigV4_RawSha256_1MiB       OpenSSL SHA-256 over 1 MiB (the signature is that plus ~1 µs)
// BM_SigV4_Presign              a presigned GET with a query, warm key cache
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <string>

#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/time_format.hpp"

namespace {

using namespace llmauth;

aws::Credentials bench_credentials() {
  aws::Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  return c;
}

const TimePoint kWhen = timefmt::parse_iso8601("2025-01-02T03:04:05Z").value();

http::Request bedrock_post(std::size_t body_size) {
  http::Request r;
  r.method = "POST";
  r.url =
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
      "anthropic.claude-3-haiku-20240307-v1%3A0/converse";
  r.headers = {{"Content-Type", "application/json"},
               {"Accept", "application/json"},
               {"User-Agent", "llmauth/0.1"},
               {"X-Amzn-Bedrock-Trace", "DISABLED"},
               {"Content-Length", std::to_string(body_size)}};
  r.body.assign(body_size, 'x');
  return r;
}

// The request is signed again and again: each sign() replaces the Authorization and X-Amz-Date
// headers the previous one added, which costs what adding them to a fresh request costs.
void sign_loop(benchmark::State& state, std::size_t body_size) {
  const aws::SigV4 signer({.region = "us-east-1", .service = "bedrock"});
  const auto creds = bench_credentials();
  http::Request req = bedrock_post(body_size);
  signer.sign(req, creds, kWhen);  // warm the key cache
  for (auto _ : state) {
    auto details = signer.sign(req, creds, kWhen);
    benchmark::DoNotOptimize(details);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body_size));
}

void BM_SigV4_SignBedrockPost(benchmark::State& state) { sign_loop(state, 1024); }
BENCHMARK(BM_SigV4_SignBedrockPost);

// The gateway's call: the same signature without SignatureDetails (five strings fewer).
void BM_SigV4_SignHeadersBedrockPost(benchmark::State& state) {
  const aws::SigV4 signer({.region = "us-east-1", .service = "bedrock"});
  const auto creds = bench_credentials();
  http::Request req = bedrock_post(1024);
  signer.sign_headers(req, creds, kWhen);
  for (auto _ : state) {
    signer.sign_headers(req, creds, kWhen);
    benchmark::DoNotOptimize(req.headers.back().value.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 1024));
}
BENCHMARK(BM_SigV4_SignHeadersBedrockPost);

void BM_SigV4_Sign1MiB(benchmark::State& state) { sign_loop(state, 1u << 20); }
BENCHMARK(BM_SigV4_Sign1MiB);

void BM_SigV4_SignBedrockPost_Threads(benchmark::State& state) {
  static const aws::SigV4 signer({.region = "us-east-1", .service = "bedrock"});
  const auto creds = bench_credentials();
  http::Request req = bedrock_post(1024);
  signer.sign(req, creds, kWhen);
  for (auto _ : state) {
    auto details = signer.sign(req, creds, kWhen);
    benchmark::DoNotOptimize(details);
  }
}
BENCHMARK(BM_SigV4_SignBedrockPost_Threads)->Threads(2)->UseRealTime();

void BM_SigV4_SignColdKey(benchmark::State& state) {
  const auto creds = bench_credentials();
  http::Request req = bedrock_post(1024);
  for (auto _ : state) {
    const aws::SigV4 signer({.region = "us-east-1", .service = "bedrock"});
    auto details = signer.sign(req, creds, kWhen);
    benchmark::DoNotOptimize(details);
  }
}
BENCHMARK(BM_SigV4_SignColdKey);

void BM_SigV4_Presign(benchmark::State& state) {
  const aws::SigV4 signer({.region = "us-east-1", .service = "bedrock"});
  const auto creds = bench_credentials();
  http::Request req;
  req.method = "GET";
  req.url = "https://bedrock.us-east-1.amazonaws.com/foundation-models?byProvider=anthropic";
  signer.presign(req, creds, kWhen, std::chrono::seconds(900));
  for (auto _ : state) {
    auto details = signer.presign(req, creds, kWhen, std::chrono::seconds(900));
    benchmark::DoNotOptimize(details);
  }
}
BENCHMARK(BM_SigV4_Presign);

// ---- the floor, straight OpenSSL --------------------------------------------------------------

struct RawOpenSsl {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MD_CTX* md_ctx = EVP_MD_CTX_new();
  EVP_MAC_CTX* mac_ctx = EVP_MAC_CTX_new(mac);
  unsigned char key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                           17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

  RawOpenSsl() {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    EVP_MAC_init(mac_ctx, key, sizeof key, params);  // the digest stays set afterwards
  }
  ~RawOpenSsl() {
    EVP_MAC_CTX_free(mac_ctx);
    EVP_MD_CTX_free(md_ctx);
    EVP_MAC_free(mac);
    EVP_MD_free(md);
  }
  void sha256(const std::string& data, unsigned char* out) {
    unsigned int len = 0;
    EVP_DigestInit_ex2(md_ctx, md, nullptr);
    EVP_DigestUpdate(md_ctx, data.data(), data.size());
    EVP_DigestFinal_ex(md_ctx, out, &len);
  }
  void hmac(const std::string& data, unsigned char* out) {
    std::size_t len = 0;
    EVP_MAC_init(mac_ctx, key, sizeof key, nullptr);
    EVP_MAC_update(mac_ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    EVP_MAC_final(mac_ctx, out, &len, 32);
  }
};

void BM_SigV4_RawFloor_Small(benchmark::State& state) {
  RawOpenSsl raw;
  const std::string body(1024, 'x');
  const std::string canonical(400, 'c');
  const std::string string_to_sign(150, 's');
  unsigned char out[32];
  for (auto _ : state) {
    raw.sha256(body, out);
    benchmark::DoNotOptimize(out);
    raw.sha256(canonical, out);
    benchmark::DoNotOptimize(out);
    raw.hmac(string_to_sign, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_SigV4_RawFloor_Small);

void BM_SigV4_RawSha256_1MiB(benchmark::State& state) {
  RawOpenSsl raw;
  const std::string body(1u << 20, 'x');
  unsigned char out[32];
  for (auto _ : state) {
    raw.sha256(body, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_SigV4_RawSha256_1MiB);

}  // namespace
