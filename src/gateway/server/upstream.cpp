#include "upstream.hpp"

#include <openssl/ssl.h>

#include "llmauth/core/redactor.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::gateway::server {
namespace {

using std::chrono::milliseconds;

bool is_loopback(const net::ip::address& a) {
  if (a.is_v4()) return (a.to_v4().to_uint() >> 24) == 127;
  return a.to_v6().is_loopback() ||
         (a.to_v6().is_v4_mapped() &&
          (net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).to_uint() >> 24) == 127);
}

std::string describe(const beast::error_code& ec) { return sanitize_untrusted(ec.message(), 200); }

UpstreamError error_of(const beast::error_code& ec, const Origin& o, std::string_view step) {
  using K = UpstreamError::Kind;
  const std::string where = o.key();
  if (ec == beast::error::timeout) {
    return UpstreamError(K::kTimeout,
                         "the upstream " + where + " timed out (" + std::string(step) + ")");
  }
  if (ec.category() == net::error::get_ssl_category() || ec == net::ssl::error::stream_truncated) {
    return UpstreamError(
        K::kTls, "TLS with " + where + " failed (" + std::string(step) + "): " + describe(ec));
  }
  if (ec == bhttp::error::body_limit) {
    return UpstreamError(K::kTooLarge, "the answer from " + where + " is too large");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() ||
      ec == bhttp::error::end_of_stream || ec == net::error::eof) {
    return UpstreamError(K::kProtocol, "the upstream " + where + " closed the connection or sent " +
                                           "no valid HTTP (" + std::string(step) + ": " +
                                           describe(ec) + ")");
  }
  return UpstreamError(K::kConnect, "could not reach the upstream " + where + " (" +
                                        std::string(step) + ": " + describe(ec) + ")");
}

template <class Stream, class Message>
Task<beast::error_code> write_message(Stream& stream, Message& message) {
  beast::error_code ec;
  co_await bhttp::async_write(stream, message, net::redirect_error(net::use_awaitable, ec));
  co_return ec;
}

}  // namespace

std::string_view UpstreamError::class_name() const {
  switch (kind_) {
    case Kind::kConnect:
      return "connect";
    case Kind::kTimeout:
      return "timeout";
    case Kind::kTls:
      return "tls";
    case Kind::kProtocol:
      return "protocol";
    case Kind::kRefused:
      return "refused";
    case Kind::kTooLarge:
      return "too_large";
  }
  return "other";
}

SplitUrl split_url(const std::string& text) {
  const url::Url u = url::parse(text, "upstream URL");
  SplitUrl out;
  out.origin.tls = u.scheme == "https";
  out.origin.host = u.host;
  out.origin.port = std::to_string(u.port.value_or(out.origin.tls ? 443 : 80));
  out.target = u.path.empty() ? "/" : u.path;
  if (!u.query.empty()) out.target += "?" + u.query;
  out.host_header = u.authority();
  return out;
}

UpstreamPool::UpstreamPool(net::any_io_executor executor, UpstreamSettings settings)
    : executor_(std::move(executor)), settings_(settings) {}

std::size_t UpstreamPool::idle() const {
  std::size_t n = 0;
  for (const auto& [_, v] : idle_) n += v.size();
  return n;
}

void UpstreamPool::give_back(std::unique_ptr<UpstreamConnection> c) {
  auto& list = idle_[c->origin().key()];
  if (list.size() >= settings_.max_idle_per_origin) return;  // closed by its destructor
  c->reused = true;
  list.push_back(std::move(c));
}

Task<std::unique_ptr<UpstreamConnection>> UpstreamPool::get(const Origin& origin,
                                                            milliseconds connect_timeout,
                                                            bool fresh) {
  if (!fresh) {
    auto it = idle_.find(origin.key());
    if (it != idle_.end() && !it->second.empty()) {
      auto c = std::move(it->second.back());
      it->second.pop_back();
      co_return c;
    }
  }
  using K = UpstreamError::Kind;
  auto c = std::make_unique<UpstreamConnection>(origin);
  beast::error_code ec;
  tcp::resolver resolver(executor_);
  const auto endpoints = co_await resolver.async_resolve(
      origin.host, origin.port, net::redirect_error(net::use_awaitable, ec));
  if (ec) throw error_of(ec, origin, "resolve");
  if (settings_.loopback_only) {
    for (const auto& e : endpoints) {
      if (!is_loopback(e.endpoint().address())) {
        throw UpstreamError(K::kRefused, "refused to connect to " + origin.key() +
                                             ": the loopback-only guard allows 127.0.0.0/8 and "
                                             "::1 only");
      }
    }
  }
  beast::tcp_stream stream(executor_);
  stream.expires_after(connect_timeout);
  co_await stream.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
  if (ec) throw error_of(ec, origin, "connect");
  stream.socket().set_option(tcp::no_delay(true));
  if (!origin.tls) {
    c->plain.emplace(std::move(stream));
    co_return c;
  }
  if (settings_.tls == nullptr) throw UpstreamError(K::kTls, "no TLS context for " + origin.key());
  c->secure.emplace(std::move(stream), *settings_.tls);
  auto& ssl = *c->secure;
  if (SSL_set_tlsext_host_name(ssl.native_handle(), origin.host.c_str()) != 1) {
    throw UpstreamError(K::kTls, "cannot set the TLS server name for " + origin.key());
  }
  ssl.set_verify_callback(net::ssl::host_name_verification(origin.host));
  co_await ssl.async_handshake(net::ssl::stream_base::client,
                               net::redirect_error(net::use_awaitable, ec));
  if (ec) throw error_of(ec, origin, "TLS handshake");
  co_return c;
}

