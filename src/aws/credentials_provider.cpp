#include "llmauth/aws/credentials_provider.hpp"

#include "llmauth/core/error.hpp"

namespace llmauth::aws {

StaticProvider::StaticProvider(Credentials credentials) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    throw Error("static credentials need both an access key id and a secret access key",
                ErrorCode::kInvalidInput);
  }
  if (credentials.source.empty()) credentials.source = "static";
  credentials_ = std::make_shared<const Credentials>(std::move(credentials));
}

}  // namespace llmauth::aws
