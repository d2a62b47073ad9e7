// The small vocabulary the OpenAI ⇄ Converse translators share: which Chat Completions fields
// exist, JSON paths in OpenAI's notation, 400s that name their field, and safe JSON output.
// Internal to src/gateway.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "llmauth/core/json.hpp"
#include "llmauth/gateway/api_error.hpp"

namespace llmauth::gateway::detail {

// Whether `key` is a top-level Chat Completions request field (OpenAI's, or one of the
// extensions the gateway takes: top_k, thinking).
bool is_known_field(std::string_view key);

// "messages[2]" + "content" → "messages[2].content"; "" + "stop" → "stop".
std::string at(const std::string& path, std::string_view key);

// "a string", "an array", "null", …: for "must be X, not Y" messages.
std::string describe_type(const json::Json& value);

// A short value from the request made fit for a message: control characters gone, cut to 40
// bytes, in quotes.
std::string quote(std::string_view value);

// The value as a whole number (an integer, or a float with no fraction), if it is one that fits
// in 64 bits.
std::optional<std::int64_t> integral(const json::Json& value);

// "2", "0.5".
std::string format_number(double value);

// Compact JSON; invalid UTF-8 replaced rather than thrown on.
std::string dump(const json::Json& value);

// ApiError(400, message, "invalid_request_error", param, code).
[[noreturn]] void fail(const std::string& param, const std::string& message, const char* code);

}  // namespace llmauth::gateway::detail
