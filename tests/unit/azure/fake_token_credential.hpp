// Fake TokenCredentials for chain and cache tests: count calls, answer from a script of
// outcomes, optionally block until released.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::testing {

class FakeTokenCredential final : public azure::TokenCredential {
 public:
  using Behaviour = std::function<std::shared_ptr<const azure::AccessToken>(const azure::TokenRequest&, int call)>;

  FakeTokenCredential(std::string name, Behaviour behaviour)
      : name_(std::move(name)), behaviour_(std::move(behaviour)) {}

  static std::shared_ptr<FakeTokenCredential> unavailable(std::string name, std::string why) {
    return std::make_shared<FakeTokenCredential>(name, [name, why](const azure::TokenRequest&, int) -> std::shared_ptr<const azure::AccessToken> {
      throw UnavailableError(name + ": " + why);
    });
  }
  static std::shared_ptr<FakeTokenCredential> failing(std::string name, std::string why,
                                                      ErrorCode code = ErrorCode::kHttpStatus) {
    return std::make_shared<FakeTokenCredential>(name, [name, why, code](const azure::TokenRequest&, int) -> std::shared_ptr<const azure::AccessToken> {
      throw Error(name + ": " + why, code);
    });
  }
  static std::shared_ptr<FakeTokenCredential> issuing(std::string name, std::string token,
                                                      TimePoint expires_on) {
    return std::make_shared<FakeTokenCredential>(name, [name, token, expires_on](const azure::TokenRequest&, int) {
      auto t = std::make_shared<azure::AccessToken>();
      t->token = Secret(token);
      t->expires_on = expires_on;
      t->credential = name;
      return std::shared_ptr<const azure::AccessToken>(t);
    });
  }

  std::shared_ptr<const azure::AccessToken> get_token(const azure::TokenRequest& request) override {
    const int call = ++calls_;
    Behaviour behaviour;
    {
      std::unique_lock lock(mutex_);
      behaviour = behaviour_;
      ++waiting_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !blocked_; });
      --waiting_;
    }
    return behaviour(request, call);
  }
  std::string name() const override { return name_; }

  int calls() const { return calls_.load(); }
  void set_behaviour(Behaviour b) {
    std::lock_guard lock(mutex_);
    behaviour_ = std::move(b);
  }
  // While blocked, get_token() waits (after counting the call) until unblock().
  void block() {
    std::lock_guard lock(mutex_);
    blocked_ = true;
  }
  void unblock() {
    {
      std::lock_guard lock(mutex_);
      blocked_ = false;
    }
    cv_.notify_all();
  }
  void wait_for_waiters(int n) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return waiting_ >= n; });
  }

 private:
  std::string name_;
  Behaviour behaviour_;
  std::atomic<int> calls_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool blocked_ = false;
  int waiting_ = 0;
};

inline std::shared_ptr<const azure::AccessToken> make_token(const std::string& value, TimePoint expires_on,
                                                            std::optional<TimePoint> refresh_on = {}) {
  auto t = std::make_shared<azure::AccessToken>();
  t->token = Secret(value);
  t->expires_on = expires_on;
  t->refresh_on = refresh_on;
  t->credential = "Fake";
  return t;
}

}  // namespace llmauth::testing
