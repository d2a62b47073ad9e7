// The start-up floor for `llmauth aws sign`: a process that maps libcrypto, initialises OpenSSL 3
// the way any SigV4 signer must (fetch SHA-256 and HMAC, which loads the default provider and
// openssl.cnf), computes one HMAC-SHA256, prints it, and exits. It uses no C++ library, so the
// linker drops libstdc++: this is the floor for any native signer on the system OpenSSL.
// cli_process_bench.cpp runs it beside the real command: what llmauth adds is the difference.
//
// Built a second time with LLMAUTH_FLOOR_IOSTREAM (printing through std::cout, with libstdc++ as
// a shared library) it shows what the C++ runtime alone costs a short-lived process, which is why
// the llmauth executable links libstdc++ statically (docs/ARCHITECTURE.md).
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#ifdef LLMAUTH_FLOOR_IOSTREAM
#include <iostream>
#include <string>
#endif

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
#ifdef LLMAUTH_FLOOR_IOSTREAM
  std::string hex;
  for (size_t i = 0; i < len; ++i) {
    char byte[3];
    std::snprintf(byte, sizeof byte, "%02x", out[i]);
    hex += byte;
  }
  std::cout << hex << std::endl;
#else
  for (size_t i = 0; i < len; ++i) std::printf("%02x", out[i]);
  std::printf("\n");
#endif
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  EVP_MD_free(md);
  return 0;
}
