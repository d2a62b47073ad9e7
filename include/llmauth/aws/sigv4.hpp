// SigV4: AWS Signature Version 4, in the header form (Authorization) and the presigned (query)
// form.
//
// The derived signing key (HMAC chain over date, region, service) is cached per credentials and
// day and published with an atomic pointer swap, so a signature with a warm key costs two
// SHA-256s and one HMAC and never takes a lock. sign() and presign() are thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "llmauth/aws/credentials.hpp"
#include "llmauth/core/http.hpp"

namespace llmauth::aws {

struct SigV4Options {
  std::string region;
  std::string service;           // signing name: "bedrock", "sts", …
  bool normalize_path = true;    // remove "." and ".." segments and repeated "/" (not for S3)
  bool double_encode_path = true;  // URI-encode the path a second time (every service but S3)
  bool add_content_sha256_header = false;  // send x-amz-content-sha256 (S3-like services)
  bool unsigned_payload = false;           // payload hash "UNSIGNED-PAYLOAD"
};

// Everything a user needs to debug a signature mismatch (no secret in any of it).
struct SignatureDetails {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // lower-case hex
  std::string signed_headers;  // "host;x-amz-date"
  std::string credential_scope;
};

class SigV4 {
 public:
  explicit SigV4(SigV4Options options);
  ~SigV4();
  SigV4(SigV4&&) noexcept;
  SigV4& operator=(SigV4&&) noexcept;

  // Adds Host (when absent), X-Amz-Date, X-Amz-Security-Token (with a session token),
  // x-amz-content-sha256 (when asked) and Authorization to request.headers. Headers that
  // proxies add or change (x-forwarded-*, x-amzn-trace-id, connection, user-agent, expect…) are
  // sent but not signed. Throws Error(kInvalidInput) for a malformed URL.
  SignatureDetails sign(http::Request& request, const Credentials& credentials,
                        TimePoint when) const;

  // Rewrites request.url with X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders,
  // -Security-Token and -Signature in the query.
  SignatureDetails presign(http::Request& request, const Credentials& credentials, TimePoint when,
                           std::chrono::seconds expires) const;

  [[nodiscard]] const SigV4Options& options() const { return options_; }

 private:
  struct KeyCache;
  SigV4Options options_;
  std::unique_ptr<KeyCache> cache_;
};

}  // namespace llmauth::aws
