#include "openai_fields.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <limits>
#include <sstream>

#include "llmauth/core/redactor.hpp"

namespace llmauth::gateway::detail {

bool is_known_field(std::string_view key) {
  // Every field of OpenAI's ChatCompletionCreateParams (openai-node 6.x), whether the gateway
  // honours it, refuses it or ignores it, and the extensions it takes.
  static constexpr std::string_view kFields[] = {
      "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
      "max_completion_tokens", "max_tokens", "messages", "metadata", "modalities", "model",
      "moderation", "n", "parallel_tool_calls", "prediction", "presence_penalty",
      "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention", "reasoning_effort",
      "response_format", "safety_identifier", "seed", "service_tier", "stop", "store", "stream",
      "stream_options", "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user",
      "verbosity", "web_search_options",
      // extensions, as LiteLLM and Envoy AI Gateway take them
      "top_k", "thinking"};
  return std::find(std::begin(kFields), std::end(kFields), key) != std::end(kFields);
}

std::string at(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string describe_type(const json::Json& value) {
  switch (value.type()) {
    case json::Json::value_t::null:
      return "null";
    case json::Json::value_t::object:
      return "an object";
    case json::Json::value_t::array:
      return "an array";
    case json::Json::value_t::string:
      return "a string";
    case json::Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::Json::value_t::number_integer:
    case json::Json::value_t::number_unsigned:
    case json::Json::value_t::number_float:
      return "a number";
    default:
      return "an unusable value";
  }
}

std::string quote(std::string_view value) { return "'" + sanitize_untrusted(value, 40) + "'"; }

std::optional<std::int64_t> integral(const json::Json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // 2^63 is exactly representable; anything at or above it does not fit.
    if (!std::isfinite(d) || d != std::floor(d) || d >= 9223372036854775808.0 ||
        d < -9223372036854775808.0) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string dump(const json::Json& value) {
  return value.dump(-1, ' ', false, json::Json::error_handler_t::replace);
}

void fail(const std::string& param, const std::string& message, const char* code) {
  throw ApiError(400, message, "invalid_request_error", param, code);
}

}  // namespace llmauth::gateway::detail
