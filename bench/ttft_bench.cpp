// Time to first token: what the chat clients add over the emulator's own.
//
// The bench starts the local emulator (node tests/emulator/launch.js; loopback only) and streams
// the same chat twice per provider:
//   BM_Ttft_<P>_Raw     the request written by hand (fixed JSON, the key in a header) sent with
//                       CurlTransport::send_streaming; the clock stops when the bytes of the first
//                       content piece arrive. This is the emulator plus the transport: the floor.
//   BM_Ttft_<P>_Client  the same chat through the client (body built from the neutral model,
//                       authorizer, SSE / event-stream decoding, JSON per event, StreamAssembler);
//                       the clock stops at the first StreamDelta with content.
// The difference is the client's own cost to the first token. Both drain the stream each time.
// Auth is an API key on both (Azure api-key, a long-term Bedrock API key) so that neither side
// signs; SigV4 costs ~2 µs (sigv4_bench.cpp).
//
// Measured here (2 shared cores, RelWithDebInfo, two runs): Azure raw 729-829 µs, client 708-764
// µs; Bedrock raw 677-759 µs, client 841-889 µs. The emulator's own latency (node, ~0.7 ms)
// dominates and varies more between runs than the two sides differ: the client adds at most
// ~0.1-0.2 ms to the first token. CPU per whole streamed chat (the "CPU" column): +25-50 µs for the
// client.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "llmauth/core/http.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/process.hpp"
#include "llmauth/llm/azure_openai_client.hpp"
#include "llmauth/llm/bedrock_client.hpp"

namespace {

using namespace llmauth;
using Clock = std::chrono::steady_clock;

constexpr const char* kAzureKey = "emulator-azure-openai-key-1";
constexpr const char* kBedrockKey =
    "ABSKQmVkcm9ja0FQSUtleS1lbXVsYXRvci1hdC0xMjM0NTY3ODkwMTI6ZW11bGF0b3ItbG9uZy10ZXJtLXNlY3JldA==";
constexpr const char* kModel = "anthropic.claude-3-haiku-20240307-v1:0";
const std::string kPrompt =
    "Explain in a few words why the sky is blue and why sunsets are red and orange instead";

class EmulatorProcess {
 public:
  EmulatorProcess() {
    const auto source = std::filesystem::path(__FILE__).parent_path().parent_path();
    launch_ = (source / "tests/emulator/launch.js").string();
    state_ = std::filesystem::temp_directory_path() /
             ("llmauth-ttft-bench-" + std::to_string(::getpid()));
    PosixProcessRunner runner;
    ProcessOptions o;
    o.timeout = std::chrono::seconds(60);
    const auto r = runner.run({"node", launch_, "start", "--state-dir", state_.string()}, o);
    if (r.exit_code != 0) {
      error_ = "cannot start the emulator: " + r.err;
      return;
    }
    std::ifstream in(state_ / "emulator.json");
    std::stringstream text;
    text << in.rdbuf();
    http_ = json::parse(text.str(), "emulator.json").at("http").get<std::string>();
  }
  ~EmulatorProcess() {
    if (http_.empty()) return;
    PosixProcessRunner runner;
    ProcessOptions o;
    o.timeout = std::chrono::seconds(30);
    try {
      (void)runner.run({"node", launch_, "stop", "--state-dir", state_.string()}, o);
    } catch (...) {
    }
    std::error_code ec;
    std::filesystem::remove_all(state_, ec);
  }
  const std::string& http() const { return http_; }
  const std::string& error() const { return error_; }

