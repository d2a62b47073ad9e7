// The pieces of provider-config validation that are not about providers: typed field access on
// a JSON object that records every problem (with its JSON path and a hint) instead of throwing,
// unknown-field detection with "did you mean", discriminators, and the shape checks (names,
// URLs, regions, ARNs) the config rules are made of. Private to src/config.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/config/provider_config.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::config::detail {

using json::Json;
using Names = std::span<const std::string_view>;

std::string child_path(std::string_view base, std::string_view key);
std::string index_path(std::string_view base, std::size_t index);
// 'value', cut short and with control characters dropped: for enum values and field names only,
// never for a secret.
std::string quote_value(std::string_view value);
std::string join(Names names);
std::string trim(std::string_view s);
// "an object", "a string", … for "must be a string (got a number)".
std::string json_type(const Json& j);

// Shapes.
bool is_provider_name(std::string_view s);  // [A-Za-z0-9_.-]{1,64}
bool is_env_name(std::string_view s);       // [A-Za-z_][A-Za-z0-9_]*
bool is_header_name(std::string_view s);    // RFC 9110 token
bool is_role_arn(std::string_view s);       // arn:PARTITION:iam::123456789012:role/NAME
bool has_space_or_control(std::string_view s);
// A value that refers to an environment variable the way other tools write it: LiteLLM's
// "os.environ/NAME", a shell's "${NAME}" (or "${NAME:-default}"). The variable's name, "" when
// the reference is recognisable but the name is not a valid one; nullopt for anything else.
std::optional<std::string> env_reference(std::string_view s);

class Checker {
 public:
  void add(std::string path, std::string message, std::string hint = {});
  [[nodiscard]] const std::vector<ConfigIssue>& issues() const { return issues_; }
  [[nodiscard]] std::vector<ConfigIssue>& issues() { return issues_; }

  // False (with an issue) when `j` is not an object. Otherwise reports every key not in
  // `allowed` and returns true. `owner`, when given, names where an unknown key does belong
  // ("auth type azure_ad_token_provider"), or returns "".
  using Owner = std::function<std::string(std::string_view key)>;
  bool object(const Json& j, const std::string& path, Names allowed, const Owner& owner = {});
  // The member, or nullptr when it is absent or null.
  static const Json* member(const Json& object, std::string_view key);

  // Trimmed string; an issue when it is absent and required, not a string, or empty.
  std::optional<std::string> string(const Json& object, std::string_view key,
                                    const std::string& path, bool required,
                                    std::string_view missing_hint = {});
  std::optional<bool> boolean(const Json& object, std::string_view key, const std::string& path);
  // A whole number within [min, max].
  std::optional<long long> integer(const Json& object, std::string_view key,
                                   const std::string& path, long long min, long long max,
                                   std::string_view unit_hint);
  // A string, {"env": NAME} or {"file": PATH}.
  std::optional<SecretRef> secret(const Json& object, std::string_view key, const std::string& path,
                                  bool required);
  // The index in `valid` of object.type; an issue (listing `valid`) when it is missing or not
  // one of them. `kind` names what is chosen ("auth type for azure_openai"); `elsewhere` and
  // `elsewhere_name` give a better hint when the value belongs to the other provider type.
  std::optional<std::size_t> discriminator(const Json& object, const std::string& path, Names valid,
                                           std::string_view kind, Names elsewhere = {},
                                           std::string_view elsewhere_name = {});
  // An http(s) URL (http only for loopback hosts) without query or fragment; nullopt with an
  // issue otherwise.
  std::optional<url::Url> https_url(const std::string& text, const std::string& path,
                                    std::string_view example);

 private:
  std::vector<ConfigIssue> issues_;
};

}  // namespace llmauth::config::detail
