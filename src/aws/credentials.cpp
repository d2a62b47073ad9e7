#include "llmauth/aws/credentials.hpp"

namespace llmauth::aws {

std::string Credentials::masked_access_key_id() const {
  if (access_key_id.size() <= 4) return "****";
  return std::string(access_key_id.size() - 4, '*') +
         access_key_id.substr(access_key_id.size() - 4);
}

}  // namespace llmauth::aws
