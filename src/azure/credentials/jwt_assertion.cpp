#include "llmauth/azure/credentials/jwt_assertion.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"

namespace llmauth::azure {

struct JwtAssertionSigner::Key {
  EVP_PKEY* pkey = nullptr;
  explicit Key(EVP_PKEY* k) : pkey(k) {}
  ~Key() { EVP_PKEY_free(pkey); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
};

namespace {

constexpr std::chrono::minutes kAssertionLifetime{10};

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using P12Ptr = std::unique_ptr<PKCS12, decltype(&PKCS12_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

const EVP_MD* fetched_sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// The password as a C string, wiped when done.
class PasswordCopy {
 public:
  explicit PasswordCopy(const Secret& s) : value_(s.reveal()) {}
  ~PasswordCopy() { OPENSSL_cleanse(value_.data(), value_.size()); }
  PasswordCopy(const PasswordCopy&) = delete;
  PasswordCopy& operator=(const PasswordCopy&) = delete;
  [[nodiscard]] const std::string& str() const { return value_; }

 private:
  std::string value_;
};

// OpenSSL's default callback would prompt on the terminal for an encrypted key: never do that.
int password_callback(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* pw = static_cast<const std::string*>(user);
  if (pw == nullptr || pw->empty() || size <= 0) return 0;
  const int n = static_cast<int>(std::min<std::size_t>(pw->size(), static_cast<std::size_t>(size)));
  std::memcpy(buf, pw->data(), static_cast<std::size_t>(n));
  return n;
}

// The reason of the last OpenSSL error (library texts only; never input bytes), then clears.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  std::string out;
  if (code != 0) {
    const char* reason = ERR_reason_error_string(code);
    out = reason != nullptr ? reason : "error " + std::to_string(code);
  }
  ERR_clear_error();
  return out;
}

[[noreturn]] void fail(const std::string& message) {
  ERR_clear_error();
  throw Error(message, ErrorCode::kInvalidInput);
}

BioPtr memory_bio(std::string_view data) {
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())), &BIO_free);
  if (!bio) fail("OpenSSL could not allocate a buffer");
  return bio;
}

std::string der_of(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) fail("OpenSSL could not encode a certificate");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool looks_like_pem(std::string_view text) { return text.find("-----BEGIN ") != std::string_view::npos; }

std::vector<X509Ptr> pem_certificates(std::string_view text) {
  std::vector<X509Ptr> certs;
  auto bio = memory_bio(text);
  // PEM_read_bio_X509 skips blocks of other kinds (keys) and stops at the end.
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(c, &X509_free);
  }
  ERR_clear_error();
  return certs;
}

PkeyPtr pem_private_key(std::string_view text, std::string_view source, const Secret& password) {
  auto bio = memory_bio(text);
  PasswordCopy pw(password);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, &password_callback,
                                          const_cast<std::string*>(&pw.str()));
  if (key != nullptr) {
    ERR_clear_error();
    return {key, &EVP_PKEY_free};
  }
  const bool has_key = text.find("PRIVATE KEY-----") != std::string_view::npos;
  const bool encrypted = text.find("ENCRYPTED") != std::string_view::npos;
  if (!has_key) return {nullptr, &EVP_PKEY_free};
  if (encrypted && password.empty()) {
    fail("the private key in " + std::string(source) +
         " is encrypted and no password was given (certificate_password, "
         "AZURE_CLIENT_CERTIFICATE_PASSWORD)");
  }
  if (encrypted) {
    fail("cannot decrypt the private key in " + std::string(source) +
         ": the password is wrong (certificate_password, AZURE_CLIENT_CERTIFICATE_PASSWORD)");
  }
  fail("the private key in " + std::string(source) + " cannot be read (" + openssl_reason() + ")");
}

struct Loaded {
  PkeyPtr key{nullptr, &EVP_PKEY_free};
  std::vector<X509Ptr> certs;
};

Loaded load_pkcs12(std::string_view der, std::string_view source, const Secret& password) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  P12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())), &PKCS12_free);
  if (!p12) {
    fail("no certificate found in " + std::string(source) +
         " (expected PEM with a certificate and a private key, or a PKCS#12 .pfx/.p12 file)");
  }
  PasswordCopy pw(password);
  const char* pass = pw.str().c_str();
  if (PKCS12_mac_present(p12.get()) == 1) {
    bool ok = PKCS12_verify_mac(p12.get(), pass, -1) == 1;
    if (!ok && pw.str().empty()) ok = PKCS12_verify_mac(p12.get(), nullptr, 0) == 1;
    if (!ok) {
      fail("cannot open the PKCS#12 file " + std::string(source) +
           ": the password is wrong (certificate_password, AZURE_CLIENT_CERTIFICATE_PASSWORD)");
    }
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (PKCS12_parse(p12.get(), pw.str().empty() ? nullptr : pass, &key, &cert, &ca) != 1) {
    fail("cannot read the PKCS#12 file " + std::string(source) + " (" + openssl_reason() +
         "; a file using RC2/RC4 needs re-exporting with AES)");
  }
  Loaded out;
  out.key.reset(key);
  if (cert != nullptr) out.certs.emplace_back(cert, &X509_free);
  if (ca != nullptr) {
    while (sk_X509_num(ca) > 0) out.certs.emplace_back(sk_X509_shift(ca), &X509_free);
    sk_X509_free(ca);
  }
  ERR_clear_error();
  return out;
}

