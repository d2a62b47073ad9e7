// AzureCliCredential: the token of the user (or service principal) signed in to the Azure CLI,
// from `az account get-access-token --output json --scope S [--tenant T] [--subscription S]`.
//
// The command runs without a shell, with the ambient environment (so its PATH finds `az`, and
// HOME / AZURE_CONFIG_DIR find the CLI's login) and a timeout (10 s). The scope, tenant and
// subscription are checked before anything runs (Error kInvalidInput).
// Unavailable: `az` is not on PATH; the CLI is not logged in ("az login" / "az account set" in
// its stderr). Errors: timeout (kTimeout), any other failure (its stderr, trimmed), output that
// is not a token (kInvalidInput). Expiry: `expires_on` (epoch seconds, az ≥ 2.54), else
// `expiresOn` (local time "YYYY-MM-DD HH:MM:SS.ffffff").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::azure {

struct AzureCliCredentialOptions {
  std::string tenant_id;  // empty: the CLI's current tenant (a request's tenant wins)
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  std::optional<std::string> subscription;
};

class AzureCliCredential final : public TokenCredential {
 public:
  explicit AzureCliCredential(Ambient ambient, AzureCliCredentialOptions options = {});
  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return "AzureCliCredential"; }

 private:
  Ambient ambient_;
  AzureCliCredentialOptions options_;
};

namespace detail {

// What the two developer-tool credentials share: argument checks and running the tool.
// Throws Error(kInvalidInput) "<who>: the scope '…' …" for characters outside letters, digits
// and . - _ : /  (a tenant: letters, digits, . and -).
void validate_cli_scope(const std::string& scope, const std::string& who);
void validate_cli_tenant(const std::string& tenant, const std::string& who);

struct DeveloperTool {
  std::string credential;        // "AzureCliCredential"
  std::string program;           // "az"
  std::string display;           // "Azure CLI"
  std::string login_command;     // "az login": what to tell the user
  std::vector<std::string> not_logged_in_markers;  // stderr fragments meaning "not logged in"
};

// Runs argv; returns stdout of a successful run. Unavailable when the program is not on PATH or
// stderr says it is not logged in; Error(kTimeout) when it runs over; Error otherwise.
std::string run_developer_tool(const Ambient& ambient, const DeveloperTool& tool,
                               const std::vector<std::string>& argv,
                               std::chrono::milliseconds timeout);

// "2026-01-02 03:04:05.123456" in the local time zone (az's expiresOn).
std::optional<TimePoint> parse_local_time(const std::string& text);

}  // namespace detail
}  // namespace llmauth::azure
