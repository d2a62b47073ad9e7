#include "llmauth/llm/azure_openai_client.hpp"

#include "llmauth/core/error.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/sse.hpp"
#include "llmauth/core/url.hpp"
#include "provider_call.hpp"

namespace llmauth::llm {
namespace {

using detail::string_or_empty;

constexpr std::string_view kWhat = "Azure OpenAI response";

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

json::Json message_json(const Message& m) {
  json::Json j = {{"role", std::string(to_string(m.role))}};
  switch (m.role) {
    case Role::kTool:
      j["tool_call_id"] = m.tool_call_id;
      j["content"] = m.content;
      break;
    case Role::kAssistant:
      if (m.tool_calls.empty()) {
        j["content"] = m.content;
      } else {
        j["content"] = m.content.empty() ? json::Json(nullptr) : json::Json(m.content);
        json::Json calls = json::Json::array();
        for (const auto& c : m.tool_calls) {
          calls.push_back({{"id", c.id},
                           {"type", "function"},
                           {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
        }
        j["tool_calls"] = std::move(calls);
      }
      break;
    default:
      j["content"] = m.content;
      break;
  }
  return j;
}

std::optional<Usage> usage_of(const json::Json& j) {
  if (!j.is_object() || !j.contains("usage") || !j["usage"].is_object()) return std::nullopt;
  const auto& u = j["usage"];
  Usage usage;
  usage.prompt_tokens = json::optional_integer(u, "prompt_tokens", kWhat, "/usage").value_or(0);
  usage.completion_tokens =
      json::optional_integer(u, "completion_tokens", kWhat, "/usage").value_or(0);
  usage.total_tokens = json::optional_integer(u, "total_tokens", kWhat, "/usage")
                           .value_or(usage.prompt_tokens + usage.completion_tokens);
  return usage;
}

// Turns an error answer into a ProviderError that says what to do.
[[noreturn]] void throw_azure_error(const http::Response& r, std::string_view what,
                                    const Redactor& redactor) {
  std::string code;
  std::string message;
  try {
    const auto j = json::parse(r.body, kWhat);
    if (j.is_object() && j.contains("error") && j["error"].is_object()) {
      const auto& e = j["error"];
      code = e.contains("code") && e["code"].is_string()   ? e["code"].get<std::string>()
             : e.contains("code") && e["code"].is_number() ? e["code"].dump()
                                                           : std::string();
      message = string_or_empty(e, "message");
    }
  } catch (const Error&) {
  }
  if (message.empty()) message = r.body;
  std::string hint;
  switch (r.status) {
    case 401:
      hint =
          "check the API key, or that the Entra token is for https://cognitiveservices.azure.com";
      break;
    case 403:
      hint = "the identity needs the 'Cognitive Services OpenAI User' role on this resource";
      break;
    case 404:
      hint = "check the endpoint, the deployment name and (deployments API) the api_version";
      break;
    case 429:
      hint = "rate limited: retried with backoff and gave up; try later or raise the quota";
      break;
    default:
      break;
  }
  std::string request_id(
      r.header("apim-request-id").value_or(r.header("x-request-id").value_or("")));
  // Status 0: an error event inside a 200 stream.
  std::string text = std::string(what) + ": Azure OpenAI " +
                     (r.status == 0 ? std::string("sent an error in the stream")
                                    : "answered HTTP " + std::to_string(r.status));
  // Azure often repeats the status as the code ("401"): say it once.
  if (!code.empty() && code != std::to_string(r.status)) text += " " + redactor.scrub(code, 64);
  text += ": " + redactor.scrub(message);
  if (!hint.empty()) text += " (" + hint + ")";
  text += http::attempts_note(r);
  if (!request_id.empty()) text += " [request id " + redactor.scrub(request_id, 64) + "]";
  throw ProviderError(text, r.status, redactor.scrub(code, 64), redactor.scrub(request_id, 64));
}

// One chat.completion.chunk → a delta. Returns false for a chunk with nothing in it.
StreamDelta delta_of(const json::Json& j) {
  StreamDelta d;
  if (j.contains("choices") && j["choices"].is_array() && !j["choices"].empty()) {
    const auto& choice = j["choices"][0];
    if (choice.contains("delta") && choice["delta"].is_object()) {
      const auto& delta = choice["delta"];
      d.content = string_or_empty(delta, "content");
      if (delta.contains("tool_calls") && delta["tool_calls"].is_array()) {
        for (const auto& tc : delta["tool_calls"]) {
          StreamDelta::ToolCallDelta t;
          t.index =
              tc.contains("index") && tc["index"].is_number_integer() ? tc["index"].get<int>() : 0;
          t.id = string_or_empty(tc, "id");
          if (tc.contains("function") && tc["function"].is_object()) {
            t.name = string_or_empty(tc["function"], "name");
            t.arguments = string_or_empty(tc["function"], "arguments");
          }
          d.tool_calls.push_back(std::move(t));
        }
      }
    }
    if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
      d.finish_reason = choice["finish_reason"].get<std::string>();
    }
  }
  d.usage = usage_of(j);
  return d;
}

}  // namespace

ChatResponse parse_chat_completion(std::string_view body) {
  const auto j = json::parse(body, kWhat);
  if (!j.is_object())
    throw Error(std::string(kWhat) + ": not a JSON object", ErrorCode::kInvalidInput);
  ChatResponse out;
  out.id = string_or_empty(j, "id");
  out.model = string_or_empty(j, "model");
  if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) {
    throw Error(std::string(kWhat) + ": /choices is missing or empty", ErrorCode::kInvalidInput);
  }
  const auto& choice = j["choices"][0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object()) {
    throw Error(std::string(kWhat) + ": /choices/0/message is missing", ErrorCode::kInvalidInput);
  }
  const auto& m = choice["message"];
  out.message.content = string_or_empty(m, "content");
  if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
    std::size_t i = 0;
    for (const auto& tc : m["tool_calls"]) {
      const std::string path = "/choices/0/message/tool_calls/" + std::to_string(i++);
      if (!tc.is_object() || !tc.contains("function") || !tc["function"].is_object()) {
        throw Error(std::string(kWhat) + ": " + path + "/function is missing",
                    ErrorCode::kInvalidInput);
      }
      ToolCall call;
      call.id = json::require_string(tc, "id", kWhat, path);
      call.name = json::require_string(tc["function"], "name", kWhat, path + "/function");
      call.arguments = json::require_string(tc["function"], "arguments", kWhat, path + "/function");
      out.message.tool_calls.push_back(std::move(call));
    }
  }
  out.finish_reason = string_or_empty(choice, "finish_reason");
  out.usage = usage_of(j);
  return out;
}

AzureOpenAIClient::AzureOpenAIClient(std::shared_ptr<http::Transport> transport,
                                     std::shared_ptr<Authorizer> authorizer,
                                     AzureOpenAIOptions options, http::Sleeper sleep)
    : transport_(std::move(transport)),
      authorizer_(std::move(authorizer)),
      options_(std::move(options)),
      sleep_(std::move(sleep)) {
  options_.endpoint = trim_slash(options_.endpoint);
  url::parse(options_.endpoint, "Azure OpenAI endpoint");
  if (options_.api == AzureOpenAIOptions::Api::kDeployments && options_.api_version.empty()) {
    throw Error("Azure OpenAI: the deployments API needs an api_version (e.g. 2024-10-21)",
                ErrorCode::kInvalidInput);
  }
}

std::string AzureOpenAIClient::chat_url(const ChatRequest& request) const {
  if (options_.api == AzureOpenAIOptions::Api::kV1) {
    // v1 takes an api-version only for preview features ("preview", "latest").
    return options_.endpoint + "/openai/v1/chat/completions" +
           (options_.api_version.empty() ? ""
                                         : "?api-version=" + url::encode(options_.api_version));
  }
  const std::string deployment =
      request.model.empty() ? options_.default_deployment : request.model;
  if (deployment.empty()) {
    throw Error(
        "Azure OpenAI: no deployment: give a model (--model) or set the provider's deployment",
        ErrorCode::kInvalidInput);
  }
  return options_.endpoint + "/openai/deployments/" + url::encode(deployment) +
         "/chat/completions?api-version=" + url::encode(options_.api_version);
}

json::Json AzureOpenAIClient::request_body(const ChatRequest& request, bool stream) const {
  json::Json body = json::Json::object();
  if (options_.api == AzureOpenAIOptions::Api::kV1) {
    const std::string model = request.model.empty() ? options_.default_deployment : request.model;
    if (model.empty()) {
      throw Error("Azure OpenAI: no model: give a model (--model) or set the provider's deployment",
                  ErrorCode::kInvalidInput);
    }
    body["model"] = model;
  }
  json::Json messages = json::Json::array();
  for (const auto& m : request.messages) messages.push_back(message_json(m));
  body["messages"] = std::move(messages);
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.top_p) body["top_p"] = *request.top_p;
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (!request.tools.empty()) {
    json::Json tools = json::Json::array();
    for (const auto& t : request.tools) {
      json::Json fn = {{"name", t.name}, {"parameters", t.parameters}};
      if (!t.description.empty()) fn["description"] = t.description;
      tools.push_back({{"type", "function"}, {"function", std::move(fn)}});
    }
    body["tools"] = std::move(tools);
  }
  if (!request.tool_choice.empty()) {
    if (request.tool_choice == "auto" || request.tool_choice == "none" ||
        request.tool_choice == "required") {
      body["tool_choice"] = request.tool_choice;
    } else {
      body["tool_choice"] = {{"type", "function"}, {"function", {{"name", request.tool_choice}}}};
    }
  }
  if (stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  return body;
}

ChatResponse AzureOpenAIClient::chat(const ChatRequest& request) {
  http::Request r;
  r.method = "POST";
  r.url = chat_url(request);
  r.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  r.body = request_body(request, false).dump();
  detail::CallRecord record;
  const auto response =
      detail::send({*transport_, *authorizer_, options_, sleep_}, std::move(r), record);
  if (response.status < 200 || response.status >= 300)
    throw_azure_error(response, "chat", record.redactor);
  return parse_chat_completion(response.body);
}

ChatResponse AzureOpenAIClient::chat_stream(const ChatRequest& request, const StreamSink& sink) {
  http::Request r;
  r.method = "POST";
  r.url = chat_url(request);
  r.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
  r.body = request_body(request, true).dump();

  sse::Parser parser;
  StreamAssembler assembler;
  detail::CallRecord record;
  std::string id;
  std::string model;
  bool done = false;
  const auto on_event = [&](sse::Event&& event) {
    if (done) return;
    if (event.data == "[DONE]") {
      done = true;
      return;
    }
    const auto j = json::parse(event.data, "Azure OpenAI stream event");
    if (!j.is_object())
      throw Error("Azure OpenAI stream event: not a JSON object", ErrorCode::kInvalidInput);
    if (j.contains("error")) {
      http::Response as_error;
      as_error.status = 0;
      as_error.body = event.data;
      throw_azure_error(as_error, "chat (mid-stream)", record.redactor);
    }
    if (id.empty()) id = string_or_empty(j, "id");
    if (model.empty()) model = string_or_empty(j, "model");
    const StreamDelta delta = delta_of(j);
    assembler.add(delta);
    if (sink) sink(delta);
  };
  const http::Response response =
      detail::send({*transport_, *authorizer_, options_, sleep_}, std::move(r), record,
                   [&](std::string_view chunk) { parser.feed(chunk, on_event); });
  if (response.status < 200 || response.status >= 300)
    throw_azure_error(response, "chat", record.redactor);
  const bool partial = parser.finish();
  if (!done) {
    throw Error(std::string("Azure OpenAI: the stream ended before data: [DONE]") +
                    (partial ? " (in the middle of an event)" : "") + "; the answer is incomplete",
                ErrorCode::kNetwork);
  }
  return std::move(assembler).finish(std::move(id), std::move(model));
}

std::string AzureOpenAIClient::check() {
  http::Request r;
  r.method = "GET";
  r.url =
      options_.api == AzureOpenAIOptions::Api::kV1
          ? options_.endpoint + "/openai/v1/models" +
                (options_.api_version.empty() ? ""
                                              : "?api-version=" + url::encode(options_.api_version))
          : options_.endpoint + "/openai/models?api-version=" + url::encode(options_.api_version);
  r.headers = {{"Accept", "application/json"}};
  detail::CallRecord record;
  const auto response =
      detail::send({*transport_, *authorizer_, options_, sleep_}, std::move(r), record);
  if (response.status < 200 || response.status >= 300)
    throw_azure_error(response, "list models", record.redactor);
  std::size_t count = 0;
  try {
    const auto j = json::parse(response.body, kWhat);
    if (j.contains("data") && j["data"].is_array()) count = j["data"].size();
  } catch (const Error&) {
  }
  return "listed " + std::to_string(count) + " models with " + authorizer_->describe();
}

}  // namespace llmauth::llm