std::string key_kind(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC")) return "an EC key";
  if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448")) return "an EdDSA key";
  if (EVP_PKEY_is_a(key, "DSA")) return "a DSA key";
  return "a non-RSA key";
}

std::string digest_b64url(const std::string& der, AssertionThumbprint kind) {
  if (kind == AssertionThumbprint::Sha1) {
    const auto d = crypto::sha1(der);
    return crypto::base64url({reinterpret_cast<const char*>(d.data()), d.size()});
  }
  return crypto::base64url(crypto::as_view(crypto::sha256(der)));
}

}  // namespace

JwtAssertionSigner::JwtAssertionSigner(std::shared_ptr<const Key> key,
                                       std::vector<std::string> chain)
    : key_(std::move(key)), chain_der_(std::move(chain)) {}

JwtAssertionSigner JwtAssertionSigner::load(std::string_view contents, std::string_view source,
                                            const Secret& password,
                                            std::optional<std::string_view> separate_key,
                                            std::string_view key_source) {
  const std::string src(source);
  if (contents.empty()) fail(src + " is empty");
  Loaded loaded;
  std::string key_from = src;
  if (looks_like_pem(contents)) {
    loaded.certs = pem_certificates(contents);
    if (loaded.certs.empty()) fail("no certificate found in " + src);
    if (separate_key) {
      key_from = std::string(key_source);
      loaded.key = pem_private_key(*separate_key, key_source, password);
      if (!loaded.key) fail("no private key found in " + key_from);
    } else {
      loaded.key = pem_private_key(contents, source, password);
      if (!loaded.key) {
        fail("the certificate in " + src +
             " comes without its private key (put the key in the same PEM file, or give a "
             "private key file)");
      }
    }
  } else {
    if (separate_key) fail(src + " is not PEM: a separate private key goes with a PEM certificate");
    loaded = load_pkcs12(contents, source, password);
    if (loaded.certs.empty()) fail("no certificate found in " + src);
    if (!loaded.key) fail("the PKCS#12 file " + src + " holds no private key");
  }
  if (!EVP_PKEY_is_a(loaded.key.get(), "RSA")) {
    fail("the private key in " + key_from + " is " + key_kind(loaded.key.get()) +
         "; Entra ID client assertions need an RSA key (RS256/PS256)");
  }
  // The leaf is the certificate of this key; the others (in file order) are its chain.
  auto leaf = std::find_if(loaded.certs.begin(), loaded.certs.end(), [&](const X509Ptr& c) {
    return EVP_PKEY_eq(X509_get0_pubkey(c.get()), loaded.key.get()) == 1;
  });
  if (leaf == loaded.certs.end()) {
    fail("the private key in " + key_from + " does not match the certificate in " + src);
  }
  std::vector<std::string> chain;
  chain.push_back(der_of(leaf->get()));
  for (auto it = loaded.certs.begin(); it != loaded.certs.end(); ++it) {
    if (it != leaf) chain.push_back(der_of(it->get()));
  }
  ERR_clear_error();
  return JwtAssertionSigner(std::make_shared<const Key>(loaded.key.release()), std::move(chain));
}

std::string JwtAssertionSigner::sign(std::string_view data, AssertionAlgorithm algorithm) const {
  MdCtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, fetched_sha256(), nullptr, key_->pkey) != 1) {
    throw Error("OpenSSL could not start a signature (" + openssl_reason() + ")");
  }
  if (algorithm == AssertionAlgorithm::PS256 &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    throw Error("OpenSSL could not set up RSA-PSS (" + openssl_reason() + ")");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) {
    throw Error("OpenSSL could not sign (" + openssl_reason() + ")");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     data.size()) != 1) {
    throw Error("OpenSSL could not sign (" + openssl_reason() + ")");
  }
  sig.resize(len);
  return sig;
}

std::string JwtAssertionSigner::x5t() const {
  return digest_b64url(leaf_der(), AssertionThumbprint::Sha1);
}
std::string JwtAssertionSigner::x5t_s256() const {
  return digest_b64url(leaf_der(), AssertionThumbprint::Sha256);
}

Secret JwtAssertionSigner::build(std::string_view client_id, std::string_view audience,
                                 TimePoint now, const AssertionOptions& options) const {
  json::Json header = {
      {"alg", options.algorithm == AssertionAlgorithm::PS256 ? "PS256" : "RS256"},
      {"typ", "JWT"}};
  if (options.thumbprint == AssertionThumbprint::Sha256) {
    header["x5t#S256"] = x5t_s256();
  } else {
    header["x5t"] = x5t();
  }
  if (options.send_certificate_chain) {
    auto x5c = json::Json::array();
    for (const auto& der : chain_der_) x5c.push_back(crypto::base64(der));
    header["x5c"] = std::move(x5c);
  }
  const long long iat =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const json::Json claims = {
      {"aud", std::string(audience)},
      {"iss", std::string(client_id)},
      {"sub", std::string(client_id)},
      {"jti", random_uuid()},
      {"nbf", iat},
      {"iat", iat},
      {"exp", iat + std::chrono::duration_cast<std::chrono::seconds>(kAssertionLifetime).count()}};
  std::string jwt = crypto::base64url(header.dump()) + "." + crypto::base64url(claims.dump());
  const std::string sig = sign(jwt, options.algorithm);
  jwt += '.';
  jwt += crypto::base64url(sig);
  return Secret(std::move(jwt));
}

std::string random_uuid() {
  std::string b = crypto::random_bytes(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string h = crypto::hex(reinterpret_cast<const std::uint8_t*>(b.data()), b.size());
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

}  // namespace llmauth::azure
