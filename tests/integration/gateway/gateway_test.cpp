// `llmauth serve` end to end: the real gateway process in front of the emulator, driven by the
// official clients (the `openai` npm client; @aws-sdk/client-bedrock-runtime with a bearer
// token through the Bedrock passthrough) and by raw HTTP for the refusals. The emulator checks
// every upstream call's credential itself (Entra tokens it issued, SigV4 with AWS's own
// @smithy/signature-v4). Every test greps what the gateway printed for the secrets it holds.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "llmauth/core/error.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/split.hpp"
#include "support/background_process.hpp"
#include "support/cli_runner.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kAzureKey = "emulator-azure-openai-key-1";
constexpr const char* kClientSecret = "emulator-client-secret";
constexpr const char* kTenant = "00000000-0000-0000-0000-000000000001";
constexpr const char* kClientId = "11111111-1111-1111-1111-111111111111";
constexpr const char* kSonnet = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Emulator::get().reset();
    write_config(config_json());
    gateway_key = create_key("tests", "");
  }
  void TearDown() override {
    if (gateway) {
      gateway->stop();
      const std::string out = gateway->output();
      for (const char* s : {kAzureKey, kClientSecret, kEmulatorSecretKey}) expect_no_secret(out, s);
      if (!gateway_key.empty()) expect_no_secret(out, gateway_key);
    }
  }

  json::Json config_json() const {
    const std::string emu = Emulator::get().http_url();
    return {{"providers",
             {{{"name", "azure-key"},
               {"type", "azure_openai"},
               {"endpoint", emu},
               {"deployment", "gpt-4o"},
               {"auth", {{"type", "api_key"}, {"api_key", kAzureKey}}}},
              {{"name", "azure-sp"},
               {"type", "azure_openai"},
               {"endpoint", emu},
               {"api", "deployments"},
               {"api_version", "2024-10-21"},
               {"deployment", "gpt-4o-mini"},
               {"auth",
                {{"type", "azure_ad_token_provider"},
                 {"tenant_id", kTenant},
                 {"client_id", kClientId},
                 {"client_secret", kClientSecret}}}},
              {{"name", "bedrock-role"},
               {"type", "aws_bedrock"},
               {"region", "us-east-1"},
               {"model", kSonnet},
               {"auth",
                {{"type", "assume_role"},
                 {"role_arn", "arn:aws:iam::123456789012:role/BedrockUser"},
                 {"source",
                  {{"type", "access_keys"},
                   {"access_key_id", kEmulatorAccessKey},
                   {"secret_access_key", kEmulatorSecretKey}}}}}}}},
            {"models", {{{"name", "claude"}, {"provider", "bedrock-role"}, {"model", kSonnet}}}}};
  }
  void write_config(const json::Json& j) {
    config = dir.write("providers.json", j.dump(2)).string();
  }

  std::map<std::string, std::string> env() const {
    const auto& emu = Emulator::get();
    std::map<std::string, std::string> e = {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
                                            {"HOME", dir.path().string()},
                                            {"LLMAUTH_LOOPBACK_ONLY", "1"},
                                            {"AWS_EC2_METADATA_DISABLED", "true"},
                                            {"AWS_ENDPOINT_URL_STS", emu.http_url()},
                                            {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", emu.http_url()},
                                            {"AZURE_AUTHORITY_HOST", emu.https_url()},
                                            {"AWS_CA_BUNDLE", emu.ca_path()}};
    for (auto& [k, v] : proxy_trap_environment()) e.try_emplace(k, v);
    return e;
  }

  // A key through the CLI, as a user makes one.
  std::string create_key(const std::string& name, const std::string& providers) {
    std::vector<std::string> args = {"keys",   "create", "--keys",   keys_file(),
                                     "--name", name,     "--output", "json"};
    if (!providers.empty()) {
      args.push_back("--providers");
      args.push_back(providers);
    }
    const auto r = run_cli(args, env());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, "keys create")["key"].get<std::string>();
  }
  std::string keys_file() const { return (dir.path() / "keys.json").string(); }

  void start(std::vector<std::string> extra = {}, bool wait_ready = true) {
    std::vector<std::string> argv = {LLMAUTH_SERVE_PATH, "--config", config,       "--keys",
                                     keys_file(),        "--listen", "127.0.0.1:0"};
    for (auto& a : extra) argv.push_back(a);
    gateway = std::make_unique<BackgroundProcess>(argv, env());
    address = gateway->wait_for("llmauth serve: listening on ", 20s);
    ASSERT_FALSE(address.empty()) << gateway->output();
    base = "http://" + address;
    // The first fetches run at start; /readyz says when every credential is there.
    for (int i = 0; wait_ready && i < 100; ++i) {
      if (get("/readyz").status == 200) break;
      std::this_thread::sleep_for(50ms);
    }
  }

  http::Response send(const std::string& method, const std::string& path, const std::string& body,
                      http::Headers headers) {
    http::Request r;
    r.method = method;
    r.url = base + path;
    r.body = body;
    r.headers = std::move(headers);
    r.timeout = 30s;
    return test_transport()->send(r);
  }
  http::Response get(const std::string& path) { return send("GET", path, "", {}); }
  http::Response chat(const std::string& key, const std::string& model, bool stream = false) {
    const json::Json body = {{"model", model},
                             {"stream", stream},
                             {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    http::Headers h = {{"Content-Type", "application/json"}};
    if (!key.empty()) h.push_back({"Authorization", "Bearer " + key});
    return send("POST", "/v1/chat/completions", body.dump(), h);
  }

  json::Json run_client(const json::Json& scenario) {
    PosixProcessRunner runner;
    ProcessOptions o;
    o.environment = std::map<std::string, std::string>{{"PATH", "/usr/local/bin:/usr/bin:/bin"},
                                                       {"HOME", dir.path().string()},
                                                       {"AWS_EC2_METADATA_DISABLED", "true"}};
    o.timeout = 120s;
    const auto r = runner.run(
        {"node", std::string(LLMAUTH_SOURCE_DIR) + "/tests/emulator/testlib/gateway-client.js",
         scenario.dump()},
        o);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto j = json::parse(r.out, "gateway client output");
    EXPECT_FALSE(j.contains("fatal")) << j.dump();
    return j.value("results", json::Json::object());
  }

 public:
  [[nodiscard]] const std::string& base_url() const { return base; }

 protected:
  TempDir dir;
  std::string config;
  std::string gateway_key;
  std::unique_ptr<BackgroundProcess> gateway;
  std::string address;
  std::string base;
};

TEST_F(GatewayTest, OpenAIClient_AzureProviders_ChatStreamToolsAndErrors) {
  start();
  for (const std::string model : {"azure-key/gpt-4o", "azure-sp"}) {
    const auto r =
        run_client({{"client", "openai"},
                    {"baseURL", base + "/v1"},
                    {"apiKey", gateway_key},
                    {"model", model},
                    {"calls", {"chat", "stream", "tools", "tool_stream", "unknown_model"}}});
    SCOPED_TRACE(model + ": " + r.dump());
    EXPECT_EQ(r["chat"]["content"], "Echo: Hello gateway");
    EXPECT_EQ(r["chat"]["finish_reason"], "stop");
    EXPECT_EQ(r["stream"]["content"], "Echo: Stream please");
    EXPECT_EQ(r["stream"]["finish_reason"], "stop");
    EXPECT_TRUE(r["stream"]["usage"].is_object());
    ASSERT_EQ(r["tools"]["calls"].size(), 1u);
    EXPECT_EQ(r["tools"]["calls"][0]["name"], "get_weather");
    EXPECT_NE(r["tools"]["second"].get<std::string>().find("sunny, 21 C"), std::string::npos);
    EXPECT_EQ(r["tool_stream"]["finish_reason"], "tool_calls");
    EXPECT_EQ(r["unknown_model"]["error"]["status"], 404);
    EXPECT_EQ(r["unknown_model"]["error"]["code"], "model_not_found");
  }
  // The emulator saw its own Entra token for azure-sp, the API key for azure-key.
  EXPECT_GE(Emulator::get().counter("azure_openai.chat"), 10);
}

TEST_F(GatewayTest, OpenAIClient_BedrockProviderTranslatedToConverse) {
  start();
  const auto r = run_client({{"client", "openai"},
                             {"baseURL", base + "/v1"},
                             {"apiKey", gateway_key},
                             {"model", "claude"},
                             {"calls", {"chat", "stream", "tools", "tool_stream", "models"}}});
  SCOPED_TRACE(r.dump());
  EXPECT_EQ(r["chat"]["content"], "Echo: Hello gateway");
  EXPECT_EQ(r["chat"]["object"], "chat.completion");
  EXPECT_EQ(r["stream"]["content"], "Echo: Stream please");
  EXPECT_EQ(r["stream"]["ids"], 1);  // one id on every chunk
  EXPECT_TRUE(r["stream"]["usage"].is_object());
  ASSERT_EQ(r["tools"]["calls"].size(), 1u);
  EXPECT_EQ(r["tools"]["calls"][0]["name"], "get_weather");
  EXPECT_NE(r["tools"]["second"].get<std::string>().find("sunny, 21 C"), std::string::npos);
  EXPECT_EQ(r["tool_stream"]["finish_reason"], "tool_calls");
  ASSERT_EQ(r["tool_stream"]["calls"].size(), 1u);
  const auto ids = r["models"]["ids"];
  EXPECT_NE(std::find(ids.begin(), ids.end(), "claude"), ids.end()) << ids.dump();
  // Converse and ConverseStream, SigV4-verified by the emulator with the assumed role's keys.
  EXPECT_GE(Emulator::get().counter("bedrock.converse"), 3);
  EXPECT_GE(Emulator::get().counter("bedrock.converse_stream"), 2);
}

TEST_F(GatewayTest, AwsSdk_BedrockPassthroughWithTheGatewayKeyAsBearerToken) {
  start();
  const auto r = run_client({{"client", "bedrock"},
                             {"endpoint", base + "/bedrock/bedrock-role"},
                             {"token", gateway_key},
                             {"model", kSonnet},
                             {"calls", {"converse", "converse_stream"}}});
  SCOPED_TRACE(r.dump());
  EXPECT_EQ(r["converse"]["text"], "Echo: Hello Bedrock passthrough");
  EXPECT_EQ(r["converse"]["stopReason"], "end_turn");
  EXPECT_EQ(r["converse_stream"]["text"], "Echo: Hello Bedrock passthrough");
  EXPECT_EQ(r["converse_stream"]["stopReason"], "end_turn");
  // Re-signed by the gateway: the client's bearer token never reached Bedrock.
  const auto log = Emulator::get().control("GET", "/__control/requests?target=bedrock&limit=2");
  for (const auto& entry : log) {
    EXPECT_NE(entry["headers"]["authorization"].get<std::string>().rfind("AWS4-HMAC-SHA256", 0),
              std::string::npos)
        << entry.dump();
  }
}

TEST_F(GatewayTest, GatewayKeys_MissingWrongOutOfScopeAndRevoked) {
  const std::string azure_only = create_key("azure-only", "azure-key");
  start();
  EXPECT_EQ(chat(gateway_key, "azure-key").status, 200);
  const auto missing = chat("", "azure-key");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(json::parse(missing.body, "")["error"]["code"], "missing_api_key");
  EXPECT_EQ(chat("llmauth-gk-notakey0000000000000000000000000000000", "azure-key").status, 401);
  EXPECT_EQ(chat(azure_only, "azure-key").status, 200);
  const auto denied = chat(azure_only, "claude");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(json::parse(denied.body, "")["error"]["type"], "permission_error");
  // Revoked through the CLI while serving: refused within a couple of seconds.
  const auto r = run_cli({"keys", "revoke", "--keys", keys_file(), "azure-only"}, env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int status = 0;
  for (int i = 0; i < 60 && status != 401; ++i) {
    std::this_thread::sleep_for(100ms);
    status = chat(azure_only, "azure-key").status;
  }
  EXPECT_EQ(status, 401);
  // Stopped first: the log is written in batches, and stopping writes what is left.
  EXPECT_EQ(gateway->stop(), 0);
  expect_no_secret(gateway->output(), azure_only);
}

TEST_F(GatewayTest, BadRequests_GetClearOpenAIErrors) {
  start();
  const http::Headers auth = {{"Authorization", "Bearer " + gateway_key},
                              {"Content-Type", "application/json"}};
  const auto huge = send("POST", "/v1/chat/completions", std::string(11u << 20, 'x'), auth);
  EXPECT_EQ(huge.status, 413);
  http::Headers flood = auth;
  flood.push_back({"X-Flood", std::string(20000, 'a')});
  EXPECT_EQ(send("POST", "/v1/chat/completions", "{}", flood).status, 431);
  const auto bad = send("POST", "/v1/chat/completions", "{\"model\": ", auth);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("invalid JSON at byte"), std::string::npos) << bad.body;
  const auto no_model = send("POST", "/v1/chat/completions", R"({"messages": []})", auth);
  EXPECT_EQ(no_model.status, 400);
  EXPECT_EQ(json::parse(no_model.body, "")["error"]["param"], "model");
  EXPECT_EQ(send("GET", "/nope", "", auth).status, 404);
}

TEST_F(GatewayTest, UpstreamFaults_RetriedThrottlingPassedOnServerErrorsMapped) {
  start();
  // One 500, then the answer: retried inside the deadline.
  Emulator::get().fault("azure_openai", 1, 500);
  EXPECT_EQ(chat(gateway_key, "azure-key").status, 200);
  // Throttled every time: 429 with the upstream's retry-after.
  Emulator::get().control("POST", "/__control/fault",
                          {{"target", "azure_openai"},
                           {"count", 10},
                           {"status", 429},
                           {"headers", {{"retry-after", "1"}}}});
  const auto throttled = chat(gateway_key, "azure-key");
  EXPECT_EQ(throttled.status, 429) << throttled.body;
  EXPECT_EQ(throttled.header("retry-after").value_or(""), "1");
  // (No reset here: it would also forget the role session the gateway holds.)
  Emulator::get().fault("bedrock", 10, 503);
  const auto down = chat(gateway_key, "claude");
  EXPECT_EQ(down.status, 502) << down.body;
  EXPECT_EQ(json::parse(down.body, "")["error"]["type"], "api_error");
}

TEST_F(GatewayTest, UpstreamErrorThatEchoesTheCredential_IsScrubbedBeforeTheClientSeesIt) {
  start();
  const std::string body =
      json::Json({{"error", {{"code", "bad"}, {"message", std::string("you sent ") + kAzureKey}}}})
          .dump();
  Emulator::get().control("POST", "/__control/fault",
                          {{"target", "azure_openai"},
                           {"count", 5},
                           {"status", 400},
                           {"body", body},
                           {"headers", {{"content-type", "application/json"}}}});
  const auto r = chat(gateway_key, "azure-key");
  EXPECT_EQ(r.status, 400) << r.body;
  expect_no_secret(r.body, kAzureKey);
  EXPECT_NE(r.body.find("you sent ****"), std::string::npos) << r.body;
}

TEST_F(GatewayTest, ReloadWithAnInvalidConfig_KeepsServingTheOldOne) {
  start();
  EXPECT_EQ(chat(gateway_key, "azure-key").status, 200);
  dir.write("providers.json", R"({"providers": [{"name": "broken"}]})");
  gateway->signal(SIGHUP);
  EXPECT_FALSE(gateway->wait_for("\"outcome\":\"refused\"", 10s).empty());
  EXPECT_EQ(chat(gateway_key, "azure-key").status, 200);
  // A valid one replaces it.
  json::Json j = config_json();
  j["models"] = {{{"name", "fast"}, {"provider", "azure-key"}, {"model", "gpt-4o"}}};
  write_config(j);
  gateway->signal(SIGHUP);
  EXPECT_FALSE(gateway->wait_for("\"outcome\":\"ok\",\"ts\"", 10s).empty());
  // The new runtime was swapped in with its credentials already fetched: no request waits.
  const auto ready = get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(json::parse(ready.body, "readyz")["providers"]["bedrock-role"]["credential"], "ok");
  EXPECT_EQ(chat(gateway_key, "fast").status, 200);
}

TEST_F(GatewayTest, OperationsEndpoints_HealthReadyMetricsAndAccessLog) {
  start();
  EXPECT_EQ(get("/healthz").status, 200);
  const auto ready = get("/readyz");
  ASSERT_EQ(ready.status, 200) << ready.body;
  const auto j = json::parse(ready.body, "readyz");
  EXPECT_EQ(j["providers"]["bedrock-role"]["credential"], "ok");
  EXPECT_TRUE(j["providers"]["bedrock-role"].contains("expires_at"));
  const auto answer = chat(gateway_key, "azure-key");
  ASSERT_EQ(answer.status, 200);
  const auto usage = json::parse(answer.body, "answer")["usage"];
  const auto prompt = std::to_string(usage["prompt_tokens"].get<long long>());
  const auto completion = std::to_string(usage["completion_tokens"].get<long long>());
  const auto metrics = get("/metrics");
  EXPECT_NE(metrics.body.find("llmauth_requests_total{provider=\"azure-key\",model=\"azure-key\","
                              "status=\"200\"} 1"),
            std::string::npos)
      << metrics.body;
  // The answer's usage, read without re-parsing the forwarded answer, is counted.
  EXPECT_NE(metrics.body.find("llmauth_tokens_total{provider=\"azure-key\",kind=\"prompt\"} " +
                              prompt + "\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("llmauth_tokens_total{provider=\"azure-key\",kind=\"completion\"} " +
                              completion + "\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("llmauth_credential_fetches_total{provider=\"bedrock-role\""),
            std::string::npos);
  EXPECT_NE(metrics.body.find("llmauth_credential_expiry_seconds{provider=\"bedrock-role\"}"),
            std::string::npos);
  // One access line: the key's name, never the key.
  EXPECT_FALSE(gateway->wait_for("\"key\":\"tests\"", 5s).empty()) << gateway->output();
  for (const char* secret : {kClientSecret, kEmulatorSecretKey, kAzureKey}) {
    expect_no_secret(ready.body + metrics.body, secret);
  }
}

// A streamed chat read to its end through the raw transport: the SSE text the client got.
std::string stream_text(GatewayTest& t, const std::string& key, const std::string& model);

TEST_F(GatewayTest, MidStreamFailures_BecomeOpenAIErrorEventsNotCutConnections) {
  start();
  // Bedrock throws mid-stream, then drops the connection mid-stream.
  Emulator::get().control(
      "POST", "/__control/llm/script",
      {{"target", "bedrock"},
       {"responses",
        {{{"text", "one two three four"},
          {"stream_error",
           {{"after_events", 2}, {"type", "throttlingException"}, {"message", "slow down"}}}},
         {{"text", "one two three four"},
          {"stream_error", {{"after_events", 2}, {"drop", true}}}}}}});
  const std::string thrown = stream_text(*this, gateway_key, "claude");
  EXPECT_NE(thrown.find("\"error\""), std::string::npos) << thrown;
  EXPECT_NE(thrown.find("rate_limit_error"), std::string::npos) << thrown;
  const std::string dropped = stream_text(*this, gateway_key, "claude");
  EXPECT_NE(dropped.find("\"error\""), std::string::npos) << dropped;
  EXPECT_EQ(dropped.find("[DONE]"), std::string::npos) << "a cut stream must not look complete";
}

TEST_F(GatewayTest, StalledStream_EndsWithAnIdleTimeoutError) {
  json::Json j = config_json();
  j["providers"][0]["idle_timeout_seconds"] = 1;
  write_config(j);
  start();
  Emulator::get().config({{"llm", {{"stream_chunk_delay_ms", 3000}}}});
  const std::string text = stream_text(*this, gateway_key, "azure-key");
  EXPECT_NE(text.find("upstream_error"), std::string::npos) << text;
  EXPECT_NE(text.find("timed out"), std::string::npos) << text;
}

TEST_F(GatewayTest, ClientDisconnectMidStream_StreamIsClosedAndTheGatewayServesOn) {
  start();
  Emulator::get().config({{"llm", {{"stream_chunk_delay_ms", 300}}}});
  {
    http::Request r;
    r.method = "POST";
    r.url = base + "/v1/chat/completions";
    r.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + gateway_key}};
    r.body = json::Json({{"model", "azure-key"},
                         {"stream", true},
                         {"messages", {{{"role", "user"}, {"content", "a b c d e f g h i j"}}}}})
                 .dump();
    r.timeout = 30s;
    int pieces = 0;
    // The sink says "stop" after the first piece: the client hangs up.
    const auto hang_up = [&](std::string_view) { return ++pieces < 1; };
    EXPECT_THROW(test_transport()->send_streaming(r, hang_up), llmauth::Error);
  }
  // The relay notices at its next write; the stream count goes back to zero.
  std::string metrics;
  for (int i = 0; i < 50; ++i) {
    metrics = get("/metrics").body;
    if (metrics.find("llmauth_open_streams 0") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(metrics.find("llmauth_open_streams 0"), std::string::npos) << metrics;
  Emulator::get().config({{"llm", {{"stream_chunk_delay_ms", 0}}}});
  EXPECT_EQ(chat(gateway_key, "azure-key").status, 200);
}

TEST_F(GatewayTest, RefreshFailsWhileTheCredentialIsValid_RequestsKeepSucceeding) {
  // Role sessions of 8 s: the gateway refreshes at 4 s. STS is down from then on.
  Emulator::get().config({{"credential_ttl_seconds", 8}});
  start();
  ASSERT_EQ(chat(gateway_key, "claude").status, 200);
  Emulator::get().fault("sts", 1000, 500);
  const auto until = std::chrono::steady_clock::now() + 6s;
  int ok = 0;
  int total = 0;
  while (std::chrono::steady_clock::now() < until) {
    ok += chat(gateway_key, "claude").status == 200 ? 1 : 0;
    ++total;
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_EQ(ok, total) << "a request failed while the credential was still valid";
  EXPECT_FALSE(gateway->wait_for("\"event\":\"refresh\",\"outcome\":\"failed\"", 5s).empty())
      << gateway->output();
}

TEST_F(GatewayTest, RefusedCredential_IsReplacedAndTheCallRetriedOnce) {
  start();
  ASSERT_EQ(chat(gateway_key, "azure-sp").status, 200);
  ASSERT_EQ(chat(gateway_key, "claude").status, 200);
  // The emulator forgets every token and role session it issued: the gateway's are refused
  // (Azure OpenAI 401, Bedrock 403 UnrecognizedClient), fetched anew, and the calls succeed.
  Emulator::get().reset();
  const auto azure = chat(gateway_key, "azure-sp");
  EXPECT_EQ(azure.status, 200) << azure.body;
  const auto bedrock = chat(gateway_key, "claude");
  EXPECT_EQ(bedrock.status, 200) << bedrock.body;
  // The log is written in batches (every 50 ms): look for the line for a few seconds.
  bool refreshed = false;
  for (int i = 0; i < 100 && !refreshed; ++i) {
    if (i > 0) std::this_thread::sleep_for(50ms);
    const std::string log = gateway->output();  // (split's views point into it)
    for (auto line : split(log, '\n')) {
      refreshed |= line.find("\"event\":\"refresh\"") != std::string_view::npos &&
                   line.find("\"outcome\":\"ok\"") != std::string_view::npos &&
                   line.find("\"provider\":\"azure-sp\"") != std::string_view::npos;
    }
  }
  EXPECT_TRUE(refreshed) << gateway->output();
}

TEST_F(GatewayTest, RequestIdIsPassedThroughOrMade) {
  start();
  http::Headers h = {{"Content-Type", "application/json"},
                     {"Authorization", "Bearer " + gateway_key},
                     {"x-request-id", "trace-1234.abc"}};
  const auto r = send("POST", "/v1/chat/completions",
                      R"({"model":"azure-key","messages":[{"role":"user","content":"hi"}]})", h);
  EXPECT_EQ(r.header("x-request-id").value_or(""), "trace-1234.abc");
  const auto made = chat(gateway_key, "azure-key");
  EXPECT_EQ(made.header("x-request-id").value_or("").size(), 24u);
  EXPECT_FALSE(gateway->wait_for("\"request_id\":\"trace-1234.abc\"", 5s).empty());
}

TEST_F(GatewayTest, TlsTermination_ServesHttpsWithTheGivenCertificate) {
  const auto cert = dir.path() / "gw.pem";
  const auto key = dir.path() / "gw.key";
  PosixProcessRunner runner;
  ProcessOptions o;
  o.timeout = 60s;
  const auto made = runner.run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                                "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days",
                                "1", "-keyout", key.string(), "-out", cert.string()},
                               o);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  start({"--tls-cert", cert.string(), "--tls-key", key.string()}, /*wait_ready=*/false);
  http::CurlTransport tls({.loopback_only = true, .ca_bundle = cert.string()});
  for (int i = 0; i < 100; ++i) {
    http::Request ready;
    ready.url = "https://" + address + "/readyz";
    if (tls.send(ready).status == 200) break;
    std::this_thread::sleep_for(50ms);
  }
  http::Request plain;  // plain http to a TLS listener is not served
  plain.url = "http://" + address + "/healthz";
  EXPECT_THROW(test_transport()->send(plain), llmauth::Error);
  http::Request r;
  r.method = "POST";
  r.url = "https://" + address + "/v1/chat/completions";
  r.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + gateway_key}};
  r.body = R"({"model":"azure-key","messages":[{"role":"user","content":"over tls"}]})";
  const auto resp = tls.send(r);
  EXPECT_EQ(resp.status, 200) << resp.body;
  EXPECT_NE(resp.body.find("Echo: over tls"), std::string::npos) << resp.body;
}

TEST_F(GatewayTest, Sigterm_DrainsAndExitsZero) {
  start();
  EXPECT_EQ(chat(gateway_key, "azure-key").status, 200);
  EXPECT_EQ(gateway->stop(), 0) << gateway->output();
}

std::string stream_text(GatewayTest& t, const std::string& key, const std::string& model) {
  http::Request r;
  r.method = "POST";
  r.url = t.base_url() + "/v1/chat/completions";
  r.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + key}};
  r.body = json::Json({{"model", model},
                       {"stream", true},
                       {"messages", {{{"role", "user"}, {"content", "one two three four"}}}}})
               .dump();
  r.timeout = 60s;
  std::string text;
  const auto resp = test_transport()->send_streaming(r, [&](std::string_view piece) {
    text += piece;
    return true;
  });
  EXPECT_EQ(resp.status, 200);
  return text;
}

}  // namespace
}  // namespace llmauth::testing
