// The start-up floor for `llmauth aws sign`: a C++ process that maps the same runtime
// (libstdc++, libcrypto), initialises OpenSSL 3 the same way (fetch SHA-256 and HMAC, which
// loads the default provider and openssl.cnf), computes one HMAC-SHA256, prints it, and exits.
// cli_process_bench.cpp runs it beside the real command: what llmauth adds is the difference.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>

int main() {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (md == nullptr || mac == nullptr) return 1;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  static const unsigned char key[] = "AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  static const unsigned char data[] = "20150830";
  unsigned char out[32];
  size_t len = 0;
  if (EVP_MAC_init(ctx, key, sizeof key - 1, params) != 1 ||
      EVP_MAC_update(ctx, data, sizeof data - 1) != 1 ||
      EVP_MAC_final(ctx, out, &len, sizeof out) != 1) {
    return 1;
  }
  for (size_t i = 0; i < len; ++i) std::printf("%02x", out[i]);
  std::printf("\n");
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  EVP_MD_free(md);
  return 0;
}
