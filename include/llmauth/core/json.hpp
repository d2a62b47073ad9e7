// JSON via nlohmann/json, with errors that say which document and which JSON path is wrong.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace llmauth::json {

using Json = nlohmann::json;

// How deeply a document from outside may nest ([[[…]]]): more would let a hostile answer exhaust
// the stack and the heap. Real answers and configs are a handful of levels deep.
inline constexpr std::size_t kMaxDepth = 64;

// The byte offset where `text` nests deeper than `max_depth` arrays/objects, if it does (strings
// are skipped). A linear scan, done before parsing.
std::optional<std::size_t> nesting_exceeds(std::string_view text,
                                           std::size_t max_depth = kMaxDepth);

// Parses `text`; throws Error(kInvalidInput) "<what>: invalid JSON at byte N (…)" or "<what>:
// nested deeper than 64 levels at byte N". The message never quotes the document (it may hold
// secrets).
Json parse(std::string_view text, std::string_view what, std::size_t max_depth = kMaxDepth);

// As parse, but a discarded (null) Json instead of an error: for answers that may not be JSON.
Json parse_or_discard(std::string_view text, std::size_t max_depth = kMaxDepth);

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

// Appends `text` as a JSON string (quotes included), escaped as nlohmann::json's dump() does;
// an invalid UTF-8 byte becomes U+FFFD. For hot paths that write JSON without building a tree
// (the gateway's access log).
void append_quoted(std::string& out, std::string_view text);

}  // namespace llmauth::json
