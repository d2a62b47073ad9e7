// Gateway: `llmauth serve` — an OpenAI-compatible HTTP service (plus native Azure OpenAI and
// Bedrock passthrough) that holds the cloud credentials of a provider config, refreshes them off
// the request path and puts them on every call.
//
// Threads: one event loop (Boost.Asio io_context) per core, each with its own listening socket
// (SO_REUSEPORT: the kernel spreads connections) and its own upstream connection pools, so an
// io thread shares nothing with another on the way of a request but the published runtime
// (providers, keys) and the credentials, both read with a pointer copy. Credentials are fetched
// by one thread per provider (gateway/credential_runtime.hpp); a request that finds none valid
// waits for that fetch without blocking its io thread.
//
// Reload (SIGHUP, or --watch noticing a change): a new runtime is built from the config and keys
// files and swapped in at once; a file that does not validate is refused, its errors logged, the
// old runtime kept. Requests in flight finish on the runtime they started with.
//
// Stop (SIGTERM, SIGINT): stop accepting, let open requests and streams finish for up to the
// drain timeout, exit 0.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "llmauth/core/ambient.hpp"

namespace llmauth::gateway {

struct GatewayOptions {
  std::string config_path;                   // the provider config (JSON)
  std::optional<std::string> keys_path;      // gateway keys; none: see allow_unauthenticated
  std::string listen = "127.0.0.1:8080";     // host:port; [v6]:port
  std::optional<std::string> tls_cert;       // PEM chain: serve https
  std::optional<std::string> tls_key;        // PEM private key
  int threads = 0;                           // 0: one per core
  std::size_t max_body_bytes = 10u << 20;    // larger: 413
  std::size_t max_header_bytes = 16u << 10;  // larger: 431
  std::size_t max_connections = 10000;
  std::chrono::milliseconds read_timeout{std::chrono::seconds(60)};  // a request's head + body
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(75)};  // keep-alive between requests
  std::chrono::milliseconds credential_wait{std::chrono::seconds(30)};  // a cold start's wait
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(30)};
  bool watch = false;  // reload when the config or keys file changes
  // Without a keys file, any client may call: allowed only on a loopback address unless this
  // is set (for a gateway behind an authenticating proxy).
  bool allow_unauthenticated = false;
  // Called once the listeners are up, with the address they are bound to ("127.0.0.1:8080").
  std::function<void(const std::string&)> on_listening;
};

class Gateway {
 public:
  // Loads and validates the config and keys (throws Error/ConfigError naming every problem).
  Gateway(Ambient ambient, GatewayOptions options);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Serves until stop() or SIGTERM/SIGINT; returns the process exit code.
  int run();
  // Asks run() to drain and return (thread-safe, signal-safe through the loop).
  void stop();
  // Rebuilds the runtime from the files; false (old one kept) when they do not validate.
  bool reload();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmauth::gateway
