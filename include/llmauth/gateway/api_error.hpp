// ApiError: a request the gateway cannot honour, in OpenAI's words. It carries the HTTP status and
// the fields of OpenAI's error body ({"error": {"message", "type", "param", "code"}}), so the
// server answers with exactly what the official clients parse (the `openai` SDKs raise
// BadRequestError & co. from status, and show message, param and code).
//
// Messages say what is wrong and what to do ("messages[3].tool_calls[0].function.arguments is
// not valid JSON (…): send the arguments as a JSON object encoded as a string"). They never quote
// a request body; at most a short, sanitised field value (a role, a type name).
#pragma once

#include <string>

#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"

namespace llmauth::gateway {

class ApiError : public Error {
 public:
  // `param`: the JSON path of the offending field in OpenAI's notation ("messages[2].content"),
  // empty when the error is about the request as a whole. `code`: OpenAI's machine-readable code
  // ("unsupported_parameter", "invalid_type", …), empty for none.
  ApiError(int status, std::string message, std::string type = "invalid_request_error",
           std::string param = {}, std::string code = {});

  [[nodiscard]] int status() const noexcept { return status_; }
  [[nodiscard]] const std::string& type() const noexcept { return type_; }
  [[nodiscard]] const std::string& param() const noexcept { return param_; }
  [[nodiscard]] const std::string& code() const noexcept { return code_; }

  // {"error": {"message", "type", "param", "code"}}; param and code are null when empty.
  [[nodiscard]] json::Json body() const;

 private:
  int status_;
  std::string type_;
  std::string param_;
  std::string code_;
};

// OpenAI's codes for the 400s the translators raise.
inline constexpr const char* kUnsupportedParameter = "unsupported_parameter";
inline constexpr const char* kUnsupportedValue = "unsupported_value";
inline constexpr const char* kInvalidType = "invalid_type";
inline constexpr const char* kInvalidValue = "invalid_value";
inline constexpr const char* kMissingParameter = "missing_required_parameter";
inline constexpr const char* kUnknownParameter = "unknown_parameter";

}  // namespace llmauth::gateway
