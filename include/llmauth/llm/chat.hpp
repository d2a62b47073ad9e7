// The provider-neutral chat model: OpenAI chat-completions semantics (messages with roles, a
// system prompt, sampling options, stop sequences, tools and tool calls, usage), which both the
// Azure OpenAI client and the Bedrock client (Converse) map to and from their wire formats.
//
// One ChatClient per provider, shared by every thread: chat() and chat_stream() are thread-safe
// and reuse the provider's authorizer (cached, refreshed credentials) and transport.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/core/error.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/retry.hpp"

namespace llmauth::llm {

enum class Role { kSystem, kUser, kAssistant, kTool };
std::string_view to_string(Role role);  // "system", "user", "assistant", "tool"

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text of the arguments object
};

struct Message {
  Role role = Role::kUser;
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant messages that call tools
  std::string tool_call_id;          // tool messages: which call this answers

  static Message system(std::string text) { return {Role::kSystem, std::move(text), {}, {}}; }
  static Message user(std::string text) { return {Role::kUser, std::move(text), {}, {}}; }
  static Message assistant(std::string text) { return {Role::kAssistant, std::move(text), {}, {}}; }
  static Message tool(std::string call_id, std::string result) {
    return {Role::kTool, std::move(result), {}, std::move(call_id)};
  }
};

struct Tool {
  std::string name;
  std::string description;
  json::Json parameters = json::Json::object();  // JSON Schema of the arguments
};

struct ChatRequest {
  std::string model;  // deployment (Azure) or model / inference profile id / ARN (Bedrock); empty =
                      // the provider's default
  std::vector<Message> messages;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> max_tokens;
  std::vector<std::string> stop;
  std::vector<Tool> tools;
  // "auto", "none", "required", or the name of one tool. Empty: the service's default.
  std::string tool_choice;
};

struct Usage {
  long long prompt_tokens = 0;
  long long completion_tokens = 0;
  long long total_tokens = 0;
};

struct ChatResponse {
  std::string id;
  std::string model;
  Message message{Role::kAssistant, {}, {}, {}};
  // OpenAI's vocabulary: "stop", "length", "tool_calls", "content_filter" (Bedrock's stop
  // reasons are mapped to these; an unknown one is passed through).
  std::string finish_reason;
  std::optional<Usage> usage;
};

// One piece of a streamed answer, as it arrives.
struct StreamDelta {
  std::string content;  // a text fragment (may be empty)
  struct ToolCallDelta {
    int index = 0;          // which tool call of the message
    std::string id;         // set on the first fragment of a call
    std::string name;       // set on the first fragment of a call
    std::string arguments;  // a fragment of the JSON arguments
  };
  std::vector<ToolCallDelta> tool_calls;
  std::optional<std::string> finish_reason;
  std::optional<Usage> usage;
};
using StreamSink = std::function<void(const StreamDelta&)>;

// What the provider said when it refused a call: HTTP status, its own error code
// (x-amzn-ErrorType without the namespace suffix, Azure's error.code), its message (scrubbed of
// anything secret, bounded) and the request id when it sent one. Thrown by the clients;
// ErrorCode::kHttpStatus. An error sent inside a 200 stream has status 0, unless its type maps
// to one (Bedrock throttlingException 429, validationException 400, …).
class ProviderError : public Error {
 public:
  ProviderError(std::string message, int status, std::string provider_code,
                std::string request_id = {});
  [[nodiscard]] int status() const { return status_; }
  [[nodiscard]] const std::string& provider_code() const { return provider_code_; }
  [[nodiscard]] const std::string& request_id() const { return request_id_; }

 private:
  int status_;
  std::string provider_code_;
  std::string request_id_;
};

// How long a model call may take (provider config: timeout_seconds, connect_timeout_seconds,
// first_byte_timeout_seconds, idle_timeout_seconds; docs/config.md).
struct Timeouts {
  // The deadline of the whole call, every retry and pause included. A streamed call: until the
  // answer's first byte; then the body is bounded by `idle` (and `stream_max`), so a long healthy
  // stream is never cut.
  std::chrono::milliseconds total{std::chrono::seconds(120)};
  std::chrono::milliseconds connect{std::chrono::seconds(10)};
  // One attempt, from sending the request to the first byte of the answer (for a call that is
  // not streamed, that is the whole answer). nullopt: the deadline's.
  std::optional<std::chrono::milliseconds> first_byte;
  // A streamed answer: the longest silence between two pieces of it.
  std::chrono::milliseconds idle{std::chrono::seconds(60)};
  // A streamed answer: its longest life.
  std::chrono::milliseconds stream_max{std::chrono::hours(1)};
};

// What every model call of a client carries besides the request itself (the base of both
// clients' options).
struct ModelCallOptions {
  http::Headers headers;          // custom headers; never override authorization
  Redactor secret_header_values;  // values of those headers hidden from every message
  Timeouts timeouts{};
  http::RetryPolicy retry{};
};

class ChatClient {
 public:
  virtual ~ChatClient() = default;
  virtual ChatResponse chat(const ChatRequest& request) = 0;
  // Streams the answer to `sink` as it arrives and returns it assembled.
  virtual ChatResponse chat_stream(const ChatRequest& request, const StreamSink& sink) = 0;
  // The cheapest authenticated call the provider offers (list models / a one-token chat), for
  // `llmauth providers test`. Returns a one-line description of what was checked.
  virtual std::string check() = 0;
  // "azure_openai" | "aws_bedrock"
  [[nodiscard]] virtual std::string_view provider_type() const = 0;
};

// Accumulates stream deltas into the final response (content appended, tool call fragments
// joined by index). Shared by both clients so both assemble the same way.
class StreamAssembler {
 public:
  void add(const StreamDelta& delta);
  [[nodiscard]] ChatResponse finish(std::string id, std::string model) &&;

 private:
  ChatResponse response_;
};

}  // namespace llmauth::llm
