// Test certificates made by the openssl command line (not by our code) once per test binary:
// RSA-2048 PEM (key + certificate, in both orders), a CA-signed leaf with its chain, PKCS#12
// with and without a password, an encrypted PEM key, an EC key, and a key that matches nothing.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "llmauth/core/crypto.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {

inline constexpr const char* kPfxPassword = "pfx-password-not-for-messages";
inline constexpr const char* kPemKeyPassword = "pem-key-password-not-for-messages";

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

struct TestCertificates {
  TempDir dir;
  std::filesystem::path key, cert, key_then_cert, cert_then_key, cert_der;
  std::filesystem::path ca_cert, leaf_key, leaf_cert, chain_pem;  // chain: CA cert, leaf key, leaf cert
  std::filesystem::path pfx_with_password, pfx_without_password, encrypted_key_pem;
  std::filesystem::path ec_pem, other_key, garbage_pem, garbage_bin;

  TestCertificates() {
    const auto d = dir.path();
    auto run = [&](const std::string& cmd) {
      const std::string full = "cd '" + d.string() + "' && (" + cmd + ") >/dev/null 2>&1";
      if (std::system(full.c_str()) != 0) throw std::runtime_error("openssl failed: " + cmd);
    };
    const std::string days = " -days 2";
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -subj /CN=llmauth-test" + days);
    run("cat key.pem cert.pem > key_then_cert.pem && cat cert.pem key.pem > cert_then_key.pem");
    run("openssl x509 -in cert.pem -outform DER -out cert.der");
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj /CN=llmauth-test-ca"
        " -addext basicConstraints=critical,CA:TRUE" + days);
    run("openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=llmauth-test-leaf");
    run("openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem" + days);
    run("cat ca.pem leaf.key leaf.pem > chain.pem");
    run(std::string("openssl pkcs12 -export -in cert.pem -inkey key.pem -out with.pfx -passout pass:") + kPfxPassword);
    run("openssl pkcs12 -export -in cert.pem -inkey key.pem -out without.pfx -passout pass:");
    run(std::string("openssl pkey -in key.pem -aes256 -passout pass:") + kPemKeyPassword +
        " -out key-enc.pem && cat cert.pem key-enc.pem > encrypted.pem");
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ec.crt"
        " -subj /CN=llmauth-test-ec" + days + " && cat ec.key ec.crt > ec.pem");
    run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.key");
    key = d / "key.pem";
    cert = d / "cert.pem";
    key_then_cert = d / "key_then_cert.pem";
    cert_then_key = d / "cert_then_key.pem";
    cert_der = d / "cert.der";
    ca_cert = d / "ca.pem";
    leaf_key = d / "leaf.key";
    leaf_cert = d / "leaf.pem";
    chain_pem = d / "chain.pem";
    pfx_with_password = d / "with.pfx";
    pfx_without_password = d / "without.pfx";
    encrypted_key_pem = d / "encrypted.pem";
    ec_pem = d / "ec.pem";
    other_key = d / "other.key";
    garbage_pem = dir.write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
    garbage_bin = dir.write("garbage.pfx", std::string("\x30\x82\x01\x00garbage\x00\xff", 14));
  }

  // The DER bytes of a PEM certificate, converted by openssl.
  std::string der_of(const std::filesystem::path& pem) const {
    const auto out = dir.path() / (pem.filename().string() + ".der");
    const std::string cmd = "openssl x509 -in '" + pem.string() + "' -outform DER -out '" +
                            out.string() + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl x509 failed");
    return slurp(out);
  }

  // Verifies a JWT's signature with the openssl command line and the certificate's public key.
  bool openssl_verifies(const std::string& jwt, const std::filesystem::path& cert_pem, bool pss) const;
};

inline bool TestCertificates::openssl_verifies(const std::string& jwt,
                                               const std::filesystem::path& cert_pem,
                                               bool pss) const {
  static int n = 0;
  const std::string tag = std::to_string(++n);
  const auto dot = jwt.rfind('.');
  if (dot == std::string::npos) return false;
  const auto sig = crypto::base64_decode(jwt.substr(dot + 1));
  if (!sig) return false;
  const auto input = dir.write("input" + tag + ".txt", jwt.substr(0, dot));
  const auto sig_file = dir.write("sig" + tag + ".bin", *sig);
  const auto pub = dir.path() / ("pub" + tag + ".pem");
  std::string cmd = "openssl x509 -in '" + cert_pem.string() + "' -pubkey -noout > '" +
                    pub.string() + "' && openssl dgst -sha256 -verify '" + pub.string() + "'" +
                    (pss ? " -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32" : "") +
                    " -signature '" + sig_file.string() + "' '" + input.string() +
                    "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

inline const TestCertificates& test_certificates() {
  static const auto certs = std::make_unique<TestCertificates>();
  return *certs;
}

}  // namespace llmauth::testing
