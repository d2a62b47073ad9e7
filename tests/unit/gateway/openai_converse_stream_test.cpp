// ConverseStream events → chat.completion.chunk events, as specifications. The events are the
// shapes Bedrock sends (docs: ConverseStream; the emulator's converseStreamEvents), fed one at a
// time; the output is read back as SSE.
#include "llmauth/gateway/openai_converse_stream.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmauth::gateway {
namespace {

using json::Json;

Json J(const char* text) { return Json::parse(text); }

struct Sse {
  std::vector<Json> events;  // the data of every event but [DONE]
  bool done = false;         // data: [DONE] came, and last
};

// Parses SSE text strictly: every event is exactly "data: <payload>\n\n".
Sse parse_sse(const std::string& text) {
  Sse out;
  std::size_t at = 0;
  while (at < text.size()) {
    EXPECT_FALSE(out.done) << "an event after [DONE]";
    EXPECT_EQ(text.compare(at, 6, "data: "), 0) << text.substr(at, 40);
    const auto end = text.find("\n\n", at);
    if (end == std::string::npos) {
      ADD_FAILURE() << "an event without its blank line";
      break;
    }
    const std::string data = text.substr(at + 6, end - at - 6);
    EXPECT_EQ(data.find('\n'), std::string::npos);
    if (data == "[DONE]") {
      out.done = true;
    } else {
      out.events.push_back(Json::parse(data));
    }
    at = end + 2;
  }
  return out;
}

struct Event {
  const char* type;
  const char* payload;
};

// A translator fed `events`, then finish(); the SSE it wrote.
Sse translate(const std::vector<Event>& events, bool include_usage = false) {
  ConverseStreamTranslator t("req-1", "bedrock/claude", 1700000000, include_usage);
  std::string out;
  for (const auto& e : events) t.on_event(e.type, J(e.payload), out);
  t.finish(out);
  EXPECT_TRUE(t.ended());
  return parse_sse(out);
}

const Event kStart{"messageStart", R"({"role": "assistant"})"};
const Event kEndTurn{"messageStop", R"({"stopReason": "end_turn"})"};
const Event kMetadata{"metadata", R"({"usage": {"inputTokens": 10, "outputTokens": 3,
    "totalTokens": 13}, "metrics": {"latencyMs": 80}})"};

Json delta_of(const Json& chunk) { return chunk["choices"][0]["delta"]; }

TEST(ConverseStreamTranslator, MessageStart_IsAFirstChunkWithRoleAndEmptyContent) {
  const auto sse = translate({kStart, kEndTurn});
  ASSERT_EQ(sse.events.size(), 2u);
  EXPECT_EQ(sse.events[0], J(R"({"id": "chatcmpl-req-1", "object": "chat.completion.chunk",
      "created": 1700000000, "model": "bedrock/claude",
      "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                   "logprobs": null, "finish_reason": null}]})"));
}

TEST(ConverseStreamTranslator, TextDeltas_AreContentChunks) {
  const auto sse =
      translate({kStart,
                 {"contentBlockDelta", R"({"contentBlockIndex": 0, "delta": {"text": "Hel"}})"},
                 {"contentBlockDelta", R"({"contentBlockIndex": 0, "delta": {"text": "lo"}})"},
                 {"contentBlockStop", R"({"contentBlockIndex": 0})"},
                 kEndTurn,
                 kMetadata});
  ASSERT_EQ(sse.events.size(), 4u);
  EXPECT_EQ(delta_of(sse.events[1]), J(R"({"content": "Hel"})"));
  EXPECT_EQ(delta_of(sse.events[2]), J(R"({"content": "lo"})"));
  EXPECT_TRUE(sse.done);
}

TEST(ConverseStreamTranslator, MessageStop_IsAFinishChunkWithAnEmptyDelta) {
  const auto sse = translate({kStart, {"messageStop", R"({"stopReason": "max_tokens"})"}});
  EXPECT_EQ(sse.events.back()["choices"][0], J(R"({"index": 0, "delta": {}, "logprobs": null,
      "finish_reason": "length"})"));
}

