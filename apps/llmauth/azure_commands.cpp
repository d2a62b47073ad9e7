// `llmauth azure …`: token, resolve.
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "llmauth/azure/credentials/azure_cli_credential.hpp"
#include "llmauth/azure/credentials/azure_developer_cli_credential.hpp"
#include "llmauth/azure/credentials/client_certificate_credential.hpp"
#include "llmauth/azure/credentials/client_secret_credential.hpp"
#include "llmauth/azure/credentials/default_azure_credential.hpp"
#include "llmauth/azure/credentials/environment_credential.hpp"
#include "llmauth/azure/credentials/managed_identity_credential.hpp"
#include "llmauth/azure/credentials/workload_identity_credential.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::cli {
namespace {

struct AzureArgs {
  std::string scope = std::string(azure::kCognitiveServicesScope);
  std::string resource;
  std::string tenant;
  std::string credential = "default";
  std::string client_id;
  std::string output;
};

// "2026-01-02 03:04:05.000000" in local time, as `az account get-access-token` prints expiresOn.
std::string az_local_time(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          t - std::chrono::system_clock::from_time_t(secs))
                          .count();
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S") << '.' << std::setw(6) << std::setfill('0')
      << (micros < 0 ? 0 : micros);
  return out.str();
}

long long epoch_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string env_or(const Ambient& ambient, const char* name, const std::string& fallback = {}) {
  return ambient.env(name).value_or(fallback);
}

std::string require_env(const Ambient& ambient, const char* name, const std::string& who) {
  auto v = ambient.env(name);
  if (!v) throw UnavailableError(who + ": " + name + " is not set");
  return *v;
}

// The credential --credential names. Secrets come from the AZURE_* variables only, never from
// the command line.
azure::CredentialPtr make_credential(const Ambient& ambient, const AzureArgs& args) {
  const std::string& kind = args.credential;
  if (kind == "default") {
    azure::DefaultAzureCredentialOptions options;
    options.tenant_id = args.tenant;
    if (!args.client_id.empty()) {
      options.managed_identity_client_id = args.client_id;
      options.workload_identity_client_id = args.client_id;
    }
    return std::make_shared<azure::DefaultAzureCredential>(ambient, options);
  }
  if (kind == "environment") return std::make_shared<azure::EnvironmentCredential>(ambient);
  if (kind == "workload-identity") {
    azure::WorkloadIdentityCredentialOptions options;
    options.tenant_id = args.tenant;
    options.client_id = args.client_id;
    return std::make_shared<azure::WorkloadIdentityCredential>(ambient, options);
  }
  if (kind == "managed-identity") {
    azure::ManagedIdentityCredentialOptions options;
    if (!args.client_id.empty()) options.id = azure::ManagedIdentityId::client_id(args.client_id);
    return std::make_shared<azure::ManagedIdentityCredential>(ambient, options);
  }
  if (kind == "azure-cli") {
    return std::make_shared<azure::AzureCliCredential>(
        ambient, azure::AzureCliCredentialOptions{.tenant_id = args.tenant});
  }
  if (kind == "azd") {
    return std::make_shared<azure::AzureDeveloperCliCredential>(
        ambient, azure::AzureDeveloperCliCredentialOptions{.tenant_id = args.tenant});
  }
  const std::string tenant = args.tenant.empty() ? env_or(ambient, "AZURE_TENANT_ID") : args.tenant;
  const std::string client_id =
      args.client_id.empty() ? env_or(ambient, "AZURE_CLIENT_ID") : args.client_id;
  if (kind == "client-secret") {
    const std::string who = "ClientSecretCredential";
    if (tenant.empty())
      throw UnavailableError(who + ": AZURE_TENANT_ID is not set (or pass --tenant)");
    if (client_id.empty())
      throw UnavailableError(who + ": AZURE_CLIENT_ID is not set (or pass --client-id)");
    azure::ClientSecretCredentialOptions options;
    options.tenant_id = tenant;
    options.client_id = client_id;
    options.client_secret = Secret(require_env(ambient, "AZURE_CLIENT_SECRET", who));
    return std::make_shared<azure::ClientSecretCredential>(ambient, std::move(options));
  }
  // client-certificate
  const std::string who = "ClientCertificateCredential";
  if (tenant.empty())
    throw UnavailableError(who + ": AZURE_TENANT_ID is not set (or pass --tenant)");
  if (client_id.empty())
    throw UnavailableError(who + ": AZURE_CLIENT_ID is not set (or pass --client-id)");
  azure::ClientCertificateCredentialOptions options;
  options.tenant_id = tenant;
  options.client_id = client_id;
  options.certificate_path = require_env(ambient, "AZURE_CLIENT_CERTIFICATE_PATH", who);
  if (auto password = ambient.env("AZURE_CLIENT_CERTIFICATE_PASSWORD")) {
    options.certificate_password = Secret(std::move(*password));
  }
  options.send_certificate_chain = ambient.env_flag("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN");
  return std::make_shared<azure::ClientCertificateCredential>(ambient, std::move(options));
}

