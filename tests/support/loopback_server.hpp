// LoopbackServer: a tiny HTTP/1.1 server on 127.0.0.1 for transport tests that need an answer no
// real service gives on purpose: one that never comes, one that stalls half way, one that echoes
// the request (credentials included) into an error page. Each connection runs `handler` on a
// thread of its own; the handler reads the request and writes raw bytes.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmauth::testing {

class LoopbackServer;

class LoopbackConnection {
 public:
  LoopbackConnection(int fd, LoopbackServer* server) : fd_(fd), server_(server) {}
  // The request head and body (by Content-Length), as received. Empty when the client left.
  std::string read_request();
  // Writes everything (false once the client has gone).
  bool write(std::string_view bytes);
  // Waits up to `d`, returning early when the server stops.
  void pause(std::chrono::milliseconds d);

 private:
  int fd_;
  LoopbackServer* server_;
};

class LoopbackServer {
 public:
  using Handler = std::function<void(LoopbackConnection&)>;
  explicit LoopbackServer(Handler handler);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  // http://127.0.0.1:PORT
  [[nodiscard]] std::string url() const;
  [[nodiscard]] int connections() const { return connections_.load(); }
  // The raw requests received so far.
  [[nodiscard]] std::vector<std::string> requests() const;

 private:
  void accept_loop();
  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  std::thread acceptor_;
  friend class LoopbackConnection;
};

// "HTTP/1.1 <status> X\r\nContent-Length: N\r\n<extra headers>\r\n\r\n<body>"
std::string http_response(int status, std::string_view body, std::string_view extra_headers = "");

}  // namespace llmauth::testing
