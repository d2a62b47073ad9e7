#include "config_checker.hpp"

#include <algorithm>
#include <cctype>

#include "llmauth/core/did_you_mean.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/excerpt.hpp"
#include "llmauth/core/split.hpp"

namespace llmauth::config::detail {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Field names of the tools users come from (LiteLLM, boto3, the openai SDK, Arize Phoenix) and the
// llmauth field each one means. A name may mean several fields; the first one allowed where it
// was written wins.
struct ForeignName {
  std::string_view theirs, ours;
};
constexpr ForeignName kForeignNames[] = {
    {"aws_access_key_id", "access_key_id"},
    {"aws_secret_access_key", "secret_access_key"},
    {"aws_session_token", "session_token"},
    {"region_name", "region"},
    {"aws_region_name", "region"},
    {"aws_region", "region"},
    {"aws_default_region", "region"},
    {"aws_profile_name", "profile"},
    {"profile_name", "profile"},
    {"aws_profile", "profile"},
    {"aws_role_name", "role_arn"},
    {"role_name", "role_arn"},
    {"aws_session_name", "role_session_name"},
    {"session_name", "role_session_name"},
    {"aws_external_id", "external_id"},
    {"aws_web_identity_token", "web_identity_token_file"},
    {"web_identity_token", "web_identity_token_file"},
    {"aws_bedrock_runtime_endpoint", "endpoint_url"},
    {"model_id", "model"},
    {"modelId", "model"},
    {"model", "deployment"},
    {"deployment", "model"},
    {"azure_endpoint", "endpoint"},
    {"api_base", "endpoint"},
    {"api_base", "endpoint_url"},
    {"base_url", "endpoint"},
    {"base_url", "endpoint_url"},
    {"endpoint", "endpoint_url"},
    {"endpoint_url", "endpoint"},
    {"azure_deployment", "deployment"},
    {"deployment_name", "deployment"},
    {"deployment_id", "deployment"},
    {"engine", "deployment"},
    {"openai_api_version", "api_version"},
    {"azure_api_version", "api_version"},
    {"azure_ad_token", "token"},
    {"azure_client_id", "client_id"},
    {"azure_tenant_id", "tenant_id"},
    {"azure_client_secret", "client_secret"},
    {"azure_authority_host", "authority_host"},
    {"azure_scope", "scope"},
    {"azure_federated_token_file", "token_file_path"},
    {"federated_token_file", "token_file_path"},
    {"azure_certificate_path", "certificate_path"},
    {"azure_client_certificate_path", "certificate_path"},
    {"timeout", "timeout_seconds"},
    {"request_timeout", "timeout_seconds"},
    {"extra_headers", "headers"},
    {"default_headers", "headers"},
    {"model_list", "providers"},
};

// What the unknown `key` is in llmauth's words, or "" when it is no other tool's name either.
std::string foreign_hint(std::string_view key, Names allowed, const Checker::Owner& owner) {
  std::string_view elsewhere;
  std::string owner_text;
  for (const auto& f : kForeignNames) {
    if (f.theirs != key) continue;
    if (std::find(allowed.begin(), allowed.end(), f.ours) != allowed.end()) {
      return "did you mean '" + std::string(f.ours) + "'? ";
    }
    if (elsewhere.empty() && owner) {
      owner_text = owner(f.ours);
      if (!owner_text.empty()) elsewhere = f.ours;
    }
  }
  if (elsewhere.empty()) return {};
  return "llmauth calls it '" + std::string(elsewhere) + "', which belongs to " + owner_text + "; ";
}

constexpr std::string_view kSecretForms =
    "give the secret inline as a string, as {\"env\": \"VARIABLE\"} or as {\"file\": "
    "\"/path/to/file\"}";

}  // namespace

std::string child_path(std::string_view base, std::string_view key) {
  std::string k = excerpt(key, {}, 60);
  if (base.empty()) return k;
  return std::string(base) + "." + k;
}

std::string index_path(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

std::string quote_value(std::string_view value) { return "'" + excerpt(value, {}, 60) + "'"; }

std::string join(Names names) {
  std::string out;
  for (const auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string trim(std::string_view s) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::string json_type(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::null:
      return "null";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    default:
      return "a binary value";
  }
}

std::optional<std::string> env_reference(std::string_view s) {
  std::string_view name;
  if (s.starts_with("os.environ/")) {
    name = s.substr(11);
  } else if (s.starts_with("${") && s.ends_with("}")) {
    name = s.substr(2, s.size() - 3);
    name = name.substr(0, name.find_first_of(":-="));  // ${NAME:-default}
  } else {
    return std::nullopt;
  }
  return is_env_name(name) ? std::string(name) : std::string();
}

bool is_provider_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool is_env_name(std::string_view s) {
  if (s.empty() || s.size() > 256 || digit(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return alnum(c) || c == '_'; });
}

bool is_header_name(std::string_view s) {
  static constexpr std::string_view kTchar = "!#$%&'*+-.^_`|~";
  if (s.empty() || s.size() > 256) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return alnum(c) || kTchar.find(c) != std::string_view::npos; });
}