TEST(ConverseStreamTranslator, ToolUse_StartsACallThenStreamsItsArguments) {
  const auto sse =
      translate({kStart,
                 {"contentBlockStart", R"({"contentBlockIndex": 0, "start": {"toolUse": {
           "toolUseId": "tooluse_a1", "name": "get_weather"}}})"},
                 {"contentBlockDelta",
                  R"({"contentBlockIndex": 0, "delta": {"toolUse": {"input": "{\"city\""}}})"},
                 {"contentBlockDelta",
                  R"({"contentBlockIndex": 0, "delta": {"toolUse": {"input": ": \"Paris\"}"}}})"},
                 {"contentBlockStop", R"({"contentBlockIndex": 0})"},
                 {"messageStop", R"({"stopReason": "tool_use"})"}});
  ASSERT_EQ(sse.events.size(), 5u);
  EXPECT_EQ(delta_of(sse.events[1]), J(R"({"tool_calls": [{"index": 0, "id": "tooluse_a1",
      "type": "function", "function": {"name": "get_weather", "arguments": ""}}]})"));
  EXPECT_EQ(delta_of(sse.events[2]),
            J(R"({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\""}}]})"));
  EXPECT_EQ(delta_of(sse.events[3]),
            J(R"({"tool_calls": [{"index": 0, "function": {"arguments": ": \"Paris\"}"}}]})"));
  EXPECT_EQ(sse.events[4]["choices"][0]["finish_reason"], "tool_calls");
}

TEST(ConverseStreamTranslator, ToolCallIndex_CountsToolsOnlyNotContentBlocks) {
  // Text is content block 0; the tools are blocks 1 and 2 but tool calls 0 and 1.
  const auto sse = translate(
      {kStart,
       {"contentBlockDelta", R"({"contentBlockIndex": 0, "delta": {"text": "Let me check."}})"},
       {"contentBlockStop", R"({"contentBlockIndex": 0})"},
       {"contentBlockStart",
        R"({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "t1", "name": "a"}}})"},
       {"contentBlockDelta", R"({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{}"}}})"},
       {"contentBlockStop", R"({"contentBlockIndex": 1})"},
       {"contentBlockStart",
        R"({"contentBlockIndex": 2, "start": {"toolUse": {"toolUseId": "t2", "name": "b"}}})"},
       {"contentBlockDelta",
        R"({"contentBlockIndex": 2, "delta": {"toolUse": {"input": "{\"x\":1}"}}})"},
       {"contentBlockStop", R"({"contentBlockIndex": 2})"},
       {"messageStop", R"({"stopReason": "tool_use"})"}});
  std::vector<std::pair<int, std::string>> calls;  // (index, id or arguments)
  for (const auto& e : sse.events) {
    const auto d = delta_of(e);
    if (!d.contains("tool_calls")) continue;
    const auto& c = d["tool_calls"][0];
    calls.emplace_back(c["index"].get<int>(), c.contains("id")
                                                  ? c["id"].get<std::string>()
                                                  : c["function"]["arguments"].get<std::string>());
  }
  EXPECT_EQ(calls, (std::vector<std::pair<int, std::string>>{
                       {0, "t1"}, {0, "{}"}, {1, "t2"}, {1, "{\"x\":1}"}}));
}

TEST(ConverseStreamTranslator, ToolWithoutArgumentDeltas_GetsEmptyObjectArguments) {
  const auto sse = translate(
      {kStart,
       {"contentBlockStart",
        R"({"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "t1", "name": "now"}}})"},
       {"contentBlockStop", R"({"contentBlockIndex": 0})"},
       {"contentBlockStart",
        R"({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "t2", "name": "now"}}})"},
       {"messageStop", R"({"stopReason": "tool_use"})"}});  // block 1 never stopped
  ASSERT_EQ(sse.events.size(), 6u);
  EXPECT_EQ(delta_of(sse.events[2]),
            J(R"({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]})"));
  EXPECT_EQ(delta_of(sse.events[4]),
            J(R"({"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]})"));
  EXPECT_EQ(sse.events[5]["choices"][0]["finish_reason"], "tool_calls");
}

TEST(ConverseStreamTranslator, EveryChunk_CarriesOneIdCreatedAndModel) {
  const auto sse = translate(
      {kStart,
       {"contentBlockDelta", R"({"contentBlockIndex": 0, "delta": {"text": "x"}})"},
       {"contentBlockStart",
        R"({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "t", "name": "f"}}})"},
       kEndTurn,
       kMetadata},
      true);
  ASSERT_GE(sse.events.size(), 5u);
  for (const auto& e : sse.events) {
    EXPECT_EQ(e["id"], "chatcmpl-req-1");
    EXPECT_EQ(e["object"], "chat.completion.chunk");
    EXPECT_EQ(e["created"], 1700000000);
    EXPECT_EQ(e["model"], "bedrock/claude");
  }
}

