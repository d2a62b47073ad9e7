// BedrockClient without a network: the Converse body (turn merging, tools, inference config),
// model ids in the path, the answer mapping, and ConverseStream decoded from frames that the
// official @smithy/eventstream-codec encoded (tests/data/eventstream), fed in every chunk size.
#include "llmauth/llm/bedrock_client.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "llm_test_support.hpp"

namespace llmauth::testing {
namespace {

using llm::BedrockClient;
using llm::BedrockOptions;
using llm::ChatRequest;
using llm::Message;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(LLMAUTH_SOURCE_DIR) + "/tests/data/eventstream/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return {std::istreambuf_iterator<char>(in), {}};
}

ChatRequest ask(std::string text) {
  ChatRequest r;
  r.messages = {Message::user(std::move(text))};
  return r;
}

std::unique_ptr<BedrockClient> make(
    std::shared_ptr<ScriptedTransport> t,
    std::shared_ptr<CountingAuthorizer> a = std::make_shared<CountingAuthorizer>()) {
  BedrockOptions o;
  o.region = "us-east-1";
  o.default_model = "anthropic.claude-3-haiku-20240307-v1:0";
  return std::make_unique<BedrockClient>(std::move(t), std::move(a), o,
                                         [](std::chrono::milliseconds) {});
}

TEST(BedrockClient, RegionalEndpointAndEncodedModelIds) {
  auto c = make(std::make_shared<ScriptedTransport>(nullptr));
  EXPECT_EQ(c->model_url("anthropic.claude-3-haiku-20240307-v1:0", "converse"),
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
            "anthropic.claude-3-haiku-20240307-v1%3A0/converse");
  EXPECT_EQ(c->model_url("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x-v1:0",
                         "converse-stream"),
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.x-v1%3A0/"
            "converse-stream");
  BedrockOptions cn;
  cn.region = "cn-north-1";
  BedrockClient china(std::make_shared<ScriptedTransport>(nullptr),
                      std::make_shared<CountingAuthorizer>(), cn);
  EXPECT_EQ(china.model_url("m", "invoke"),
            "https://bedrock-runtime.cn-north-1.amazonaws.com.cn/model/m/invoke");
}

TEST(BedrockClient, ConverseBodyMergesTurnsAndMapsTools) {
  ChatRequest r;
  r.messages = {Message::system("be brief"), Message::user("weather in Oslo and Bergen?")};
  Message calls = Message::assistant("Let me check.");
  calls.tool_calls = {{"t1", "lookup", R"({"q":"Oslo"})"}, {"t2", "lookup", R"({"q":"Bergen"})"}};
  r.messages.push_back(calls);
  r.messages.push_back(Message::tool("t1", "sunny"));
  r.messages.push_back(Message::tool("t2", "rain"));
  r.max_tokens = 100;
  r.temperature = 0.2;
  r.stop = {"END"};
  r.tools = {{"lookup", "Looks up", {{"type", "object"}}}};
  r.tool_choice = "required";
  const auto expected = json::parse(R"({
    "messages":[
      {"role":"user","content":[{"text":"weather in Oslo and Bergen?"}]},
      {"role":"assistant","content":[{"text":"Let me check."},
        {"toolUse":{"toolUseId":"t1","name":"lookup","input":{"q":"Oslo"}}},
        {"toolUse":{"toolUseId":"t2","name":"lookup","input":{"q":"Bergen"}}}]},
      {"role":"user","content":[
        {"toolResult":{"toolUseId":"t1","content":[{"text":"sunny"}]}},
        {"toolResult":{"toolUseId":"t2","content":[{"text":"rain"}]}}]}],
    "system":[{"text":"be brief"}],
    "inferenceConfig":{"maxTokens":100,"temperature":0.2,"stopSequences":["END"]},
    "toolConfig":{"tools":[{"toolSpec":{"name":"lookup","description":"Looks up","inputSchema":{"json":{"type":"object"}}}}],
                  "toolChoice":{"any":{}}}})",
                                    "expected");
  EXPECT_EQ(BedrockClient::converse_body(r), expected) << BedrockClient::converse_body(r).dump(2);

  r.tool_choice = "lookup";
  EXPECT_EQ(BedrockClient::converse_body(r)["toolConfig"]["toolChoice"],
            (json::Json{{"tool", {{"name", "lookup"}}}}));
  r.tool_choice = "none";
  EXPECT_THROW((void)BedrockClient::converse_body(r), Error);
}

