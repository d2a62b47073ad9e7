// Tokens read only to tell when they run out: an Entra JWT's `exp` claim and a short-term
// Bedrock API key's presigned URL (both come from users and environment variables).
#include <cstdint>
#include <string_view>

#include "llmauth/aws/bedrock_token.hpp"
#include "llmauth/azure/credentials/static_token_credential.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  (void)llmauth::azure::jwt_expiry(token);
  (void)llmauth::aws::inspect_bedrock_token(token);
  return 0;
}
