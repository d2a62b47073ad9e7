#include "llmauth/azure/credentials/default_azure_credential.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>

#include "llmauth/azure/credentials/azure_cli_credential.hpp"
#include "llmauth/azure/credentials/azure_developer_cli_credential.hpp"
#include "llmauth/azure/credentials/environment_credential.hpp"
#include "llmauth/azure/credentials/managed_identity_credential.hpp"
#include "llmauth/azure/credentials/workload_identity_credential.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::azure {
namespace {

enum Slot : std::size_t { kEnvironment, kWorkloadIdentity, kManagedIdentity, kAzureCli, kAzd };

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

// Inside DefaultAzureCredential, until managed identity has given a token, a destination the
// transport refused (the loopback-only guard, a proxy rule) means "no managed identity here":
// the chain moves on instead of stopping.
class ProbingManagedIdentity final : public TokenCredential {
 public:
  explicit ProbingManagedIdentity(CredentialPtr inner) : inner_(std::move(inner)) {}
  std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override {
    try {
      auto token = inner_->get_token(request);
      answered_ = true;
      return token;
    } catch (const UnavailableError&) {
      throw;
    } catch (const Error& e) {
      if (!answered_ && e.code() == ErrorCode::kRefused) {
        std::string message = e.what();
        const std::string prefix = name() + ": ";
        if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
        throw UnavailableError(prefix + "no managed identity endpoint is reachable (" + message + ")");
      }
      throw;
    }
  }
  std::string name() const override { return inner_->name(); }

 private:
  CredentialPtr inner_;
  std::atomic<bool> answered_{false};
};

}  // namespace

DefaultAzureCredential::DefaultAzureCredential(Ambient ambient,
                                               DefaultAzureCredentialOptions options) {
  std::array<bool, 5> enabled{!options.exclude_environment, !options.exclude_workload_identity,
                              !options.exclude_managed_identity, !options.exclude_azure_cli,
                              !options.exclude_azure_developer_cli};
  bool probe = true;
  if (const auto selection = ambient.env("AZURE_TOKEN_CREDENTIALS")) {
    const std::string value = lower(trim(*selection));
    std::array<bool, 5> allowed{};
    if (value == "dev") {
      allowed = {false, false, false, true, true};
    } else if (value == "prod") {
      allowed = {true, true, true, false, false};
    } else {
      bool found = false;
      for (std::size_t i = 0; i < kCredentialNames.size(); ++i) {
        if (value == lower(std::string(kCredentialNames[i]))) {
          allowed[i] = true;
          found = true;
        }
      }
      if (!found) {
        std::string valid = "dev, prod";
        for (const auto n : kCredentialNames) valid += ", " + std::string(n);
        throw Error("DefaultAzureCredential: AZURE_TOKEN_CREDENTIALS='" + trim(*selection).substr(0, 60) +
                        "' is not valid; use one of: " + valid,
                    ErrorCode::kInvalidInput);
      }
      // Asked for managed identity alone: no probe, as azure-identity does.
      probe = !allowed[kManagedIdentity];
    }
    for (std::size_t i = 0; i < enabled.size(); ++i) enabled[i] = enabled[i] && allowed[i];
  }

  std::vector<CredentialPtr> sources;
  if (enabled[kEnvironment]) {
    sources.push_back(std::make_shared<EnvironmentCredential>(ambient));
  }
  if (enabled[kWorkloadIdentity]) {
    WorkloadIdentityCredentialOptions wi;
    wi.tenant_id = options.tenant_id;
    wi.client_id = options.workload_identity_client_id;
    sources.push_back(std::make_shared<WorkloadIdentityCredential>(ambient, wi));
  }
  if (enabled[kManagedIdentity]) {
    ManagedIdentityCredentialOptions mi;
    const auto client_id = options.managed_identity_client_id
                               ? options.managed_identity_client_id
                               : ambient.env("AZURE_CLIENT_ID");
    if (client_id && !client_id->empty()) mi.id = ManagedIdentityId::client_id(*client_id);
    mi.probe = probe;
    CredentialPtr credential = std::make_shared<ManagedIdentityCredential>(ambient, mi);
    if (probe) credential = std::make_shared<ProbingManagedIdentity>(std::move(credential));
    sources.push_back(std::move(credential));
  }
  if (enabled[kAzureCli]) {
    AzureCliCredentialOptions cli;
    cli.tenant_id = options.tenant_id;
    cli.timeout = options.process_timeout;
    sources.push_back(std::make_shared<AzureCliCredential>(ambient, cli));
  }
  if (enabled[kAzd]) {
    AzureDeveloperCliCredentialOptions azd;
    azd.tenant_id = options.tenant_id;
    azd.timeout = options.process_timeout;
    sources.push_back(std::make_shared<AzureDeveloperCliCredential>(ambient, azd));
  }
  chain_ = std::make_shared<ChainedTokenCredential>(
      std::move(sources), ChainedTokenCredentialOptions{.name = "DefaultAzureCredential",
                                                        .reuse_successful_credential = true});
}

std::shared_ptr<const AccessToken> DefaultAzureCredential::get_token(const TokenRequest& request) {
  return chain_->get_token(request);
}

std::vector<std::string> DefaultAzureCredential::credential_names() const {
  std::vector<std::string> names;
  for (const auto& s : chain_->sources()) names.push_back(s->name());
  return names;
}

}  // namespace llmauth::azure
