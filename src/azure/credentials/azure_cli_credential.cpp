#include "llmauth/azure/credentials/azure_cli_credential.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "llmauth/azure/token_response.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/process.hpp"
#include "llmauth/core/retry.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::azure {
namespace detail {
namespace {

constexpr std::size_t kMaxStderrInMessage = 1024;
constexpr std::size_t kMaxValueInMessage = 80;

// A value for an error message: printable ASCII only, cut short.
std::string shown(const std::string& value) {
  std::string out;
  for (char c : value.substr(0, kMaxValueInMessage)) {
    out += std::isprint(static_cast<unsigned char>(c)) != 0 ? c : '?';
  }
  if (value.size() > kMaxValueInMessage) out += "…";
  return out;
}

}  // namespace

void validate_cli_scope(const std::string& scope, const std::string& who) {
  if (scope.empty()) throw Error(who + ": the scope is empty", ErrorCode::kInvalidInput);
  for (char c : scope) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '.' && c != '-' && c != '_' && c != ':' && c != '/') {
      throw Error(who + ": the scope '" + shown(scope) +
                      "' has characters other than letters, digits and . - _ : /",
                  ErrorCode::kInvalidInput);
    }
  }
}

void validate_cli_tenant(const std::string& tenant, const std::string& who) {
  bool ok =
      !tenant.empty() && tenant.size() <= 256 && tenant.front() != '-' && tenant.front() != '.';
  for (char c : tenant) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '.' && c != '-') ok = false;
  }
  if (!ok) {
    throw Error(who + ": the tenant '" + shown(tenant) +
                    "' is not a tenant id (a GUID) or domain (letters, digits, . and -)",
                ErrorCode::kInvalidInput);
  }
}

std::string run_developer_tool(const Ambient& ambient, const DeveloperTool& tool,
                               const std::vector<std::string>& argv,
                               std::chrono::milliseconds timeout) {
  ProcessOptions options;
  options.timeout = timeout;
  options.max_output_bytes = 1u << 20;
  options.environment = ambient.environment().all();
  ProcessResult result;
  try {
    result = ambient.processes().run(argv, options);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kUnavailable) {
      throw UnavailableError(tool.credential + ": " + tool.program +
                             " was not found on PATH (install it, or put it on PATH)");
    }
    throw Error(tool.credential + ": cannot run " + tool.program + ": " + e.what(), e.code());
  }
  if (result.timed_out) {
    throw Error(tool.credential + ": " + tool.program + " did not answer within " +
                    http::describe_duration(timeout) + " (killed)",
                ErrorCode::kTimeout);
  }
  if (result.exit_code != 0 || result.signalled) {
    for (const auto& marker : tool.not_logged_in_markers) {
      if (result.err.find(marker) != std::string::npos) {
        std::string message =
            tool.credential + ": " + tool.display + " is not logged in: run " + tool.login_command;
        // Sign-in frequency / conditional access: say why the login is needed again.
        const auto aadsts = result.err.find("AADSTS");
        if (aadsts != std::string::npos) {
          message += " (" +
                     stderr_excerpt(
                         std::string_view(result.err)
                             .substr(aadsts, result.err.find('\n', aadsts) - aadsts),
                         options.environment.value_or(std::map<std::string, std::string>{}), 300) +
                     ")";
        }
        throw UnavailableError(message);
      }
    }
    std::string message =
        tool.credential + ": " + argv[0] + " " + argv[1] + " " + argv[2] +
        (result.signalled ? " was killed by a signal"
                          : " exited with status " + std::to_string(result.exit_code));
    const auto err = stderr_excerpt(
        result.err, options.environment.value_or(std::map<std::string, std::string>{}),
        kMaxStderrInMessage);
    message += err.empty() ? " and wrote nothing to stderr" : ": " + err;
    throw Error(message);
  }
  return result.out;
}

