#include "llmauth/azure/credentials/environment_credential.hpp"

#include <vector>

#include "llmauth/azure/credentials/client_certificate_credential.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::azure {
namespace {

constexpr std::string_view kName = "EnvironmentCredential";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

EnvironmentCredential::EnvironmentCredential(Ambient ambient, http::RetryPolicy retry,
                                             http::Sleeper sleep) {
  const auto tenant = ambient.env("AZURE_TENANT_ID");
  const auto client = ambient.env("AZURE_CLIENT_ID");
  const auto secret = ambient.env("AZURE_CLIENT_SECRET");
  const auto cert_path = ambient.env("AZURE_CLIENT_CERTIFICATE_PATH");
  std::vector<std::string> missing;
  if (!tenant) missing.emplace_back("AZURE_TENANT_ID");
  if (!client) missing.emplace_back("AZURE_CLIENT_ID");
  if (!secret && !cert_path) missing.emplace_back("AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH");
  if (!missing.empty()) {
    unavailable_ = std::string(kName) + ": not configured: " + join(missing) +
                   (missing.size() == 1 ? " is" : " are") + " not set";
    return;
  }
  // The configuration is complete: a problem with it is an error, reported at get_token so that
  // building a chain never throws.
  try {
    if (secret) {
      inner_ = std::make_unique<ClientSecretCredential>(
          ambient, ClientSecretCredentialOptions{.tenant_id = *tenant,
                                                 .client_id = *client,
                                                 .client_secret = Secret(*secret),
                                                 .retry = std::move(retry),
                                                 .sleep = std::move(sleep)});
    } else {
      ClientCertificateCredentialOptions o;
      o.tenant_id = *tenant;
      o.client_id = *client;
      o.certificate_path = *cert_path;
      if (auto pw = ambient.env("AZURE_CLIENT_CERTIFICATE_PASSWORD")) o.certificate_password = Secret(*pw);
      o.send_certificate_chain = ambient.env_flag("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN");
      o.retry = std::move(retry);
      o.sleep = std::move(sleep);
      inner_ = std::make_unique<ClientCertificateCredential>(ambient, std::move(o));
    }
  } catch (const Error& e) {
    broken_ = std::string(kName) + ": " + e.what();
    broken_code_ = e.code();
  }
}

std::shared_ptr<const AccessToken> EnvironmentCredential::get_token(const TokenRequest& request) {
  if (!unavailable_.empty()) throw UnavailableError(unavailable_);
  if (!inner_) throw Error(broken_, broken_code_);
  try {
    return inner_->get_token(request);
  } catch (const UnavailableError&) {
    throw;
  } catch (const Error& e) {
    throw Error(std::string(kName) + ": " + e.what(), e.code());
  }
}

}  // namespace llmauth::azure
