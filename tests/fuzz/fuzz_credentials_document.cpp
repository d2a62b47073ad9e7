// The JSON credential documents of credential_process, container endpoints and IMDS.
#include <cstdint>
#include <string_view>

#include "llmauth/aws/credentials/credentials_document.hpp"
#include "llmauth/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const bool strict : {false, true}) {
    llmauth::aws::DocumentRules rules;
    rules.require_version_1 = strict;
    rules.require_session_token = strict;
    rules.require_expiration = strict;
    rules.check_code = strict;
    try {
      (void)llmauth::aws::parse_credentials_document(body, "fuzz", rules);
    } catch (const llmauth::Error&) {
    }
  }
  return 0;
}
