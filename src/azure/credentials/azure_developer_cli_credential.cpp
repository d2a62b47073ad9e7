#include "llmauth/azure/credentials/azure_developer_cli_credential.hpp"

#include "llmauth/azure/credentials/azure_cli_credential.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::azure {

AzureDeveloperCliCredential::AzureDeveloperCliCredential(Ambient ambient,
                                                         AzureDeveloperCliCredentialOptions options)
    : ambient_(std::move(ambient)), options_(std::move(options)) {}

std::shared_ptr<const AccessToken> AzureDeveloperCliCredential::get_token(
    const TokenRequest& request) {
  const std::string who = name();
  if (request.scopes.empty()) throw Error(who + ": no scope was given", ErrorCode::kInvalidInput);
  std::vector<std::string> argv{"azd", "auth", "token", "--output", "json"};
  for (const auto& scope : request.scopes) {
    detail::validate_cli_scope(scope, who);
    argv.insert(argv.end(), {"--scope", scope});
  }
  const std::string tenant = request.tenant_id.empty() ? options_.tenant_id : request.tenant_id;
  if (!tenant.empty()) {
    detail::validate_cli_tenant(tenant, who);
    argv.insert(argv.end(), {"--tenant-id", tenant});
  }
  argv.emplace_back("--no-prompt");  // never wait for a person (as azure-identity runs it)

  const std::string out = detail::run_developer_tool(
      ambient_, {who, "azd", "Azure Developer CLI", "azd auth login", {"azd auth login"}}, argv, options_.timeout);

  const std::string what = who + ": azd auth token output";
  const auto doc = json::parse(out, what);
  if (!doc.is_object()) throw Error(what + " is not a JSON object", ErrorCode::kInvalidInput);
  auto token = json::optional_string(doc, "token", what);
  if (!token || token->empty()) throw Error(what + ": /token is missing", ErrorCode::kInvalidInput);
  const auto expires_text = json::optional_string(doc, "expiresOn", what);
  if (!expires_text) throw Error(what + ": /expiresOn is missing", ErrorCode::kInvalidInput);
  const auto expires = timefmt::parse_iso8601(*expires_text);
  if (!expires) {
    throw Error(what + ": /expiresOn is not an RFC 3339 time like 2026-01-02T03:04:05Z",
                ErrorCode::kInvalidInput);
  }
  const TimePoint now = ambient_.now();
  if (*expires <= now) {
    throw Error(what + ": the token expired " + timefmt::describe_remaining(*expires, now) +
                "; run azd auth login again, and check the system clock");
  }
  auto result = std::make_shared<AccessToken>();
  result->token = Secret(std::move(*token));
  result->expires_on = *expires;
  result->credential = who;
  return result;
}

}  // namespace llmauth::azure
