// AzureOpenAIClient without a network: the wire body and URLs, SSE streaming split anywhere,
// retries, the forced refresh after a 401, custom headers that cannot override the key, and
// malformed answers.
#include "llmauth/llm/azure_openai_client.hpp"

#include <gtest/gtest.h>

#include "llm_test_support.hpp"

namespace llmauth::testing {
namespace {

using llm::AzureOpenAIClient;
using llm::AzureOpenAIOptions;
using llm::ChatRequest;
using llm::Message;

constexpr const char* kCompletion =
    R"({"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-2024-11-20",
        "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],
        "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";

struct Fixture {
  std::shared_ptr<ScriptedTransport> transport;
  std::shared_ptr<CountingAuthorizer> auth = std::make_shared<CountingAuthorizer>();
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<AzureOpenAIClient> client;

  explicit Fixture(ScriptedTransport::Handler h, AzureOpenAIOptions o = {}, std::size_t chunk = 7,
                   bool refreshable = true) {
    transport = std::make_shared<ScriptedTransport>(std::move(h), chunk);
    auth = std::make_shared<CountingAuthorizer>(refreshable);
    if (o.endpoint.empty()) o.endpoint = "https://contoso.openai.azure.com/";
    if (o.default_deployment.empty()) o.default_deployment = "gpt-4o";
    client = std::make_unique<AzureOpenAIClient>(
        transport, auth, std::move(o),
        [this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
};

ChatRequest ask(std::string text) {
  ChatRequest r;
  r.messages = {Message::user(std::move(text))};
  return r;
}

TEST(AzureOpenAIClient, UrlsOfBothApis) {
  Fixture v1([](const http::Request&) { return answer(200, kCompletion); });
  EXPECT_EQ(v1.client->chat_url(ask("x")),
            "https://contoso.openai.azure.com/openai/v1/chat/completions");

  AzureOpenAIOptions o;
  o.api = AzureOpenAIOptions::Api::kDeployments;
  o.api_version = "2024-10-21";
  Fixture dep([](const http::Request&) { return answer(200, kCompletion); }, o);
  ChatRequest r = ask("x");
  r.model = "my deployment/1";
  EXPECT_EQ(
      dep.client->chat_url(r),
      "https://contoso.openai.azure.com/openai/deployments/my%20deployment%2F1/chat/completions"
      "?api-version=2024-10-21");
}

TEST(AzureOpenAIClient, DeploymentsApiWithoutVersionIsRefused) {
  AzureOpenAIOptions o;
  o.endpoint = "https://contoso.openai.azure.com";
  o.api = AzureOpenAIOptions::Api::kDeployments;
  EXPECT_THROW(AzureOpenAIClient(std::make_shared<ScriptedTransport>(nullptr),
                                 std::make_shared<CountingAuthorizer>(), o),
               Error);
}

TEST(AzureOpenAIClient, RequestBodyMapsEveryField) {
  Fixture f([](const http::Request&) { return answer(200, kCompletion); });
  ChatRequest r;
  r.messages = {Message::system("be brief"), Message::user("weather?")};
  Message call = Message::assistant("");
  call.tool_calls = {{"call_1", "lookup", R"({"q":"Oslo"})"}};
  r.messages.push_back(call);
  r.messages.push_back(Message::tool("call_1", "sunny"));
  r.temperature = 0.5;
  r.top_p = 0.9;
  r.max_tokens = 42;
  r.stop = {"END"};
  r.tools = {{"lookup", "Looks up", {{"type", "object"}}}};
  r.tool_choice = "lookup";
  const auto body = f.client->request_body(r, true);
  const auto expected = json::parse(R"({
    "model":"gpt-4o",
    "messages":[{"role":"system","content":"be brief"},{"role":"user","content":"weather?"},
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                  "function":{"name":"lookup","arguments":"{\"q\":\"Oslo\"}"}}]},
                {"role":"tool","tool_call_id":"call_1","content":"sunny"}],
    "temperature":0.5,"top_p":0.9,"max_tokens":42,"stop":["END"],
    "tools":[{"type":"function","function":{"name":"lookup","description":"Looks up","parameters":{"type":"object"}}}],
    "tool_choice":{"type":"function","function":{"name":"lookup"}},
    "stream":true,"stream_options":{"include_usage":true}})",
                                    "expected");
  EXPECT_EQ(body, expected) << body.dump(2);
  r.tool_choice = "required";
  EXPECT_EQ(f.client->request_body(r, false)["tool_choice"], "required");
  EXPECT_FALSE(f.client->request_body(r, false).contains("stream"));
}

