// The chat clients and the client factory against the emulator: credential isolation, tools,
// streaming, retries, the forced refresh after a 401, provider errors, custom headers, model ids.
#include <gtest/gtest.h>

#include <atomic>

#include "llmauth/config/provider_config.hpp"
#include "llmauth/llm/bedrock_client.hpp"
#include "llmauth/llm/client_factory.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

using llm::ChatRequest;
using llm::Message;

constexpr const char* kModel = "anthropic.claude-3-haiku-20240307-v1:0";
constexpr const char* kTenant = "00000000-0000-0000-0000-000000000001";
constexpr const char* kClientId = "11111111-1111-1111-1111-111111111111";

ChatRequest ask(std::string text) {
  ChatRequest r;
  r.messages = {Message::user(std::move(text))};
  return r;
}

class ChatClients : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }

  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) {
    const auto& e = Emulator::get();
    extra.try_emplace("AWS_ENDPOINT_URL_STS", e.http_url());
    extra.try_emplace("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", e.http_url());
    extra.try_emplace("AZURE_AUTHORITY_HOST", e.https_url());
    return extra;
  }

  // A factory over one provider given as JSON; sleeps are recorded, not slept.
  std::shared_ptr<llm::ChatClient> client(const json::Json& provider,
                                          std::map<std::string, std::string> vars = {}) {
    file_ = config::parse_providers(json::Json{{"providers", {provider}}}.dump(), "test config");
    llm::ClientFactoryOptions options;
    options.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
    factory_ = std::make_unique<llm::ClientFactory>(test_ambient(env(std::move(vars))), options);
    return factory_->client(file_.providers.at(0));
  }

  json::Json azure_sp() const {
    return {{"name", "az"},
            {"type", "azure_openai"},
            {"endpoint", Emulator::get().http_url()},
            {"deployment", "gpt-4o"},
            {"auth",
             {{"type", "azure_ad_token_provider"},
              {"tenant_id", kTenant},
              {"client_id", kClientId},
              {"client_secret", "emulator-client-secret"}}}};
  }
  static json::Json bedrock_keys(const std::string& akid = kEmulatorAccessKey,
                                 const std::string& secret = kEmulatorSecretKey) {
    return {{"name", "br"},
            {"type", "aws_bedrock"},
            {"region", "us-east-1"},
            {"model", kModel},
            {"auth",
             {{"type", "access_keys"}, {"access_key_id", akid}, {"secret_access_key", secret}}}};
  }
  static json::Json last(const std::string& target) {
    const auto log =
        Emulator::get().control("GET", "/__control/requests?target=" + target + "&limit=1");
    return log.is_array() && !log.empty() ? log.back() : json::Json::object();
  }
  static void script(const std::string& target, json::Json responses) {
    Emulator::get().control("POST", "/__control/llm/script",
                            {{"target", target}, {"responses", responses}});
  }

  config::ProviderFile file_;
  std::unique_ptr<llm::ClientFactory> factory_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

// --- credential isolation ------------------------------------------------------------------

TEST_F(ChatClients, ExplicitAccessKeysIgnoreConflictingAwsVariables) {
  auto c = client(bedrock_keys(), {{"AWS_ACCESS_KEY_ID", "AKIDCONFLICTINGENV01"},
                                   {"AWS_SECRET_ACCESS_KEY", "conflicting-secret-from-the-env"},
                                   {"AWS_SESSION_TOKEN", "conflicting-session-token"},
                                   {"AWS_PROFILE", "nonexistent"}});
  EXPECT_EQ(c->chat(ask("hi")).message.content, "Echo: hi");
  const auto auth = last("bedrock")["llm"]["auth"];
  EXPECT_EQ(auth.value("access_key_id", ""), kEmulatorAccessKey) << auth.dump();
  EXPECT_EQ(auth.value("temporary", true), false);
}

TEST_F(ChatClients, ExplicitAccessKeysNeverFallBackToTheEnvironment) {
  // Wrong configured keys, valid ones in the environment: the call must fail, not borrow them.
  auto c = client(
      bedrock_keys("AKIDNOTKNOWN0000000", "not-the-secret"),
      {{"AWS_ACCESS_KEY_ID", kEmulatorAccessKey}, {"AWS_SECRET_ACCESS_KEY", kEmulatorSecretKey}});
  try {
    (void)c->chat(ask("hi"));
    FAIL() << "a reply";
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.status(), 403);
    EXPECT_EQ(e.provider_code(), "UnrecognizedClientException");
    expect_no_secret(e.what(), "not-the-secret");
    expect_no_secret(e.what(), kEmulatorSecretKey);
  }
}

TEST_F(ChatClients, ServicePrincipalIgnoresAzureVariablesForAnotherApp) {
  auto c = client(azure_sp(), {{"AZURE_CLIENT_ID", "99999999-9999-9999-9999-999999999999"},
                               {"AZURE_CLIENT_SECRET", "someone-elses-secret"},
                               {"AZURE_TENANT_ID", "99999999-9999-9999-9999-999999999999"}});
  (void)c->chat(ask("hi"));
  EXPECT_EQ(last("azure_openai")["llm"]["auth"].value("client_id", ""), kClientId);
}

