// STS XML answers (AssumeRole, AssumeRoleWithWebIdentity).
#include <cstdint>
#include <string>

#include "llmauth/aws/sts_client.hpp"
#include "llmauth/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (const char* action : {"AssumeRole", "AssumeRoleWithWebIdentity"}) {
    try {
      (void)llmauth::aws::detail::parse_sts_credentials(body, action, "https://sts.fuzz/");
    } catch (const llmauth::Error&) {
    }
  }
  return 0;
}
