// OpenAI Chat Completions ⇄ Bedrock Converse, request and answer, as specifications: what each
// field becomes, what is refused (status 400, the field's path in `param`, a message that says
// what to do), and that nothing in a request is echoed into an error.
#include "llmauth/gateway/openai_converse.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>

namespace llmauth::gateway {
namespace {

using json::Json;

Json J(const char* text) { return Json::parse(text); }

// A request with the given messages (and extra fields merged in).
Json chat(Json messages, Json extra = Json::object()) {
  Json r = {{"model", "bedrock/claude"}, {"messages", std::move(messages)}};
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

Json user(const char* text) { return {{"role", "user"}, {"content", text}}; }

Json body_of(const Json& request) { return openai_to_converse(request).body; }

// The ApiError openai_to_converse throws for `request` (fails the test when it does not).
std::optional<ApiError> error_of(const Json& request) {
  try {
    (void)openai_to_converse(request);
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "no ApiError for " << request.dump();
  return std::nullopt;
}

// Asserts a 400 naming `param` whose message contains `hint`.
void expect_400(const Json& request, const std::string& param, const std::string& hint) {
  const auto e = error_of(request);
  ASSERT_TRUE(e) << param;
  EXPECT_EQ(e->status(), 400) << e->what();
  EXPECT_EQ(e->type(), "invalid_request_error");
  EXPECT_EQ(e->param(), param) << e->what();
  EXPECT_NE(std::string(e->what()).find(hint), std::string::npos)
      << "message: " << e->what() << "\nexpected to contain: " << hint;
}

const Json kWeatherTool = J(R"({"type": "function", "function": {"name": "get_weather",
    "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}})");

Json assistant_calls(const char* id, const char* name, const char* arguments) {
  return {
      {"role", "assistant"},
      {"content", nullptr},
      {"tool_calls", Json::array({{{"id", id},
                                   {"type", "function"},
                                   {"function", {{"name", name}, {"arguments", arguments}}}}})}};
}

Json tool_result(const char* id, const char* content) {
  return {{"role", "tool"}, {"tool_call_id", id}, {"content", content}};
}

// ---- messages --------------------------------------------------------------------------------

TEST(OpenAIToConverse, PlainChat_BecomesOneUserMessageAndNoModelInTheBody) {
  const auto call = openai_to_converse(chat({user("Hello")}));
  EXPECT_FALSE(call.stream);
  EXPECT_FALSE(call.include_usage);
  EXPECT_EQ(call.body, J(R"({"messages": [{"role": "user", "content": [{"text": "Hello"}]}]})"));
}

TEST(OpenAIToConverse, SystemAndDeveloperMessages_BecomeSystemBlocksInOrder) {
  const auto body = body_of(chat(J(R"([
      {"role": "system", "content": "Be brief."},
      {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
      {"role": "user", "content": "Hi"},
      {"role": "system", "content": "Late rule."}])")));
  EXPECT_EQ(body["system"],
            J(R"([{"text": "Be brief."}, {"text": "Answer in French."}, {"text": "Late rule."}])"));
  EXPECT_EQ(body["messages"].size(), 1u);
}

TEST(OpenAIToConverse, MultiPartTextContent_BecomesTextBlocks) {
  const auto body = body_of(chat(J(R"([{"role": "user", "content": [
      {"type": "text", "text": "First"}, {"type": "text", "text": ""},
      {"type": "text", "text": "Second"}]}])")));
  EXPECT_EQ(body["messages"][0]["content"], J(R"([{"text": "First"}, {"text": "Second"}])"));
}

TEST(OpenAIToConverse, ConsecutiveSameRoleMessages_MergeIntoOneMessage) {
  const auto body = body_of(chat(J(R"([
      {"role": "user", "content": "a"}, {"role": "user", "content": "b"},
      {"role": "assistant", "content": "c"}, {"role": "assistant", "content": "d"},
      {"role": "user", "content": "e"}])")));
  EXPECT_EQ(body["messages"], J(R"([
      {"role": "user", "content": [{"text": "a"}, {"text": "b"}]},
      {"role": "assistant", "content": [{"text": "c"}, {"text": "d"}]},
      {"role": "user", "content": [{"text": "e"}]}])"));
}

TEST(OpenAIToConverse, EmptyAssistantMessage_IsDroppedAndItsNeighboursMerge) {
  const auto body = body_of(chat(J(R"([
      {"role": "user", "content": "a"}, {"role": "assistant", "content": null},
      {"role": "assistant", "content": ""}, {"role": "assistant", "content": [], "tool_calls": []},
      {"role": "user", "content": "b"}])")));
  EXPECT_EQ(body["messages"],
            J(R"([{"role": "user", "content": [{"text": "a"}, {"text": "b"}]}])"));
}

TEST(OpenAIToConverse, AssistantRefusal_IsKeptAsText) {
  const auto body = body_of(chat(J(R"([
      {"role": "user", "content": "a"},
      {"role": "assistant", "content": [{"type": "refusal", "refusal": "I can't."}]},
      {"role": "assistant", "content": null, "refusal": "Still no."},
      {"role": "user", "content": "b"}])")));
  EXPECT_EQ(body["messages"][1]["content"], J(R"([{"text": "I can't."}, {"text": "Still no."}])"));
}

TEST(OpenAIToConverse, MessageNamesAreIgnored) {
  const auto body = body_of(chat(J(R"([{"role": "user", "name": "alice", "content": "hi"}])")));
  EXPECT_EQ(body["messages"][0], J(R"({"role": "user", "content": [{"text": "hi"}]})"));
}

TEST(OpenAIToConverse, ConversationStartingWithAssistant_Is400) {
  expect_400(chat(J(R"([{"role": "system", "content": "s"}, {"role": "assistant", "content": "x"},
                        {"role": "user", "content": "y"}])")),
             "messages[1]", "start with a user message");
}

TEST(OpenAIToConverse, OnlySystemMessages_Is400) {
  expect_400(chat(J(R"([{"role": "system", "content": "s"}])")), "messages",
             "at least one user message");
}

// ---- images ----------------------------------------------------------------------------------

TEST(OpenAIToConverse, DataUrlImage_BecomesImageBlock) {
  const auto body = body_of(chat(J(R"([{"role": "user", "content": [
      {"type": "text", "text": "What is this?"},
      {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ", "detail": "low"}}]}])")));
  EXPECT_EQ(body["messages"][0]["content"][1],
            J(R"({"image": {"format": "jpeg", "source": {"bytes": "/9j/4AAQ"}}})"));
}

TEST(OpenAIToConverse, ImageUrlGivenAsABareString_IsTakenToo) {
  const auto body = body_of(chat(J(R"([{"role": "user", "content": [
      {"type": "image_url", "image_url": "data:image/png;base64,iVBORw0KGgo="}]}])")));
  EXPECT_EQ(body["messages"][0]["content"][0]["image"]["format"], "png");
  expect_400(chat(J(R"([{"role": "user", "content": [{"type": "image_url", "image_url": 3}]}])")),
             "messages[0].content[0].image_url", "must be an object {url}");
}

TEST(OpenAIToConverse, ImageByHttpUrl_Is400SayingSendItInline) {
  expect_400(chat(J(R"([{"role": "user", "content": [
      {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}])")),
             "messages[0].content[0].image_url.url", "send the image inline");
}

TEST(OpenAIToConverse, ImageOfUnsupportedTypeOrNotBase64_Is400) {
  expect_400(chat(J(R"([{"role": "user", "content": [
      {"type": "image_url", "image_url": {"url": "data:image/tiff;base64,AAAA"}}]}])")),
             "messages[0].content[0].image_url.url", "png, jpeg, gif or webp");
  expect_400(chat(J(R"([{"role": "user", "content": [
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,not base64!"}}]}])")),
             "messages[0].content[0].image_url.url", "not base64");
  expect_400(chat(J(R"([{"role": "user", "content": [
      {"type": "image_url", "image_url": {"url": "data:image/png,%89PNG"}}]}])")),
             "messages[0].content[0].image_url.url", "base64 data: URL");
}

TEST(OpenAIToConverse, AudioAndFileParts_Are400) {
  expect_400(chat(J(R"([{"role": "user", "content": [
      {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]}])")),
             "messages[0].content[0].type", "not supported");
  expect_400(
      chat(J(R"([{"role": "user", "content": [{"type": "file", "file": {"file_id": "f"}}]}])")),
      "messages[0].content[0].type", "not supported");
}

// ---- tools -----------------------------------------------------------------------------------

TEST(OpenAIToConverse, Tools_BecomeToolSpecs) {
  const auto body = body_of(chat({user("hi")}, {{"tools", J(R"([
      {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
       "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": true}},
      {"type": "function", "function": {"name": "now", "description": ""}}])")}}));
  EXPECT_EQ(body["toolConfig"], J(R"({"tools": [
      {"toolSpec": {"name": "get_weather", "description": "Weather of a city",
       "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}},
      {"toolSpec": {"name": "now",
       "inputSchema": {"json": {"type": "object", "properties": {}}}}}]})"));
}

TEST(OpenAIToConverse, EmptyToolList_IsNoTools) {
  EXPECT_FALSE(body_of(chat({user("hi")}, {{"tools", Json::array()}})).contains("toolConfig"));
}

TEST(OpenAIToConverse, BadToolDefinitions_Are400) {
  expect_400(
      chat({user("hi")}, {{"tools", J(R"([{"type": "function", "function": {"name": "a b"}}])")}}),
      "tools[0].function.name", "not a valid tool name");
  expect_400(chat({user("hi")}, {{"tools", Json::array({kWeatherTool, kWeatherTool})}}),
             "tools[1].function.name", "names two tools");
  expect_400(chat({user("hi")}, {{"tools", J(R"([{"type": "custom", "custom": {"name": "x"}}])")}}),
             "tools[0].type", "only 'function' tools");
  expect_400(chat({user("hi")},
                  {{"tools",
                    J(R"([{"type": "function", "function": {"name": "x", "parameters": []}}])")}}),
             "tools[0].function.parameters", "JSON Schema object");
  expect_400(chat({user("hi")}, {{"tools", "get_weather"}}), "tools", "must be an array");
}

TEST(OpenAIToConverse, ToolChoiceAuto_IsAuto) {
  const auto body = body_of(
      chat({user("hi")}, {{"tools", Json::array({kWeatherTool})}, {"tool_choice", "auto"}}));
  EXPECT_EQ(body["toolConfig"]["toolChoice"], J(R"({"auto": {}})"));
}

TEST(OpenAIToConverse, ToolChoiceRequired_IsAny) {
  const auto body = body_of(
      chat({user("hi")}, {{"tools", Json::array({kWeatherTool})}, {"tool_choice", "required"}}));
  EXPECT_EQ(body["toolConfig"]["toolChoice"], J(R"({"any": {}})"));
}

TEST(OpenAIToConverse, ToolChoiceNamedFunction_IsTool) {
  const auto body = body_of(chat({user("hi")}, {{"tools", Json::array({kWeatherTool})},
                                                {"tool_choice", J(R"({"type": "function",
                                                   "function": {"name": "get_weather"}})")}}));
  EXPECT_EQ(body["toolConfig"]["toolChoice"], J(R"({"tool": {"name": "get_weather"}})"));
}

TEST(OpenAIToConverse, ToolChoiceLeftOut_SendsNoToolChoice) {
  const auto body = body_of(chat({user("hi")}, {{"tools", Json::array({kWeatherTool})}}));
  EXPECT_FALSE(body["toolConfig"].contains("toolChoice"));
}

TEST(OpenAIToConverse, ToolChoiceNone_WithToolHistory_Is400) {
  // Converse has no "none", and a conversation with tool calls cannot leave toolConfig out.
  expect_400(chat({user("weather?"), assistant_calls("call_1", "get_weather", "{}"),
                   tool_result("call_1", "sunny")},
                  {{"tools", Json::array({kWeatherTool})}, {"tool_choice", "none"}}),
             "tool_choice", "Bedrock Converse has no 'none'");
}

TEST(OpenAIToConverse, ToolChoiceNone_WithoutToolHistory_LeavesTheToolsOut) {
  // Without toolConfig the model cannot call a tool: exactly what "none" asks.
  const auto body = body_of(
      chat({user("hi")}, {{"tools", Json::array({kWeatherTool})}, {"tool_choice", "none"}}));
  EXPECT_FALSE(body.contains("toolConfig"));
}

TEST(OpenAIToConverse, BadToolChoices_Are400) {
  expect_400(chat({user("hi")},
                  {{"tools", Json::array({kWeatherTool})},
                   {"tool_choice", J(R"({"type": "function", "function": {"name": "other"}})")}}),
             "tool_choice.function.name", "not one of the tools");
  expect_400(chat({user("hi")}, {{"tool_choice", "required"}}), "tool_choice", "send the tools");
  expect_400(
      chat({user("hi")}, {{"tools", Json::array({kWeatherTool})}, {"tool_choice", "sometimes"}}),
      "tool_choice", "use 'auto', 'required', 'none'");
  expect_400(
      chat({user("hi")}, {{"tools", Json::array({kWeatherTool})},
                          {"tool_choice", J(R"({"type": "allowed_tools", "allowed_tools": {}})")}}),
      "tool_choice.type", "not supported");
}

TEST(OpenAIToConverse, AssistantToolCalls_BecomeToolUseWithParsedInput) {
  const auto body = body_of(chat(J(R"([{"role": "user", "content": "Weather in Paris and Rome?"},
            {"role": "assistant", "content": "Let me look.", "tool_calls": [
              {"id": "call_1", "type": "function",
               "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
              {"id": "call_2", "type": "function",
               "function": {"name": "get_weather", "arguments": "{\"city\": \"Rome\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            {"role": "tool", "tool_call_id": "call_2", "content": "rain"}])"),
                                 {{"tools", Json::array({kWeatherTool})}}));
  EXPECT_EQ(body["messages"][1], J(R"({"role": "assistant", "content": [
      {"text": "Let me look."},
      {"toolUse": {"toolUseId": "call_1", "name": "get_weather", "input": {"city": "Paris"}}},
      {"toolUse": {"toolUseId": "call_2", "name": "get_weather", "input": {"city": "Rome"}}}]})"));
}

TEST(OpenAIToConverse, EmptyToolCallArguments_BecomeAnEmptyObject) {
  const auto body = body_of(
      chat({user("now?"), assistant_calls("call_1", "now", " "), tool_result("call_1", "noon")},
           {{"tools", J(R"([{"type": "function", "function": {"name": "now"}}])")}}));
  EXPECT_EQ(body["messages"][1]["content"][0]["toolUse"]["input"], Json::object());
}

TEST(OpenAIToConverse, ToolCallArgumentsNotJson_Is400NamingThePath) {
  expect_400(chat({J(R"({"role": "system", "content": "s"})"), user("a"),
                   J(R"({"role": "assistant", "content": "b"})"),
                   assistant_calls("call_1", "get_weather", "{city: Paris")},
                  {{"tools", Json::array({kWeatherTool})}}),
             "messages[3].tool_calls[0].function.arguments", "JSON object encoded as a string");
}

TEST(OpenAIToConverse, ToolCallArgumentsNotAnObject_Is400) {
  expect_400(chat({user("a"), assistant_calls("call_1", "get_weather", "[\"Paris\"]")},
                  {{"tools", Json::array({kWeatherTool})}}),
             "messages[1].tool_calls[0].function.arguments", "must be a JSON object");
}

TEST(OpenAIToConverse, ToolCallWithoutId_Is400) {
  expect_400(chat({user("a"), J(R"({"role": "assistant", "tool_calls": [{"type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"}}]})")},
                  {{"tools", Json::array({kWeatherTool})}}),
             "messages[1].tool_calls[0].id", "every tool call needs the id");
}

TEST(OpenAIToConverse, ToolCallIdBedrockCannotTake_Is400) {
  expect_400(chat({user("a"), assistant_calls("call:1", "get_weather", "{}")},
                  {{"tools", Json::array({kWeatherTool})}}),
             "messages[1].tool_calls[0].id", "letters, digits, '_' or '-'");
}

TEST(OpenAIToConverse, ToolMessage_BecomesToolResultInAUserMessage) {
  const auto body = body_of(chat({user("weather?"), assistant_calls("call_1", "get_weather", "{}"),
                                  J(R"({"role": "tool", "tool_call_id": "call_1", "content": [
                                       {"type": "text", "text": "sunny"}, {"type": "text", "text": "22C"}]})")},
                                 {{"tools", Json::array({kWeatherTool})}}));
  EXPECT_EQ(body["messages"][2], J(R"({"role": "user", "content": [{"toolResult": {
      "toolUseId": "call_1", "content": [{"text": "sunny"}, {"text": "22C"}]}}]})"));
}

TEST(OpenAIToConverse, ConsecutiveToolMessages_MergeIntoOneUserMessage) {
  const auto body = body_of(chat(J(R"([{"role": "user", "content": "Paris and Rome?"},
            {"role": "assistant", "tool_calls": [
              {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}},
              {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            {"role": "tool", "tool_call_id": "call_2", "content": "rain"},
            {"role": "user", "content": "Thanks"}])"),
                                 {{"tools", Json::array({kWeatherTool})}}));
  ASSERT_EQ(body["messages"].size(), 3u);
  EXPECT_EQ(body["messages"][2], J(R"({"role": "user", "content": [
      {"toolResult": {"toolUseId": "call_1", "content": [{"text": "sunny"}]}},
      {"toolResult": {"toolUseId": "call_2", "content": [{"text": "rain"}]}},
      {"text": "Thanks"}]})"));
}

TEST(OpenAIToConverse, ToolResultsComeBeforeTextInTheirUserTurn) {
  const auto body = body_of(chat({user("weather?"), assistant_calls("call_1", "get_weather", "{}"),
                                  user("also: hurry"), tool_result("call_1", "sunny")},
                                 {{"tools", Json::array({kWeatherTool})}}));
  EXPECT_EQ(body["messages"][2]["content"], J(R"([
      {"toolResult": {"toolUseId": "call_1", "content": [{"text": "sunny"}]}},
      {"text": "also: hurry"}])"));
}

TEST(OpenAIToConverse, EmptyToolResult_IsSentAsAPlaceholderBedrockAccepts) {
  const auto body = body_of(
      chat({user("run"), assistant_calls("call_1", "get_weather", "{}"), tool_result("call_1", "")},
           {{"tools", Json::array({kWeatherTool})}}));
  EXPECT_EQ(body["messages"][2]["content"][0]["toolResult"]["content"],
            J(R"J([{"text": "(empty)"}])J"));
}

TEST(OpenAIToConverse, ToolMessageAnsweringNoCall_Is400) {
  expect_400(
      chat({user("a"), assistant_calls("call_1", "get_weather", "{}"), tool_result("call_9", "x")},
           {{"tools", Json::array({kWeatherTool})}}),
      "messages[2].tool_call_id", "answers no tool call");
  expect_400(
      chat({user("a"), tool_result("call_1", "x")}, {{"tools", Json::array({kWeatherTool})}}),
      "messages[1].tool_call_id", "answers no tool call");
  expect_400(chat({user("a"), J(R"({"role": "tool", "content": "x"})")},
                  {{"tools", Json::array({kWeatherTool})}}),
             "messages[1].tool_call_id", "is missing");
}

TEST(OpenAIToConverse, ToolHistoryWithoutTools_Is400SayingSendTheToolDefinitions) {
  expect_400(chat({user("weather?"), assistant_calls("call_1", "get_weather", "{}"),
                   tool_result("call_1", "sunny"), user("thanks")}),
             "tools", "send the tool definitions");
}

TEST(OpenAIToConverse, DeprecatedFunctionsApi_Is400SayingUseTools) {
  expect_400(chat({user("a")}, {{"functions", J(R"([{"name": "f"}])")}}), "functions",
             "send tools and tool_choice");
  expect_400(chat({user("a"), J(R"({"role": "function", "name": "f", "content": "x"})")}),
             "messages[1].role", "role 'tool' messages");
  expect_400(
      chat({user("a"),
            J(R"({"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}})")}),
      "messages[1].function_call", "tool_calls");
}

// ---- inference settings ----------------------------------------------------------------------

TEST(OpenAIToConverse, SamplingSettings_BecomeInferenceConfig) {
  const auto body = body_of(chat({user("a")}, J(R"({"max_tokens": 100, "temperature": 0.5,
                                                   "top_p": 0.9, "stop": "END"})")));
  EXPECT_EQ(body["inferenceConfig"],
            J(R"({"maxTokens": 100, "temperature": 0.5, "topP": 0.9, "stopSequences": ["END"]})"));
}

TEST(OpenAIToConverse, MaxCompletionTokens_WinsOverMaxTokens) {
  EXPECT_EQ(body_of(chat({user("a")}, {{"max_completion_tokens", 50}}))["inferenceConfig"],
            J(R"({"maxTokens": 50})"));
  EXPECT_EQ(
      body_of(chat({user("a")}, {{"max_tokens", 10},
                                 {"max_completion_tokens", 50}}))["inferenceConfig"]["maxTokens"],
      50);
}

TEST(OpenAIToConverse, StopArray_BecomesStopSequences) {
  EXPECT_EQ(body_of(chat({user("a")}, {{"stop", {"x", "y"}}}))["inferenceConfig"]["stopSequences"],
            J(R"(["x", "y"])"));
  EXPECT_FALSE(body_of(chat({user("a")}, {{"stop", Json::array()}})).contains("inferenceConfig"));
}

TEST(OpenAIToConverse, NullSettings_AreLeftOut) {
  const auto body = body_of(chat({user("a")}, J(R"({"max_tokens": null, "temperature": null,
      "top_p": null, "stop": null, "tools": null, "tool_choice": null, "n": null,
      "stream": null, "stream_options": null})")));
  EXPECT_EQ(body, J(R"({"messages": [{"role": "user", "content": [{"text": "a"}]}]})"));
}

TEST(OpenAIToConverse, BadSamplingSettings_Are400) {
  expect_400(chat({user("a")}, {{"temperature", 2.5}}), "temperature", "between 0 and 2");
  expect_400(chat({user("a")}, {{"top_p", "0.5"}}), "top_p", "must be a number");
  expect_400(chat({user("a")}, {{"max_tokens", 0}}), "max_tokens", "at least 1");
  expect_400(chat({user("a")}, {{"max_completion_tokens", 1.5}}), "max_completion_tokens",
             "must be an integer");
  expect_400(chat({user("a")}, {{"stop", {"x", ""}}}), "stop[1]", "non-empty stop sequences");
  expect_400(chat({user("a")}, {{"stop", 3}}), "stop", "string or an array of strings");
}

TEST(OpenAIToConverse, TopK_GoesToAdditionalModelRequestFields) {
  EXPECT_EQ(body_of(chat({user("a")}, {{"top_k", 40}}))["additionalModelRequestFields"],
            J(R"({"top_k": 40})"));
  expect_400(chat({user("a")}, {{"top_k", 0}}), "top_k", "at least 1");
}

TEST(OpenAIToConverse, ReasoningEffort_BecomesAnthropicThinkingBudget) {
  const std::pair<const char*, int> cases[] = {
      {"minimal", 1024}, {"low", 1024}, {"medium", 2048}, {"high", 4096}};
  for (const auto& [effort, budget] : cases) {
    EXPECT_EQ(
        body_of(chat({user("a")}, {{"reasoning_effort", effort}}))["additionalModelRequestFields"],
        (Json{{"thinking", {{"type", "enabled"}, {"budget_tokens", budget}}}}))
        << effort;
  }
  EXPECT_FALSE(body_of(chat({user("a")}, {{"reasoning_effort", "none"}}))
                   .contains("additionalModelRequestFields"));
  expect_400(chat({user("a")}, {{"reasoning_effort", "extreme"}}), "reasoning_effort",
             "use none, minimal, low, medium, high");
}

TEST(OpenAIToConverse, ThinkingObject_IsPassedOnToAnthropic) {
  const auto thinking = J(R"({"type": "enabled", "budget_tokens": 2000})");
  EXPECT_EQ(body_of(chat({user("a")},
                         {{"thinking", thinking}, {"top_k", 5}}))["additionalModelRequestFields"],
            (Json{{"thinking", thinking}, {"top_k", 5}}));
  expect_400(chat({user("a")}, {{"thinking", J(R"({"type": "enabled", "budget_tokens": 10})")}}),
             "thinking.budget_tokens", "at least 1024");
  expect_400(chat({user("a")}, {{"thinking", J(R"({"type": "on"})")}}), "thinking.type",
             "enabled, disabled or adaptive");
  expect_400(chat({user("a")}, {{"thinking", thinking}, {"reasoning_effort", "low"}}), "thinking",
             "send one of them");
}

TEST(OpenAIToConverse, ThinkingBudgetNotBelowMaxTokens_Is400) {
  expect_400(chat({user("a")}, {{"reasoning_effort", "high"}, {"max_tokens", 4096}}), "max_tokens",
             "raise it or lower the reasoning effort");
  EXPECT_NO_THROW(body_of(chat({user("a")}, {{"reasoning_effort", "high"}, {"max_tokens", 8000}})));
}

// ---- streaming -------------------------------------------------------------------------------

TEST(OpenAIToConverse, Stream_IsConverseStreamWithUsageWhenAsked) {
  const auto call = openai_to_converse(
      chat({user("a")}, J(R"({"stream": true, "stream_options": {"include_usage": true}})")));
  EXPECT_TRUE(call.stream);
  EXPECT_TRUE(call.include_usage);
  EXPECT_FALSE(call.body.contains("stream"));
  EXPECT_TRUE(openai_to_converse(chat({user("a")}, {{"stream", true}})).stream);
}

TEST(OpenAIToConverse, StreamOptionsWithoutStream_Is400) {
  expect_400(chat({user("a")}, {{"stream_options", {{"include_usage", true}}}}), "stream_options",
             "only allowed when stream is true");
  expect_400(chat({user("a")}, {{"stream", "yes"}}), "stream", "true or false");
}

// ---- fields Converse cannot honour, and harmless ones ----------------------------------------

struct Refused {
  const char* name;
  const char* extra;  // JSON merged into the request
  const char* param;
  const char* hint;
};

void PrintTo(const Refused& r, std::ostream* os) { *os << r.name; }

class OpenAIToConverseRefuses : public ::testing::TestWithParam<Refused> {};

TEST_P(OpenAIToConverseRefuses, WithA400NamingTheField) {
  const auto& c = GetParam();
  expect_400(chat({user("a")}, J(c.extra)), c.param, c.hint);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, OpenAIToConverseRefuses,
    ::testing::Values(
        Refused{"n", R"({"n": 2})", "n", "send one request per answer"},
        Refused{"n0", R"({"n": 0})", "n", "one choice per request"},
        Refused{"logprobs", R"({"logprobs": true})", "logprobs", "no log probabilities"},
        Refused{"top_logprobs", R"({"top_logprobs": 2})", "top_logprobs", "no log probabilities"},
        Refused{"logit_bias", R"({"logit_bias": {"50256": -100}})", "logit_bias",
                "leave logit_bias out"},
        Refused{"frequency_penalty", R"({"frequency_penalty": 0.5})", "frequency_penalty",
                "no penalties"},
        Refused{"presence_penalty", R"({"presence_penalty": -1})", "presence_penalty",
                "no penalties"},
        Refused{"json_object", R"({"response_format": {"type": "json_object"}})",
                "response_format.type", "no JSON mode"},
        Refused{"json_schema", R"({"response_format": {"type": "json_schema", "json_schema": {}}})",
                "response_format.type", "force it with tool_choice"},
        Refused{"audio", R"({"audio": {"voice": "alloy", "format": "mp3"}})", "audio",
                "leave it out"},
        Refused{"modalities", R"({"modalities": ["text", "audio"]})", "modalities", "only text"},
        Refused{"prediction", R"({"prediction": {"type": "content", "content": "x"}})",
                "prediction", "leave it out"},
        Refused{"web_search", R"({"web_search_options": {}})", "web_search_options",
                "leave it out"},
        Refused{"service_tier", R"({"service_tier": "flex"})", "service_tier",
                "only 'auto' and 'default'"},
        Refused{"parallel_tool_calls", R"({"parallel_tool_calls": false})", "parallel_tool_calls",
                "one tool call at a time"},
        Refused{"verbosity", R"({"verbosity": "low"})", "verbosity", "no verbosity"},
        Refused{"moderation", R"({"moderation": {}})", "moderation", "leave it out"},
        Refused{"response_format_string", R"({"response_format": "json"})", "response_format",
                "must be an object"},
        Refused{"function_call", R"({"function_call": "auto"})", "function_call", "deprecated"},
        Refused{"unknown", R"({"temprature": 0.5})", "temprature",
                "Unrecognized request argument"}));

TEST(OpenAIToConverse, UnknownFieldNames_AreCleanedInParam) {
  expect_400(chat({user("a")}, {{"", 1}}), "\"\"", "Unrecognized request argument");
  const auto e = error_of(chat({user("a")}, {{"bad\nkey" + std::string(500, 'k'), 1}}));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->param().find('\n'), std::string::npos);
  EXPECT_LT(e->param().size(), 80u);  // 64 bytes and the ellipsis
}

TEST(OpenAIToConverse, HarmlessOpenAIFields_AreIgnored) {
  const auto body = body_of(chat({user("a")}, J(R"({"user": "u-1", "metadata": {"k": "v"},
      "store": true, "seed": 7, "safety_identifier": "s", "prompt_cache_key": "c",
      "prompt_cache_retention": "24h", "n": 1, "logprobs": false, "logit_bias": {},
      "frequency_penalty": 0, "presence_penalty": 0.0, "response_format": {"type": "text"},
      "parallel_tool_calls": true, "service_tier": "auto", "modalities": ["text"],
      "verbosity": "medium"})")));
  EXPECT_EQ(body, J(R"({"messages": [{"role": "user", "content": [{"text": "a"}]}]})"));
}

// ---- malformed requests ----------------------------------------------------------------------

TEST(OpenAIToConverse, MalformedRequests_Are400sWithPaths) {
  expect_400(chat({user("a")}, {{"messages", nullptr}}), "messages", "messages is missing");
  expect_400(chat(Json::object()), "messages", "must be an array");
  expect_400(chat(Json::array()), "messages", "messages is empty");
  expect_400(chat({user("a"), "hello"}), "messages[1]", "must be a message object");
  expect_400(chat({J(R"({"content": "x"})")}), "messages[0].role", "is missing");
  expect_400(chat({J(R"({"role": "wizard", "content": "x"})")}), "messages[0].role",
             "use system, developer, user, assistant or tool");
  expect_400(chat({J(R"({"role": "user", "content": 42})")}), "messages[0].content",
             "string or an array of content parts, not a number");
  expect_400(chat({J(R"({"role": "user"})")}), "messages[0].content", "is missing");
  expect_400(chat({J(R"({"role": "user", "content": ["x"]})")}), "messages[0].content[0]",
             "content part object");
  expect_400(chat({J(R"({"role": "user", "content": [{"type": "video"}]})")}),
             "messages[0].content[0].type", "use 'text' or 'image_url'");
  expect_400(chat({J(R"({"role": "system", "content": [{"type": "image_url"}]})"), user("a")}),
             "messages[0].content[0].type", "send text parts");
  expect_400(chat({user("a"), J(R"({"role": "assistant", "tool_calls": {}})")}),
             "messages[1].tool_calls", "must be an array");
}

TEST(OpenAIToConverse, BodyThatIsNotAnObject_Is400WithoutParam) {
  for (const auto& body : {Json(nullptr), Json(3), Json::array(), Json("x")}) {
    const auto e = error_of(body);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status(), 400);
    EXPECT_EQ(e->param(), "");
    EXPECT_EQ(e->body()["error"]["param"], nullptr);
    EXPECT_NE(std::string(e->what()).find("must be a JSON object"), std::string::npos);
  }
}

TEST(OpenAIToConverse, Errors_NeverQuoteTheRequestBeyondShortSanitisedValues) {
  const std::string secret = "sk-live-0123456789abcdefghijklmnopqrstuvwxyz";
  // A broken arguments string holding a secret: the error says where, not what.
  auto e = error_of(chat({user(secret.c_str()), assistant_calls("call_1", "get_weather",
                                                                ("{\"key\": \"" + secret).c_str())},
                         {{"tools", Json::array({kWeatherTool})}}));
  ASSERT_TRUE(e);
  EXPECT_EQ(std::string(e->what()).find("sk-live"), std::string::npos) << e->what();
  // A role is quoted, but cut short and without control characters.
  e = error_of(chat({{{"role", "\x1b[31m" + secret + secret}, {"content", "x"}}}));
  ASSERT_TRUE(e);
  const std::string m = e->what();
  EXPECT_EQ(m.find('\x1b'), std::string::npos);
  EXPECT_EQ(m.find(secret + secret), std::string::npos);
  EXPECT_LT(m.size(), 200u);
}

TEST(ApiError, Body_IsOpenAIsErrorShape) {
  const ApiError e(400, "n=2 is not supported", "invalid_request_error", "n", "unsupported_value");
  EXPECT_EQ(e.body(), J(R"({"error": {"message": "n=2 is not supported",
      "type": "invalid_request_error", "param": "n", "code": "unsupported_value"}})"));
  EXPECT_EQ(ApiError(404, "no such model", "invalid_request_error").body()["error"]["code"],
            nullptr);
  EXPECT_EQ(e.code(), "unsupported_value");
  EXPECT_EQ(e.status(), 400);
}

// ---- the answer ------------------------------------------------------------------------------

Json converse_answer(const char* content, const char* stop_reason = "end_turn") {
  Json a = {{"output", {{"message", {{"role", "assistant"}, {"content", J(content)}}}}},
            {"stopReason", stop_reason},
            {"usage", {{"inputTokens", 12}, {"outputTokens", 5}, {"totalTokens", 17}}},
            {"metrics", {{"latencyMs", 120}}}};
  return a;
}

TEST(ConverseToOpenAI, TextAnswer_IsAChatCompletion) {
  const auto out = converse_to_openai(converse_answer(R"([{"text": "Hello"}, {"text": " there"}])"),
                                      "7f1c-req", "bedrock/claude", 1700000000);
  EXPECT_EQ(out, J(R"({
      "id": "chatcmpl-7f1c-req", "object": "chat.completion", "created": 1700000000,
      "model": "bedrock/claude",
      "choices": [{"index": 0, "logprobs": null, "finish_reason": "stop",
                   "message": {"role": "assistant", "content": "Hello there", "refusal": null}}],
      "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17,
                "prompt_tokens_details": {"cached_tokens": 0}}})"));
}

TEST(ConverseToOpenAI, ToolUse_BecomesToolCallsWithNullContent) {
  const auto out = converse_to_openai(
      converse_answer(R"([{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather",
                            "input": {"city": "Paris", "days": 2}}},
                          {"toolUse": {"toolUseId": "tooluse_2", "name": "now"}}])",
                      "tool_use"),
      "r", "m", 1);
  const auto& choice = out["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "tool_calls");
  EXPECT_EQ(choice["message"]["content"], nullptr);
  EXPECT_EQ(choice["message"]["tool_calls"], J(R"([
      {"id": "tooluse_1", "type": "function",
       "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"days\":2}"}},
      {"id": "tooluse_2", "type": "function", "function": {"name": "now", "arguments": "{}"}}])"));
}

TEST(ConverseToOpenAI, TextAndToolUse_KeepBoth) {
  const auto out = converse_to_openai(
      converse_answer(R"([{"text": "Checking."}, {"toolUse": {"toolUseId": "t", "name": "f",
                            "input": {}}}])",
                      "tool_use"),
      "r", "m", 1);
  EXPECT_EQ(out["choices"][0]["message"]["content"], "Checking.");
  EXPECT_EQ(out["choices"][0]["message"]["tool_calls"].size(), 1u);
}

TEST(ConverseToOpenAI, StopReasons_MapToFinishReasons) {
  const std::pair<const char*, const char*> cases[] = {
      {"end_turn", "stop"},
      {"stop_sequence", "stop"},
      {"max_tokens", "length"},
      {"model_context_window_exceeded", "length"},
      {"tool_use", "tool_calls"},
      {"guardrail_intervened", "content_filter"},
      {"content_filtered", "content_filter"},
      {"something_new", "stop"},
  };
  for (const auto& [stop, finish] : cases) {
    EXPECT_EQ(converse_to_openai(converse_answer(R"([{"text": "x"}])", stop), "r", "m",
                                 1)["choices"][0]["finish_reason"],
              finish)
        << stop;
    EXPECT_EQ(openai_finish_reason(stop), finish);
  }
}

TEST(ConverseToOpenAI, CacheReadsAndWrites_CountAsPromptTokens) {
  auto answer = converse_answer(R"([{"text": "x"}])");
  answer["usage"] = J(R"({"inputTokens": 10, "outputTokens": 4, "totalTokens": 1014,
                          "cacheReadInputTokens": 800, "cacheWriteInputTokens": 200})");
  EXPECT_EQ(converse_to_openai(answer, "r", "m", 1)["usage"], J(R"({"prompt_tokens": 1010,
      "completion_tokens": 4, "total_tokens": 1014, "prompt_tokens_details": {"cached_tokens": 800}})"));
}

TEST(ConverseToOpenAI, AnswerWithoutOutput_IsAnEmptyContentFilteredCompletion) {
  const auto out = converse_to_openai(
      J(R"({"stopReason": "guardrail_intervened", "usage": {"inputTokens": 3, "outputTokens": 0}})"),
      "r", "m", 1);
  EXPECT_EQ(out["choices"][0]["message"]["content"], "");
  EXPECT_EQ(out["choices"][0]["finish_reason"], "content_filter");
  EXPECT_EQ(out["usage"]["prompt_tokens"], 3);
  EXPECT_EQ(converse_to_openai(Json::object(), "r", "m", 1)["choices"][0]["finish_reason"],
            "content_filter");
}

TEST(ConverseToOpenAI, ReasoningText_BecomesReasoningContentAndThinkingBlocks) {
  const auto out = converse_to_openai(
      converse_answer(
          R"([{"reasoningContent": {"reasoningText": {"text": "Think.", "signature": "sig"}}},
                          {"reasoningContent": {"redactedContent": "cmVkYWN0ZWQ="}},
                          {"text": "Answer."}])"),
      "r", "m", 1);
  const auto& message = out["choices"][0]["message"];
  EXPECT_EQ(message["reasoning_content"], "Think.");
  EXPECT_EQ(message["content"], "Answer.");
  EXPECT_EQ(message["thinking_blocks"], J(R"([
      {"type": "thinking", "thinking": "Think.", "signature": "sig"},
      {"type": "redacted_thinking", "data": "cmVkYWN0ZWQ="}])"));
}