void print_attempts(std::ostream& out, const std::vector<azure::ChainAttempt>& attempts) {
  for (const auto& a : attempts) {
    out << "  " << a.credential << ": " << azure::outcome_word(a.outcome) << " - " << a.detail
        << "\n";
  }
}

// The attempts in JSON: {"source", "outcome" ("ok" | "failed" | "unavailable"), "detail"}, the
// shape `aws resolve` uses too.
json::Json attempts_json(const std::vector<azure::ChainAttempt>& attempts) {
  json::Json list = json::Json::array();
  for (const auto& a : attempts) {
    std::string outcome(azure::outcome_word(a.outcome));
    for (auto& c : outcome) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    list.push_back({{"source", a.credential}, {"outcome", outcome}, {"detail", a.detail}});
  }
  return list;
}

// The scope asked for: --scope, or --resource as `az account get-access-token --resource` turns
// it into one (RESOURCE + "/.default", a trailing '/' kept as MSAL keeps it).
std::string scope_of(const AzureArgs& args) {
  return args.resource.empty() ? args.scope : args.resource + "/.default";
}

azure::TokenRequest request_of(const AzureArgs& args) {
  return azure::TokenRequest{{scope_of(args)}, args.tenant, ""};
}

void add_common(CLI::App* cmd, AzureArgs& args) {
  auto* scope =
      cmd->add_option("--scope", args.scope, "The scope to ask a token for")->capture_default_str();
  cmd->add_option("--resource", args.resource,
                  "The resource to ask a token for, as `az --resource` (its scope is "
                  "RESOURCE/.default), e.g. https://cognitiveservices.azure.com")
      ->excludes(scope);
  cmd->add_option("--tenant", args.tenant, "Tenant id or domain (default: the credential's own)");
}

// ---- token ---------------------------------------------------------------------------------

