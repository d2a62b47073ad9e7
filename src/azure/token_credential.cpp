#include "llmauth/azure/token_credential.hpp"

#include "llmauth/core/error.hpp"

namespace llmauth::azure {

std::string scope_to_resource(const std::vector<std::string>& scopes, std::string_view who) {
  if (scopes.size() != 1) {
    throw Error(std::string(who) + ": exactly one scope is needed, got " +
                    std::to_string(scopes.size()),
                ErrorCode::kInvalidInput);
  }
  std::string resource = scopes.front();
  constexpr std::string_view kDefault = "/.default";
  if (resource.size() >= kDefault.size() &&
      resource.compare(resource.size() - kDefault.size(), kDefault.size(), kDefault) == 0) {
    resource.resize(resource.size() - kDefault.size());
  }
  if (resource.empty()) {
    throw Error(std::string(who) + ": the scope is empty", ErrorCode::kInvalidInput);
  }
  return resource;
}

}  // namespace llmauth::azure