 private:
  std::string launch_, http_, error_;
  std::filesystem::path state_;
};

EmulatorProcess& emulator() {
  static EmulatorProcess e;
  return e;
}

std::shared_ptr<http::Transport> transport() {
  static auto t =
      std::make_shared<http::CurlTransport>(http::TransportOptions{.loopback_only = true});
  return t;
}

// Sends `request` streaming; returns seconds until the body holds `marker`.
double raw_ttft(const http::Request& request, const std::string& marker) {
  std::string seen;
  std::optional<Clock::time_point> first;
  const auto start = Clock::now();
  const auto r = transport()->send_streaming(request, [&](std::string_view chunk) {
    if (!first) {
      seen.append(chunk);
      if (seen.find(marker) != std::string::npos) first = Clock::now();
    }
    return true;
  });
  if (r.status != 200 || !first) throw Error("raw stream failed: HTTP " + std::to_string(r.status));
  return std::chrono::duration<double>(*first - start).count();
}

double client_ttft(llm::ChatClient& client) {
  llm::ChatRequest request;
  request.model = client.provider_type() == "azure_openai" ? "gpt-4o" : kModel;
  request.messages = {llm::Message::user(kPrompt)};
  std::optional<Clock::time_point> first;
  const auto start = Clock::now();
  (void)client.chat_stream(request, [&](const llm::StreamDelta& d) {
    if (!first && !d.content.empty()) first = Clock::now();
  });
  if (!first) throw Error("no content streamed");
  return std::chrono::duration<double>(*first - start).count();
}

template <typename F>
void run(benchmark::State& state, F&& once) {
  if (!emulator().error().empty()) {
    state.SkipWithError(emulator().error().c_str());
    return;
  }
  try {
    for (int i = 0; i < 50; ++i) (void)once();  // warm the emulator's JIT and the connection pool
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    try {
      state.SetIterationTime(once());
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
  }
}

void BM_Ttft_AzureOpenAI_Raw(benchmark::State& state) {
  http::Request r;
  r.method = "POST";
  r.url = emulator().http() + "/openai/v1/chat/completions";
  r.headers = {{"api-key", kAzureKey},
               {"Content-Type", "application/json"},
               {"Accept", "text/event-stream"}};
  r.body = json::Json{{"model", "gpt-4o"},
                      {"messages", {{{"role", "user"}, {"content", kPrompt}}}},
                      {"stream", true},
                      {"stream_options", {{"include_usage", true}}}}
               .dump();
  run(state, [&] { return raw_ttft(r, "\"content\":\"Echo"); });
}
BENCHMARK(BM_Ttft_AzureOpenAI_Raw)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(200);

void BM_Ttft_AzureOpenAI_Client(benchmark::State& state) {
  llm::AzureOpenAIOptions o;
  o.endpoint = emulator().http();
  llm::AzureOpenAIClient client(
      transport(),
      std::make_shared<llm::HeaderKeyAuthorizer>("api-key", Secret(kAzureKey), "API key"), o);
  run(state, [&] { return client_ttft(client); });
}
BENCHMARK(BM_Ttft_AzureOpenAI_Client)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(200);

void BM_Ttft_Bedrock_Raw(benchmark::State& state) {
  http::Request r;
  r.method = "POST";
  r.url = emulator().http() + "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream";
  r.headers = {{"Authorization", std::string("Bearer ") + kBedrockKey},
               {"Content-Type", "application/json"},
               {"Accept", "application/vnd.amazon.eventstream"}};
  r.body =
      json::Json{{"messages", {{{"role", "user"}, {"content", {{{"text", kPrompt}}}}}}}}.dump();
  run(state, [&] { return raw_ttft(r, "\"text\":\"Echo"); });
}
BENCHMARK(BM_Ttft_Bedrock_Raw)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(200);

void BM_Ttft_Bedrock_Client(benchmark::State& state) {
  llm::BedrockOptions o;
  o.region = "us-east-1";
  o.endpoint = emulator().http();
  llm::BedrockClient client(
      transport(),
      std::make_shared<llm::StaticBearerAuthorizer>(Secret(kBedrockKey), "Bedrock API key"), o);
  run(state, [&] { return client_ttft(client); });
}
BENCHMARK(BM_Ttft_Bedrock_Client)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(200);

}  // namespace
