#include "llmauth/azure/credentials/workload_identity_credential.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "llmauth/core/error.hpp"

namespace llmauth::azure {
namespace {

constexpr std::string_view kName = "WorkloadIdentityCredential";
constexpr std::size_t kMaxTokenFile = 64u << 10;

std::string trim(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

}  // namespace

WorkloadIdentityCredential::WorkloadIdentityCredential(Ambient ambient,
                                                       WorkloadIdentityCredentialOptions options) {
  std::vector<std::string> missing;
  auto fill = [&](std::string& field, std::string_view variable) {
    if (field.empty()) field = ambient.env(variable).value_or("");
    if (field.empty()) missing.emplace_back(variable);
  };
  fill(options.tenant_id, "AZURE_TENANT_ID");
  fill(options.client_id, "AZURE_CLIENT_ID");
  fill(options.token_file_path, "AZURE_FEDERATED_TOKEN_FILE");
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    unavailable_ = std::string(kName) + ": not configured: " + list +
                   (missing.size() == 1 ? " is" : " are") + " not set";
    return;
  }
  auto path = ambient.expand_user(options.token_file_path);
  const std::string shown = options.token_file_path;
  ClientAssertionCredentialOptions inner{
      .tenant_id = std::move(options.tenant_id),
      .client_id = std::move(options.client_id),
      .assertion =
          [ambient, path, shown]() {
            auto contents = ambient.read_file(path, kMaxTokenFile);
            if (!contents) {
              throw Error(std::string(kName) + ": AZURE_FEDERATED_TOKEN_FILE=" + shown +
                          ": no such file");
            }
            std::string token = trim(std::move(*contents));
            if (token.empty()) {
              throw Error(std::string(kName) + ": AZURE_FEDERATED_TOKEN_FILE=" + shown +
                              ": the file is empty",
                          ErrorCode::kInvalidInput);
            }
            return Secret(std::move(token));
          },
      .authority_host = std::move(options.authority_host),
      .retry = std::move(options.retry),
      .sleep = std::move(options.sleep)};
  inner_ = std::make_unique<ClientAssertionCredential>(ambient, std::move(inner), std::string(kName));
}

std::shared_ptr<const AccessToken> WorkloadIdentityCredential::get_token(const TokenRequest& request) {
  if (!inner_) throw UnavailableError(unavailable_);
  return inner_->get_token(request);
}

}  // namespace llmauth::azure
