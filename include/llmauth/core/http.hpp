// HTTP: one Transport interface, one libcurl implementation.
//
// CurlTransport verifies TLS against the system trust store, plus an extra CA bundle when one is
// given (corporate proxies, the test emulator); it never turns verification off. Every request has
// a connect timeout and a total timeout. Connections are reused across requests. HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY are honoured (libcurl reads them).
//
// loopback_only (on in every test) refuses any destination outside 127.0.0.0/8 and ::1 twice:
// by host name before the request starts, and by address when libcurl opens a socket (so a
// proxy or a DNS answer cannot lead it elsewhere). Nothing leaves the machine.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/core/secret.hpp"

namespace llmauth::http {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// Case-insensitive lookup of the first header with that name.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);
bool iequals(std::string_view a, std::string_view b);

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // whole exchange
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers, name);
  }
};

// Called with each piece of the body as it arrives; return false to abort the transfer.
using BodySink = std::function<bool(std::string_view chunk)>;

class Transport {
 public:
  virtual ~Transport() = default;
  // Throws Error with kNetwork, kTimeout or kRefused; any HTTP status is a Response.
  virtual Response send(const Request& request) = 0;
  // As send, but the body goes to `sink` as it arrives (Response::body stays empty).
  virtual Response send_streaming(const Request& request, const BodySink& sink) = 0;
};

struct TransportOptions {
  bool loopback_only = false;
  // Extra PEM bundle trusted in addition to the system store.
  std::optional<std::string> ca_bundle;
  std::size_t max_response_bytes = 64u << 20;
  std::string user_agent = "llmauth/0.1";
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(TransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Response send(const Request& request) override;
  Response send_streaming(const Request& request, const BodySink& sink) override;

  [[nodiscard]] const TransportOptions& options() const { return options_; }

 private:
  struct Pool;
  Response perform(const Request& request, const BodySink* sink);
  TransportOptions options_;
  std::unique_ptr<Pool> pool_;
};

// Keys and tokens sent in a header must be one header-safe word. Throws Error(kInvalidInput)
// naming `where` (a variable, a config path) — never quoting the value — when `value` is empty or
// holds a space, line break or control character (usually a trailing newline from a file).
void require_header_safe(const Secret& value, std::string_view where);

// Headers a caller's custom headers (a provider config's `headers`) may never set: they carry or
// frame the authentication — Authorization, Proxy-Authorization, api-key, every x-amz-*, Host,
// Content-Length, Transfer-Encoding, Connection, Cookie. Case-insensitive.
bool is_reserved_header(std::string_view name);

// The URL as it may appear in a message: scheme, host, port and path; the query (which may
// carry a presigned signature or token) replaced by "?…".
std::string loggable_url(std::string_view url);

}  // namespace llmauth::http