// --- tools -----------------------------------------------------------------------------------

void tool_round_trip(llm::ChatClient& c, bool stream) {
  ChatRequest r = ask("please call lookup the weather in Oslo");
  r.tools = {{"lookup",
              "Looks things up",
              {{"type", "object"}, {"properties", {{"query", {{"type", "string"}}}}}}}};
  const auto first = stream ? c.chat_stream(r, nullptr) : c.chat(r);
  ASSERT_EQ(first.message.tool_calls.size(), 1u);
  const auto& call = first.message.tool_calls[0];
  EXPECT_EQ(call.name, "lookup");
  EXPECT_EQ(json::parse(call.arguments, "arguments"),
            (json::Json{{"query", "the weather in Oslo"}}));
  EXPECT_EQ(first.finish_reason, "tool_calls");
  EXPECT_FALSE(call.id.empty());

  Message assistant = Message::assistant("");
  assistant.tool_calls = first.message.tool_calls;
  r.messages.push_back(assistant);
  r.messages.push_back(Message::tool(call.id, "sunny, 21 C"));
  const auto second = stream ? c.chat_stream(r, nullptr) : c.chat(r);
  EXPECT_EQ(second.message.content, "Result of lookup: sunny, 21 C");
  EXPECT_EQ(second.finish_reason, "stop");
}

TEST_F(ChatClients, AzureToolCallsRoundTrip) {
  auto c = client(azure_sp());
  tool_round_trip(*c, false);
  tool_round_trip(*c, true);
}

TEST_F(ChatClients, BedrockToolCallsRoundTrip) {
  auto c = client(bedrock_keys());
  tool_round_trip(*c, false);
  tool_round_trip(*c, true);
}

// --- streaming -------------------------------------------------------------------------------

TEST_F(ChatClients, StreamsDeltasInOrderWithUsage) {
  for (const auto& provider : {azure_sp(), bedrock_keys()}) {
    auto c = client(provider);
    std::vector<std::string> pieces;
    std::optional<llm::Usage> usage;
    const auto r = c->chat_stream(ask("one two three four"), [&](const llm::StreamDelta& d) {
      if (!d.content.empty()) pieces.push_back(d.content);
      if (d.usage) usage = d.usage;
    });
    EXPECT_EQ(r.message.content, "Echo: one two three four") << provider.dump();
    EXPECT_GE(pieces.size(), 3u) << "the answer should arrive in several deltas";
    std::string joined;
    for (const auto& p : pieces) joined += p;
    EXPECT_EQ(joined, r.message.content);
    ASSERT_TRUE(usage.has_value());
    EXPECT_EQ(usage->completion_tokens, 5);
    EXPECT_EQ(r.finish_reason, "stop");
  }
}

TEST_F(ChatClients, BedrockMidStreamExceptionIsAProviderError) {
  auto c = client(bedrock_keys());
  script("bedrock", json::Json::array({{{"text", "a b c d"},
                                        {"stream_error",
                                         {{"after_events", 2},
                                          {"type", "throttlingException"},
                                          {"message", "Too many tokens, slow down"}}}}}));
  std::string seen;
  try {
    (void)c->chat_stream(ask("x"), [&](const llm::StreamDelta& d) { seen += d.content; });
    FAIL() << "a reply";
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.provider_code(), "throttlingException");
    EXPECT_EQ(e.status(), 429);
    EXPECT_NE(std::string(e.what()).find("Too many tokens"), std::string::npos) << e.what();
  }
}

TEST_F(ChatClients, AzureStreamCutShortIsAnErrorNotAShortAnswer) {
  auto c = client(azure_sp());
  script("azure_openai",
         json::Json::array(
             {{{"text", "a b c d e f"}, {"stream_error", {{"after_events", 3}, {"drop", true}}}}}));
  EXPECT_THROW((void)c->chat_stream(ask("x"), nullptr), Error);
}

TEST_F(ChatClients, AzureMidStreamErrorEventIsAProviderError) {
  auto c = client(azure_sp());
  script("azure_openai",
         json::Json::array(
             {{{"text", "a b c"},
               {"stream_error", {{"after_events", 2}, {"message", "backend overloaded"}}}}}));
  try {
    (void)c->chat_stream(ask("x"), nullptr);
    FAIL() << "a reply";
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.provider_code(), "server_error");
    EXPECT_NE(std::string(e.what()).find("backend overloaded"), std::string::npos) << e.what();
  }
}

// --- retries and refresh -------------------------------------------------------------------

TEST_F(ChatClients, ThrottlingIsRetriedHonouringRetryAfter) {
  for (const auto& [provider, target] :
       {std::pair{azure_sp(), "azure_openai"}, std::pair{bedrock_keys(), "bedrock"}}) {
    Emulator::get().reset();
    sleeps_.clear();
    auto c = client(provider);
    script(target, json::Json::array({{{"status", 429}, {"headers", {{"retry-after", "2"}}}},
                                      {{"status", 503}},
                                      {{"text", "finally"}}}));
    EXPECT_EQ(c->chat(ask("x")).message.content, "finally");
    ASSERT_EQ(sleeps_.size(), 2u) << target;
    EXPECT_EQ(sleeps_[0], std::chrono::seconds(2)) << target;
  }
}

