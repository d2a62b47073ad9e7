#include "llmauth/aws/credentials.hpp"

namespace llmauth::aws {

std::string mask_access_key_id(const std::string& id) {
  if (id.size() <= 4) return "****";
  return std::string(id.size() - 4, '*') + id.substr(id.size() - 4);
}

std::string Credentials::masked_access_key_id() const { return mask_access_key_id(access_key_id); }

}  // namespace llmauth::aws
