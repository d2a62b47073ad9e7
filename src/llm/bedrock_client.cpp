#include "llmauth/llm/bedrock_client.hpp"

#include <map>

#include "llmauth/aws/clock_skew.hpp"
#include "llmauth/aws/endpoints.hpp"
#include "llmauth/aws/event_stream.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/url.hpp"
#include "provider_call.hpp"

namespace llmauth::llm {
namespace {

using detail::string_or_empty;

constexpr std::string_view kWhat = "Bedrock Converse response";

// Bedrock's stop reasons in OpenAI's words.
std::string finish_reason_of(const std::string& stop_reason) {
  if (stop_reason == "end_turn" || stop_reason == "stop_sequence") return "stop";
  if (stop_reason == "max_tokens") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "content_filtered" || stop_reason == "guardrail_intervened")
    return "content_filter";
  return stop_reason;
}

std::optional<Usage> usage_of(const json::Json& j) {
  if (!j.is_object() || !j.contains("usage") || !j["usage"].is_object()) return std::nullopt;
  const auto& u = j["usage"];
  Usage usage;
  usage.prompt_tokens = json::optional_integer(u, "inputTokens", kWhat, "/usage").value_or(0);
  usage.completion_tokens = json::optional_integer(u, "outputTokens", kWhat, "/usage").value_or(0);
  usage.total_tokens = json::optional_integer(u, "totalTokens", kWhat, "/usage")
                           .value_or(usage.prompt_tokens + usage.completion_tokens);
  return usage;
}

json::Json tool_input(const ToolCall& call) {
  if (call.arguments.empty()) return json::Json::object();
  auto input = json::parse(call.arguments, "arguments of tool call '" + call.name + "'");
  if (!input.is_object()) {
    throw Error("arguments of tool call '" + call.name + "' must be a JSON object for Bedrock",
                ErrorCode::kInvalidInput);
  }
  return input;
}

// The error code without botocore's namespace suffix ("ValidationException:http://…").
std::string error_type_of(const http::Response& r) {
  std::string type(r.header("x-amzn-ErrorType").value_or(""));
  if (const auto colon = type.find(':'); colon != std::string::npos) type.resize(colon);
  return type;
}

[[noreturn]] void throw_bedrock_error(const http::Response& r, std::string_view what,
                                      const detail::CallRecord& record) {
  const Redactor& redactor = record.redactor;
  std::string code = error_type_of(r);
  std::string message;
  try {
    const auto j = json::parse(r.body, "Bedrock error");
    message = string_or_empty(j, "message");
    if (message.empty()) message = string_or_empty(j, "Message");
    if (code.empty()) code = string_or_empty(j, "__type");
  } catch (const Error&) {
  }
  if (message.empty()) message = r.body;
  std::string hint;
  if (code == "UnrecognizedClientException" || code == "InvalidSignatureException" ||
      code == "IncompleteSignatureException" || code == "MissingAuthenticationTokenException") {
    hint = "the credentials or the API key were not accepted; check them and the region";
  } else if (auto skew = aws::clock_skew_hint(message, record.signed_at, r.header("date"))) {
    hint = *skew;
  } else if (code == "ExpiredTokenException") {
    hint = "the session or API key has expired; get new credentials";
  } else if (code == "AccessDeniedException" || r.status == 403) {
    hint = "the identity lacks bedrock:InvokeModel (or the model is not enabled in this account)";
  } else if (code == "ValidationException" && r.status == 400) {
    hint = "check the model id / inference profile and the request";
  } else if (code == "ResourceNotFoundException") {
    hint = "no such model or inference profile in this region";
  } else if (code == "ThrottlingException" || r.status == 429) {
    hint = "throttled: retried with backoff and gave up; try later or raise the quota";
  }
  std::string request_id(r.header("x-amzn-RequestId").value_or(""));
  std::string text = std::string(what) + ": Bedrock answered HTTP " + std::to_string(r.status);
  if (!code.empty()) text += " " + redactor.scrub(code, 80);
  text += ": " + redactor.scrub(message);
  if (!hint.empty()) text += " (" + hint + ")";
  text += http::attempts_note(r);
  if (!request_id.empty()) text += " [request id " + redactor.scrub(request_id, 64) + "]";
  throw ProviderError(text, r.status, redactor.scrub(code, 80), redactor.scrub(request_id, 64));
}

// HTTP-like status for a stream exception, for callers that branch on it.
int status_of_exception(std::string_view type) {
  if (type == "throttlingException") return 429;
  if (type == "validationException") return 400;
  if (type == "serviceUnavailableException") return 503;
  if (type == "modelStreamErrorException" || type == "internalServerException") return 500;
  return 0;
}

}  // namespace

