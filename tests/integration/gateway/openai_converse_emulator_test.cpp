// The OpenAI ⇄ Converse translators checked by others' code, never by our own:
//  - every Converse body openai_to_converse builds is sent (SigV4-signed) to the emulator's
//    Bedrock, which validates Converse requests strictly (tests/emulator/src/llm/bedrock.js:
//    alternating roles, toolResult answering a toolUse of the turn before, toolConfig present
//    with tool blocks, known fields only) and answers as Bedrock does, streams encoded by AWS's
//    own @smithy/eventstream-codec;
//  - what converse_to_openai and ConverseStreamTranslator make of those answers is served to the
//    official `openai` npm client (tests/tools/openai-client-replay.js), whose stream assembly
//    (ChatCompletionStream.finalChatCompletion) checks roles, tool call ids, types, names,
//    arguments and finish reasons, and which raises APIError from an error event.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <initializer_list>

#include "llmauth/aws/event_stream.hpp"
#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/url.hpp"
#include "llmauth/gateway/openai_converse.hpp"
#include "llmauth/gateway/openai_converse_stream.hpp"
#include "support/test_support.hpp"

namespace llmauth::gateway {
namespace {

using json::Json;
using testing::Emulator;

constexpr const char* kModelId = "anthropic.claude-3-haiku-20240307-v1:0";
constexpr const char* kModelName = "bedrock/claude-haiku";
constexpr std::int64_t kCreated = 1700000000;

Json J(const char* text) { return Json::parse(text); }

const Json kWeatherTool = J(R"({"type": "function", "function": {"name": "get_weather",
    "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}})");
const Json kTimeTool = J(R"({"type": "function", "function": {"name": "get_time"}})");

class OpenAIConverseEmulator : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }

  // POSTs a translated body to the emulator's Bedrock, signed as Bedrock wants.
  http::Response send(const ConverseCall& call, const http::BodySink* sink = nullptr) {
    http::Request r;
    r.method = "POST";
    r.url = Emulator::get().http_url() + "/model/" + url::encode(kModelId) +
            (call.stream ? "/converse-stream" : "/converse");
    r.headers = {
        {"Content-Type", "application/json"},
        {"Accept", call.stream ? "application/vnd.amazon.eventstream" : "application/json"}};
    r.body = call.body.dump();
    aws::Credentials credentials;
    credentials.access_key_id = testing::kEmulatorAccessKey;
    credentials.secret_access_key = Secret(testing::kEmulatorSecretKey);
    aws::SigV4({.region = "us-east-1", .service = "bedrock"})
        .sign(r, credentials, std::chrono::system_clock::now());
    auto transport = testing::test_transport();
    return sink != nullptr ? transport->send_streaming(r, *sink) : transport->send(r);
  }

  // A non-streaming chat: the chat.completion our translators make of the emulator's answer.
  Json complete(const Json& request) {
    const ConverseCall call = openai_to_converse(request);
    EXPECT_FALSE(call.stream);
    const auto response = send(call);
    EXPECT_EQ(response.status, 200)
        << "Bedrock refused " << call.body.dump() << ": " << response.body;
    return converse_to_openai(json::parse(response.body, "Converse answer"),
                              std::string(response.header("x-amzn-RequestId").value_or("")),
                              kModelName, kCreated);
  }

  // A streaming chat: the SSE text our translator makes of the emulator's event stream.
  std::string stream(Json request) {
    request["stream"] = true;
    request["stream_options"] = {{"include_usage", true}};
    const ConverseCall call = openai_to_converse(request);
    EXPECT_TRUE(call.stream && call.include_usage);
    std::unique_ptr<ConverseStreamTranslator> translator;
    std::string sse;
    aws::eventstream::Decoder decoder;
    std::string refused;
    const http::BodySink sink = [&](std::string_view bytes) {
      decoder.feed(bytes, [&](aws::eventstream::Message&& m) {
        const auto kind = m.string_header(":message-type").value_or("event");
        if (kind == "exception") {
          const auto j = json::parse_or_discard(m.payload);
          translator->on_exception(m.string_header(":exception-type").value_or(""),
                                   j.is_object() ? j.value("message", "") : "", sse);
        } else {
          translator->on_event(m.string_header(":event-type").value_or(""),
                               json::parse(m.payload, "ConverseStream event"), sse);
        }
      });
      return true;
    };
    translator = std::make_unique<ConverseStreamTranslator>("stream-req", kModelName, kCreated,
                                                            call.include_usage);
    const auto response = send(call, &sink);
    EXPECT_EQ(response.status, 200)
        << "Bedrock refused " << call.body.dump() << ": " << response.body;
    decoder.finish();
    translator->finish(sse);
    return sse;
  }

