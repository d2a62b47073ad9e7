#include "llmauth/gateway/openai_converse_stream.hpp"

#include <limits>

#include "llmauth/core/redactor.hpp"
#include "llmauth/gateway/openai_converse.hpp"
#include "openai_fields.hpp"

namespace llmauth::gateway {
namespace {

using json::Json;

const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string string_or_empty(const Json* object, std::string_view key) {
  const Json* v = object != nullptr ? member(*object, key) : nullptr;
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

constexpr std::size_t kClosed = std::numeric_limits<std::size_t>::max();

// OpenAI's error type for a Bedrock stream exception.
std::string_view error_type_of(std::string_view exception) {
  if (exception == "throttlingException") return "rate_limit_error";
  if (exception == "validationException") return "invalid_request_error";
  return "server_error";  // internalServerException, modelStreamErrorException,
                          // serviceUnavailableException, and the rest
}

}  // namespace

ConverseStreamTranslator::ConverseStreamTranslator(std::string id, std::string model,
                                                   std::int64_t created, bool include_usage)
    : id_(openai_completion_id(id)),
      model_(std::move(model)),
      created_(created),
      include_usage_(include_usage) {}

void ConverseStreamTranslator::chunk(Json delta, std::string& out, const Json& finish_reason) {
  Json c = {{"id", id_},
            {"object", "chat.completion.chunk"},
            {"created", created_},
            {"model", model_},
            {"choices", Json::array({{{"index", 0},
                                      {"delta", std::move(delta)},
                                      {"logprobs", nullptr},
                                      {"finish_reason", finish_reason}}})}};
  if (include_usage_) c["usage"] = nullptr;
  out += "data: ";
  out += detail::dump(c);
  out += "\n\n";
}

void ConverseStreamTranslator::start(std::string& out) {
  if (started_) return;
  started_ = true;
  chunk({{"role", "assistant"}, {"content", ""}}, out);
}

void ConverseStreamTranslator::close_tool(ToolBlock& tool, std::string& out) {
  if (tool.arguments == kClosed) return;
  // A tool that takes no input streams none; its arguments are still a JSON object.
  if (tool.arguments == 0) {
    chunk({{"tool_calls",
            Json::array({{{"index", tool.index}, {"function", {{"arguments", "{}"}}}}})}},
          out);
  }
  tool.arguments = kClosed;
}

void ConverseStreamTranslator::error(std::string_view type, std::string_view code,
                                     const std::string& message, std::string& out) {
  const Json e = {{"error",
                   {{"message", message},
                    {"type", type},
                    {"param", nullptr},
                    {"code", code.empty() ? Json(nullptr) : Json(code)}}}};
  out += "data: ";
  out += detail::dump(e);
  out += "\n\n";
  ended_ = true;
}

void ConverseStreamTranslator::on_event(std::string_view event_type, const Json& payload,
                                        std::string& out) {
  if (ended_ || !payload.is_object()) return;
  std::int64_t block = 0;
  if (const Json* i = member(payload, "contentBlockIndex"))
    block = detail::integral(*i).value_or(0);

  if (event_type == "messageStart") {
    start(out);
  } else if (event_type == "contentBlockStart") {
    const Json* s = member(payload, "start");
    const Json* use = s != nullptr ? member(*s, "toolUse") : nullptr;
    if (use == nullptr || !use->is_object() || tools_.count(block) != 0) return;
    start(out);
    const int index = static_cast<int>(tools_.size());
    tools_[block] = ToolBlock{index, 0};
    chunk({{"tool_calls",
            Json::array(
                {{{"index", index},
                  {"id", string_or_empty(use, "toolUseId")},
                  {"type", "function"},
                  {"function", {{"name", string_or_empty(use, "name")}, {"arguments", ""}}}}})}},
          out);
  } else if (event_type == "contentBlockDelta") {
    const Json* delta = member(payload, "delta");
    if (delta == nullptr || !delta->is_object()) return;
    if (const Json* text = member(*delta, "text"); text != nullptr && text->is_string()) {
      if (text->get_ref<const std::string&>().empty()) return;
      start(out);
      chunk({{"content", *text}}, out);
    } else if (const Json* use = member(*delta, "toolUse")) {
      const auto it = tools_.find(block);
      if (it == tools_.end() || it->second.arguments == kClosed) {
        error("server_error", "bad_upstream_stream",
              "Bedrock's stream sent tool input for content block " + std::to_string(block) +
                  ", which is not an open tool call; the answer is incomplete",
              out);
        return;
      }
      const std::string input = string_or_empty(use, "input");
      if (input.empty()) return;
      it->second.arguments += input.size();
      chunk({{"tool_calls",
              Json::array({{{"index", it->second.index}, {"function", {{"arguments", input}}}}})}},
            out);
    } else if (const Json* r = member(*delta, "reasoningContent")) {
      // Text as reasoning_content; the signature (or redacted reasoning) that a client hands
      // back with the thinking as thinking_blocks, LiteLLM's field.
      Json d;
      if (std::string text = string_or_empty(r, "text"); !text.empty()) {
        d = {{"reasoning_content", std::move(text)}};
      } else if (std::string signature = string_or_empty(r, "signature"); !signature.empty()) {
        d = {{"thinking_blocks", Json::array({{{"type", "thinking"},
                                               {"thinking", ""},
                                               {"signature", std::move(signature)}}})}};
      } else if (std::string data = string_or_empty(r, "redactedContent"); !data.empty()) {
        d = {{"thinking_blocks",
              Json::array({{{"type", "redacted_thinking"}, {"data", std::move(data)}}})}};
      } else {
        return;
      }
      start(out);
      chunk(std::move(d), out);
    }
  } else if (event_type == "contentBlockStop") {
    if (const auto it = tools_.find(block); it != tools_.end()) close_tool(it->second, out);
  } else if (event_type == "messageStop") {
    if (stopped_) return;
    stopped_ = true;
    start(out);
    for (auto& [index, tool] : tools_) close_tool(tool, out);
    finish_reason_ = openai_finish_reason(string_or_empty(&payload, "stopReason"));
    chunk(Json::object(), out, finish_reason_);
  } else if (event_type == "metadata") {
    if (const Json* u = member(payload, "usage"); u != nullptr && u->is_object()) {
      usage_ = openai_usage(*u);
    }
  }
  // Anything else (contentBlockStop of text, events added later) carries nothing for OpenAI.
}

void ConverseStreamTranslator::on_exception(std::string_view exception_type,
                                            std::string_view message, std::string& out) {
  if (ended_) return;
  const std::string type = sanitize_untrusted(exception_type, 64);
  std::string text = "Bedrock sent " + (type.empty() ? std::string("an exception") : type) +
                     " in the middle of the stream";
  if (const std::string m = sanitize_untrusted(message, 300); !m.empty()) text += ": " + m;
  text += "; the answer is incomplete";
  error(error_type_of(exception_type), type, text, out);
}

void ConverseStreamTranslator::finish(std::string& out) {
  if (ended_) return;
  if (!stopped_) {
    error("server_error", "incomplete_stream",
          "Bedrock's stream ended before messageStop: the answer is incomplete; retry the "
          "request",
          out);
    return;
  }
  ended_ = true;
  if (include_usage_ && !usage_.is_null()) {
    const Json c = {{"id", id_},       {"object", "chat.completion.chunk"}, {"created", created_},
                    {"model", model_}, {"choices", Json::array()},          {"usage", usage_}};
    out += "data: ";
    out += detail::dump(c);
    out += "\n\n";
  }
  out += "data: [DONE]\n\n";
}

}  // namespace llmauth::gateway