std::optional<TimePoint> parse_local_time(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6) {
    return std::nullopt;
  }
  long long micros = 0;
  std::size_t pos = static_cast<std::size_t>(consumed);
  if (pos < text.size() && text[pos] == '.') {
    long long scale = 100000;
    for (++pos; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0;
         ++pos) {
      micros += (text[pos] - '0') * scale;
      scale /= 10;
    }
  }
  if (pos != text.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  tm.tm_isdst = -1;
  const std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t) + std::chrono::microseconds(micros);
}

}  // namespace detail

AzureCliCredential::AzureCliCredential(Ambient ambient, AzureCliCredentialOptions options)
    : ambient_(std::move(ambient)), options_(std::move(options)) {}

std::shared_ptr<const AccessToken> AzureCliCredential::get_token(const TokenRequest& request) {
  const std::string who = name();
  if (request.scopes.size() != 1) {
    throw Error(who + ": exactly one scope is needed, got " + std::to_string(request.scopes.size()),
                ErrorCode::kInvalidInput);
  }
  const std::string& scope = request.scopes.front();
  detail::validate_cli_scope(scope, who);
  const std::string tenant = request.tenant_id.empty() ? options_.tenant_id : request.tenant_id;
  if (!tenant.empty()) detail::validate_cli_tenant(tenant, who);
  std::vector<std::string> argv{"az",      "account", "get-access-token", "--output", "json",
                                "--scope", scope};
  if (!tenant.empty()) {
    argv.insert(argv.end(), {"--tenant", tenant});
  } else if (options_.subscription) {
    // az refuses --tenant together with --subscription; a tenant wins, as in azure-identity.
    for (char c : *options_.subscription) {
      const auto u = static_cast<unsigned char>(c);
      if (std::isalnum(u) == 0 && c != '-' && c != '_' && c != '.' && c != ' ') {
        throw Error(who + ": the subscription '" + detail::shown(*options_.subscription) +
                        "' has characters other than letters, digits, space and - _ .",
                    ErrorCode::kInvalidInput);
      }
    }
    argv.insert(argv.end(), {"--subscription", *options_.subscription});
  }

  const std::string out = detail::run_developer_tool(
      ambient_, {who, "az", "Azure CLI", "az login", {"az login", "az account set"}}, argv,
      options_.timeout);

  const std::string what = "az account get-access-token output";
  const TimePoint now = ambient_.now();
  try {
    const auto doc = json::parse(out, what);
    if (!doc.is_object()) throw Error(what + " is not a JSON object", ErrorCode::kInvalidInput);
    if (doc.contains("expires_on")) {
      return std::make_shared<const AccessToken>(
          parse_token_response(out, what, who, now,
                               TokenResponseFields{.token = "accessToken",
                                                   .expires_in = false,
                                                   .expires_on = true,
                                                   .refresh_in = false}));
    }
    // az before 2.54: only the local-time expiresOn.
    auto token = json::optional_string(doc, "accessToken", what);
    if (!token || token->empty()) {
      throw Error(what + ": /accessToken is missing", ErrorCode::kInvalidInput);
    }
    const auto expires_text = json::optional_string(doc, "expiresOn", what);
    if (!expires_text) {
      throw Error(what + ": the answer has no expiry (expires_on / expiresOn)",
                  ErrorCode::kInvalidInput);
    }
    const auto expires = detail::parse_local_time(*expires_text);
    if (!expires) {
      throw Error(what + ": /expiresOn is not a local time like 2026-01-02 03:04:05.000000",
                  ErrorCode::kInvalidInput);
    }
    if (*expires <= now) {
      throw Error(what + ": the token expired " + timefmt::describe_remaining(*expires, now) +
                  "; run az login again, and check the system clock");
    }
    auto result = std::make_shared<AccessToken>();
    result->token = Secret(std::move(*token));
    result->expires_on = *expires;
    result->credential = who;
    return result;
  } catch (const UnavailableError&) {
    throw;
  } catch (const Error& e) {
    throw Error(who + ": " + e.what(), e.code());
  }
}

}  // namespace llmauth::azure