void add_token(CLI::App& azure_cmd, GlobalOptions& globals, int& exit_code) {
  on_demand(
      azure_cmd.add_subcommand(
          "token",
          "Get a Microsoft Entra access token and print it to stdout, shaped like "
          "`az account get-access-token` (json) or bare (raw). Secrets are read from the AZURE_* "
          "environment variables, never from the command line."),
      [&globals, &exit_code](CLI::App* cmd) {
        auto args = std::make_shared<AzureArgs>();
        add_common(cmd, *args);
        cmd->add_option("--credential", args->credential,
                        "default (DefaultAzureCredential), environment, workload-identity, "
                        "managed-identity, azure-cli, azd, client-secret, client-certificate")
            ->check(
                CLI::IsMember({"default", "environment", "workload-identity", "managed-identity",
                               "azure-cli", "azd", "client-secret", "client-certificate"}))
            ->capture_default_str();
        cmd->add_option(
            "--client-id", args->client_id,
            "Client id: a user-assigned managed identity, the workload identity app, or the "
            "app for client-secret/client-certificate (default: AZURE_CLIENT_ID)");
        cmd->add_option("--output", args->output, "json (default) or raw")
            ->check(CLI::IsMember({"json", "raw"}));
        cmd->callback([&, args] {
          exit_code = guarded([&] {
            const std::string output =
                output_format(args->output, globals, {"json", "raw"}, "json", "azure token");
            const Ambient ambient = make_ambient(globals);
            const auto credential = make_credential(ambient, *args);
            const auto token = credential->get_token(request_of(*args));
            if (output == "raw") {
              std::cout << token->token.reveal() << "\n";
              return 0;
            }
            json::Json j = {
                {"accessToken", std::string(token->token.reveal())},
                {"expiresOn", az_local_time(token->expires_on)},
                {"expires_on", epoch_seconds(token->expires_on)},
                {"tokenType", "Bearer"},
                {"credential", token->credential.empty() ? credential->name() : token->credential}};
            if (!args->tenant.empty()) j["tenant"] = args->tenant;
            std::cout << j.dump(2) << "\n";
            return 0;
          });
        });
      });
}

// ---- resolve -------------------------------------------------------------------------------

void add_resolve(CLI::App& azure_cmd, GlobalOptions& globals, int& exit_code) {
  on_demand(
      azure_cmd.add_subcommand(
          "resolve",
          "Show which credential of DefaultAzureCredential gives a token, and why each one before "
          "it did not. The token is never printed."),
      [&globals, &exit_code](CLI::App* cmd) {
        auto args = std::make_shared<AzureArgs>();
        add_common(cmd, *args);
        cmd->add_option("--output", args->output, "text (default) or json")
            ->check(CLI::IsMember({"text", "json"}));
        cmd->callback([&, args] {
          exit_code = guarded([&] {
            const bool json_out = output_format(args->output, globals, {"text", "json"}, "text",
                                                "azure resolve") == "json";
            const std::string scope = scope_of(*args);
            const Ambient ambient = make_ambient(globals);
            azure::DefaultAzureCredential dac(ambient, {.tenant_id = args->tenant});
            std::shared_ptr<const azure::AccessToken> token;
            try {
              token = dac.get_token(request_of(*args));
            } catch (const Error& e) {
              const auto attempts = dac.attempts();
              if (json_out) {
                json::Json j = {{"ok", false},
                                {"scope", scope},
                                {"error", e.what()},
                                {"attempts", attempts_json(attempts)}};
                std::cout << j.dump(2) << "\n";
              } else {
                std::cerr << "llmauth: "
                          << (e.code() == ErrorCode::kUnavailable
                                  ? "no Azure credential is configured here"
                                  : "an Azure credential failed")
                          << "; tried:\n";
                print_attempts(std::cerr, attempts);
              }
              return exit_code_for(e);
            }
            const auto attempts = dac.attempts();
            if (json_out) {
              json::Json j = {{"ok", true},
                              {"scope", scope},
                              {"credential", token->credential},
                              {"expires_at", timefmt::format_iso8601(token->expires_on)},
                              {"attempts", attempts_json(attempts)}};
              std::cout << j.dump(2) << "\n";
              return 0;
            }
            std::cout << "credential: " << token->credential << "\n"
                      << "scope:      " << scope << "\n"
                      << "expires at: " << timefmt::format_iso8601(token->expires_on) << " ("
                      << timefmt::describe_remaining(token->expires_on, ambient.now()) << ")\n"
                      << "attempts:\n";
            print_attempts(std::cout, attempts);
            return 0;
          });
        });
      });
}

}  // namespace

void add_azure_commands(CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto* azure_cmd = app.add_subcommand(
      "azure",
      "Azure credentials: Microsoft Entra tokens (DefaultAzureCredential and each source)");
  azure_cmd->require_subcommand(1);
  add_token(*azure_cmd, globals, exit_code);
  add_resolve(*azure_cmd, globals, exit_code);
}

}  // namespace llmauth::cli
