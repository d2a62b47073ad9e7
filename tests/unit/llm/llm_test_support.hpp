// Fakes for the chat clients' unit tests: a transport that behaves like CurlTransport towards a
// streaming sink (2xx bodies go to the sink in chunks of a chosen size, other bodies stay in the
// response) and records requests; an authorizer that counts what it is asked.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "llmauth/core/error.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth/llm/authorizer.hpp"

namespace llmauth::testing {

class ScriptedTransport final : public http::Transport {
 public:
  using Handler = std::function<http::Response(const http::Request&)>;
  explicit ScriptedTransport(Handler handler, std::size_t chunk = 7)
      : handler_(std::move(handler)), chunk_(chunk) {}

  http::Response send(const http::Request& request) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    return handler_(request);
  }
  http::Response send_streaming(const http::Request& request, const http::BodySink& sink) override {
    http::Response r = send(request);
    if (r.status >= 200 && r.status < 300) {
      for (std::size_t i = 0; i < r.body.size(); i += chunk_) {
        if (!sink(std::string_view(r.body).substr(i, chunk_))) {
          throw Error("transfer aborted by the reader", ErrorCode::kNetwork);
        }
      }
      r.body.clear();
    }
    return r;
  }
  [[nodiscard]] std::vector<http::Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  Handler handler_;
  std::size_t chunk_;
  mutable std::mutex mutex_;
  std::vector<http::Request> requests_;
};

inline http::Response answer(int status, std::string body, http::Headers headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class CountingAuthorizer final : public llm::Authorizer {
 public:
  explicit CountingAuthorizer(bool refreshable = true)
      : llm::Authorizer(nullptr), refreshable_(refreshable) {}
  std::shared_ptr<const llm::Credential> acquire() override {
    ++authorized;
    auto c = std::make_shared<llm::Credential>();
    c->secret = Secret("key-generation-" + std::to_string(generation));
    return c;
  }
  void apply(const llm::Credential& c, http::Request& request, TimePoint) const override {
    std::erase_if(request.headers,
                  [](const http::Header& h) { return http::iequals(h.name, "api-key"); });
    request.headers.push_back({"api-key", std::string(c.secret.reveal())});
  }
  bool invalidate() override {
    ++invalidated;
    if (refreshable_) ++generation;
    return refreshable_;
  }
  [[nodiscard]] std::string describe() const override { return "counting test authorizer"; }
  [[nodiscard]] llm::CredentialLifetime lifetime() const override { return {}; }
  int authorized = 0;
  int invalidated = 0;
  int generation = 1;

 private:
  bool refreshable_;
};

}  // namespace llmauth::testing