TEST(ConverseStreamTranslator, IncludeUsage_SendsAUsageChunkWithNoChoicesBeforeDone) {
  const auto sse = translate({kStart, kEndTurn, kMetadata}, true);
  ASSERT_EQ(sse.events.size(), 3u);
  EXPECT_TRUE(sse.done);
  EXPECT_EQ(sse.events[0]["usage"], nullptr);  // as OpenAI: null on every other chunk
  EXPECT_EQ(sse.events[1]["usage"], nullptr);
  EXPECT_EQ(sse.events[2], J(R"({"id": "chatcmpl-req-1", "object": "chat.completion.chunk",
      "created": 1700000000, "model": "bedrock/claude", "choices": [],
      "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13,
                "prompt_tokens_details": {"cached_tokens": 0}}})"));
}

TEST(ConverseStreamTranslator, WithoutIncludeUsage_NoUsageAnywhere) {
  const auto sse = translate({kStart, kEndTurn, kMetadata}, false);
  ASSERT_EQ(sse.events.size(), 2u);
  for (const auto& e : sse.events) EXPECT_FALSE(e.contains("usage"));
  EXPECT_TRUE(sse.done);
}

TEST(ConverseStreamTranslator, Usage_CountsCacheAndIsKeptForTheLog) {
  ConverseStreamTranslator t("r", "m", 1, false);
  std::string out;
  t.on_event("messageStart", J(R"({"role": "assistant"})"), out);
  t.on_event("messageStop", J(R"({"stopReason": "stop_sequence"})"), out);
  t.on_event("metadata", J(R"({"usage": {"inputTokens": 5, "outputTokens": 2,
      "cacheReadInputTokens": 100, "cacheWriteInputTokens": 7}})"),
             out);
  EXPECT_EQ(t.finish_reason(), "stop");
  EXPECT_EQ(t.usage(), J(R"({"prompt_tokens": 112, "completion_tokens": 2, "total_tokens": 114,
      "prompt_tokens_details": {"cached_tokens": 100}})"));
}

TEST(ConverseStreamTranslator, ExceptionMidStream_IsAnOpenAIErrorEventAndEndsTheStream) {
  ConverseStreamTranslator t("r", "m", 1, true);
  std::string out;
  t.on_event("messageStart", J(R"({"role": "assistant"})"), out);
  t.on_event("contentBlockDelta", J(R"({"contentBlockIndex": 0, "delta": {"text": "Par"}})"), out);
  t.on_exception("throttlingException", "Too many tokens, please wait before trying again.", out);
  EXPECT_TRUE(t.ended());
  t.on_event("contentBlockDelta", J(R"({"contentBlockIndex": 0, "delta": {"text": "is"}})"), out);
  t.finish(out);
  const auto sse = parse_sse(out);
  ASSERT_EQ(sse.events.size(), 3u);
  EXPECT_FALSE(sse.done);  // no [DONE] after an error
  EXPECT_EQ(sse.events[2]["error"]["type"], "rate_limit_error");
  EXPECT_EQ(sse.events[2]["error"]["code"], "throttlingException");
  EXPECT_EQ(sse.events[2]["error"]["param"], nullptr);
  const std::string message = sse.events[2]["error"]["message"];
  EXPECT_NE(message.find("throttlingException in the middle of the stream"), std::string::npos);
  EXPECT_NE(message.find("Too many tokens"), std::string::npos);
}

TEST(ConverseStreamTranslator, ExceptionTypes_MapToOpenAIErrorTypes) {
  const std::pair<const char*, const char*> cases[] = {
      {"throttlingException", "rate_limit_error"},
      {"validationException", "invalid_request_error"},
      {"modelStreamErrorException", "server_error"},
      {"internalServerException", "server_error"},
      {"serviceUnavailableException", "server_error"},
  };
  for (const auto& [exception, type] : cases) {
    ConverseStreamTranslator t("r", "m", 1, false);
    std::string out;
    t.on_exception(exception, "", out);
    EXPECT_EQ(parse_sse(out).events.at(0)["error"]["type"], type) << exception;
  }
}