TEST(BedrockClient, ToolArgumentsThatAreNotAnObjectAreRefused) {
  ChatRequest r = ask("x");
  Message calls = Message::assistant("");
  calls.tool_calls = {{"t1", "lookup", "[1,2]"}};
  r.messages.push_back(calls);
  EXPECT_THROW((void)BedrockClient::converse_body(r), Error);
}

TEST(BedrockClient, ConverseAnswerMapsStopReasonsAndToolUse) {
  const auto r = llm::parse_converse_response(
      R"({"output":{"message":{"role":"assistant","content":[{"text":"Checking."},
          {"toolUse":{"toolUseId":"tooluse_1","name":"lookup","input":{"q":"Oslo"}}}]}},
          "stopReason":"tool_use","usage":{"inputTokens":5,"outputTokens":7,"totalTokens":12}})",
      "m");
  EXPECT_EQ(r.message.content, "Checking.");
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].arguments, R"({"q":"Oslo"})");
  EXPECT_EQ(r.finish_reason, "tool_calls");
  EXPECT_EQ(r.usage->prompt_tokens, 5);
  for (const auto& [bedrock, openai] :
       std::vector<std::pair<std::string, std::string>>{{"end_turn", "stop"},
                                                        {"stop_sequence", "stop"},
                                                        {"max_tokens", "length"},
                                                        {"guardrail_intervened", "content_filter"},
                                                        {"something_new", "something_new"}}) {
    const auto x = llm::parse_converse_response(
        R"({"output":{"message":{"role":"assistant","content":[]}},"stopReason":")" + bedrock +
            "\"}",
        "m");
    EXPECT_EQ(x.finish_reason, openai);
  }
  EXPECT_THROW((void)llm::parse_converse_response(R"({"output":{}})", "m"), Error);
}

TEST(BedrockClient, ConverseStreamFromOfficialFramesInEveryChunkSize) {
  const std::string frames = fixture("converse_stream.bin");
  ASSERT_FALSE(frames.empty());
  for (std::size_t chunk = 1; chunk <= frames.size(); chunk = chunk < 16 ? chunk + 1 : chunk * 2) {
    auto t = std::make_shared<ScriptedTransport>(
        [&](const http::Request& r) {
          EXPECT_NE(r.url.find("/converse-stream"), std::string::npos);
          return answer(200, frames, {{"content-type", "application/vnd.amazon.eventstream"}});
        },
        chunk);
    auto c = make(t);
    std::string streamed;
    const auto r = c->chat_stream(ask("why is the sky blue"),
                                  [&](const llm::StreamDelta& d) { streamed += d.content; });
    const std::string text =
        "The sky looks blue because air molecules scatter short (blue) wavelengths of sunlight — "
        "Rayleigh scattering.";
    EXPECT_EQ(streamed, text) << "chunk " << chunk;
    EXPECT_EQ(r.message.content, text);
    EXPECT_EQ(r.finish_reason, "stop");
    ASSERT_TRUE(r.usage.has_value());
    EXPECT_EQ(r.usage->total_tokens, 45);
  }
}

TEST(BedrockClient, ConverseStreamExceptionFrameIsAProviderError) {
  const std::string frames = fixture("converse_stream.bin");
  const std::string exception = fixture("exception.bin");
  // Two events, then the service's throttling exception.
  auto frame_length = [&](std::size_t at) {
    std::size_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(frames[at + i]);
    return n;
  };
  const std::size_t two = frame_length(0) + frame_length(frame_length(0));
  auto t = std::make_shared<ScriptedTransport>(
      [&](const http::Request&) { return answer(200, frames.substr(0, two) + exception); });
  auto c = make(t);
  std::string seen;
  try {
    (void)c->chat_stream(ask("x"), [&](const llm::StreamDelta& d) { seen += d.content; });
    FAIL();
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.provider_code(), "throttlingException");
    EXPECT_EQ(e.status(), 429);
    EXPECT_NE(std::string(e.what()).find("Too many tokens"), std::string::npos) << e.what();
  }
  EXPECT_EQ(seen, "The") << "the delta before the exception reached the sink";
}

