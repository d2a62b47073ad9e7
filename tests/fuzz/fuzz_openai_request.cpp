// The OpenAI ⇄ Converse translators on any JSON: never a crash, never an exception but ApiError.
//  - openai_to_converse either refuses with a 400 that names a field (a short one-line message,
//    a valid OpenAI error body) or returns a body that keeps Converse's rules: messages start
//    with a user turn and alternate, no empty message or text block, every toolUse input is an
//    object, tool blocks only with a toolConfig, sampling values in range.
//  - converse_to_openai takes the same JSON as a Converse answer: a chat.completion or, for a
//    non-object, a 502.
//  - ConverseStreamTranslator takes it, when it is an array, as a stream: [type, payload] is an
//    event, ["!exception-type", "message"] an exception. Its output is well-formed SSE: only
//    "data: <one line>\n\n" events, each a JSON object with the one id, [DONE] only last, nothing
//    after an error; tool call indexes count from 0 without gaps.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "llmauth/core/json.hpp"
#include "llmauth/gateway/openai_converse.hpp"
#include "llmauth/gateway/openai_converse_stream.hpp"

namespace {

using llmauth::json::Json;
namespace gw = llmauth::gateway;

void check(bool ok) {
  if (!ok) std::abort();
}

// Strict dump: throws (→ crash) on invalid UTF-8, so everything we emit must be valid.
std::string strict(const Json& j) { return j.dump(); }

bool one_line(std::string_view s) {
  for (const unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool in_range(const Json& config, const char* key, double lo, double hi) {
  if (!config.contains(key)) return true;
  const auto& v = config[key];
  return v.is_number() && v.get<double>() >= lo && v.get<double>() <= hi;
}

void check_converse(const Json& body) {
  check(body.is_object());
  const auto& messages = body.at("messages");
  check(messages.is_array() && !messages.empty());
  bool tool_blocks = false;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    const std::string role = m.at("role");
    check(role == (i % 2 == 0 ? "user" : "assistant"));
    const auto& content = m.at("content");
    check(content.is_array() && !content.empty());
    bool seen_other = false;
    for (const auto& block : content) {
      check(block.is_object() && block.size() == 1);
      if (block.contains("text")) {
        check(block["text"].is_string() && !block["text"].get<std::string>().empty());
        seen_other = true;
      } else if (block.contains("toolUse")) {
        check(role == "assistant" && block["toolUse"].at("input").is_object());
        check(!block["toolUse"].at("toolUseId").get<std::string>().empty());
        tool_blocks = true;
      } else if (block.contains("toolResult")) {
        check(role == "user" && !seen_other);  // tool results first in their turn
        check(!block["toolResult"].at("content").empty());
        tool_blocks = true;
      } else if (block.contains("reasoningContent")) {
        check(role == "assistant");
      } else {
        check(block.contains("image") && role == "user");
        seen_other = true;
      }
    }
  }
  if (tool_blocks) check(!body.at("toolConfig").at("tools").empty());
  if (body.contains("system")) {
    for (const auto& s : body["system"]) check(!s.at("text").get<std::string>().empty());
  }
  if (body.contains("inferenceConfig")) {
    const auto& c = body["inferenceConfig"];
    check(!c.empty());
    check(in_range(c, "temperature", 0, 2) && in_range(c, "topP", 0, 1));
    if (c.contains("maxTokens")) check(c["maxTokens"].get<std::int64_t>() >= 1);
  }
  (void)strict(body);
}

void translate_request(const Json& request) {
  try {
    const gw::ConverseCall call = gw::openai_to_converse(request);
    check(!call.include_usage || call.stream);
    check_converse(call.body);
  } catch (const gw::ApiError& e) {
    check(e.status() == 400);
    const std::string message = e.what();
    check(!message.empty() && message.size() < 1024 && one_line(message));
    check(request.is_object() == !e.param().empty());
    (void)strict(e.body());
  }
}

void translate_answer(const Json& answer) {
  try {
    const Json out = gw::converse_to_openai(answer, "req", "model", 1);
    check(answer.is_object());
    const auto& choice = out.at("choices").at(0);
    const std::string finish = choice.at("finish_reason");
    check(finish == "stop" || finish == "length" || finish == "tool_calls" ||
          finish == "content_filter");
    (void)strict(out);
  } catch (const gw::ApiError& e) {
    check(!answer.is_object() && e.status() == 502);
  }
}

void translate_stream(const Json& events) {
  gw::ConverseStreamTranslator t("req", "model", 1, true);
  std::string out;
  for (const auto& e : events) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_string()) continue;
    const std::string& type = e[0].get_ref<const std::string&>();
    if (!type.empty() && type[0] == '!') {
      t.on_exception(std::string_view(type).substr(1),
                     e[1].is_string() ? e[1].get_ref<const std::string&>() : "", out);
    } else {
      t.on_event(type, e[1], out);
    }
  }
  t.finish(out);
  check(t.ended());

  std::size_t at = 0;
  bool over = false;  // [DONE] or an error seen
  int next_tool = 0;
  while (at < out.size()) {
    check(!over);
    check(out.compare(at, 6, "data: ") == 0);
    const auto end = out.find("\n\n", at);
    check(end != std::string::npos);
    const std::string data = out.substr(at + 6, end - at - 6);
    check(data.find('\n') == std::string::npos);
    at = end + 2;
    if (data == "[DONE]") {
      over = true;
      continue;
    }
    const Json chunk = Json::parse(data);
    if (chunk.contains("error")) {
      check(chunk["error"].at("message").is_string());
      over = true;
      continue;
    }
    check(chunk.at("id") == "chatcmpl-req" && chunk.at("object") == "chat.completion.chunk");
    for (const auto& choice : chunk.at("choices")) {
      const auto& delta = choice.at("delta");
      if (!delta.contains("tool_calls")) continue;
      const int index = delta["tool_calls"].at(0).at("index");
      if (delta["tool_calls"][0].contains("id")) {
        check(index == next_tool++);
      } else {
        check(index < next_tool);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Json j = llmauth::json::parse_or_discard(input);
  if (j.is_discarded()) return 0;
  translate_request(j);
  translate_answer(j);
  if (j.is_array()) translate_stream(j);
  return 0;
}