TEST_F(ChatClients, ClientErrorsAreNotRetried) {
  auto c = client(bedrock_keys());
  script("bedrock", json::Json::array({{{"status", 400},
                                        {"error_code", "ValidationException"},
                                        {"message", "maxTokens is too large"}},
                                       {{"text", "should not be reached"}}}));
  try {
    (void)c->chat(ask("x"));
    FAIL() << "a reply";
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.provider_code(), "ValidationException");
    EXPECT_NE(std::string(e.what()).find("maxTokens is too large"), std::string::npos);
  }
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_EQ(Emulator::get().counter("bedrock.converse"), 1);
}

TEST_F(ChatClients, UnauthorizedForcesOneTokenRefreshAndOneRetry) {
  auto c = client(azure_sp());
  (void)c->chat(ask("warm the token cache"));
  const auto tokens_before = Emulator::get().counter("azure.token");
  script("azure_openai",
         json::Json::array({{{"status", 401}, {"error_code", "401"}, {"message", "revoked"}}}));
  EXPECT_EQ(c->chat(ask("again")).message.content, "Echo: again");
  EXPECT_EQ(Emulator::get().counter("azure.token"), tokens_before + 1)
      << "a fresh token after the 401";

  // A second 401 right after the refresh is the answer: no loop.
  script("azure_openai", json::Json::array({{{"status", 401}, {"message", "still no"}},
                                            {{"status", 401}, {"message", "still no"}}}));
  try {
    (void)c->chat(ask("x"));
    FAIL() << "a reply";
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.status(), 401);
  }
}

// --- errors, headers, model ids --------------------------------------------------------------

TEST_F(ChatClients, AzureUnknownDeploymentSaysWhatToCheck) {
  auto p = azure_sp();
  p["api"] = "deployments";
  p["api_version"] = "2024-10-21";
  auto c = client(p);
  ChatRequest r = ask("x");
  r.model = "no-such-deployment";
  try {
    (void)c->chat(r);
    FAIL() << "a reply";
  } catch (const llm::ProviderError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.provider_code(), "DeploymentNotFound");
    EXPECT_NE(std::string(e.what()).find("deployment name"), std::string::npos) << e.what();
    expect_no_secret(e.what(), "emulator-client-secret");
  }
}

TEST_F(ChatClients, CustomHeadersAreSentAndSigned) {
  auto p = bedrock_keys();
  p["headers"] = {{"X-Team", "research"}};
  auto c = client(p);
  (void)c->chat(ask("x"));
  const auto entry = last("bedrock");
  EXPECT_EQ(entry["headers"].value("x-team", ""), "research");
  EXPECT_NE(entry["sigv4"].value("signed_headers", json::Json::array()).dump().find("x-team"),
            std::string::npos)
      << entry["sigv4"].dump();
}

TEST_F(ChatClients, ArnAndInferenceProfileModelIdsAreEncodedIntoThePath) {
  auto c = client(bedrock_keys());
  for (const std::string model :
       {"us.anthropic.claude-3-5-sonnet-20241022-v2:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
        "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"}) {
    ChatRequest r = ask("x");
    r.model = model;
    EXPECT_EQ(c->chat(r).message.content, "Echo: x") << model;
    EXPECT_EQ(last("bedrock")["llm"].value("model_id", ""), model);
  }
}

TEST_F(ChatClients, InvokeModelPassesTheRawBodyThrough) {
  (void)client(bedrock_keys());
  auto* bedrock = dynamic_cast<llm::BedrockClient*>(factory_->client(file_.providers.at(0)).get());
  ASSERT_NE(bedrock, nullptr);
  const json::Json body = {{"anthropic_version", "bedrock-2023-05-31"},
                           {"max_tokens", 50},
                           {"messages", {{{"role", "user"}, {"content", "raw hello"}}}}};
  const auto r = bedrock->invoke(kModel, body.dump());
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.content_type.find("application/json"), std::string::npos);
  EXPECT_NE(r.body.find("raw hello"), std::string::npos) << r.body;
}

TEST_F(ChatClients, BedrockAnswerCarriesTheRequestId) {
  auto c = client(bedrock_keys());
  const auto r = c->chat(ask("x"));
  EXPECT_FALSE(r.id.empty());
  EXPECT_EQ(r.model, kModel);
}

TEST_F(ChatClients, OneLongLivedAuthorizerPerProvider) {
  auto c = client(azure_sp());
  for (int i = 0; i < 5; ++i) (void)c->chat(ask("x"));
  EXPECT_EQ(Emulator::get().counter("azure.token"), 1) << "the token is cached across calls";
  EXPECT_EQ(factory_->client(file_.providers.at(0)), c);
}

}  // namespace
}  // namespace llmauth::testing
