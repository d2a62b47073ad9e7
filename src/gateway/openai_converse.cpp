// OpenAI Chat Completions → Bedrock Converse (the request) and Converse → chat.completion (the
// answer). What each field becomes, and why, is in docs/gateway-openai-bedrock.md.
#include "llmauth/gateway/openai_converse.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "llmauth/core/redactor.hpp"
#include "openai_fields.hpp"

namespace llmauth::gateway {
namespace {

using detail::at;
using detail::describe_type;
using detail::fail;
using detail::integral;
using detail::quote;
using json::Json;

// Anthropic's extended thinking refuses budgets below this (and Bedrock passes it on).
constexpr std::int64_t kMinThinkingBudget = 1024;

// reasoning_effort → Anthropic thinking budget. minimal..high are LiteLLM's defaults
// (litellm/constants.py DEFAULT_REASONING_EFFORT_*_THINKING_BUDGET, with "minimal" raised to
// Claude's floor of 1024); xhigh and max, which LiteLLM does not map, keep doubling.
constexpr std::array<std::pair<std::string_view, std::int64_t>, 6> kThinkingBudgets{{
    {"minimal", 1024},
    {"low", 1024},
    {"medium", 2048},
    {"high", 4096},
    {"xhigh", 8192},
    {"max", 16384},
}};

// What an empty tool result is sent as: Bedrock refuses blank text blocks ("text content blocks
// must be non-empty"), and a result must say something.
constexpr std::string_view kEmptyToolResult = "(empty)";

// Bedrock's pattern for tool names and toolUseIds: [a-zA-Z0-9_-]{1,64}.
bool is_tool_token(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

const Json* member(const Json& object, std::string_view key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string string_field(const Json& object, std::string_view key, const std::string& path) {
  const Json* v = member(object, key);
  if (v == nullptr) {
    fail(at(path, key), at(path, key) + " is missing", kMissingParameter);
  }
  if (!v->is_string()) {
    fail(at(path, key), at(path, key) + " must be a string, not " + describe_type(*v),
         kInvalidType);
  }
  return v->get<std::string>();
}

// ---- messages --------------------------------------------------------------------------------

struct Turn {
  std::string role;  // "user" | "assistant"
  Json content = Json::array();
  std::size_t first_message = 0;  // index in the OpenAI messages, for errors
};

class MessageBuilder {
 public:
  void add(const Json& message, std::size_t index);
  Json finish(bool have_tools, std::size_t* first_tool_message);

  Json system = Json::array();

 private:
  void append(const char* role, Json block, std::size_t index);
  void add_system(const Json& message, const std::string& path);
  void add_user(const Json& message, const std::string& path, std::size_t index);
  void add_assistant(const Json& message, const std::string& path, std::size_t index);
  void add_tool(const Json& message, const std::string& path, std::size_t index);
  // Text of a string content or an array of text parts (`extra` part types also allowed, as
  // text: "refusal" in assistant messages). Empty texts are left out.
  std::vector<std::string> texts(const Json& content, const std::string& path,
                                 std::string_view role, std::string_view extra = {});

  std::vector<Turn> turns_;
  std::set<std::string> open_tool_ids_;  // tool calls of the latest assistant turn
  std::optional<std::size_t> first_tool_message_;
};

void MessageBuilder::append(const char* role, Json block, std::size_t index) {
  if (turns_.empty() || turns_.back().role != role) {
    turns_.push_back({role, Json::array(), index});
    if (std::string_view(role) == "assistant") open_tool_ids_.clear();
  }
  turns_.back().content.push_back(std::move(block));
}

std::vector<std::string> MessageBuilder::texts(const Json& content, const std::string& path,
                                               std::string_view role, std::string_view extra) {
  std::vector<std::string> out;
  if (content.is_string()) {
    if (!content.get_ref<const std::string&>().empty()) out.push_back(content.get<std::string>());
    return out;
  }
  if (!content.is_array()) {
    fail(path,
         path + " must be a string or an array of content parts, not " + describe_type(content),
         kInvalidType);
  }
  for (std::size_t j = 0; j < content.size(); ++j) {
    const Json& part = content[j];
    const std::string p = path + "[" + std::to_string(j) + "]";
    if (!part.is_object()) {
      fail(p, p + " must be a content part object, not " + describe_type(part), kInvalidType);
    }
    const std::string type = string_field(part, "type", p);
    if (type == "text" || (!extra.empty() && type == extra)) {
      std::string text = string_field(part, type, p);
      if (!text.empty()) out.push_back(std::move(text));
    } else {
      fail(at(p, "type"),
           at(p, "type") + " " + quote(type) + " is not allowed in " + std::string(role) +
               " messages: send text parts (type 'text')",
           kInvalidValue);
    }
  }
  return out;
}

void MessageBuilder::add(const Json& message, std::size_t index) {
  const std::string path = "messages[" + std::to_string(index) + "]";
  if (!message.is_object()) {
    fail(path, path + " must be a message object, not " + describe_type(message), kInvalidType);
  }
  const std::string role = string_field(message, "role", path);
  if (role == "system" || role == "developer") {
    add_system(message, path);
  } else if (role == "user") {
    add_user(message, path, index);
  } else if (role == "assistant") {
    add_assistant(message, path, index);
  } else if (role == "tool") {
    add_tool(message, path, index);
  } else if (role == "function") {
    fail(at(path, "role"),
         at(path, "role") +
             " 'function' (the deprecated functions API) is not supported: send tool results "
             "as role 'tool' messages with the tool_call_id they answer",
         kUnsupportedValue);
  } else {
    fail(at(path, "role"),
         at(path, "role") + " " + quote(role) +
             " is not a role: use system, developer, user, assistant or tool",
         kInvalidValue);
  }
}

void MessageBuilder::add_system(const Json& message, const std::string& path) {
  const Json* content = member(message, "content");
  if (content == nullptr) {
    fail(at(path, "content"), at(path, "content") + " is missing", kMissingParameter);
  }
  for (auto& text : texts(*content, at(path, "content"), "system")) {
    system.push_back({{"text", std::move(text)}});
  }
}

// "data:image/png;base64,AAAA" → ("png", "AAAA"); anything else is a 400 that says why.
std::pair<std::string, std::string> image_of(const std::string& url, const std::string& path) {
  constexpr std::string_view kData = "data:";
  if (url.compare(0, kData.size(), kData) != 0) {
    fail(path,
         path +
             " is not a data: URL: Bedrock cannot fetch images by URL; send the image inline "
             "as data:image/png;base64,… (png, jpeg, gif or webp)",
         kUnsupportedValue);
  }
  const auto comma = url.find(',');
  const std::string_view header =
      comma == std::string::npos ? std::string_view()
                                 : std::string_view(url).substr(kData.size(), comma - kData.size());
  constexpr std::string_view kBase64 = ";base64";
  if (comma == std::string::npos || header.size() < kBase64.size() ||
      header.substr(header.size() - kBase64.size()) != kBase64) {
    fail(path, path + " must be a base64 data: URL (data:image/png;base64,…)", kInvalidValue);
  }
  const std::string_view mime = header.substr(0, header.size() - kBase64.size());
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kFormats{{
      {"image/png", "png"},
      {"image/jpeg", "jpeg"},
      {"image/jpg", "jpeg"},
      {"image/gif", "gif"},
      {"image/webp", "webp"},
  }};
  const auto f = std::find_if(kFormats.begin(), kFormats.end(),
                              [&](const auto& e) { return e.first == mime; });
  if (f == kFormats.end()) {
    fail(path,
         path + ": image type " + quote(mime) +
             " is not supported by Bedrock: send png, jpeg, gif or webp",
         kUnsupportedValue);
  }
  std::string data = url.substr(comma + 1);
  const bool base64 = !data.empty() && std::all_of(data.begin(), data.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
  });
  if (!base64) fail(path, path + ": the image data is not base64", kInvalidValue);
  return {std::string(f->second), std::move(data)};
}

void MessageBuilder::add_user(const Json& message, const std::string& path, std::size_t index) {
  const Json* content = member(message, "content");
  const std::string cpath = at(path, "content");
  if (content == nullptr) fail(cpath, cpath + " is missing", kMissingParameter);
  if (content->is_string()) {
    if (!content->get_ref<const std::string&>().empty())
      append("user", {{"text", content->get<std::string>()}}, index);
    return;
  }
  if (!content->is_array()) {
    fail(cpath,
         cpath + " must be a string or an array of content parts, not " + describe_type(*content),
         kInvalidType);
  }
  for (std::size_t j = 0; j < content->size(); ++j) {
    const Json& part = (*content)[j];
    const std::string p = cpath + "[" + std::to_string(j) + "]";
    if (!part.is_object()) {
      fail(p, p + " must be a content part object, not " + describe_type(part), kInvalidType);
    }
    const std::string type = string_field(part, "type", p);
    if (type == "text") {
      std::string text = string_field(part, "text", p);
      if (!text.empty()) append("user", {{"text", std::move(text)}}, index);
    } else if (type == "image_url") {
      const Json* image = member(part, "image_url");
      const std::string ip = at(p, "image_url");
      if (image == nullptr) fail(ip, ip + " is missing", kMissingParameter);
      // {"url": …} as OpenAI defines it; a bare URL string, as some clients send, too.
      if (!image->is_object() && !image->is_string()) {
        fail(ip, ip + " must be an object {url}, not " + describe_type(*image), kInvalidType);
      }
      auto [format, bytes] = image->is_string()
                                 ? image_of(image->get<std::string>(), ip)
                                 : image_of(string_field(*image, "url", ip), at(ip, "url"));
      append("user", {{"image", {{"format", format}, {"source", {{"bytes", std::move(bytes)}}}}}},
             index);
    } else if (type == "input_audio" || type == "file") {
      fail(at(p, "type"),
           at(p, "type") + " '" + type +
               "' is not supported for Bedrock models by this gateway: send text and images",
           kUnsupportedValue);
    } else {
      fail(at(p, "type"),
           at(p, "type") + " " + quote(type) +
               " is not a user content part: use 'text' or 'image_url'",
           kInvalidValue);
    }
  }
}

Json tool_input(const Json& call, const std::string& path) {
  const Json* arguments = member(call, "arguments");
  const std::string ap = at(path, "arguments");
  if (arguments == nullptr) return Json::object();
  if (!arguments->is_string()) {
    fail(ap,
         ap + " must be a string holding a JSON object (as the model returned it), not " +
             describe_type(*arguments),
         kInvalidType);
  }
  const auto& text = arguments->get_ref<const std::string&>();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  Json input;
  try {
    input = json::parse(text, ap);
  } catch (const Error& e) {
    fail(ap, std::string(e.what()) + ": send the arguments as a JSON object encoded as a string",
         kInvalidValue);
  }
  if (!input.is_object()) {
    fail(ap,
         ap + " holds " + describe_type(input) +
             ": Bedrock's toolUse input must be a JSON object; send e.g. \"{\\\"city\\\": "
             "\\\"Paris\\\"}\"",
         kInvalidValue);
  }
  return input;
}

void MessageBuilder::add_assistant(const Json& message, const std::string& path,
                                   std::size_t index) {
  for (const char* legacy : {"function_call", "audio"}) {
    if (member(message, legacy) != nullptr) {
      fail(at(path, legacy),
           at(path, legacy) + " is not supported for Bedrock models" +
               (std::string_view(legacy) == "function_call"
                    ? ": send the call in tool_calls (the functions API is deprecated)"
                    : ": send the assistant's words as content"),
           kUnsupportedParameter);
    }
  }
  std::vector<Json> blocks;
  if (const Json* thinking = member(message, "thinking_blocks")) {
    // Claude's reasoning, handed back as converse_to_openai gave it: with thinking on, Anthropic
    // wants the last assistant turn that called a tool to start with its signed thinking.
    const std::string tp = at(path, "thinking_blocks");
    if (!thinking->is_array()) {
      fail(tp, tp + " must be an array, not " + describe_type(*thinking), kInvalidType);
    }
    for (std::size_t k = 0; k < thinking->size(); ++k) {
      const Json& block = (*thinking)[k];
      const std::string bp = tp + "[" + std::to_string(k) + "]";
      if (!block.is_object()) {
        fail(bp, bp + " must be a thinking block object, not " + describe_type(block),
             kInvalidType);
      }
      const std::string type = string_field(block, "type", bp);
      if (type == "thinking") {
        blocks.push_back({{"reasoningContent",
                           {{"reasoningText",
                             {{"text", string_field(block, "thinking", bp)},
                              {"signature", string_field(block, "signature", bp)}}}}}});
      } else if (type == "redacted_thinking") {
        blocks.push_back(
            {{"reasoningContent", {{"redactedContent", string_field(block, "data", bp)}}}});
      } else {
        fail(at(bp, "type"),
             at(bp, "type") + " " + quote(type) +
                 " is not a thinking block: send the blocks back as the answer gave them "
                 "('thinking' or 'redacted_thinking')",
             kInvalidValue);
      }
    }
  }
  if (const Json* content = member(message, "content")) {
    for (auto& text : texts(*content, at(path, "content"), "assistant", "refusal"))
      blocks.push_back({{"text", std::move(text)}});
  }
  if (const Json* refusal = member(message, "refusal");
      refusal != nullptr && refusal->is_string() &&
      !refusal->get_ref<const std::string&>().empty()) {
    blocks.push_back({{"text", refusal->get<std::string>()}});
  }
  std::vector<std::string> ids;
  if (const Json* calls = member(message, "tool_calls")) {
    const std::string tp = at(path, "tool_calls");
    if (!calls->is_array()) {
      fail(tp, tp + " must be an array, not " + describe_type(*calls), kInvalidType);
    }
    for (std::size_t k = 0; k < calls->size(); ++k) {
      const Json& call = (*calls)[k];
      const std::string cp = tp + "[" + std::to_string(k) + "]";
      if (!call.is_object()) {
        fail(cp, cp + " must be a tool call object, not " + describe_type(call), kInvalidType);
      }
      if (const Json* type = member(call, "type");
          type != nullptr && (!type->is_string() || *type != "function")) {
        fail(at(cp, "type"), at(cp, "type") + " must be 'function': Bedrock has no custom tools",
             kInvalidValue);
      }
      const Json* id = member(call, "id");
      if (id == nullptr || !id->is_string() || id->get_ref<const std::string&>().empty()) {
        fail(at(cp, "id"),
             at(cp, "id") +
                 " is missing: every tool call needs the id its tool message answers "
                 "(Bedrock's toolUseId)",
             kMissingParameter);
      }
      const auto& id_text = id->get_ref<const std::string&>();
      if (!is_tool_token(id_text)) {
        fail(at(cp, "id"),
             at(cp, "id") + " " + quote(id_text) +
                 " is not a Bedrock toolUseId: 1 to 64 letters, digits, '_' or '-'",
             kInvalidValue);
      }
      const Json* function = member(call, "function");
      const std::string fp = at(cp, "function");
      if (function == nullptr) fail(fp, fp + " is missing", kMissingParameter);
      if (!function->is_object()) {
        fail(fp, fp + " must be an object {name, arguments}, not " + describe_type(*function),
             kInvalidType);
      }
      std::string name = string_field(*function, "name", fp);
      if (name.empty()) fail(at(fp, "name"), at(fp, "name") + " is empty", kInvalidValue);
      blocks.push_back({{"toolUse",
                         {{"toolUseId", id_text},
                          {"name", std::move(name)},
                          {"input", tool_input(*function, fp)}}}});
      ids.push_back(id_text);
    }
  }
  if (blocks.empty()) return;  // nothing said: Converse refuses empty messages
  for (auto& block : blocks) append("assistant", std::move(block), index);
  open_tool_ids_.insert(ids.begin(), ids.end());
  if (!ids.empty() && !first_tool_message_) first_tool_message_ = index;
}

void MessageBuilder::add_tool(const Json& message, const std::string& path, std::size_t index) {
  const Json* id = member(message, "tool_call_id");
  const std::string ip = at(path, "tool_call_id");
  if (id == nullptr) {
    fail(ip, ip + " is missing: a tool message answers the tool call with that id",
         kMissingParameter);
  }
  if (!id->is_string()) fail(ip, ip + " must be a string, not " + describe_type(*id), kInvalidType);
  const auto& id_text = id->get_ref<const std::string&>();
  if (open_tool_ids_.count(id_text) == 0) {
    fail(ip,
         ip + " " + quote(id_text) +
             " answers no tool call of the assistant message before it: put each tool message "
             "after the assistant message whose tool_calls hold that id",
         kInvalidValue);
  }
  const Json* content = member(message, "content");
  if (content == nullptr) {
    fail(at(path, "content"), at(path, "content") + " is missing", kMissingParameter);
  }
  Json results = Json::array();
  for (auto& text : texts(*content, at(path, "content"), "tool"))
    results.push_back({{"text", std::move(text)}});
  if (results.empty()) results.push_back({{"text", kEmptyToolResult}});
  append("user", {{"toolResult", {{"toolUseId", id_text}, {"content", std::move(results)}}}},
         index);
  if (!first_tool_message_) first_tool_message_ = index;
}

Json MessageBuilder::finish(bool have_tools, std::size_t* first_tool_message) {
  if (turns_.empty()) {
    fail("messages",
         "messages hold no user or assistant message with content: Bedrock needs at least one "
         "user message",
         kInvalidValue);
  }
  if (turns_.front().role != "user") {
    const std::string p = "messages[" + std::to_string(turns_.front().first_message) + "]";
    fail(p,
         p + " is an assistant message before any user message: Bedrock Converse needs the "
             "conversation to start with a user message (system messages aside)",
         kInvalidValue);
  }
  if (first_tool_message_ && !have_tools) {
    *first_tool_message = *first_tool_message_;
    return nullptr;
  }
  Json messages = Json::array();
  for (auto& turn : turns_) {
    if (turn.role == "user") {
      // Anthropic models want a turn's tool results before its text.
      std::stable_partition(turn.content.begin(), turn.content.end(),
                            [](const Json& b) { return b.contains("toolResult"); });
    }
    messages.push_back({{"role", turn.role}, {"content", std::move(turn.content)}});
  }
  return messages;
}

// ---- tools -----------------------------------------------------------------------------------

// toolConfig.tools, or nothing when there are no tools (an empty list counts as none).
std::optional<Json> tools_of(const Json& request, std::set<std::string>& names) {
  const Json* tools = member(request, "tools");
  if (tools == nullptr) return std::nullopt;
  if (!tools->is_array()) {
    fail("tools", "tools must be an array, not " + describe_type(*tools), kInvalidType);
  }
  if (tools->empty()) return std::nullopt;
  Json out = Json::array();
  for (std::size_t i = 0; i < tools->size(); ++i) {
    const Json& tool = (*tools)[i];
    const std::string p = "tools[" + std::to_string(i) + "]";
    if (!tool.is_object()) {
      fail(p, p + " must be a tool object, not " + describe_type(tool), kInvalidType);
    }
    const std::string type = string_field(tool, "type", p);
    if (type != "function") {
      fail(at(p, "type"),
           at(p, "type") + " " + quote(type) +
               " is not supported for Bedrock models: only 'function' tools",
           kUnsupportedValue);
    }
    const Json* function = member(tool, "function");
    const std::string fp = at(p, "function");
    if (function == nullptr) fail(fp, fp + " is missing", kMissingParameter);
    if (!function->is_object()) {
      fail(fp,
           fp + " must be an object {name, description, parameters}, not " +
               describe_type(*function),
           kInvalidType);
    }
    std::string name = string_field(*function, "name", fp);
    if (!is_tool_token(name)) {
      fail(at(fp, "name"),
           at(fp, "name") + " " + quote(name) +
               " is not a valid tool name: 1 to 64 letters, digits, '_' or '-'",
           kInvalidValue);
    }
    if (!names.insert(name).second) {
      fail(at(fp, "name"), at(fp, "name") + " " + quote(name) + " names two tools: rename one",
           kInvalidValue);
    }
    Json spec = {{"name", name}};
    if (const Json* d = member(*function, "description")) {
      if (!d->is_string()) {
        fail(at(fp, "description"),
             at(fp, "description") + " must be a string, not " + describe_type(*d), kInvalidType);
      }
      // Bedrock refuses an empty description ("minimum length 1"): leave it out instead.
      if (!d->get_ref<const std::string&>().empty()) spec["description"] = *d;
    }
    Json schema = {{"type", "object"}, {"properties", Json::object()}};  // OpenAI: no parameters
    if (const Json* parameters = member(*function, "parameters")) {
      if (!parameters->is_object()) {
        fail(at(fp, "parameters"),
             at(fp, "parameters") + " must be a JSON Schema object, not " +
                 describe_type(*parameters),
             kInvalidType);
      }
      schema = *parameters;
    }
    spec["inputSchema"] = {{"json", std::move(schema)}};
    out.push_back({{"toolSpec", std::move(spec)}});
  }
  return out;
}

enum class ToolChoice { kUnset, kNone, kSet };

// toolConfig.toolChoice, or why there is none.
ToolChoice tool_choice_of(const Json& request, const std::set<std::string>& names, Json& out) {
  const Json* choice = member(request, "tool_choice");
  if (choice == nullptr) return ToolChoice::kUnset;
  if (choice->is_string()) {
    const auto& s = choice->get_ref<const std::string&>();
    if (s == "none") return ToolChoice::kNone;
    if (s == "auto") {
      out = {{"auto", Json::object()}};
      return ToolChoice::kSet;
    }
    if (s == "required") {
      out = {{"any", Json::object()}};
      return ToolChoice::kSet;
    }
    fail("tool_choice",
         "tool_choice " + quote(s) +
             " is not a tool choice: use 'auto', 'required', 'none' or {\"type\": \"function\", "
             "\"function\": {\"name\": …}}",
         kInvalidValue);
  }
  if (!choice->is_object()) {
    fail("tool_choice", "tool_choice must be a string or an object, not " + describe_type(*choice),
         kInvalidType);
  }
  const std::string type = string_field(*choice, "type", "tool_choice");
  if (type != "function") {
    fail("tool_choice.type",
         "tool_choice.type " + quote(type) +
             " is not supported for Bedrock models: name one function ({\"type\": \"function\", "
             "\"function\": {\"name\": …}}) or use 'auto' or 'required'",
         kUnsupportedValue);
  }
  const Json* function = member(*choice, "function");
  if (function == nullptr || !function->is_object()) {
    fail("tool_choice.function", "tool_choice.function must be an object {name}",
         function == nullptr ? kMissingParameter : kInvalidType);
  }
  std::string name = string_field(*function, "name", "tool_choice.function");
  if (names.count(name) == 0) {
    fail("tool_choice.function.name",
         "tool_choice.function.name " + quote(name) +
             " is not one of the tools: name a tool "
             "that the request's tools define",
         kInvalidValue);
  }
  out = {{"tool", {{"name", std::move(name)}}}};
  return ToolChoice::kSet;
}

// ---- inference settings ----------------------------------------------------------------------

std::optional<double> number_field(const Json& request, std::string_view key, double min,
                                   double max) {
  const Json* v = member(request, key);
  if (v == nullptr) return std::nullopt;
  const std::string k(key);
  if (!v->is_number()) fail(k, k + " must be a number, not " + describe_type(*v), kInvalidType);
  const double d = v->get<double>();
  if (!(d >= min && d <= max)) {
    fail(
        k,
        k + " must be between " + detail::format_number(min) + " and " + detail::format_number(max),
        kInvalidValue);
  }
  return d;
}

std::optional<std::int64_t> count_field(const Json& request, std::string_view key,
                                        std::int64_t min) {
  const Json* v = member(request, key);
  if (v == nullptr) return std::nullopt;
  const std::string k(key);
  const auto n = integral(*v);
  if (!n) fail(k, k + " must be an integer, not " + describe_type(*v), kInvalidType);
  if (*n < min) fail(k, k + " must be at least " + std::to_string(min), kInvalidValue);
  return n;
}

Json stop_sequences(const Json& stop) {
  Json out = Json::array();
  auto add = [&](const Json& s, const std::string& path) {
    if (!s.is_string()) {
      fail(path, path + " must be a string, not " + describe_type(s), kInvalidType);
    }
    if (s.get_ref<const std::string&>().empty()) {
      fail(path, path + " is empty: Bedrock needs non-empty stop sequences", kInvalidValue);
    }
    out.push_back(s);
  };
  if (stop.is_array()) {
    for (std::size_t i = 0; i < stop.size(); ++i) add(stop[i], "stop[" + std::to_string(i) + "]");
  } else if (stop.is_string()) {
    add(stop, "stop");
  } else {
    fail("stop", "stop must be a string or an array of strings, not " + describe_type(stop),
         kInvalidType);
  }
  return out;
}

// Anthropic's `thinking` from reasoning_effort or a `thinking` object; nullopt for none.
// `budget` gets the thinking budget when thinking is enabled.
std::optional<Json> thinking_of(const Json& request, std::optional<std::int64_t>& budget) {
  const Json* effort = member(request, "reasoning_effort");
  const Json* thinking = member(request, "thinking");
  if (effort != nullptr && thinking != nullptr) {
    fail("thinking", "thinking and reasoning_effort both set: send one of them", kInvalidValue);
  }
  if (effort != nullptr) {
    if (!effort->is_string()) {
      fail("reasoning_effort", "reasoning_effort must be a string, not " + describe_type(*effort),
           kInvalidType);
    }
    const auto& e = effort->get_ref<const std::string&>();
    if (e == "none") return std::nullopt;
    const auto it = std::find_if(kThinkingBudgets.begin(), kThinkingBudgets.end(),
                                 [&](const auto& b) { return b.first == e; });
    if (it == kThinkingBudgets.end()) {
      fail("reasoning_effort",
           "reasoning_effort " + quote(e) +
               " is not an effort: use none, minimal, low, medium, high, xhigh or max",
           kInvalidValue);
    }
    budget = it->second;
    return Json{{"type", "enabled"}, {"budget_tokens", it->second}};
  }
  if (thinking == nullptr) return std::nullopt;
  if (!thinking->is_object()) {
    fail("thinking",
         "thinking must be an object ({\"type\": \"enabled\", \"budget_tokens\": N}), not " +
             describe_type(*thinking),
         kInvalidType);
  }
  const std::string type = string_field(*thinking, "type", "thinking");
  if (type == "enabled") {
    const Json* b = member(*thinking, "budget_tokens");
    const auto n = b != nullptr ? integral(*b) : std::nullopt;
    if (!n || *n < kMinThinkingBudget) {
      fail("thinking.budget_tokens",
           "thinking.budget_tokens must be an integer of at least " +
               std::to_string(kMinThinkingBudget) + " when thinking is enabled",
           b == nullptr ? kMissingParameter : kInvalidValue);
    }
    budget = *n;
  } else if (type != "disabled" && type != "adaptive") {
    fail("thinking.type",
         "thinking.type " + quote(type) +
             " is not a thinking type: use enabled, disabled or "
             "adaptive",
         kInvalidValue);
  }
  return *thinking;
}

// ---- fields OpenAI defines that Converse cannot carry ----------------------------------------

void refuse(const std::string& key, std::string_view why) {
  fail(key, key + " is not supported for Bedrock models: " + std::string(why),
       kUnsupportedParameter);
}

void check_unsupported(const Json& request) {
  if (const Json* n = member(request, "n")) {
    const auto v = integral(*n);
    if (!v) fail("n", "n must be an integer, not " + describe_type(*n), kInvalidType);
    if (*v != 1) {
      fail("n",
           "n=" + std::to_string(*v) +
               " is not supported for Bedrock models: Converse gives one choice per request; "
               "leave n out (or 1) and send one request per answer",
           kUnsupportedValue);
    }
  }
  if (const Json* v = member(request, "logprobs"); v != nullptr && *v != false)
    refuse("logprobs", "Bedrock returns no log probabilities; leave logprobs out or false");
  if (member(request, "top_logprobs") != nullptr)
    refuse("top_logprobs", "Bedrock returns no log probabilities; leave top_logprobs out");
  if (const Json* v = member(request, "logit_bias");
      v != nullptr && !(v->is_object() && v->empty()))
    refuse("logit_bias", "Converse cannot bias tokens; leave logit_bias out");
  for (const char* penalty : {"frequency_penalty", "presence_penalty"}) {
    if (const Json* v = member(request, penalty);
        v != nullptr && !(v->is_number() && v->get<double>() == 0.0)) {
      refuse(penalty, "Converse has no penalties; leave it out or 0");
    }
  }
  if (const Json* v = member(request, "response_format")) {
    if (!v->is_object()) {
      fail("response_format",
           "response_format must be an object ({\"type\": \"text\"}), not " + describe_type(*v),
           kInvalidType);
    }
    const Json* type = member(*v, "type");
    if (type == nullptr || !type->is_string()) {
      fail("response_format.type", "response_format.type must be a string", kInvalidType);
    }
    if (*type != "text") {
      fail("response_format.type",
           "response_format " + quote(type->get<std::string>()) +
               " is not supported for Bedrock models: Converse has no JSON mode; ask for JSON "
               "in the prompt, or define a tool with the schema and force it with tool_choice",
           kUnsupportedValue);
    }
  }
  if (const Json* v = member(request, "service_tier");
      v != nullptr && *v != "auto" && *v != "default") {
    refuse("service_tier", "only 'auto' and 'default' are served; leave service_tier out");
  }
  if (const Json* v = member(request, "parallel_tool_calls"); v != nullptr && *v != true) {
    refuse("parallel_tool_calls",
           "Converse cannot promise one tool call at a time; leave parallel_tool_calls out or "
           "true and handle several calls");
  }
  if (const Json* v = member(request, "modalities");
      v != nullptr && *v != Json::array({"text"}) && *v != Json::array()) {
    refuse("modalities", "only text output; leave modalities out or [\"text\"]");
  }
  if (const Json* v = member(request, "verbosity"); v != nullptr && *v != "medium")
    refuse("verbosity", "Converse has no verbosity setting; leave verbosity out");
  for (const char* key : {"audio", "prediction", "web_search_options", "moderation"}) {
    if (member(request, key) != nullptr) refuse(key, "leave it out");
  }
  for (const char* key : {"functions", "function_call"}) {
    if (member(request, key) != nullptr) {
      refuse(key, "the functions API is deprecated; send tools and tool_choice instead");
    }
  }
}

}  // namespace

ConverseCall openai_to_converse(const Json& request) {
  if (!request.is_object()) {
    throw ApiError(400,
                   "the request body must be a JSON object, not " + describe_type(request) +
                       " (see the Chat Completions API)",
                   "invalid_request_error", {}, kInvalidType);
  }
  for (const auto& [key, value] : request.items()) {
    if (!detail::is_known_field(key)) {
      // The key is the client's: in param too, only cleaned and cut short.
      const std::string param = sanitize_untrusted(key, 64);
      fail(param.empty() ? "\"\"" : param,
           "Unrecognized request argument supplied: " + quote(key) +
               " (it is not a Chat Completions field this gateway knows; leave it out)",
           kUnknownParameter);
    }
  }
  check_unsupported(request);

  ConverseCall call;
  if (const Json* stream = member(request, "stream")) {
    if (!stream->is_boolean()) {
      fail("stream", "stream must be true or false, not " + describe_type(*stream), kInvalidType);
    }
    call.stream = stream->get<bool>();
  }
  if (const Json* options = member(request, "stream_options")) {
    if (!options->is_object()) {
      fail("stream_options", "stream_options must be an object, not " + describe_type(*options),
           kInvalidType);
    }
    if (!call.stream) {
      fail("stream_options",
           "stream_options is only allowed when stream is true: set stream or leave "
           "stream_options out",
           kInvalidValue);
    }
    if (const Json* usage = member(*options, "include_usage")) {
      if (!usage->is_boolean()) {
        fail("stream_options.include_usage",
             "stream_options.include_usage must be true or false, not " + describe_type(*usage),
             kInvalidType);
      }
      call.include_usage = usage->get<bool>();
    }
  }

  const Json* messages = member(request, "messages");
  if (messages == nullptr) fail("messages", "messages is missing", kMissingParameter);
  if (!messages->is_array()) {
    fail("messages", "messages must be an array of messages, not " + describe_type(*messages),
         kInvalidType);
  }
  if (messages->empty()) fail("messages", "messages is empty: send at least one", kInvalidValue);

  std::set<std::string> tool_names;
  std::optional<Json> tools = tools_of(request, tool_names);
  Json choice;
  const ToolChoice choice_kind = tool_choice_of(request, tool_names, choice);
  if (choice_kind == ToolChoice::kSet && !tools) {
    fail("tool_choice", "tool_choice is only allowed when tools are specified: send the tools",
         kInvalidValue);
  }

  MessageBuilder builder;
  for (std::size_t i = 0; i < messages->size(); ++i) builder.add((*messages)[i], i);
  std::size_t first_tool_message = 0;
  // tool_choice "none": Converse has no such choice, but a request without toolConfig is one in
  // which the model cannot call a tool, so the tools are left out — when the conversation
  // allows it (Bedrock wants toolConfig as soon as a toolUse or toolResult is in it).
  const bool send_tools = tools.has_value() && choice_kind != ToolChoice::kNone;
  Json converse_messages = builder.finish(send_tools, &first_tool_message);
  if (converse_messages.is_null()) {
    const std::string p = "messages[" + std::to_string(first_tool_message) + "]";
    if (tools) {
      fail("tool_choice",
           "tool_choice 'none' cannot be honoured here: Bedrock Converse has no 'none', and the "
           "conversation holds tool calls (" +
               p +
               "), for which Bedrock needs the tool definitions; leave tool_choice out (the "
               "model may then call a tool) or say in the prompt not to call one",
           kUnsupportedValue);
    }
    fail("tools",
         "the conversation holds tool calls or results (" + p +
             ") but the request defines no tools: Bedrock refuses toolUse and toolResult "
             "blocks without toolConfig; send the tool definitions (tools) with every request "
             "of this conversation",
         kMissingParameter);
  }

  Json body = {{"messages", std::move(converse_messages)}};
  if (!builder.system.empty()) body["system"] = std::move(builder.system);

  Json inference = Json::object();
  std::optional<std::int64_t> max_tokens = count_field(request, "max_completion_tokens", 1);
  std::string max_tokens_param = "max_completion_tokens";
  if (auto legacy = count_field(request, "max_tokens", 1); legacy && !max_tokens) {
    max_tokens = legacy;
    max_tokens_param = "max_tokens";
  }
  if (max_tokens) inference["maxTokens"] = *max_tokens;
  if (auto t = number_field(request, "temperature", 0.0, 2.0)) inference["temperature"] = *t;
  if (auto p = number_field(request, "top_p", 0.0, 1.0)) inference["topP"] = *p;
  if (const Json* stop = member(request, "stop")) {
    Json sequences = stop_sequences(*stop);
    if (!sequences.empty()) inference["stopSequences"] = std::move(sequences);
  }
  if (!inference.empty()) body["inferenceConfig"] = std::move(inference);

  if (send_tools) {
    Json config = {{"tools", std::move(*tools)}};
    if (choice_kind == ToolChoice::kSet) config["toolChoice"] = std::move(choice);
    body["toolConfig"] = std::move(config);
  }

  Json extra = Json::object();
  if (auto k = count_field(request, "top_k", 1)) extra["top_k"] = *k;
  std::optional<std::int64_t> budget;
  if (auto thinking = thinking_of(request, budget)) extra["thinking"] = std::move(*thinking);
  if (budget && max_tokens && *max_tokens <= *budget) {
    fail(max_tokens_param,
         max_tokens_param + "=" + std::to_string(*max_tokens) +
             " leaves no room for the answer: the thinking budget is " + std::to_string(*budget) +
             " tokens and Anthropic models need " + max_tokens_param +
             " above it; raise it or lower the reasoning effort",
         kInvalidValue);
  }
  if (!extra.empty()) body["additionalModelRequestFields"] = std::move(extra);

  call.body = std::move(body);
  return call;
}

// ---- the answer ------------------------------------------------------------------------------

std::string openai_finish_reason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return "length";
  }
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "guardrail_intervened" || stop_reason == "content_filtered") {
    return "content_filter";
  }
  return "stop";  // end_turn, stop_sequence, and reasons added later
}