ChatResponse parse_converse_response(std::string_view body, std::string model) {
  const auto j = json::parse(body, kWhat);
  if (!j.is_object() || !j.contains("output") || !j["output"].is_object() ||
      !j["output"].contains("message") || !j["output"]["message"].is_object()) {
    throw Error(std::string(kWhat) + ": /output/message is missing", ErrorCode::kInvalidInput);
  }
  const auto& m = j["output"]["message"];
  if (!m.contains("content") || !m["content"].is_array()) {
    throw Error(std::string(kWhat) + ": /output/message/content is missing",
                ErrorCode::kInvalidInput);
  }
  ChatResponse out;
  out.model = std::move(model);
  std::size_t i = 0;
  for (const auto& block : m["content"]) {
    const std::string path = "/output/message/content/" + std::to_string(i++);
    if (!block.is_object()) continue;
    if (block.contains("text") && block["text"].is_string()) {
      out.message.content += block["text"].get<std::string>();
    } else if (block.contains("toolUse") && block["toolUse"].is_object()) {
      const auto& tu = block["toolUse"];
      ToolCall call;
      call.id = json::require_string(tu, "toolUseId", kWhat, path + "/toolUse");
      call.name = json::require_string(tu, "name", kWhat, path + "/toolUse");
      call.arguments = tu.contains("input") ? tu["input"].dump() : "{}";
      out.message.tool_calls.push_back(std::move(call));
    }
  }
  out.finish_reason = finish_reason_of(string_or_empty(j, "stopReason"));
  out.usage = usage_of(j);
  return out;
}

BedrockClient::BedrockClient(std::shared_ptr<http::Transport> transport,
                             std::shared_ptr<Authorizer> authorizer, BedrockOptions options,
                             http::Sleeper sleep)
    : transport_(std::move(transport)),
      authorizer_(std::move(authorizer)),
      options_(std::move(options)),
      sleep_(std::move(sleep)) {
  aws::validate_region(options_.region, "Bedrock region");
  endpoint_ = options_.endpoint.empty() ? "https://bedrock-runtime." + options_.region + "." +
                                              aws::dns_suffix(options_.region)
                                        : options_.endpoint;
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  url::parse(endpoint_, "Bedrock endpoint");
}

std::string BedrockClient::model_of(const ChatRequest& request) const {
  std::string model = request.model.empty() ? options_.default_model : request.model;
  if (model.empty()) {
    throw Error("Bedrock: no model: give a model (--model) or set the provider's model",
                ErrorCode::kInvalidInput);
  }
  return model;
}

std::string BedrockClient::model_url(const std::string& model, std::string_view action) const {
  // Model ids, inference profiles and ARNs ("arn:aws:bedrock:…:inference-profile/x") are one path
  // segment: ':' and '/' encoded.
  return endpoint_ + "/model/" + url::encode(model) + "/" + std::string(action);
}

