// HTTP: one Transport interface, one libcurl implementation.
//
// CurlTransport verifies TLS against the system trust store, plus an extra CA bundle when one is
// given (corporate proxies, the test emulator); it never turns verification off. Every request has
// a connect timeout, a total timeout and optionally a first-byte and an idle timeout. Connections
// are reused across requests. Proxies come from the variables libcurl reads: `https_proxy` /
// `HTTPS_PROXY`, `http_proxy` (lower case only: libcurl ignores `HTTP_PROXY`, which a CGI
// server would let a client set — "httpoxy"), `all_proxy` / `ALL_PROXY`, `no_proxy` /
// `NO_PROXY`. Loopback and link-local metadata addresses (169.254.0.0/16, fe80::/10,
// fd00:ec2::/64) never go through a proxy: their requests carry identity tokens for this machine.
//
// loopback_only (on in every test) refuses any destination outside 127.0.0.0/8 and ::1 twice:
// by host name before the request starts, and by address when libcurl opens a socket (so a
// proxy or a DNS answer cannot lead it elsewhere). Nothing leaves the machine.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/core/redactor.hpp"
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
  // The whole exchange, a streamed body included.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // From sending the request to the first byte of the answer (its status line).
  std::optional<std::chrono::milliseconds> first_byte_timeout;
  // A streamed body: the longest silence allowed between two pieces of it.
  std::optional<std::chrono::milliseconds> idle_timeout;
  // The largest answer accepted (nullopt: the transport's own limit). A token, metadata or STS
  // answer is small; a hostile endpoint must not make us buffer megabytes.
  std::optional<std::size_t> max_response_bytes;
  // Secrets this request carries outside its credential headers (a client secret or token in a
  // form or JSON body), so that messages built from the answer can hide them (redactor_for).
  Redactor sensitive;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  // Filled by http::call (retry.hpp): how many attempts it took, and how long in all.
  int attempts = 1;
  std::chrono::milliseconds elapsed{0};
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers, name);
  }
};

// Called with each piece of the body as it arrives; return false to abort the transfer.
using BodySink = std::function<bool(std::string_view chunk)>;

class Transport {
 public:
  virtual ~Transport() = default;
  // Throws Error with kNetwork, kTimeout or kRefused (Error::transient() says whether trying
  // again may help); any HTTP status is a Response.
  virtual Response send(const Request& request) = 0;
  // As send, but the body of a 2xx answer goes to `sink` as it arrives (Response::body stays
  // empty); the body of any other answer is collected in Response::body.
  virtual Response send_streaming(const Request& request, const BodySink& sink) = 0;
  // Secrets the transport itself adds to requests (a proxy's credentials), for redactor_for().
  [[nodiscard]] virtual const Redactor& own_secrets() const;
};

struct TransportOptions {
  bool loopback_only = false;
  // Extra PEM bundle trusted in addition to the system store.
  std::optional<std::string> ca_bundle;
  // Where ca_bundle came from, for messages ("--ca-bundle", "AWS_CA_BUNDLE", …).
  std::string ca_bundle_source = "the CA bundle";
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
  // The user names and passwords of the proxies in the environment (libcurl sends them).
  [[nodiscard]] const Redactor& own_secrets() const override { return proxy_secrets_; }

 private:
  struct Pool;
  Response perform(const Request& request, const BodySink* sink);
  TransportOptions options_;
  std::unique_ptr<Pool> pool_;
  Redactor proxy_secrets_;
  std::once_flag ca_checked_;
  std::string ca_problem_;
};

// Every secret `request` carries — the values of its credential headers (Authorization, with and
// without its scheme word; Proxy-Authorization; api-key; X-Amz-Security-Token; the metadata
// services' token headers), Request::sensitive — and the transport's own (proxy credentials).
Redactor redactor_for(const Request& request, const Transport& transport);
// The same without a transport's own secrets (a request sent some other way).
Redactor redactor_for(const Request& request);

// True for the link-local metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::/64 — IMDS,
// ECS and EKS Pod Identity agents, Azure IMDS) and for loopback: never sent through a proxy.
bool is_local_identity_host(std::string_view host);

// A CA bundle named by `source` ("--ca-bundle", "AWS_CA_BUNDLE", "SSL_CERT_FILE") that cannot be
// used — missing, unreadable, not a file, or holding no PEM certificate — is an Error
// (kInvalidInput) that names the source, the file and the reason.
void check_ca_bundle(const std::string& path, std::string_view source);

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
