// A scripted http::Transport for the metadata providers' unit tests: it records every request
// and answers from a handler, so a test can state the protocol's shape ("sends the token
// header", "falls back to IMDSv1 on 405") without a network.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "llmauth/core/ambient.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/http.hpp"

namespace llmauth::testing {

class FakeMetadataTransport final : public http::Transport {
 public:
  using Handler = std::function<http::Response(const http::Request&)>;

  explicit FakeMetadataTransport(Handler handler) : handler_(std::move(handler)) {}

  http::Response send(const http::Request& request) override {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    return handler_(request);
  }
  http::Response send_streaming(const http::Request& request, const http::BodySink& sink) override {
    auto r = send(request);
    sink(r.body);
    r.body.clear();
    return r;
  }

  [[nodiscard]] std::vector<http::Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  [[nodiscard]] std::size_t count(const std::string& method, const std::string& path_suffix) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& r : requests_) {
      if (r.method == method && r.url.size() >= path_suffix.size() &&
          r.url.compare(r.url.size() - path_suffix.size(), path_suffix.size(), path_suffix) == 0) {
        ++n;
      }
    }
    return n;
  }

 private:
  Handler handler_;
  mutable std::mutex mutex_;
  std::vector<http::Request> requests_;
};

inline http::Response reply(int status, std::string body = {}, http::Headers headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline http::Response timeout_failure(const http::Request& r) {
  throw Error("request to " + http::loggable_url(r.url) + " timed out after " +
                  std::to_string(r.timeout.count()) + " ms",
              ErrorCode::kTimeout);
}

inline http::Response refused_connection(const http::Request& r) {
  throw Error("could not connect to " + http::loggable_url(r.url) + " (Connection refused)",
              ErrorCode::kNetwork);
}

// An Ambient with exactly `env` (plus HOME and PATH), the fake transport and `clock`.
inline Ambient fake_ambient(std::shared_ptr<http::Transport> transport,
                            std::map<std::string, std::string> env = {},
                            std::shared_ptr<const Clock> clock = nullptr) {
  env.try_emplace("HOME", "/nonexistent/llmauth-test-home");
  env.try_emplace("PATH", "/usr/local/bin:/usr/bin:/bin");
  return Ambient(std::make_shared<MapEnvironment>(std::move(env)),
                 clock ? std::move(clock) : SystemClock::instance(), std::move(transport),
                 std::make_shared<PosixProcessRunner>());
}

// For code that only computes (a URL, settings): an Ambient whose transport fails the test on
// any request and sends nothing anywhere, so a metadata address in the test data stays data.
inline Ambient offline_ambient(std::map<std::string, std::string> env = {}) {
  auto refuse = [](const http::Request& r) -> http::Response {
    ADD_FAILURE() << "unexpected request to " << http::loggable_url(r.url);
    throw Error("offline test ambient: no request may be sent", ErrorCode::kRefused);
  };
  return fake_ambient(std::make_shared<FakeMetadataTransport>(refuse), std::move(env));
}

}  // namespace llmauth::testing