TEST(ConverseStreamTranslator, ExceptionText_IsSanitisedAndShort) {
  ConverseStreamTranslator t("r", "m", 1, false);
  std::string out;
  t.on_exception("bad\x1b[2Jtype", std::string(5000, 'x') + "\r\ninjected", out);
  const auto sse = parse_sse(out);
  const std::string message = sse.events.at(0)["error"]["message"];
  EXPECT_EQ(message.find('\x1b'), std::string::npos);
  EXPECT_LT(message.size(), 500u);
}

TEST(ConverseStreamTranslator, StreamEndingBeforeMessageStop_IsAnErrorEventNotDone) {
  const auto sse = translate(
      {kStart, {"contentBlockDelta", R"({"contentBlockIndex": 0, "delta": {"text": "Hal"}})"}});
  EXPECT_FALSE(sse.done);
  ASSERT_EQ(sse.events.size(), 3u);
  EXPECT_EQ(sse.events[2]["error"]["code"], "incomplete_stream");
  EXPECT_NE(sse.events[2]["error"]["message"].get<std::string>().find("answer is incomplete"),
            std::string::npos);
}

TEST(ConverseStreamTranslator, ToolInputForABlockThatNeverStarted_EndsTheStreamWithAnError) {
  ConverseStreamTranslator t("r", "m", 1, false);
  std::string out;
  t.on_event("messageStart", J(R"({"role": "assistant"})"), out);
  t.on_event("contentBlockDelta",
             J(R"({"contentBlockIndex": 3, "delta": {"toolUse": {"input": "{}"}}})"), out);
  EXPECT_TRUE(t.ended());
  const auto sse = parse_sse(out);
  ASSERT_EQ(sse.events.size(), 2u);
  EXPECT_EQ(sse.events[1]["error"]["type"], "server_error");
}

TEST(ConverseStreamTranslator, ReasoningDeltas_AreReasoningContentAndSignatureChunks) {
  const auto sse =
      translate({kStart,
                 {"contentBlockDelta",
                  R"({"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "Hmm."}}})"},
                 {"contentBlockDelta",
                  R"({"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "s"}}})"},
                 {"contentBlockDelta", R"({"contentBlockIndex": 1, "delta": {"text": "Yes."}})"},
                 kEndTurn});
  ASSERT_EQ(sse.events.size(), 5u);
  EXPECT_EQ(delta_of(sse.events[1]), J(R"({"reasoning_content": "Hmm."})"));
  EXPECT_EQ(delta_of(sse.events[2]), J(R"({"thinking_blocks": [{"type": "thinking",
      "thinking": "", "signature": "s"}]})"));
  EXPECT_EQ(delta_of(sse.events[3]), J(R"({"content": "Yes."})"));
}

TEST(ConverseStreamTranslator, ContentBeforeMessageStart_StillGetsTheRoleChunkFirst) {
  const auto sse = translate(
      {{"contentBlockDelta", R"({"contentBlockIndex": 0, "delta": {"text": "x"}})"}, kEndTurn});
  ASSERT_EQ(sse.events.size(), 3u);
  EXPECT_EQ(delta_of(sse.events[0])["role"], "assistant");
  EXPECT_EQ(delta_of(sse.events[1])["content"], "x");
}

TEST(ConverseStreamTranslator, UnknownEventsAndOddPayloads_AreSkipped) {
  const auto sse =
      translate({kStart,
                 {"somethingNew", R"({"x": 1})"},
                 {"contentBlockDelta", R"([1, 2])"},
                 {"contentBlockDelta", R"({"delta": "text"})"},
                 {"contentBlockDelta", R"({"contentBlockIndex": "z", "delta": {"text": 5}})"},
                 {"contentBlockStart", R"({"start": {"text": {}}})"},
                 {"metadata", R"({"usage": 3})"},
                 {"messageStop", R"({"stopReason": null})"},
                 {"messageStop", R"({"stopReason": "max_tokens"})"}});
  ASSERT_EQ(sse.events.size(), 2u);
  EXPECT_EQ(sse.events[1]["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(sse.done);
}

}  // namespace
}  // namespace llmauth::gateway