TEST(AzureOpenAIClient, ChatParsesTheCompletion) {
  Fixture f([](const http::Request& r) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(http::find_header(r.headers, "api-key").value_or(""), "key-generation-1");
    return answer(200, kCompletion);
  });
  const auto r = f.client->chat(ask("hi"));
  EXPECT_EQ(r.message.content, "Hello there");
  EXPECT_EQ(r.finish_reason, "stop");
  ASSERT_TRUE(r.usage.has_value());
  EXPECT_EQ(r.usage->total_tokens, 5);
  EXPECT_EQ(r.model, "gpt-4o-2024-11-20");
}

// A realistic stream: Azure's prompt-filter event first, role delta, content, a tool call in
// fragments, finish, usage, [DONE]; with CRLF line ends to make the parser work.
std::string azure_stream() {
  const char* events[] = {
      R"({"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hel"}}]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"lo"}}]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_9","type":"function","function":{"name":"f","arguments":""}}]}}]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]}}]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})",
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":6,"total_tokens":10}})",
  };
  std::string s;
  for (const char* e : events) s += std::string("data: ") + e + "\r\n\r\n";
  return s + "data: [DONE]\r\n\r\n";
}

TEST(AzureOpenAIClient, StreamAssemblesTheSameAnswerWhateverTheChunkSize) {
  const std::string body = azure_stream();
  for (std::size_t chunk :
       {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{64}, body.size()}) {
    Fixture f(
        [&](const http::Request& r) {
          EXPECT_EQ(http::find_header(r.headers, "accept").value_or(""), "text/event-stream");
          return answer(200, body);
        },
        {}, chunk);
    std::string content;
    int deltas = 0;
    const auto r = f.client->chat_stream(ask("hi"), [&](const llm::StreamDelta& d) {
      content += d.content;
      ++deltas;
    });
    EXPECT_EQ(content, "Hello") << chunk;
    EXPECT_EQ(r.message.content, "Hello");
    ASSERT_EQ(r.message.tool_calls.size(), 1u);
    EXPECT_EQ(r.message.tool_calls[0].id, "call_9");
    EXPECT_EQ(r.message.tool_calls[0].name, "f");
    EXPECT_EQ(r.message.tool_calls[0].arguments, R"({"a":1})");
    EXPECT_EQ(r.finish_reason, "tool_calls");
    ASSERT_TRUE(r.usage.has_value());
    EXPECT_EQ(r.usage->total_tokens, 10);
    EXPECT_EQ(r.id, "c1");
    EXPECT_GE(deltas, 8);
  }
}

TEST(AzureOpenAIClient, StreamWithoutDoneIsIncomplete) {
  std::string body = azure_stream();
  body.resize(body.find("data: [DONE]"));
  Fixture f([&](const http::Request&) { return answer(200, body); });
  try {
    (void)f.client->chat_stream(ask("hi"), nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[DONE]"), std::string::npos) << e.what();
  }
}

TEST(AzureOpenAIClient, ErrorEventInTheStreamIsAProviderError) {
  const std::string body =
      "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
      "data: {\"error\":{\"code\":\"server_error\",\"message\":\"The server had an error\"}}\n\n";
  Fixture f([&](const http::Request&) { return answer(200, body); });
  try {
    (void)f.client->chat_stream(ask("hi"), nullptr);
    FAIL();
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.provider_code(), "server_error");
  }
}

TEST(AzureOpenAIClient, MalformedStreamEventIsInvalidInputNamingIt) {
  Fixture f([](const http::Request&) { return answer(200, "data: {not json\n\n"); });
  try {
    (void)f.client->chat_stream(ask("hi"), nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("stream event"), std::string::npos) << e.what();
  }
}

