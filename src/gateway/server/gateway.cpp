#include "llmauth/gateway/gateway.hpp"

#include <sys/stat.h>

#include <atomic>
#include <list>
#include <thread>

#include "handlers.hpp"
#include "llmauth/config/provider_config.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/core/url.hpp"
#include "net.hpp"
#include "upstream.hpp"

namespace llmauth::gateway {

using namespace server;
using std::chrono::milliseconds;

namespace {

// The client side of one connection.
template <class Stream>
class ClientStreamOf final : public ClientStream {
 public:
  explicit ClientStreamOf(Stream& s) : stream_(s) {}
  Task<void> write(bhttp::response<bhttp::string_body>& r) override {
    co_await bhttp::async_write(stream_, r, net::use_awaitable);
  }
  Task<void> write_head(bhttp::response<bhttp::empty_body>& head) override {
    bhttp::response_serializer<bhttp::empty_body> sr{head};
    co_await bhttp::async_write_header(stream_, sr, net::use_awaitable);
  }
  Task<void> write_chunk(std::string_view data) override {
    if (data.empty()) co_return;
    co_await net::async_write(stream_,
                              bhttp::make_chunk(net::const_buffer(data.data(), data.size())),
                              net::use_awaitable);
  }
  Task<void> write_end() override {
    co_await net::async_write(stream_, bhttp::make_chunk_last(), net::use_awaitable);
  }
  void expires_after(milliseconds d) override { beast::get_lowest_layer(stream_).expires_after(d); }

 private:
  Stream& stream_;
};

struct ParsedListen {
  std::string host;
  unsigned short port = 0;
};

ParsedListen parse_listen(const std::string& text) {
  ParsedListen out;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw Error("--listen " + text + ": expected HOST:PORT or [IPv6]:PORT",
                  ErrorCode::kInvalidInput);
    }
    out.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      throw Error("--listen " + text + ": expected HOST:PORT (e.g. 127.0.0.1:8080)",
                  ErrorCode::kInvalidInput);
    }
    out.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  try {
    const int p = std::stoi(port);
    if (p < 0 || p > 65535 || std::to_string(p) != port) throw std::out_of_range("port");
    out.port = static_cast<unsigned short>(p);
  } catch (const std::exception&) {
    throw Error("--listen " + text + ": the port must be 0 to 65535", ErrorCode::kInvalidInput);
  }
  if (out.host == "localhost") out.host = "127.0.0.1";
  return out;
}

std::optional<std::filesystem::file_time_type> mtime(const std::string& path) {
  std::error_code ec;
  const auto t = std::filesystem::last_write_time(path, ec);
  if (ec) return std::nullopt;
  return t;
}

}  // namespace

struct Gateway::Impl {
  Impl(Ambient ambient, GatewayOptions options) : shared(std::move(ambient), std::move(options)) {}

  Shared shared;
  std::vector<std::unique_ptr<net::io_context>> loops;
  std::vector<std::thread> threads;
  std::unique_ptr<net::ssl::context> client_tls;    // TLS termination (--tls-cert)
  std::unique_ptr<net::ssl::context> upstream_tls;  // to the providers
  std::vector<std::unique_ptr<UpstreamPool>> pools;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::atomic<bool> stopping{false};
  std::atomic<int> exit_code{0};
  std::mutex reload_mutex;
  std::string bound;  // "host:port" actually bound

  std::shared_ptr<Runtime> build_runtime();
  Task<void> accept_loop(std::size_t index);
  template <class Stream>
  Task<void> serve(Stream& stream, std::size_t index);
  Task<void> session(tcp::socket socket, std::size_t index);
  void begin_stop();
  void audit(const FetchReport& r);
};

void Gateway::Impl::audit(const FetchReport& r) {
  shared.metrics.add("llmauth_credential_fetches_total",
                     {{"provider", r.provider},
                      {"outcome", r.ok ? (r.refresh ? "refreshed" : "fetched") : "failed"}});
  json::Json line = {{"ts", timefmt::format_iso8601(shared.ambient.now())},
                     {"type", "credential"},
                     {"provider", r.provider},
                     {"event", r.refresh ? "refresh" : "fetch"},
                     {"outcome", r.ok ? "ok" : "failed"},
                     {"took_ms", r.took.count()}};
  if (!r.source.empty()) line["source"] = sanitize_untrusted(r.source, 200);
  if (r.expires_at) line["expires_at"] = timefmt::format_iso8601(*r.expires_at);
  if (!r.ok) line["error"] = r.error;
  shared.log_line(line.dump());
}