json::Json BedrockClient::converse_body(const ChatRequest& request) {
  json::Json body = json::Json::object();
  json::Json system = json::Json::array();
  json::Json messages = json::Json::array();
  // Bedrock wants alternating user/assistant turns: consecutive turns of one role (several tool
  // results, say) become one message with several content blocks.
  auto append = [&](const char* role, json::Json block) {
    if (!messages.empty() && messages.back()["role"] == role) {
      messages.back()["content"].push_back(std::move(block));
    } else {
      messages.push_back({{"role", role}, {"content", json::Json::array({std::move(block)})}});
    }
  };
  for (const auto& m : request.messages) {
    switch (m.role) {
      case Role::kSystem:
        system.push_back({{"text", m.content}});
        break;
      case Role::kUser:
        append("user", {{"text", m.content}});
        break;
      case Role::kAssistant:
        if (!m.content.empty()) append("assistant", {{"text", m.content}});
        for (const auto& call : m.tool_calls) {
          append("assistant",
                 {{"toolUse",
                   {{"toolUseId", call.id}, {"name", call.name}, {"input", tool_input(call)}}}});
        }
        break;
      case Role::kTool:
        append("user", {{"toolResult",
                         {{"toolUseId", m.tool_call_id},
                          {"content", json::Json::array({{{"text", m.content}}})}}}});
        break;
    }
  }
  body["messages"] = std::move(messages);
  if (!system.empty()) body["system"] = std::move(system);
  json::Json inference = json::Json::object();
  if (request.max_tokens) inference["maxTokens"] = *request.max_tokens;
  if (request.temperature) inference["temperature"] = *request.temperature;
  if (request.top_p) inference["topP"] = *request.top_p;
  if (!request.stop.empty()) inference["stopSequences"] = request.stop;
  if (!inference.empty()) body["inferenceConfig"] = std::move(inference);
  if (!request.tools.empty()) {
    json::Json tools = json::Json::array();
    for (const auto& t : request.tools) {
      json::Json spec = {{"name", t.name}, {"inputSchema", {{"json", t.parameters}}}};
      if (!t.description.empty()) spec["description"] = t.description;
      tools.push_back({{"toolSpec", std::move(spec)}});
    }
    json::Json config = {{"tools", std::move(tools)}};
    if (request.tool_choice == "auto") {
      config["toolChoice"] = {{"auto", json::Json::object()}};
    } else if (request.tool_choice == "required") {
      config["toolChoice"] = {{"any", json::Json::object()}};
    } else if (request.tool_choice == "none") {
      throw Error("Bedrock Converse has no tool_choice 'none': leave the tools out of the request",
                  ErrorCode::kInvalidInput);
    } else if (!request.tool_choice.empty()) {
      config["toolChoice"] = {{"tool", {{"name", request.tool_choice}}}};
    }
    body["toolConfig"] = std::move(config);
  }
  return body;
}

ChatResponse BedrockClient::chat(const ChatRequest& request) {
  const std::string model = model_of(request);
  http::Request r;
  r.method = "POST";
  r.url = model_url(model, "converse");
  r.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  r.body = converse_body(request).dump();
  detail::CallRecord record;
  const auto response =
      detail::send({*transport_, *authorizer_, options_, sleep_}, std::move(r), record);
  if (response.status < 200 || response.status >= 300)
    throw_bedrock_error(response, "converse", record);
  ChatResponse out = parse_converse_response(response.body, model);
  out.id = std::string(response.header("x-amzn-RequestId").value_or(""));  // Converse has no id
  return out;
}

