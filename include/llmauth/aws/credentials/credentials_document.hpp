// The JSON credential document that credential_process, the container credentials endpoint and
// the EC2 instance metadata service return:
//   {"Version": 1, "AccessKeyId", "SecretAccessKey", "Token" | "SessionToken", "Expiration",
//    "AccountId", "Code"}
// One parser serves all three; DocumentRules says what each source must send.
//
// Errors are Error(kInvalidInput) naming the document and the JSON path ("credential_process
// '/opt/bin/creds' output: /Expiration is not an ISO 8601 time"). They never quote a value from
// the document: it holds a secret key and a session token.
#pragma once

#include <cstddef>
#include <string_view>

#include "llmauth/aws/credentials.hpp"

namespace llmauth::aws {

struct DocumentRules {
  // credential_process: "Version" must be the number 1.
  bool require_version_1 = false;
  // Container and IMDS: a session token ("Token" or "SessionToken") must be present.
  bool require_session_token = false;
  // Container and IMDS: "Expiration" must be present. When absent and not required, the
  // credentials do not expire. When present it must always parse.
  bool require_expiration = false;
  // IMDS: "Code", when present, must be "Success".
  bool check_code = false;
  // Larger documents are refused before they are parsed.
  std::size_t max_bytes = 64u * 1024;
};

// Parses `body`. `what` names the document in messages ("container credentials from
// http://169.254.170.2/v2/credentials/…"). Credentials::source is left empty for the caller.
Credentials parse_credentials_document(std::string_view body, std::string_view what,
                                       const DocumentRules& rules);

}  // namespace llmauth::aws