bool is_role_arn(std::string_view s) {
  // arn:aws:iam::123456789012:role/path/name
  if (s.size() > 2048) return false;
  const auto parts = split(s, ':');
  if (parts.size() != 6 || parts[0] != "arn" || !parts[1].starts_with("aws") || parts[2] != "iam" ||
      !parts[3].empty())
    return false;
  if (parts[4].size() != 12 || !std::all_of(parts[4].begin(), parts[4].end(), digit)) return false;
  const auto resource = parts[5];
  if (!resource.starts_with("role/") || resource.size() <= 5 || resource.back() == '/')
    return false;
  return std::all_of(resource.begin(), resource.end(), [](char c) {
    return alnum(c) || std::string_view("+=,.@_/-").find(c) != std::string_view::npos;
  });
}

bool has_space_or_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

void Checker::add(std::string path, std::string message, std::string hint) {
  issues_.push_back({std::move(path), std::move(message), std::move(hint)});
}

const Json* Checker::member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

bool Checker::object(const Json& j, const std::string& path, Names allowed, const Owner& owner) {
  if (!j.is_object()) {
    add(path, "must be an object (got " + json_type(j) + ")",
        allowed.empty() ? std::string() : "an object with fields: " + join(allowed));
    return false;
  }
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string hint;
    if (const auto near = did_you_mean(key, allowed)) {
      hint = "did you mean '" + std::string(*near) + "'? ";
    } else if (auto foreign = foreign_hint(key, allowed, owner);
               !foreign.empty() && foreign.starts_with("did you mean")) {
      hint = std::move(foreign);
    } else if (const auto where = owner ? owner(key) : std::string(); !where.empty()) {
      hint = "it belongs to " + where + "; ";
    } else {
      hint = std::move(foreign);
    }
    hint += "allowed fields here: " + join(allowed);
    add(child_path(path, key), "unknown field", std::move(hint));
  }
  return true;
}

std::optional<std::string> Checker::string(const Json& object, std::string_view key,
                                           const std::string& path, bool required,
                                           std::string_view missing_hint) {
  const std::string at = child_path(path, key);
  const Json* v = member(object, key);
  if (v == nullptr) {
    if (required) add(at, "is required", std::string(missing_hint));
    return std::nullopt;
  }
  if (!v->is_string()) {
    add(at, "must be a string (got " + json_type(*v) + ")", "a JSON string, in double quotes");
    return std::nullopt;
  }
  std::string s = trim(v->get_ref<const std::string&>());
  if (s.empty()) {
    add(at, "must not be empty", "leave the field out or give a value (spaces are trimmed)");
    return std::nullopt;
  }
  if (const auto name = env_reference(s)) {
    const std::string var = name->empty() ? std::string("NAME") : *name;
    if (key == "env") {
      add(at, "is written as a reference, not as a variable name",
          "write the name alone: {\"env\": \"" + var + "\"}");
    } else {
      add(at,
          "is an environment variable reference (os.environ/NAME, ${NAME}), which llmauth "
          "does not expand here",
          "write the value itself; only secret fields take {\"env\": \"" + var + "\"}");
    }
    return std::nullopt;
  }
  return s;
}

