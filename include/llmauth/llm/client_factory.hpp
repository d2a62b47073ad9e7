// ClientFactory: a provider config in, an authenticated ChatClient out.
//
// Per provider it builds one long-lived Authorizer whose credentials are cached and refreshed
// (TokenCache for Entra tokens, aws::Refreshing for AWS credentials), and one client; asking
// again for the same provider returns the same client. The seed system built a fresh credential
// for every call.
//
// Credential isolation is structural: an explicit method (keys, a service principal, a
// certificate, assume role from keys, a Bedrock API key…) gets an Ambient whose environment holds
// only endpoint settings — AWS_ENDPOINT_URL*, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
// AWS_STS_REGIONAL_ENDPOINTS, AZURE_AUTHORITY_HOST and the CA-bundle variables — never AWS_* or
// AZURE_* credentials, profiles or tokens. Only the methods whose point is to read the
// environment do: `default_credentials` and `profile` (AWS), `default_credentials`,
// `workload_identity` (for fields the config leaves out), `managed_identity` (the host's identity
// endpoint variables) and `azure_cli` (the signed-in `az`).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "llmauth/config/provider_config.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/retry.hpp"
#include "llmauth/llm/authorizer.hpp"
#include "llmauth/llm/chat.hpp"

namespace llmauth::llm {

struct ClientFactoryOptions {
  http::RetryPolicy retry{};  // for model calls (token endpoints keep their own)
  http::Sleeper sleep;        // tests: no real waiting
  // Replaces every provider's timeout_seconds for model calls (`--timeout` of `llmauth providers
  // test` and `llmauth chat`).
  std::optional<std::chrono::seconds> timeout;
};

class ClientFactory {
 public:
  explicit ClientFactory(Ambient ambient, ClientFactoryOptions options = {});

  // The provider's client, built on first use and kept while the provider stays the same (by
  // name and config::fingerprint: an edited provider — a new secret, another endpoint — gets a
  // new client and never serves the old credential). Throws Error(kInvalidInput) when a secret
  // reference cannot be resolved (naming its JSON path), or what building the credential throws.
  std::shared_ptr<ChatClient> client(const config::Provider& provider);
  // The provider's authorizer (shared with its client).
  std::shared_ptr<Authorizer> authorizer(const config::Provider& provider);
  // Forgets a provider's client and authorizer (a provider removed from the config).
  void remove(const std::string& name);

  // What every model call of the provider carries: timeouts (the config's, or the factory's
  // override), custom headers resolved, their secret values, the retry policy.
  [[nodiscard]] ModelCallOptions call_options(const config::Provider& provider) const;
  // The provider's base URL without a trailing '/': Azure's endpoint, or Bedrock's endpoint_url,
  // else AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL, else the regional endpoint.
  [[nodiscard]] std::string endpoint(const config::Provider& provider) const;

  // The environment-free Ambient an explicit method gets (see above). Public for tests.
  [[nodiscard]] Ambient isolated_ambient() const;

 private:
  std::shared_ptr<Authorizer> build_authorizer(const config::Provider& provider);
  std::shared_ptr<ChatClient> build_client(const config::Provider& provider,
                                           std::shared_ptr<Authorizer> authorizer);

  Ambient ambient_;
  ClientFactoryOptions options_;
  std::mutex mutex_;
  struct Built {
    std::string fingerprint;
    std::shared_ptr<Authorizer> authorizer;
    std::shared_ptr<ChatClient> client;
  };
  Built& slot_locked(const config::Provider& provider);
  std::map<std::string, Built> built_;
};

}  // namespace llmauth::llm