Json openai_usage(const Json& usage) {
  if (!usage.is_object()) return nullptr;
  auto count = [&](std::string_view key) -> std::int64_t {
    const Json* v = member(usage, key);
    const auto n = v != nullptr ? integral(*v) : std::nullopt;
    // Counts are far below 2^53; clamp anything absurd so that the sums cannot overflow.
    return n ? std::clamp<std::int64_t>(*n, 0, std::int64_t{1} << 53) : 0;
  };
  const std::int64_t cache_read = count("cacheReadInputTokens");
  const std::int64_t prompt = count("inputTokens") + cache_read + count("cacheWriteInputTokens");
  const std::int64_t completion = count("outputTokens");
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion},
          {"prompt_tokens_details", {{"cached_tokens", cache_read}}}};
}

std::string openai_completion_id(std::string_view upstream_id) {
  constexpr std::string_view kPrefix = "chatcmpl-";
  if (upstream_id.substr(0, kPrefix.size()) == kPrefix) return std::string(upstream_id);
  return std::string(kPrefix) + std::string(upstream_id);
}

Json converse_to_openai(const Json& converse, const std::string& id, const std::string& model,
                        std::int64_t created) {
  if (!converse.is_object()) {
    throw ApiError(502,
                   "Bedrock answered with " + describe_type(converse) +
                       ", not a Converse "
                       "response object",
                   "server_error");
  }
  std::string content;
  std::string reasoning;
  Json thinking_blocks = Json::array();
  Json tool_calls = Json::array();
  const Json* output = member(converse, "output");
  const Json* message =
      output != nullptr && output->is_object() ? member(*output, "message") : nullptr;
  const Json* blocks =
      message != nullptr && message->is_object() ? member(*message, "content") : nullptr;
  if (blocks != nullptr && blocks->is_array()) {
    for (const Json& block : *blocks) {
      if (!block.is_object()) continue;
      if (const Json* text = member(block, "text"); text != nullptr && text->is_string()) {
        content += text->get_ref<const std::string&>();
      } else if (const Json* use = member(block, "toolUse"); use != nullptr && use->is_object()) {
        const Json* tid = member(*use, "toolUseId");
        const Json* name = member(*use, "name");
        const Json* input = member(*use, "input");
        tool_calls.push_back(
            {{"id", tid != nullptr && tid->is_string() ? *tid : Json("")},
             {"type", "function"},
             {"function",
              {{"name", name != nullptr && name->is_string() ? *name : Json("")},
               {"arguments", input != nullptr ? detail::dump(*input) : std::string("{}")}}}});
      } else if (const Json* r = member(block, "reasoningContent");
                 r != nullptr && r->is_object()) {
        const Json* rt = member(*r, "reasoningText");
        const Json* text = rt != nullptr && rt->is_object() ? member(*rt, "text") : nullptr;
        const Json* signature =
            rt != nullptr && rt->is_object() ? member(*rt, "signature") : nullptr;
        const Json* redacted = member(*r, "redactedContent");
        if (text != nullptr && text->is_string()) {
          reasoning += text->get_ref<const std::string&>();
          Json b = {{"type", "thinking"}, {"thinking", *text}};
          if (signature != nullptr && signature->is_string()) b["signature"] = *signature;
          thinking_blocks.push_back(std::move(b));
        } else if (redacted != nullptr && redacted->is_string()) {
          thinking_blocks.push_back({{"type", "redacted_thinking"}, {"data", *redacted}});
        }
      }
    }
  }
  const Json* stop = member(converse, "stopReason");
  std::string finish =
      openai_finish_reason(stop != nullptr && stop->is_string() ? stop->get<std::string>() : "");
  if (output == nullptr) finish = "content_filter";  // a 200 without output: a guardrail

  Json msg = {{"role", "assistant"}, {"refusal", nullptr}};
  msg["content"] = content.empty() && !tool_calls.empty() ? Json(nullptr) : Json(content);
  if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
  if (!reasoning.empty()) msg["reasoning_content"] = std::move(reasoning);
  if (!thinking_blocks.empty()) msg["thinking_blocks"] = std::move(thinking_blocks);

  Json out = {{"id", openai_completion_id(id)},
              {"object", "chat.completion"},
              {"created", created},
              {"model", model},
              {"choices", Json::array({{{"index", 0},
                                        {"message", std::move(msg)},
                                        {"logprobs", nullptr},
                                        {"finish_reason", std::move(finish)}}})}};
  if (const Json* usage = member(converse, "usage"); usage != nullptr && usage->is_object()) {
    out["usage"] = openai_usage(*usage);
  }
  return out;
}

}  // namespace llmauth::gateway
