#include "llmauth/aws/bearer_token.hpp"

#include <cctype>

#include "llmauth/core/error.hpp"
#include "llmauth/core/http.hpp"

namespace llmauth::aws {

std::string bearer_token_env_var(std::string_view signing_name) {
  std::string out = "AWS_BEARER_TOKEN_";
  for (char c : signing_name) {
    out += (c == '-' || c == ' ') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

void validate_bearer_token(const Secret& token, std::string_view where) {
  http::require_header_safe(token, where);
}

std::optional<Secret> bearer_token_from_environment(const Ambient& ambient,
                                                    std::string_view signing_name) {
  const std::string name = bearer_token_env_var(signing_name);
  auto value = ambient.env(name);
  if (!value) return std::nullopt;
  Secret token(std::move(*value));
  validate_bearer_token(token, name);
  return token;
}

}  // namespace llmauth::aws
