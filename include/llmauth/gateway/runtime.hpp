// Runtime: what the gateway serves at one moment — the providers of a config with their
// credential runtimes and upstream endpoints, the model aliases, the gateway keys — built from
// the files, immutable once built, swapped whole on reload. A request keeps the runtime it
// started with until it ends.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "llmauth/config/provider_config.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/gateway/credential_runtime.hpp"
#include "llmauth/gateway/keys.hpp"
#include "llmauth/llm/chat.hpp"

namespace llmauth::gateway {

struct ProviderRuntime {
  config::Provider config;
  std::string type;            // "azure_openai" | "aws_bedrock"
  std::string endpoint;        // scheme://host[:port] and base path, no trailing '/'
  llm::ModelCallOptions call;  // custom headers (resolved), their secrets, timeouts
  std::shared_ptr<CredentialRuntime> credential;
  std::string default_model;  // the config's deployment / model, if any
};

// Where a request's "model" leads.
struct ModelRoute {
  const ProviderRuntime* provider = nullptr;
  std::string model;  // the deployment / Bedrock model id to call
};

class Runtime {
 public:
  // Builds every provider's authorizer and credential runtime (not started). Throws Error /
  // config::ConfigError naming the problem.
  Runtime(const Ambient& ambient, const config::ProviderFile& file, KeySet keys,
          FetchObserver observer);

  // Starts the credential threads (first fetches begin).
  void start() const;
  // Waits, up to `limit`, until every provider's first fetch has ended (with a credential or an
  // error). A reload swaps the new runtime in only then, so that requests do not wait for
  // credentials the old runtime still has. false: the limit passed first.
  bool wait_for_first_fetches(std::chrono::milliseconds limit) const;

  // "alias", "provider/model" or "provider" (its default model). nullopt: no such model.
  [[nodiscard]] std::optional<ModelRoute> route(const std::string& model) const;
  [[nodiscard]] const ProviderRuntime* provider(const std::string& name) const;
  [[nodiscard]] const std::vector<std::unique_ptr<ProviderRuntime>>& providers() const {
    return providers_;
  }
  [[nodiscard]] const std::vector<config::ModelAlias>& aliases() const { return aliases_; }
  [[nodiscard]] const KeySet& keys() const { return keys_; }

 private:
  std::vector<std::unique_ptr<ProviderRuntime>> providers_;
  std::map<std::string, const ProviderRuntime*, std::less<>> by_name_;
  std::vector<config::ModelAlias> aliases_;
  KeySet keys_;
};

}  // namespace llmauth::gateway