TEST(ConverseToOpenAI, ThinkingBlocks_HandedBackAreReasoningContentAgain) {
  // Claude with thinking on wants its signed thinking back before the tool call it made.
  auto answer = converse_answer(R"([
      {"reasoningContent": {"reasoningText": {"text": "Need weather.", "signature": "sig1"}}},
      {"reasoningContent": {"redactedContent": "cmVk"}},
      {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Oslo"}}}])",
                                "tool_use");
  const auto message = converse_to_openai(answer, "r", "m", 1)["choices"][0]["message"];
  const auto body = body_of(chat({user("weather?"), message, tool_result("tooluse_1", "snow")},
                                 {{"tools", Json::array({kWeatherTool})}}));
  EXPECT_EQ(body["messages"][1]["content"], answer["output"]["message"]["content"]);
}

TEST(OpenAIToConverse, BadThinkingBlocks_Are400) {
  expect_400(chat({user("a"), J(R"({"role": "assistant", "content": "x",
                    "thinking_blocks": [{"type": "thinking", "thinking": "t"}]})")}),
             "messages[1].thinking_blocks[0].signature", "is missing");
  expect_400(chat({user("a"), J(R"({"role": "assistant", "content": "x",
                    "thinking_blocks": [{"type": "musing"}]})")}),
             "messages[1].thinking_blocks[0].type", "as the answer gave them");
  expect_400(
      chat({user("a"), J(R"({"role": "assistant", "content": "x", "thinking_blocks": {}})")}),
      "messages[1].thinking_blocks", "must be an array");
}

TEST(ConverseToOpenAI, OddFields_AreSkippedNotACrash) {
  const auto out = converse_to_openai(
      J(R"({"output": {"message": {"content": [1, "x", {"text": 5}, {"toolUse": "no"},
            {"toolUse": {"toolUseId": 3}}, {"text": "ok"}]}}, "stopReason": 7,
            "usage": {"inputTokens": "many", "outputTokens": -4}})"),
      "chatcmpl-abc", "m", 1);
  EXPECT_EQ(out["id"], "chatcmpl-abc");
  EXPECT_EQ(out["choices"][0]["message"]["content"], "ok");
  EXPECT_EQ(out["choices"][0]["message"]["tool_calls"][0]["id"], "");
  EXPECT_EQ(out["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(out["usage"]["prompt_tokens"], 0);
  EXPECT_EQ(out["usage"]["completion_tokens"], 0);
}

TEST(ConverseToOpenAI, AnswerThatIsNotAnObject_Is502) {
  try {
    (void)converse_to_openai(Json::array(), "r", "m", 1);
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 502);
    EXPECT_EQ(e.type(), "server_error");
  }
}

}  // namespace
}  // namespace llmauth::gateway