  static void script(Json responses) {
    Emulator::get().control("POST", "/__control/llm/script",
                            {{"target", "bedrock"}, {"responses", std::move(responses)}});
  }
};

// What the official openai client makes of `body` served as a chat completion (or its stream).
Json openai_client(const std::string& body, bool stream) {
  testing::TempDir dir;
  const auto in = dir.write("input.json", Json{{"body", body}, {"stream", stream}}.dump());
  const auto err = dir.path() / "stderr.txt";
  const std::string command = "node '" + std::string(LLMAUTH_SOURCE_DIR) +
                              "/tests/tools/openai-client-replay.js' < '" + in.string() + "' 2> '" +
                              err.string() + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed";
    return nullptr;
  }
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  std::ifstream e(err);
  const std::string error{std::istreambuf_iterator<char>(e), {}};
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "replay script failed: " << error;
  const auto j = json::parse_or_discard(out);
  EXPECT_TRUE(j.is_object()) << out << error;
  return j;
}

// The completion the client assembled; fails the test when the client refused what we sent.
Json client_completion(const std::string& body, bool stream) {
  const Json out = openai_client(body, stream);
  EXPECT_EQ(out.value("ok", false), true) << out.dump();
  return out.is_object() && out.contains("completion") ? out["completion"] : Json::object();
}

Json chat(Json messages, Json extra = Json::object()) {
  Json r = {{"model", kModelName}, {"messages", std::move(messages)}};
  r.update(extra);
  return r;
}

// chat({user("hi")}): a list of messages. (A Json parameter would not do: for `{one_json}` clang
// picks Json's copy constructor where GCC builds a one-element array.)
Json chat(std::initializer_list<Json> messages, Json extra = Json::object()) {
  Json list = Json::array();
  for (const Json& m : messages) list.push_back(m);
  return chat(std::move(list), std::move(extra));
}

Json user(const std::string& text) { return {{"role", "user"}, {"content", text}}; }

// ---- plain chat ------------------------------------------------------------------------------

