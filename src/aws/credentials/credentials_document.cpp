#include "llmauth/aws/credentials/credentials_document.hpp"

#include <cctype>

#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::aws {
namespace {

Error invalid(std::string_view what, const std::string& problem) {
  return Error(std::string(what) + ": " + problem, ErrorCode::kInvalidInput);
}

// A required, non-empty string field.
std::string required(const json::Json& doc, std::string_view key, std::string_view what) {
  std::string v = json::require_string(doc, key, what);
  if (v.empty()) throw invalid(what, "/" + std::string(key) + " is empty");
  return v;
}

// A status word ("AssumeRoleUnauthorizedAccess") for a message: letters, digits, '-', '_' only.
std::string status_word(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (out.size() >= 64) break;
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_') out += c;
  }
  return out.empty() ? "?" : out;
}

// A year past what TimePoint can hold (2262), read from the first four digits.
bool far_future(std::string_view iso) {
  if (iso.size() < 4) return false;
  int year = 0;
  for (char ch : iso.substr(0, 4)) {
    if (std::isdigit(static_cast<unsigned char>(ch)) == 0) return false;
    year = year * 10 + (ch - '0');
  }
  return year >= 2262;
}

}  // namespace

Credentials parse_credentials_document(std::string_view body, std::string_view what,
                                       const DocumentRules& rules) {
  if (body.size() > rules.max_bytes) {
    throw invalid(what, "the document is " + std::to_string(body.size()) +
                            " bytes, more than the " + std::to_string(rules.max_bytes) +
                            " a credentials document may have");
  }
  const json::Json doc = json::parse(body, what);
  if (!doc.is_object()) throw invalid(what, "the document must be a JSON object");

  if (rules.require_version_1) {
    const auto it = doc.find("Version");
    if (it == doc.end() || it->is_null()) {
      throw invalid(what, "/Version is missing (it must be the number 1)");
    }
    if (!it->is_number_integer() && !it->is_number_unsigned()) {
      throw invalid(what, "/Version must be the number 1");
    }
    if (it->get<long long>() != 1) {
      throw invalid(what, "/Version " + std::to_string(it->get<long long>()) +
                              " is not supported (only Version 1 is)");
    }
  }

  if (rules.check_code) {
    if (auto code = json::optional_string(doc, "Code", what); code && *code != "Success") {
      throw Error(std::string(what) + ": /Code is " + status_word(*code) +
                      ", not Success (check the instance profile's role and its trust policy)",
                  ErrorCode::kFailed);
    }
  }

  Credentials c;
  c.access_key_id = required(doc, "AccessKeyId", what);
  c.secret_access_key = Secret(required(doc, "SecretAccessKey", what));

  // "Token" (container, IMDS) or "SessionToken" (credential_process, STS).
  std::optional<std::string> token = json::optional_string(doc, "SessionToken", what);
  if (!token || token->empty()) token = json::optional_string(doc, "Token", what);
  if (token && !token->empty()) {
    c.session_token = Secret(std::move(*token));
  } else if (rules.require_session_token) {
    throw invalid(what, "/Token is missing (temporary credentials need a session token)");
  }

  const auto expiration = json::optional_string(doc, "Expiration", what);
  if (expiration) {
    c.expiration = timefmt::parse_iso8601(*expiration);
    if (!c.expiration) {
      throw invalid(what, "/Expiration is not an ISO 8601 time (like 2026-01-02T03:04:05Z)");
    }
    // system_clock counts nanoseconds and ends in 2262: a later year (tools print
    // "9999-12-31T23:59:59Z" for "never") would wrap into the past. It means "does not expire".
    if (far_future(*expiration)) c.expiration.reset();
  } else if (rules.require_expiration) {
    throw invalid(what, "/Expiration is missing");
  }

  if (auto account = json::optional_string(doc, "AccountId", what); account && !account->empty()) {
    c.account_id = std::move(*account);
  }
  return c;
}

}  // namespace llmauth::aws