TEST(BedrockClient, TruncatedOrCorruptStreamsAreErrors) {
  const std::string frames = fixture("converse_stream.bin");
  // Cut inside a frame: the decoder reports it at the end of the stream.
  auto cut = make(std::make_shared<ScriptedTransport>(
      [&](const http::Request&) { return answer(200, frames.substr(0, frames.size() - 10)); }));
  EXPECT_THROW((void)cut->chat_stream(ask("x"), nullptr), Error);
  // Whole frames but no messageStop: an incomplete answer, not a short one.
  auto partial = make(std::make_shared<ScriptedTransport>(
      [&](const http::Request&) { return answer(200, frames.substr(0, 300)); }));
  EXPECT_THROW((void)partial->chat_stream(ask("x"), nullptr), Error);
  // A flipped payload bit: the message CRC catches it.
  std::string corrupt = frames;
  corrupt[40] = static_cast<char>(corrupt[40] ^ 0x01);
  auto bad = make(std::make_shared<ScriptedTransport>(
      [&](const http::Request&) { return answer(200, corrupt); }));
  try {
    (void)bad->chat_stream(ask("x"), nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("CRC"), std::string::npos) << e.what();
  }
}

TEST(BedrockClient, ErrorTypeHeaderWithoutItsNamespace) {
  auto t = std::make_shared<ScriptedTransport>([](const http::Request&) {
    return answer(
        403, R"({"message":"The security token included in the request is invalid."})",
        {{"x-amzn-ErrorType",
          "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/"},
         {"x-amzn-RequestId", "req-1"}});
  });
  auto c = make(t, std::make_shared<CountingAuthorizer>(false));
  try {
    (void)c->chat(ask("x"));
    FAIL();
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.status(), 403);
    EXPECT_EQ(e.provider_code(), "UnrecognizedClientException");
    EXPECT_EQ(e.request_id(), "req-1");
    EXPECT_NE(std::string(e.what()).find("were not accepted"), std::string::npos) << e.what();
  }
  EXPECT_EQ(t->requests().size(), 1u);
}

}  // namespace
}  // namespace llmauth::testing

namespace llmauth::testing {
namespace {

TEST(BedrockClient, AccessDenied403_DoesNotForceACredentialRefetch) {
  // "Permission denied" is about the identity, not the credential: a new credential of the
  // same identity would be refused the same way, so it is not fetched.
  auto t = std::make_shared<ScriptedTransport>([](const http::Request&) {
    return answer(403, R"({"message":"User is not authorized to perform bedrock:InvokeModel"})",
                  {{"x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/"}});
  });
  auto a = std::make_shared<CountingAuthorizer>();
  auto client = make(t, a);
  EXPECT_THROW(client->chat(ask("hi")), llm::ProviderError);
  EXPECT_EQ(a->invalidated, 0);
  EXPECT_EQ(t->requests().size(), 1u);
}

TEST(BedrockClient, ExpiredToken403_RefetchesTheCredentialOnce) {
  int calls = 0;
  auto t = std::make_shared<ScriptedTransport>([&](const http::Request&) {
    return ++calls == 1
               ? answer(403,
                        R"({"message":"The security token included in the request is expired"})",
                        {{"x-amzn-ErrorType", "ExpiredTokenException"}})
               : answer(
                     200,
                     R"({"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"end_turn"})");
  });
  auto a = std::make_shared<CountingAuthorizer>();
  EXPECT_EQ(make(t, a)->chat(ask("hi")).message.content, "ok");
  EXPECT_EQ(a->invalidated, 1);
}

TEST(BedrockClient, ErrorThatEchoesTheCredential_IsScrubbed) {
  // The test authorizer sends "api-key: key-generation-1"; a hostile 401 page quotes it, with a
  // forged line and an escape sequence.
  auto t = std::make_shared<ScriptedTransport>([](const http::Request& r) {
    const std::string key(http::find_header(r.headers, "api-key").value_or(""));
    return answer(400, "{\"message\":\"bad key " + key + "\\nllmauth: \\u001b[32mOK\"}",
                  {{"x-amzn-ErrorType", "ValidationException"}});
  });
  try {
    make(t)->chat(ask("hi"));
    FAIL();
  } catch (const llm::ProviderError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find("key-generation-1"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    EXPECT_EQ(what.find('\x1b'), std::string::npos) << what;
    EXPECT_NE(what.find("bad key ****"), std::string::npos) << what;
  }
}

TEST(BedrockClient, RetriesAreCountedInTheFinalError) {
  auto t = std::make_shared<ScriptedTransport>([](const http::Request&) {
    return answer(503, R"({"message":"busy"})",
                  {{"x-amzn-ErrorType", "ServiceUnavailableException"}});
  });
  try {
    make(t)->chat(ask("hi"));
    FAIL();
  } catch (const llm::ProviderError& e) {
    EXPECT_NE(std::string(e.what()).find("after 4 attempts in"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmauth::testing
