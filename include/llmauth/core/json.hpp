// JSON via nlohmann/json, with errors that say which document and which JSON path is wrong.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace llmauth::json {

using Json = nlohmann::json;

// Parses `text`; throws Error(kInvalidInput) "<what>: invalid JSON at byte N (…)". The message
// never quotes the document (it may hold secrets).
Json parse(std::string_view text, std::string_view what);

// Field access for objects; `path` is the JSON path of `object` ("" for the root) and `what`
// names the document. Missing or wrong-typed required fields throw
// "<what>: <path>/<key> is missing" / "… must be a string".
std::string require_string(const Json& object, std::string_view key, std::string_view what,
                           std::string_view path = "");
std::optional<std::string> optional_string(const Json& object, std::string_view key,
                                           std::string_view what, std::string_view path = "");
// A number, or a string holding one (several services send "3599").
std::optional<long long> optional_integer(const Json& object, std::string_view key,
                                          std::string_view what, std::string_view path = "");

}  // namespace llmauth::json
