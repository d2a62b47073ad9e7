// Upstream: the gateway's HTTP/1.1 client to Azure OpenAI and Bedrock, on the io thread's own
// event loop. One pool of keep-alive connections per io thread and origin (no lock on the way of
// a request); TLS through Asio's OpenSSL with the system roots plus the CA bundle in use, peer
// and host name verified, SNI sent. With the loopback-only guard (LLMAUTH_LOOPBACK_ONLY=1) every
// resolved address must be 127.0.0.0/8 or ::1. Internal to src/gateway/server.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "llmauth/core/error.hpp"
#include "net.hpp"

namespace llmauth::gateway::server {

// What went wrong talking to the upstream, for the status a client gets (504 for a timeout,
// 502 otherwise) and the metrics' error classes.
class UpstreamError : public Error {
 public:
  enum class Kind { kConnect, kTimeout, kTls, kProtocol, kRefused, kTooLarge };
  UpstreamError(Kind kind, const std::string& message)
      : Error(message, kind == Kind::kTimeout ? ErrorCode::kTimeout : ErrorCode::kNetwork),
        kind_(kind) {}
  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] std::string_view class_name() const;

 private:
  Kind kind_;
};

struct Origin {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  [[nodiscard]] std::string key() const {
    return (tls ? "https://" : "http://") + host + ":" + port;
  }
};

class UpstreamConnection {
 public:
  explicit UpstreamConnection(Origin origin) : origin_(std::move(origin)) {}
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  bool reused = false;
  [[nodiscard]] beast::tcp_stream& tcp() { return plain ? *plain : secure->next_layer(); }
  [[nodiscard]] const Origin& origin() const { return origin_; }

 private:
  Origin origin_;
};

struct UpstreamSettings {
  net::ssl::context* tls = nullptr;
  bool loopback_only = false;
  std::size_t max_idle_per_origin = 512;
};

// One per io thread.
class UpstreamPool {
 public:
  UpstreamPool(net::any_io_executor executor, UpstreamSettings settings);

  // An idle connection to `origin`, or a new one (resolve, connect, TLS handshake) within
  // `connect_timeout`. Throws UpstreamError.
  Task<std::unique_ptr<UpstreamConnection>> get(const Origin& origin,
                                                std::chrono::milliseconds connect_timeout,
                                                bool fresh = false);
  // A connection whose last answer was read to its end and may be reused.
  void give_back(std::unique_ptr<UpstreamConnection> connection);
  [[nodiscard]] std::size_t idle() const;

 private:
  net::any_io_executor executor_;
  UpstreamSettings settings_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;
};

// One request/response exchange on a pooled connection: send, read the head, then the body in
// pieces (streamed) or whole. A connection that was reused and fails before any byte of the
// answer (the server closed it while idle) is replaced by a fresh one, once.
class UpstreamExchange {
 public:
  UpstreamExchange(UpstreamPool& pool, Origin origin) : pool_(pool), origin_(std::move(origin)) {}
  ~UpstreamExchange();
  UpstreamExchange(const UpstreamExchange&) = delete;
  UpstreamExchange& operator=(const UpstreamExchange&) = delete;

  // Sends `request` and reads the answer's head within `first_byte` (after connecting within
  // `connect`). Throws UpstreamError.
  Task<void> start(const bhttp::request<bhttp::string_body>& request,
                   std::chrono::milliseconds connect, std::chrono::milliseconds first_byte);
  [[nodiscard]] const bhttp::response_header<>& head() const { return parser_->get().base(); }
  [[nodiscard]] int status() const { return static_cast<int>(parser_->get().result_int()); }
  // Appends the next piece of the body to `out` (waiting at most `idle`); false once the body
  // has ended (out may still have got the last piece).
  Task<bool> read_some(std::string& out, std::chrono::milliseconds idle);
  // The whole body, at most `cap` bytes (UpstreamError kTooLarge beyond), within `timeout`.
  Task<std::string> read_all(std::size_t cap, std::chrono::milliseconds timeout);
  // Gives the connection back to the pool when the answer was read to its end and keep-alive;
  // else closes it. Called by the destructor too (then: closes unless complete).
  void finish();

 private:
  Task<void> send_and_read_head(const bhttp::request<bhttp::string_body>& request,
                                std::chrono::milliseconds first_byte);

  UpstreamPool& pool_;
  Origin origin_;
  std::unique_ptr<UpstreamConnection> connection_;
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser_;
  std::array<char, 16384> read_buffer_{};
  bool got_bytes_ = false;
};

// Origin and target ("/path?query") of an absolute http(s) URL.
struct SplitUrl {
  Origin origin;
  std::string target;
  std::string host_header;  // host[:port] as the Host header carries it
};
SplitUrl split_url(const std::string& url);

}  // namespace llmauth::gateway::server
