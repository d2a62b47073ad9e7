// OpenAI Chat Completions ⇄ Bedrock Converse, JSON to JSON: what `llmauth serve` does to a
// `POST /v1/chat/completions` whose model lives on Bedrock. Pure functions: no I/O, no clock, no
// randomness; the server supplies the id, the time and the model name. Streams are translated by
// ConverseStreamTranslator (openai_converse_stream.hpp).
//
// Request (OpenAI → Converse). The full mapping, and every field refused, is in
// docs/gateway-openai-bedrock.md; in short:
//   system / developer messages   → system[{text}], in order (wherever they stand)
//   user / assistant turns        → messages[{role, content[]}]; consecutive turns of one role
//                                   merged (Converse wants alternating roles); empty ones dropped
//   text parts, image_url data:   → text blocks, image{format, source{bytes}}
//   assistant tool_calls          → toolUse{toolUseId, name, input (arguments parsed)}
//   assistant thinking_blocks     → reasoningContent (Claude's signed thinking, handed back)
//   tool messages                 → toolResult{toolUseId, content[{text}]} in one user turn
//   tools / tool_choice           → toolConfig{tools[{toolSpec}], toolChoice{auto|any|tool}}
//   max_(completion_)tokens, temperature, top_p, stop → inferenceConfig
//   top_k, reasoning_effort, thinking                 → additionalModelRequestFields (Anthropic's
//                                                       top_k and thinking)
// A field Converse cannot honour (n > 1, logprobs, logit_bias, response_format json_*, audio,
// penalties, tool_choice "none", …) is a 400, never silently dropped; fields that only tune
// OpenAI's own service (user, metadata, store, seed, prompt_cache_key, …) are ignored; a field
// OpenAI does not define is a 400, as OpenAI answers it.
//
// Response (Converse → OpenAI): text blocks joined into content, toolUse blocks → tool_calls,
// reasoning text → reasoning_content (the field DeepSeek, vLLM and LiteLLM use) and, with its
// signature, thinking_blocks (LiteLLM's, for the client to hand back), stopReason →
// finish_reason, usage (cache reads and writes counted into prompt_tokens).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "llmauth/core/json.hpp"
#include "llmauth/gateway/api_error.hpp"

namespace llmauth::gateway {

// What a Chat Completions request becomes: which Bedrock operation to call (converse or
// converse-stream; the model goes in the URL path, which the server builds) and its body.
struct ConverseCall {
  bool stream = false;         // "stream": true → ConverseStream
  bool include_usage = false;  // stream_options.include_usage: the usage chunk before [DONE]
  json::Json body;             // the Converse / ConverseStream request body
};

// Translates the client's parsed JSON body. The "model" field is left to the server (it resolves
// it to a model id, inference profile or ARN for the URL) and is not looked at here.
// Throws ApiError(400, …, "invalid_request_error", param, code) for anything Converse cannot
// carry or that is malformed: `param` is the JSON path of the field, the message says what to
// do. Never throws anything else, whatever JSON value it is given.
ConverseCall openai_to_converse(const json::Json& request);

// A Converse answer (the parsed 200 body) → an OpenAI chat.completion object.
//   id:      the upstream request id (x-amzn-RequestId; Converse answers carry no id), given
//            back as "chatcmpl-<id>" (left alone when it already starts with "chatcmpl-")
//   model:   the model name the client asked for
//   created: epoch seconds
// An answer without `output` (a guardrail that intervened) gives empty content and
// finish_reason "content_filter". Throws ApiError(502, …, "server_error") only when `converse`
// is not a JSON object; fields of the wrong type are skipped, never a crash.
json::Json converse_to_openai(const json::Json& converse, const std::string& id,
                              const std::string& model, std::int64_t created);

// Bedrock's stopReason in OpenAI's words: end_turn, stop_sequence → "stop"; max_tokens,
// model_context_window_exceeded → "length"; tool_use → "tool_calls"; guardrail_intervened,
// content_filtered → "content_filter"; anything else (or nothing) → "stop".
std::string openai_finish_reason(std::string_view stop_reason);

// Converse usage {inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens} →
// OpenAI usage {prompt_tokens (input + cache read + cache write), completion_tokens,
// total_tokens (their sum), prompt_tokens_details{cached_tokens (cache read)}}. Missing or
// non-numeric counts read as 0. Null when `usage` is not an object.
json::Json openai_usage(const json::Json& usage);

// "chatcmpl-<id>", the id the response and every chunk of a stream carry.
std::string openai_completion_id(std::string_view upstream_id);

}  // namespace llmauth::gateway
