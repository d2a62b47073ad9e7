// SigV4: AWS Signature Version 4, in the header form (Authorization) and the presigned (query)
// form.
//
// The derived signing key (HMAC chain over date, region, service) is cached per credentials and
// day and published as a Published<T> pointer (a lock held only for the copy), so a signature
// with a warm key costs two SHA-256s and one HMAC and never waits for a derivation. sign(), sign_headers() and presign() are thread-safe; one SigV4 per region
// and service is meant to be shared by every thread. Nothing here reads the environment or the
// clock: the caller passes the credentials and the signing time.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "llmauth/aws/credentials.hpp"
#include "llmauth/core/http.hpp"

namespace llmauth::aws {

struct SigV4Options {
  std::string region;
  std::string service;             // signing name: "bedrock", "sts", …
  bool normalize_path = true;      // remove "." and ".." segments and repeated "/" (not for S3)
  bool double_encode_path = true;  // URI-encode the path a second time (every service but S3)
  bool add_content_sha256_header = false;  // send x-amz-content-sha256 (S3-like services)
  bool unsigned_payload = false;           // payload hash "UNSIGNED-PAYLOAD"
  // Send the session token without signing it (X-Amz-Security-Token added after the signature,
  // as AWS IoT wants; the test suite's post-sts-header-after). Off for every other service.
  bool omit_session_token = false;
};

// Everything a user needs to debug a signature mismatch (no secret in any of it: a session
// token in the canonical request is shown as "****"; the string to sign hashes the real one).
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
  // x-amz-content-sha256 (when asked) and Authorization to request.headers, replacing those an
  // earlier signature added. Headers that proxies add or change (x-forwarded-*, x-amzn-trace-id,
  // connection, user-agent, expect, keep-alive, proxy-*, te, transfer-encoding, upgrade) are
  // sent but not signed; every other header is signed. An x-amz-content-sha256 header the
  // caller set is the payload hash (the service reads it too); otherwise the body is hashed.
  // Throws Error(kInvalidInput) for a malformed URL or credentials without a key.
  SignatureDetails sign(http::Request& request, const Credentials& credentials,
                        TimePoint when) const;

  // The same signature, without building SignatureDetails: for the per-request hot path (a
  // gateway), where nobody reads them. `details` may be null; when not, it is filled.
  void sign_headers(http::Request& request, const Credentials& credentials, TimePoint when,
                    SignatureDetails* details = nullptr) const;

  // Rewrites request.url with X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders,
  // -Security-Token and -Signature in the query. The new query is the canonical one (the
  // original parameters re-encoded and sorted, the signature in its sorted place), so what is
  // sent is exactly what was signed. Headers are not changed; Host comes from the URL when the
  // request has none; X-Amz-Date, X-Amz-Security-Token and Authorization headers (of an earlier
  // header signature) are not signed. `expires` must be 1 s to 7 days, else
  // Error(kInvalidInput).
  SignatureDetails presign(http::Request& request, const Credentials& credentials, TimePoint when,
                           std::chrono::seconds expires) const;

  [[nodiscard]] const SigV4Options& options() const { return options_; }

 private:
  struct KeyCache;
  SigV4Options options_;
  std::unique_ptr<KeyCache> cache_;
};

}  // namespace llmauth::aws