UpstreamExchange::~UpstreamExchange() { finish(); }

void UpstreamExchange::finish() {
  if (!connection_) return;
  const bool complete = parser_ && parser_->is_done() && parser_->keep_alive();
  if (complete) {
    pool_.give_back(std::move(connection_));
  } else {
    beast::error_code ignored;
    connection_->tcp().socket().close(ignored);
    connection_.reset();
  }
}

Task<void> UpstreamExchange::send_and_read_head(const bhttp::request<bhttp::string_body>& request,
                                                milliseconds first_byte) {
  auto& c = *connection_;
  c.tcp().expires_after(first_byte);
  beast::error_code ec = c.plain ? co_await write_message(*c.plain, request)
                                 : co_await write_message(*c.secure, request);
  if (ec) throw error_of(ec, origin_, "send");
  parser_.emplace();
  // The caller caps what it keeps. (Not boost::none: Boost 1.74 compares a Content-Length with
  // the optional limit as "len > none", which is always true.)
  parser_->body_limit(std::uint64_t{1} << 40);
  parser_->header_limit(64 * 1024);
  if (c.plain) {
    co_await bhttp::async_read_header(*c.plain, c.buffer, *parser_,
                                      net::redirect_error(net::use_awaitable, ec));
  } else {
    co_await bhttp::async_read_header(*c.secure, c.buffer, *parser_,
                                      net::redirect_error(net::use_awaitable, ec));
  }
  if (ec) throw error_of(ec, origin_, "waiting for the answer");
  got_bytes_ = true;
}

Task<void> UpstreamExchange::start(const bhttp::request<bhttp::string_body>& request,
                                   milliseconds connect, milliseconds first_byte) {
  connection_ = co_await pool_.get(origin_, connect);
  if (!connection_->reused) {
    co_await send_and_read_head(request, first_byte);
    co_return;
  }
  // A reused connection may have been closed by the server while it sat idle: when it fails
  // before any byte of the answer, try once more on a fresh one.
  bool retry = false;
  try {
    co_await send_and_read_head(request, first_byte);
  } catch (const UpstreamError& e) {
    if (got_bytes_ || e.kind() == UpstreamError::Kind::kTimeout) throw;
    retry = true;
  }
  if (!retry) co_return;
  beast::error_code ignored;
  connection_->tcp().socket().close(ignored);
  connection_ = co_await pool_.get(origin_, connect, /*fresh=*/true);
  co_await send_and_read_head(request, first_byte);
}

Task<bool> UpstreamExchange::read_some(std::string& out, milliseconds idle) {
  auto& c = *connection_;
  if (parser_->is_done()) co_return false;
  auto& buf = read_buffer_;
  parser_->get().body().data = buf.data();
  parser_->get().body().size = buf.size();
  c.tcp().expires_after(idle);
  beast::error_code ec;
  if (c.plain) {
    co_await bhttp::async_read_some(*c.plain, c.buffer, *parser_,
                                    net::redirect_error(net::use_awaitable, ec));
  } else {
    co_await bhttp::async_read_some(*c.secure, c.buffer, *parser_,
                                    net::redirect_error(net::use_awaitable, ec));
  }
  if (ec == bhttp::error::need_buffer) ec = {};
  if (ec) throw error_of(ec, origin_, "reading the answer");
  out.append(buf.data(), buf.size() - parser_->get().body().size);
  co_return !parser_->is_done();
}

Task<std::string> UpstreamExchange::read_all(std::size_t cap, milliseconds timeout) {
  std::string body;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw UpstreamError(UpstreamError::Kind::kTimeout,
                          "the answer from " + origin_.key() + " did not finish in time");
    }
    const bool more = co_await read_some(body, left);
    if (body.size() > cap) {
      throw UpstreamError(
          UpstreamError::Kind::kTooLarge,
          "the answer from " + origin_.key() + " is larger than " + std::to_string(cap) + " bytes");
    }
    if (!more) break;
  }
  co_return body;
}

}  // namespace llmauth::gateway::server