TEST_F(OpenAIConverseEmulator, PlainChat_IsAcceptedAndTheClientReadsTheAnswer) {
  const Json request = chat(J(R"([
      {"role": "system", "content": "Be brief."},
      {"role": "developer", "content": [{"type": "text", "text": "No emojis."}]},
      {"role": "user", "content": [{"type": "text", "text": "first"}, {"type": "text", "text": "Hello there"}]}])"),
                            J(R"({"temperature": 0.2, "top_p": 0.9, "max_tokens": 100,
                                  "stop": ["STOP"], "top_k": 20, "user": "u1", "seed": 3})"));
  const Json completion = complete(request);
  EXPECT_EQ(completion["choices"][0]["message"]["content"], "Echo: first\nHello there");
  const Json parsed = client_completion(completion.dump(), false);
  EXPECT_EQ(parsed["choices"][0]["message"]["content"], "Echo: first\nHello there");
  EXPECT_EQ(parsed["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(parsed["object"], "chat.completion");
  EXPECT_EQ(parsed["model"], kModelName);
  EXPECT_EQ(parsed["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_GT(parsed["usage"]["prompt_tokens"].get<int>(), 0);
}

TEST_F(OpenAIConverseEmulator, StreamedChat_IsAssembledByTheOpenAIClient) {
  const std::string sse =
      stream(chat({J(R"({"role": "system", "content": "Be brief."})"), user("a"),
                   J(R"({"role": "assistant", "content": "b"})"), user("Tell me a story")},
                  J(R"({"max_completion_tokens": 50, "reasoning_effort": "none"})")));
  const Json out = openai_client(sse, true);
  ASSERT_EQ(out.value("ok", false), true) << out.dump();
  const Json& completion = out["completion"];
  EXPECT_EQ(completion["choices"][0]["message"]["content"], "Echo: Tell me a story");
  EXPECT_EQ(completion["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(completion["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(completion["usage"]["completion_tokens"], 5);
  EXPECT_EQ(completion["usage"]["total_tokens"],
            completion["usage"]["prompt_tokens"].get<int>() + 5);
  // One id on every chunk, and the usage chunk last with no choices.
  const Json& chunks = out["chunks"];
  ASSERT_GE(chunks.size(), 4u);
  for (const auto& c : chunks) EXPECT_EQ(c["id"], "chatcmpl-stream-req");
  EXPECT_EQ(chunks.back()["choices"], Json::array());
  EXPECT_TRUE(chunks.back()["usage"].is_object());
}

TEST_F(OpenAIConverseEmulator, MaxTokensReached_IsFinishReasonLength) {
  const Json request = chat({user("one two three four five")}, {{"max_tokens", 2}});
  EXPECT_EQ(complete(request)["choices"][0]["finish_reason"], "length");
  const Json completion = client_completion(stream(request), true);
  EXPECT_EQ(completion["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(completion["choices"][0]["message"]["content"], "Echo: one");
}

TEST_F(OpenAIConverseEmulator, ThinkingSettings_AreAcceptedAsAdditionalModelRequestFields) {
  EXPECT_EQ(
      complete(chat({user("think")}, {{"reasoning_effort", "low"},
                                      {"max_tokens", 2000}}))["choices"][0]["message"]["content"],
      "Echo: think");
  EXPECT_EQ(
      complete(chat(
          {user("think")},
          {{"thinking",
            {{"type", "enabled"}, {"budget_tokens", 1024}}}}))["choices"][0]["message"]["content"],
      "Echo: think");
}

// ---- tools -----------------------------------------------------------------------------------

TEST_F(OpenAIConverseEmulator, ToolCall_RoundTripsThroughBedrockAndTheClient) {
  const Json tools = Json::array({kWeatherTool, kTimeTool});
  // 1. The model calls the tool.
  const Json first = complete(chat({user("call get_weather Paris")}, {{"tools", tools}}));
  const Json& message = first["choices"][0]["message"];
  EXPECT_EQ(first["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(message["content"], nullptr);
  ASSERT_EQ(message["tool_calls"].size(), 1u);
  const Json& call = message["tool_calls"][0];
  EXPECT_EQ(call["function"]["name"], "get_weather");
  EXPECT_EQ(Json::parse(call["function"]["arguments"].get<std::string>()),
            J(R"({"query": "Paris"})"));
  const Json parsed = client_completion(first.dump(), false);
  EXPECT_EQ(parsed["choices"][0]["message"]["tool_calls"][0]["id"], call["id"]);

  // 2. The client sends the result back: the assistant message as it came, then a tool message.
  Json history = {user("call get_weather Paris"),
                  message,
                  {{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", "sunny, 22C"}}};
  const Json second = complete(chat(history, {{"tools", tools}}));
  EXPECT_EQ(second["choices"][0]["message"]["content"], "Result of get_weather: sunny, 22C");
  EXPECT_EQ(second["choices"][0]["finish_reason"], "stop");

  // 3. The same, streamed.
  const Json streamed = client_completion(stream(chat(history, {{"tools", tools}})), true);
  EXPECT_EQ(streamed["choices"][0]["message"]["content"], "Result of get_weather: sunny, 22C");
}

TEST_F(OpenAIConverseEmulator, StreamedToolCall_IsAssembledByTheOpenAIClient) {
  const Json completion = client_completion(
      stream(chat({user("call get_weather Rome")}, {{"tools", Json::array({kWeatherTool})}})),
      true);
  const Json& message = completion["choices"][0]["message"];
  EXPECT_EQ(completion["choices"][0]["finish_reason"], "tool_calls");
  ASSERT_EQ(message["tool_calls"].size(), 1u);
  EXPECT_EQ(message["tool_calls"][0]["type"], "function");
  EXPECT_EQ(message["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(message["tool_calls"][0]["id"].get<std::string>().rfind("tooluse_", 0), 0u);
  EXPECT_EQ(Json::parse(message["tool_calls"][0]["function"]["arguments"].get<std::string>()),
            J(R"({"query": "Rome"})"));
}

TEST_F(OpenAIConverseEmulator, TextThenTwoToolCalls_GetToolIndexesZeroAndOne) {
  // Content blocks 0 (text), 1 and 2 (tools): the client must see tool calls 0 and 1.
  script(J(R"([{"chunks": ["Let me ", "check."], "tool_calls": [
      {"id": "tooluse_w", "name": "get_weather", "arguments": {"city": "Oslo"}},
      {"id": "tooluse_t", "name": "get_time", "arguments": {}}]}])"));
  const Json completion =
      client_completion(stream(chat({user("weather and time?")},
                                    {{"tools", Json::array({kWeatherTool, kTimeTool})}})),
                        true);
  const Json& message = completion["choices"][0]["message"];
  EXPECT_EQ(message["content"], "Let me check.");
  ASSERT_EQ(message["tool_calls"].size(), 2u);
  EXPECT_EQ(message["tool_calls"][0]["id"], "tooluse_w");
  EXPECT_EQ(Json::parse(message["tool_calls"][0]["function"]["arguments"].get<std::string>()),
            J(R"({"city": "Oslo"})"));
  EXPECT_EQ(message["tool_calls"][1]["id"], "tooluse_t");
  EXPECT_EQ(message["tool_calls"][1]["function"]["arguments"], "{}");
}

TEST_F(OpenAIConverseEmulator, ConsecutiveToolMessages_AreOneUserTurnBedrockAccepts) {
  const Json tools = Json::array({kWeatherTool, kTimeTool});
  const Json history = J(R"([
      {"role": "user", "content": "weather and time?"},
      {"role": "assistant", "content": "Checking both.", "tool_calls": [
        {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}},
        {"id": "call_t", "type": "function", "function": {"name": "get_time", "arguments": ""}}]},
      {"role": "tool", "tool_call_id": "call_w", "content": "snow"},
      {"role": "tool", "tool_call_id": "call_t", "content": [{"type": "text", "text": "noon"}]}])");
  const Json completion = complete(chat(history, {{"tools", tools}}));
  EXPECT_EQ(completion["choices"][0]["message"]["content"],
            "Result of get_weather: snow\nResult of get_time: noon");
}

TEST_F(OpenAIConverseEmulator, ToolChoiceRequiredAndNamed_ForceACall) {
  const Json tools = Json::array({kWeatherTool, kTimeTool});
  Json any = complete(chat({user("hello")}, {{"tools", tools}, {"tool_choice", "required"}}));
  EXPECT_EQ(any["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "get_weather");
  Json named = complete(
      chat({user("hello")},
           {{"tools", tools},
            {"tool_choice", {{"type", "function"}, {"function", {{"name", "get_time"}}}}}}));
  EXPECT_EQ(named["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "get_time");
  Json none =
      complete(chat({user("call get_time now")}, {{"tools", tools}, {"tool_choice", "none"}}));
  EXPECT_FALSE(none["choices"][0]["message"].contains("tool_calls"));
}

TEST_F(OpenAIConverseEmulator, AwkwardHistories_BecomeBodiesBedrockAccepts) {
  // An image, an empty assistant message, two user messages in a row, thinking handed back, a
  // user remark between a tool call and its result, an empty tool result: each reshaped into
  // valid Converse.
  const Json history = J(R"([
      {"role": "user", "content": [{"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
      {"role": "assistant", "content": ""},
      {"role": "user", "content": "then call get_time"},
      {"role": "assistant", "content": null,
       "thinking_blocks": [{"type": "thinking", "thinking": "Time first.", "signature": "c2ln"}],
       "tool_calls": [
        {"id": "call_t", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
      {"role": "user", "content": "quickly"},
      {"role": "tool", "tool_call_id": "call_t", "content": ""}])");
  const Json completion =
      complete(chat(history, {{"tools", Json::array({kWeatherTool, kTimeTool})}}));
  EXPECT_EQ(completion["choices"][0]["message"]["content"], "Result of get_time: (empty)");
}

// ---- what Bedrock reports --------------------------------------------------------------------

TEST_F(OpenAIConverseEmulator, GuardrailStop_IsContentFilterForTheClient) {
  script(J(R"([{"text": "I can't help with that.", "stop_reason": "guardrail_intervened"},
               {"text": "I can't help with that.", "stop_reason": "guardrail_intervened"}])"));
  EXPECT_EQ(
      client_completion(complete(chat({user("x")})).dump(), false)["choices"][0]["finish_reason"],
      "content_filter");
  EXPECT_EQ(client_completion(stream(chat({user("x")})), true)["choices"][0]["finish_reason"],
            "content_filter");
}

TEST_F(OpenAIConverseEmulator, ScriptedUsage_ReachesTheClient) {
  script(J(R"([{"text": "ok", "usage": {"input_tokens": 321, "output_tokens": 7}},
               {"text": "ok", "usage": {"input_tokens": 321, "output_tokens": 7}}])"));
  const Json expected = J(R"({"prompt_tokens": 321, "completion_tokens": 7, "total_tokens": 328,
                              "prompt_tokens_details": {"cached_tokens": 0}})");
  EXPECT_EQ(client_completion(complete(chat({user("x")})).dump(), false)["usage"], expected);
  EXPECT_EQ(client_completion(stream(chat({user("x")})), true)["usage"], expected);
}

TEST_F(OpenAIConverseEmulator, ExceptionMidStream_IsAnAPIErrorInTheClient) {
  script(J(R"([{"chunks": ["Once ", "upon ", "a ", "time"],
                "stream_error": {"after_events": 3, "type": "throttlingException"}}])"));
  const Json out = openai_client(stream(chat({user("story")})), true);
  ASSERT_EQ(out.value("ok", true), false) << out.dump();
  EXPECT_EQ(out["error"]["class"], "APIError");
  EXPECT_EQ(out["error"]["type"], "rate_limit_error");
  const std::string message = out["error"]["message"];
  EXPECT_NE(message.find("throttlingException in the middle of the stream"), std::string::npos)
      << message;
}

TEST_F(OpenAIConverseEmulator, DroppedStream_IsAnErrorInTheClientNotAShortAnswer) {
  script(J(R"([{"chunks": ["Once ", "upon ", "a ", "time"],
                "stream_error": {"after_events": 3, "drop": true}}])"));
  const ConverseCall call = openai_to_converse(chat({user("story")}, {{"stream", true}}));
  ConverseStreamTranslator translator("dropped", kModelName, kCreated, false);
  std::string sse;
  aws::eventstream::Decoder decoder;
  const http::BodySink sink = [&](std::string_view bytes) {
    decoder.feed(bytes, [&](aws::eventstream::Message&& m) {
      translator.on_event(m.string_header(":event-type").value_or(""),
                          json::parse(m.payload, "event"), sse);
    });
    return true;
  };
  try {
    (void)send(call, &sink);  // the transport may or may not report the cut
  } catch (const Error&) {
  }
  translator.finish(sse);
  const Json out = openai_client(sse, true);
  ASSERT_EQ(out.value("ok", true), false) << out.dump();
  EXPECT_NE(out["error"]["message"].get<std::string>().find("answer is incomplete"),
            std::string::npos);
}

}  // namespace
}  // namespace llmauth::gateway