ChatResponse BedrockClient::chat_stream(const ChatRequest& request, const StreamSink& sink) {
  const std::string model = model_of(request);
  http::Request r;
  r.method = "POST";
  r.url = model_url(model, "converse-stream");
  r.headers = {{"Content-Type", "application/json"},
               {"Accept", "application/vnd.amazon.eventstream"}};
  r.body = converse_body(request).dump();

  aws::eventstream::Decoder decoder;
  StreamAssembler assembler;
  detail::CallRecord record;
  const Redactor& redactor = record.redactor;
  std::map<long long, int> tool_index;  // contentBlockIndex → index among the tool calls
  bool stopped = false;
  const auto on_message = [&](aws::eventstream::Message&& message) {
    const auto kind = message.string_header(":message-type").value_or("event");
    if (kind == "exception") {
      const std::string type(message.string_header(":exception-type").value_or("exception"));
      std::string text;
      try {
        text = string_or_empty(json::parse(message.payload, "Bedrock stream exception"), "message");
      } catch (const Error&) {
      }
      throw ProviderError("converse-stream: Bedrock sent " + redactor.scrub(type, 80) +
                              " in the middle of the stream: " + redactor.scrub(text) +
                              "; the answer is incomplete",
                          status_of_exception(type), redactor.scrub(type, 80));
    }
    if (kind == "error") {
      const std::string code(message.string_header(":error-code").value_or("error"));
      const std::string text(message.string_header(":error-message").value_or(""));
      throw ProviderError("converse-stream: Bedrock stream error " + redactor.scrub(code, 80) +
                              ": " + redactor.scrub(text),
                          0, redactor.scrub(code, 80));
    }
    const std::string type(message.string_header(":event-type").value_or(""));
    const auto j = json::parse(message.payload, "Bedrock stream event " + type);
    StreamDelta delta;
    const auto block_index = j.is_object() && j.contains("contentBlockIndex") &&
                                     j["contentBlockIndex"].is_number_integer()
                                 ? j["contentBlockIndex"].get<long long>()
                                 : 0;
    if (type == "contentBlockStart") {
      if (j.contains("start") && j["start"].contains("toolUse")) {
        const auto& tu = j["start"]["toolUse"];
        const int index = static_cast<int>(tool_index.size());
        tool_index[block_index] = index;
        delta.tool_calls.push_back(
            {index, string_or_empty(tu, "toolUseId"), string_or_empty(tu, "name"), ""});
      }
    } else if (type == "contentBlockDelta") {
      if (j.contains("delta") && j["delta"].is_object()) {
        const auto& d = j["delta"];
        delta.content = string_or_empty(d, "text");
        if (d.contains("toolUse") && d["toolUse"].is_object()) {
          auto it = tool_index.find(block_index);
          if (it == tool_index.end()) {
            throw Error("Bedrock stream: a toolUse delta for content block " +
                            std::to_string(block_index) + " that never started",
                        ErrorCode::kInvalidInput);
          }
          delta.tool_calls.push_back({it->second, "", "", string_or_empty(d["toolUse"], "input")});
        }
      }
    } else if (type == "messageStop") {
      stopped = true;
      delta.finish_reason = finish_reason_of(string_or_empty(j, "stopReason"));
    } else if (type == "metadata") {
      delta.usage = usage_of(j);
    } else {
      return;  // messageStart, contentBlockStop, and events added later
    }
    assembler.add(delta);
    if (sink) sink(delta);
  };
  const http::Response response =
      detail::send({*transport_, *authorizer_, options_, sleep_}, std::move(r), record,
                   [&](std::string_view chunk) { decoder.feed(chunk, on_message); });
  if (response.status < 200 || response.status >= 300)
    throw_bedrock_error(response, "converse-stream", record);
  decoder.finish();
  if (!stopped) {
    throw Error("Bedrock: the stream ended without messageStop; the answer is incomplete",
                ErrorCode::kNetwork);
  }
  return std::move(assembler).finish(std::string(response.header("x-amzn-RequestId").value_or("")),
                                     model);
}

InvokeResult BedrockClient::invoke(const std::string& model, std::string body,
                                   std::string content_type) {
  if (model.empty()) throw Error("Bedrock: InvokeModel needs a model", ErrorCode::kInvalidInput);
  http::Request r;
  r.method = "POST";
  r.url = model_url(model, "invoke");
  r.headers = {{"Content-Type", std::move(content_type)}, {"Accept", "application/json"}};
  r.body = std::move(body);
  detail::CallRecord record;
  const auto response =
      detail::send({*transport_, *authorizer_, options_, sleep_}, std::move(r), record);
  if (response.status < 200 || response.status >= 300)
    throw_bedrock_error(response, "invoke", record);
  return {response.status, std::string(response.header("content-type").value_or("")),
          response.body};
}

std::string BedrockClient::check() {
  // Bedrock runtime has no free authenticated read: a one-token Converse is the cheapest call
  // that proves both the credentials and the model access.
  ChatRequest probe;
  probe.messages = {Message::user("ping")};
  probe.max_tokens = 1;
  const auto response = chat(probe);
  return "one-token Converse with model " + response.model + " using " + authorizer_->describe();
}

}  // namespace llmauth::llm