std::shared_ptr<Runtime> Gateway::Impl::build_runtime() {
  const auto file = config::load_providers(shared.ambient, shared.options.config_path);
  KeySet keys;
  if (shared.options.keys_path) {
    keys = KeySet(KeysFile(shared.ambient, *shared.options.keys_path).load());
  }
  return std::make_shared<Runtime>(shared.ambient, file, std::move(keys),
                                   [this](const FetchReport& r) { audit(r); });
}

template <class Stream>
Task<void> Gateway::Impl::serve(Stream& stream, std::size_t index) {
  ClientStreamOf<Stream> client(stream);
  beast::flat_buffer buffer;
  const auto& o = shared.options;
  bool first = true;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
    parser.body_limit(o.max_body_bytes);
    // Between requests: the keep-alive idle timeout; then the read timeout for head and body.
    beast::get_lowest_layer(stream).expires_after(first ? o.read_timeout : o.idle_timeout);
    first = false;
    beast::error_code ec;
    co_await bhttp::async_read_header(stream, buffer, parser,
                                      net::redirect_error(net::use_awaitable, ec));
    if (!ec && !parser.is_done()) {
      beast::get_lowest_layer(stream).expires_after(o.read_timeout);
      // curl and others wait (a second) for "100 Continue" before sending a large body.
      const auto expect = parser.get().find(bhttp::field::expect);
      if (expect != parser.get().end() && beast::iequals(expect->value(), "100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
        co_await bhttp::async_write(stream, go_on, net::redirect_error(net::use_awaitable, ec));
      }
    }
    if (!ec && !parser.is_done()) {
      co_await bhttp::async_read(stream, buffer, parser,
                                 net::redirect_error(net::use_awaitable, ec));
    }
    if (ec) {
      std::optional<bhttp::response<bhttp::string_body>> answer;
      if (ec == bhttp::error::body_limit) {
        answer = error_response(
            413, "The request body is larger than " + std::to_string(o.max_body_bytes) + " bytes.",
            "invalid_request_error", "request_too_large");
      } else if (ec == bhttp::error::header_limit) {
        answer = error_response(431,
                                "The request's headers are larger than " +
                                    std::to_string(o.max_header_bytes) + " bytes.",
                                "invalid_request_error", "headers_too_large");
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        answer = error_response(400, "Malformed HTTP request (" + ec.message() + ").",
                                "invalid_request_error", "bad_request");
      }
      if (answer) {
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
        beast::error_code ignored;
        co_await bhttp::async_write(stream, *answer,
                                    net::redirect_error(net::use_awaitable, ignored));
      }
      co_return;
    }
    auto request = parser.release();
    beast::get_lowest_layer(stream).expires_never();
    const bool keep = co_await handle(client, request, shared, *pools[index]);
    if (!keep || stopping) co_return;
  }
}

