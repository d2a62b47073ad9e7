// SingleFlight<T>: however many threads ask at once, one fetch runs; every caller that arrived
// while it ran gets its outcome — the value, or the same exception. For credential refreshes: N
// simultaneous first requests make one STS call, not N, and a failing source is asked once per
// flight, not once per waiter.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>

namespace llmauth {

template <typename T>
class SingleFlight {
 public:
  using Fetch = std::function<std::shared_ptr<const T>()>;

  // Runs `fetch`, or waits for the run already in flight and shares its outcome.
  std::shared_ptr<const T> run(const Fetch& fetch) {
    std::shared_ptr<Flight> flight;
    bool leader = false;
    {
      std::lock_guard lock(mutex_);
      if (!current_) {
        current_ = std::make_shared<Flight>();
        leader = true;
      }
      flight = current_;
    }
    if (leader) return lead(*flight, fetch);
    std::unique_lock wait(flight->mutex);
    flight->done_cv.wait(wait, [&] { return flight->done; });
    if (flight->error) std::rethrow_exception(flight->error);
    return flight->value;
  }

  // Runs `fetch` only when no run is in flight; returns false at once (without waiting) when
  // one is.
  bool try_run(const Fetch& fetch, std::shared_ptr<const T>& out) {
    std::shared_ptr<Flight> flight;
    {
      std::lock_guard lock(mutex_);
      if (current_) return false;
      current_ = flight = std::make_shared<Flight>();
    }
    out = lead(*flight, fetch);
    return true;
  }

  [[nodiscard]] bool in_flight() const {
    std::lock_guard lock(mutex_);
    return current_ != nullptr;
  }

 private:
  struct Flight {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    std::shared_ptr<const T> value;
    std::exception_ptr error;
  };
  std::shared_ptr<const T> lead(Flight& flight, const Fetch& fetch) {
    std::shared_ptr<const T> value;
    std::exception_ptr error;
    try {
      value = fetch();
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      current_.reset();
    }
    {
      std::lock_guard done(flight.mutex);
      flight.done = true;
      flight.value = value;
      flight.error = error;
    }
    flight.done_cv.notify_all();
    if (error) std::rethrow_exception(error);
    return value;
  }

  mutable std::mutex mutex_;
  std::shared_ptr<Flight> current_;
};

}  // namespace llmauth