std::optional<bool> Checker::boolean(const Json& object, std::string_view key,
                                     const std::string& path) {
  const Json* v = member(object, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    add(child_path(path, key), "must be a boolean (got " + json_type(*v) + ")",
        "write true or false, without quotes");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<long long> Checker::integer(const Json& object, std::string_view key,
                                          const std::string& path, long long min, long long max,
                                          std::string_view unit_hint) {
  const std::string at = child_path(path, key);
  const Json* v = member(object, key);
  if (v == nullptr) return std::nullopt;
  const std::string range = "a whole number from " + std::to_string(min) + " to " +
                            std::to_string(max) + std::string(unit_hint);
  long long n = 0;
  if (v->is_number_integer()) {
    n = v->get<long long>();
  } else if (v->is_number_unsigned()) {
    n = v->get<unsigned long long>() > static_cast<unsigned long long>(max)
            ? max + 1
            : static_cast<long long>(v->get<unsigned long long>());
  } else {
    add(at, "must be a whole number (got " + json_type(*v) + ")", range);
    return std::nullopt;
  }
  if (n < min || n > max) {
    add(at, "is out of range", range);
    return std::nullopt;
  }
  return n;
}

std::optional<SecretRef> Checker::secret(const Json& object, std::string_view key,
                                         const std::string& path, bool required) {
  const std::string at = child_path(path, key);
  const Json* v = member(object, key);
  if (v == nullptr) {
    if (required) add(at, "is required", std::string(kSecretForms));
    return std::nullopt;
  }
  if (v->is_string()) {
    std::string s = trim(v->get_ref<const std::string&>());
    if (s.empty()) {
      add(at, "must not be empty", std::string(kSecretForms));
      return std::nullopt;
    }
    if (const auto name = env_reference(s)) {
      add(at,
          "is an environment variable reference in another tool's syntax (os.environ/NAME, "
          "${NAME}): llmauth would send it as the secret itself",
          "use {\"env\": \"" + (name->empty() ? std::string("NAME") : *name) + "\"}");
      return std::nullopt;
    }
    if (s == kRedactedValue || s == Secret::kRedacted) {
      add(at, "is a redacted placeholder, not a secret",
          "this config was printed with its secrets redacted; put the real secret back or use "
          "{\"env\": \"VARIABLE\"} / {\"file\": \"/path\"}");
      return std::nullopt;
    }
    if (std::any_of(s.begin(), s.end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return u < 0x20 || u == 0x7f;
        })) {
      add(at, "contains a line break or another control character",
          "secrets are sent in HTTP headers and forms; check for a pasted newline");
      return std::nullopt;
    }
    return SecretRef::inline_value(std::move(s), at);
  }
  if (!v->is_object()) {
    add(at, "must be a string or an object (got " + json_type(*v) + ")", std::string(kSecretForms));
    return std::nullopt;
  }
  static constexpr std::string_view kForms[] = {"env", "file"};
  if (v->size() != 1) {
    if (v->empty()) {
      add(at, "is an empty object", std::string(kSecretForms));
      return std::nullopt;
    }
    bool known = false;
    for (const auto& [k, _] : v->items()) known = known || k == "env" || k == "file";
    if (known) {
      add(at, "must have exactly one of 'env' or 'file'", std::string(kSecretForms));
      return std::nullopt;
    }
  }
  const std::string form = v->begin().key();
  if (form != "env" && form != "file") {
    std::string hint;
    if (const auto near = did_you_mean(form, kForms))
      hint = "did you mean '" + std::string(*near) + "'? ";
    add(child_path(at, form), "unknown secret reference", hint + std::string(kSecretForms));
    return std::nullopt;
  }
  const std::string form_at = child_path(at, form);
  auto name = this->string(*v, form, at, true);
  if (!name) return std::nullopt;
  if (form == "env") {
    if (!is_env_name(*name)) {
      add(form_at, "is not an environment variable name",
          "letters, digits and '_', not starting with a digit, e.g. AZURE_OPENAI_API_KEY");
      return std::nullopt;
    }
    return SecretRef::env(std::move(*name), at);
  }
  if (!(name->starts_with("/") || name->starts_with("~/"))) {
    add(form_at, "must be an absolute path", "start it with '/' or '~/'");
    return std::nullopt;
  }
  if (name->find('\0') != std::string::npos) {
    add(form_at, "contains a NUL character");
    return std::nullopt;
  }
  return SecretRef::file(std::move(*name), at);
}

std::optional<std::size_t> Checker::discriminator(const Json& object, const std::string& path,
                                                  Names valid, std::string_view kind,
                                                  Names elsewhere,
                                                  std::string_view elsewhere_name) {
  const std::string at = child_path(path, "type");
  const std::string one_of = "one of: " + join(valid);
  const Json* v = member(object, "type");
  if (v == nullptr) {
    add(at, "is required: the " + std::string(kind), one_of);
    return std::nullopt;
  }
  if (!v->is_string()) {
    add(at, "must be a string (got " + json_type(*v) + ")", one_of);
    return std::nullopt;
  }
  const std::string t = trim(v->get_ref<const std::string&>());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    if (valid[i] == t) return i;
  }
  if (t.empty()) {
    add(at, "must not be empty", one_of);
    return std::nullopt;
  }
  std::string hint;
  if (std::find(elsewhere.begin(), elsewhere.end(), t) != elsewhere.end()) {
    hint = quote_value(t) + " is an " + std::string(elsewhere_name) + " method; ";
  } else if (const auto near = did_you_mean(t, valid)) {
    hint = "did you mean '" + std::string(*near) + "'? ";
  }
  add(at, "unknown " + std::string(kind) + " " + quote_value(t), hint + one_of);
  return std::nullopt;
}

std::optional<url::Url> Checker::https_url(const std::string& text, const std::string& path,
                                           std::string_view example) {
  const std::string expect = "an absolute https:// URL, e.g. " + std::string(example);
  url::Url u;
  try {
    u = url::parse(text, "URL");
  } catch (const Error& e) {
    // "URL: <why> (expected …)": keep only the reason, which quotes no more than a scheme or port.
    std::string why = e.what();
    if (why.starts_with("URL: ")) why = why.substr(5);
    if (const auto paren = why.find(" (expected"); paren != std::string::npos) why.resize(paren);
    add(path, "is not a valid URL: " + excerpt(why, {}, 80), expect);
    return std::nullopt;
  }
  if (has_space_or_control(text)) {
    add(path, "is not a valid URL: it contains spaces or control characters", expect);
    return std::nullopt;
  }
  if (u.scheme != "https" && !url::is_loopback_host(u.host)) {
    add(path, "must use https", "http:// is only accepted for 127.0.0.1, ::1 and localhost");
    return std::nullopt;
  }
  if (!u.query.empty() || text.find('#') != std::string::npos ||
      text.find('?') != std::string::npos) {
    add(path, "must not have a query string or fragment",
        "give the base URL only; credentials never belong in a URL");
    return std::nullopt;
  }
  return u;
}

}  // namespace llmauth::config::detail
