// The gateway's routes: /v1/chat/completions and /v1/models (the OpenAI front door),
// /azure/{provider}/openai/… and /bedrock/{provider}/model/{id}/{action} (native passthrough),
// /healthz, /readyz, /metrics. Internal to src/gateway/server.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "llmauth/core/ambient.hpp"
#include "llmauth/core/published.hpp"
#include "llmauth/gateway/gateway.hpp"
#include "llmauth/gateway/metrics.hpp"
#include "llmauth/gateway/runtime.hpp"
#include "log_writer.hpp"
#include "net.hpp"
#include "upstream.hpp"

namespace llmauth::gateway::server {

// The client's side of a connection, whatever its stream (TCP or TLS).
class ClientStream {
 public:
  virtual ~ClientStream() = default;
  virtual Task<void> write(bhttp::response<bhttp::string_body>& response) = 0;
  // A streamed answer: the head (chunked), then pieces, then the end.
  virtual Task<void> write_head(bhttp::response<bhttp::empty_body>& head) = 0;
  virtual Task<void> write_chunk(std::string_view data) = 0;
  virtual Task<void> write_end() = 0;
  virtual void expires_after(std::chrono::milliseconds d) = 0;
};

// What every io thread shares.
struct Shared {
  Shared(Ambient a, GatewayOptions o) : ambient(std::move(a)), options(std::move(o)) {}
  Ambient ambient;
  GatewayOptions options;
  Published<Runtime> runtime;
  Metrics metrics;
  bool keys_required = true;
  std::atomic<long long> open_streams{0};
  std::atomic<long long> active_requests{0};
  std::atomic<long long> open_connections{0};
  std::atomic<bool> draining{false};
  LogWriter log;
  void log_line(std::string_view json_line) { log.line(json_line); }  // one line on stderr
};

void declare_metrics(Metrics& metrics);

// Handles one request (writes the whole answer); returns whether the connection may be reused.
Task<bool> handle(ClientStream& client, bhttp::request<bhttp::string_body>& request, Shared& shared,
                  UpstreamPool& pool);

// An answer for a request that never reached a handler (413, 431, 400 for a bad request head).
bhttp::response<bhttp::string_body> error_response(int status, const std::string& message,
                                                   const std::string& type,
                                                   const std::string& code = {});

}  // namespace llmauth::gateway::server
