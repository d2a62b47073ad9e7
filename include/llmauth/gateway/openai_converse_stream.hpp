// ConverseStreamTranslator: Bedrock ConverseStream events → OpenAI chat.completion.chunk
// server-sent events, one upstream event at a time. One translator per stream; not thread-safe;
// no I/O. The server decodes the AWS event stream (aws::eventstream::Decoder), parses each
// event's JSON payload and hands it here, then writes `out` to the client.
//
//   messageStart                        → {"delta": {"role": "assistant", "content": ""}}
//   contentBlockDelta text              → {"delta": {"content": "…"}}
//   contentBlockDelta reasoningContent  → {"delta": {"reasoning_content": "…"}}; its signature
//                                         (or redacted reasoning) → {"delta": {"thinking_blocks":
//                                         [{type: "thinking", thinking: "", signature}]}}
//   contentBlockStart toolUse           → {"delta": {"tool_calls": [{index, id, type: "function",
//                                           function: {name, arguments: ""}}]}}
//   contentBlockDelta toolUse.input     → {"delta": {"tool_calls": [{index, function:
//                                           {arguments: "<fragment>"}}]}}
//   contentBlockStop of a tool that got no input → its arguments "{}"
//   messageStop                         → {"delta": {}, "finish_reason": …}
//   metadata                            → usage, sent by finish() when include_usage
// `index` of a tool call is the translator's own count of tool calls (0, 1, …): Bedrock's
// contentBlockIndex counts text blocks too. Every chunk carries the same id, created and model.
// When include_usage is set every chunk has "usage": null and the last one, choices [], the
// usage — as OpenAI streams it.
//
// The translator never throws on what Bedrock sends: events it does not know are skipped, and an
// event that breaks the protocol (a toolUse delta for a block that never started) ends the
// stream with an error event, as on_exception does. After an error, ended() is true and further
// events add nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "llmauth/core/json.hpp"

namespace llmauth::gateway {

class ConverseStreamTranslator {
 public:
  // `id`: the upstream request id (chunks carry "chatcmpl-<id>"); `model`: the name the client
  // asked for; `created`: epoch seconds; `include_usage`: stream_options.include_usage.
  ConverseStreamTranslator(std::string id, std::string model, std::int64_t created,
                           bool include_usage);

  // One decoded event (`:message-type` event): its `:event-type` and JSON payload. Appends zero
  // or more SSE events ("data: {…}\n\n") to `out`.
  void on_event(std::string_view event_type, const json::Json& payload, std::string& out);

  // A mid-stream exception (`:message-type` exception: its `:exception-type` and the payload's
  // message; or an `:message-type` error's `:error-code` and `:error-message`). Appends
  // `data: {"error": {"message", "type", "param", "code"}}` — the shape the openai SDKs raise
  // APIError from — and ends the stream: the server sends `out` and closes it.
  void on_exception(std::string_view exception_type, std::string_view message, std::string& out);

  // The upstream stream has ended. After messageStop: the usage chunk (when include_usage and
  // Bedrock sent usage), then "data: [DONE]\n\n". Without messageStop (the connection dropped):
  // an error event saying the answer is incomplete, and no [DONE]. After an error: nothing.
  void finish(std::string& out);

  // Whether the stream is over for the client (finished, or ended by an error).
  [[nodiscard]] bool ended() const noexcept { return ended_; }
  // For the access log and metrics: the finish reason once messageStop came ("" before), and the
  // OpenAI usage once metadata came (null before).
  [[nodiscard]] const std::string& finish_reason() const noexcept { return finish_reason_; }
  [[nodiscard]] const json::Json& usage() const noexcept { return usage_; }

 private:
  struct ToolBlock {
    int index = 0;              // among the tool calls of this answer
    std::size_t arguments = 0;  // bytes of input sent so far
  };

  void chunk(json::Json delta, std::string& out, const json::Json& finish_reason = nullptr);
  void start(std::string& out);  // the role chunk, once
  void close_tool(ToolBlock& tool, std::string& out);
  void error(std::string_view type, std::string_view code, const std::string& message,
             std::string& out);

  std::string id_;
  std::string model_;
  std::int64_t created_;
  bool include_usage_;
  bool started_ = false;
  bool stopped_ = false;  // messageStop seen
  bool ended_ = false;
  std::map<std::int64_t, ToolBlock> tools_;  // by contentBlockIndex
  std::string finish_reason_;
  json::Json usage_;
};

}  // namespace llmauth::gateway