TEST(AzureOpenAIClient, ThrottlingRetriedWithRetryAfterMs_ClientErrorsNot) {
  int calls = 0;
  Fixture f([&](const http::Request&) {
    ++calls;
    if (calls == 1)
      return answer(429, R"({"error":{"code":"429","message":"slow down"}})",
                    {{"retry-after-ms", "1500"}});
    return answer(200, kCompletion);
  });
  EXPECT_EQ(f.client->chat(ask("x")).message.content, "Hello there");
  ASSERT_EQ(f.sleeps.size(), 1u);
  EXPECT_EQ(f.sleeps[0], std::chrono::milliseconds(1500));

  calls = 0;
  Fixture g([&](const http::Request&) {
    ++calls;
    return answer(400, R"({"error":{"code":"BadRequest","message":"bad temperature"}})");
  });
  try {
    (void)g.client->chat(ask("x"));
    FAIL();
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.provider_code(), "BadRequest");
    EXPECT_NE(std::string(e.what()).find("bad temperature"), std::string::npos);
  }
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(g.sleeps.empty());
}

TEST(AzureOpenAIClient, UnauthorizedRefreshesOnceThenRetries) {
  Fixture f([](const http::Request& r) {
    const auto key = http::find_header(r.headers, "api-key").value_or("");
    return key == "key-generation-1"
               ? answer(401, R"({"error":{"code":"401","message":"expired"}})")
               : answer(200, kCompletion);
  });
  EXPECT_EQ(f.client->chat(ask("x")).message.content, "Hello there");
  EXPECT_EQ(f.auth->invalidated, 1);
  EXPECT_EQ(f.transport->requests().size(), 2u);
}

TEST(AzureOpenAIClient, UnauthorizedWithAFixedKeyIsNotRetried) {
  Fixture f(
      [](const http::Request&) {
        return answer(401, R"({"error":{"code":"401","message":"Access denied"}})");
      },
      {}, 7, /*refreshable=*/false);
  try {
    (void)f.client->chat(ask("x"));
    FAIL();
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_NE(std::string(e.what()).find("check the API key"), std::string::npos) << e.what();
  }
  EXPECT_EQ(f.transport->requests().size(), 1u);
}

TEST(AzureOpenAIClient, TransportErrorsAreRetriedBeforeAnyData) {
  int calls = 0;
  Fixture f([&](const http::Request&) -> http::Response {
    if (++calls < 3) throw Error("connection reset", ErrorCode::kNetwork);
    return answer(200, kCompletion);
  });
  EXPECT_EQ(f.client->chat(ask("x")).message.content, "Hello there");
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(f.sleeps.size(), 2u);
}

TEST(AzureOpenAIClient, CustomHeadersAreSentButCannotReplaceTheKey) {
  AzureOpenAIOptions o;
  o.headers = {{"X-Team", "research"}, {"api-key", "attacker"}, {"Authorization", "Bearer x"}};
  Fixture f(
      [](const http::Request& r) {
        EXPECT_EQ(http::find_header(r.headers, "x-team").value_or(""), "research");
        EXPECT_EQ(http::find_header(r.headers, "api-key").value_or(""), "key-generation-1");
        EXPECT_FALSE(http::find_header(r.headers, "authorization").has_value());
        return answer(200, kCompletion);
      },
      o);
  (void)f.client->chat(ask("x"));
  EXPECT_EQ(f.transport->requests().size(), 1u);
}

TEST(AzureOpenAIClient, MalformedCompletionNamesTheJsonPath) {
  for (const char* body :
       {R"({"choices":[]})", R"({"choices":[{"index":0}]})",
        R"({"choices":[{"message":{"tool_calls":[{"function":{"name":"f"}}]}}]})", "[1,2]"}) {
    try {
      (void)llm::parse_chat_completion(body);
      FAIL() << body;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput) << body;
      EXPECT_NE(std::string(e.what()).find("Azure OpenAI response"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace llmauth::testing
