// Boost.Asio / Beast for the gateway's server side: names and the one include order that works
// with Boost 1.74 (its awaitable.hpp uses std::exchange without including <utility>).
// Internal to src/gateway/server.
#pragma once

// clang-format off
#include <utility>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
// clang-format on

namespace llmauth::gateway::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
template <class T = void>
using Task = net::awaitable<T>;

}  // namespace llmauth::gateway::server