Task<void> Gateway::Impl::session(tcp::socket socket, std::size_t index) {
  shared.open_connections.fetch_add(1);
  struct Count {
    std::atomic<long long>& n;
    ~Count() { n.fetch_sub(1); }
  } count{shared.open_connections};
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (client_tls) {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *client_tls);
    stream.next_layer().expires_after(shared.options.read_timeout);
    beast::error_code ec;
    co_await stream.async_handshake(net::ssl::stream_base::server,
                                    net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    try {
      co_await serve(stream, index);
    } catch (const std::exception&) {
    }
    stream.next_layer().expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
    co_return;
  }
  beast::tcp_stream stream(std::move(socket));
  try {
    co_await serve(stream, index);
  } catch (const std::exception&) {
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

Task<void> Gateway::Impl::accept_loop(std::size_t index) {
  auto& acceptor = *acceptors[index];
  for (;;) {
    beast::error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (stopping || ec == net::error::operation_aborted) co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    if (static_cast<std::size_t>(shared.open_connections.load()) >=
        shared.options.max_connections) {
      socket.close(ec);
      continue;
    }
    net::co_spawn(acceptor.get_executor(), session(std::move(socket), index), net::detached);
  }
}

void Gateway::Impl::begin_stop() {
  bool expected = false;
  if (!stopping.compare_exchange_strong(expected, true)) return;
  shared.draining = true;
  for (std::size_t i = 0; i < acceptors.size(); ++i) {
    net::post(*loops[i], [a = acceptors[i].get()] {
      beast::error_code ignored;
      a->close(ignored);
    });
  }
}

Gateway::Gateway(Ambient ambient, GatewayOptions options)
    : impl_(std::make_unique<Impl>(std::move(ambient), std::move(options))) {
  auto& o = impl_->shared.options;
  if (o.config_path.empty()) {
    throw Error("no provider config: give --config FILE (or set LLMAUTH_CONFIG)",
                ErrorCode::kInvalidInput);
  }
  const auto listen = parse_listen(o.listen);
  const auto address = net::ip::make_address(listen.host);
  impl_->shared.keys_required = o.keys_path.has_value();
  if (!o.keys_path && !address.is_loopback() && !o.allow_unauthenticated) {
    throw Error("listening on " + o.listen +
                    " without gateway keys would let anyone who can reach it use the providers' "
                    "credentials: give --keys FILE (llmauth keys create), listen on 127.0.0.1, or "
                    "pass --allow-unauthenticated if an authenticating proxy stands in front",
                ErrorCode::kInvalidInput);
  }
  if (o.tls_cert.has_value() != o.tls_key.has_value()) {
    throw Error("--tls-cert and --tls-key go together", ErrorCode::kInvalidInput);
  }
  declare_metrics(impl_->shared.metrics);
  impl_->shared.runtime.store(impl_->build_runtime());

  // TLS to the providers: the system roots plus the CA bundle in use.
  impl_->upstream_tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
  impl_->upstream_tls->set_default_verify_paths();
  impl_->upstream_tls->set_verify_mode(net::ssl::verify_peer);
  for (const char* var : {"AWS_CA_BUNDLE", "SSL_CERT_FILE"}) {
    if (const auto bundle = impl_->shared.ambient.env(var)) {
      http::check_ca_bundle(*bundle, var);
      impl_->upstream_tls->load_verify_file(*bundle);
      break;
    }
  }
  if (o.tls_cert) {
    impl_->client_tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    impl_->client_tls->set_options(net::ssl::context::default_workarounds |
                                   net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 |
                                   net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
    try {
      impl_->client_tls->use_certificate_chain_file(*o.tls_cert);
      impl_->client_tls->use_private_key_file(*o.tls_key, net::ssl::context::pem);
    } catch (const boost::system::system_error& e) {
      throw Error("--tls-cert " + *o.tls_cert + " / --tls-key " + *o.tls_key +
                      ": cannot be used (" + sanitize_untrusted(e.what(), 200) + ")",
                  ErrorCode::kInvalidInput);
    }
  }

  const int threads = o.threads > 0
                          ? o.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const char* loopback = std::getenv("LLMAUTH_LOOPBACK_ONLY");
  const bool loopback_only = loopback != nullptr && std::string(loopback) == "1";
  unsigned short port = listen.port;
  for (int i = 0; i < threads; ++i) {
    auto loop = std::make_unique<net::io_context>(1);
    auto acceptor = std::make_unique<tcp::acceptor>(*loop);
    const tcp::endpoint endpoint(address, port);
    beast::error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) {
      const int on = 1;
      ::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
    }
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      throw Error("cannot listen on " + o.listen + ": " + ec.message() +
                      (ec == net::error::address_in_use ? " (another process has the port)" : ""),
                  ErrorCode::kNetwork);
    }
    // Port 0: the first listener picked one; the others share it.
    port = acceptor->local_endpoint().port();
    impl_->pools.push_back(std::make_unique<UpstreamPool>(
        loop->get_executor(), UpstreamSettings{impl_->upstream_tls.get(), loopback_only}));
    impl_->acceptors.push_back(std::move(acceptor));
    impl_->loops.push_back(std::move(loop));
  }
  impl_->bound = (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
                 std::to_string(port);
}

Gateway::~Gateway() {
  stop();
  for (auto& l : impl_->loops) l->stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

void Gateway::stop() { impl_->begin_stop(); }

bool Gateway::reload() {
  std::lock_guard lock(impl_->reload_mutex);
  try {
    auto next = impl_->build_runtime();
    next->start();
    // The old runtime serves until the new one has its credentials (or has failed to get them:
    // then requests get its errors, as they would after a restart), for at most 10 s.
    next->wait_for_first_fetches(std::chrono::seconds(10));
    impl_->shared.runtime.store(std::move(next));
    impl_->shared.log_line(json::Json({{"ts", timefmt::format_iso8601(impl_->shared.ambient.now())},
                                       {"type", "reload"},
                                       {"outcome", "ok"}})
                               .dump());
    return true;
  } catch (const std::exception& e) {
    // A config that does not validate never replaces the one being served.
    impl_->shared.log_line(json::Json({{"ts", timefmt::format_iso8601(impl_->shared.ambient.now())},
                                       {"type", "reload"},
                                       {"outcome", "refused"},
                                       {"error", sanitize_untrusted(e.what(), 2000)}})
                               .dump());
    return false;
  }
}

int Gateway::run() {
  auto& impl = *impl_;
  impl.shared.runtime.load()->start();
  for (std::size_t i = 0; i < impl.loops.size(); ++i) {
    net::co_spawn(*impl.loops[i], impl.accept_loop(i), net::detached);
  }
  // Signals and the file watch on a loop of their own.
  net::io_context control;
  net::signal_set signals(control, SIGTERM, SIGINT, SIGHUP);
  std::function<void()> arm;
  arm = [&] {
    signals.async_wait([&](const beast::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reload();
        arm();
        return;
      }
      impl.begin_stop();
    });
  };
  arm();
  net::steady_timer watch(control);
  auto config_time = mtime(impl.shared.options.config_path);
  auto keys_time =
      impl.shared.options.keys_path ? mtime(*impl.shared.options.keys_path) : std::nullopt;
  std::function<void()> poll;
  poll = [&] {
    watch.expires_after(std::chrono::seconds(1));
    watch.async_wait([&](const beast::error_code& ec) {
      if (ec || impl.stopping) return;
      const auto c = mtime(impl.shared.options.config_path);
      const auto k =
          impl.shared.options.keys_path ? mtime(*impl.shared.options.keys_path) : std::nullopt;
      // The keys file is always watched (keys are created and revoked while serving); the config
      // only with --watch.
      if (k != keys_time || (impl.shared.options.watch && c != config_time)) {
        config_time = c;
        keys_time = k;
        reload();
      }
      poll();
    });
  };
  poll();

  for (auto& loop : impl.loops) {
    impl.threads.emplace_back([l = loop.get()] { l->run(); });
  }
  if (impl.shared.options.on_listening) impl.shared.options.on_listening(impl.bound);
  impl.shared.log_line(json::Json({{"ts", timefmt::format_iso8601(impl.shared.ambient.now())},
                                   {"type", "start"},
                                   {"listen", impl.bound},
                                   {"threads", impl.loops.size()},
                                   {"keys", impl.shared.keys_required}})
                           .dump());
  // Run the control loop until a stop is asked for, then drain.
  while (!impl.stopping) control.run_for(std::chrono::milliseconds(100));
  const auto drain_until = std::chrono::steady_clock::now() + impl.shared.options.drain_timeout;
  // Requests in flight (streams included) finish; idle keep-alive connections are just closed.
  while (impl.shared.active_requests.load() > 0 && std::chrono::steady_clock::now() < drain_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& l : impl.loops) l->stop();
  for (auto& t : impl.threads) t.join();
  impl.threads.clear();
  impl.shared.log_line(json::Json({{"ts", timefmt::format_iso8601(impl.shared.ambient.now())},
                                   {"type", "stop"},
                                   {"open_connections", impl.shared.open_connections.load()}})
                           .dump());
  return impl.exit_code.load();
}

}  // namespace llmauth::gateway
