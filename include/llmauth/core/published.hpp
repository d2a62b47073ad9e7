// Published<T>: a value that many threads read and that is replaced now and then (cached
// credentials, a token cache's snapshot, later a provider's runtime). Readers get a shared_ptr to
// an immutable value; a writer replaces the pointer. The lock is held only to copy or swap the
// pointer — never while a new value is being made — so a reader never waits for a refresh.
//
// Why not std::atomic<std::shared_ptr>: in libstdc++ 12 it is not lock-free either (a spin lock
// in the pointer's low bit), and ThreadSanitizer cannot see through that lock, so every test run
// under TSan reported races that hid real ones. A plain mutex costs the same uncontended (one
// atomic read-modify-write each way; bench/refresh_bench.cpp measures it beside the atomic) and
// is understood by every tool.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace llmauth {

template <typename T>
class Published {
 public:
  Published() = default;
  explicit Published(std::shared_ptr<const T> value) : value_(std::move(value)) {}
  Published(const Published&) = delete;
  Published& operator=(const Published&) = delete;

  [[nodiscard]] std::shared_ptr<const T> load() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  void store(std::shared_ptr<const T> value) { exchange(std::move(value)); }
  // Replaces the value; the old one is released outside the lock (its destructor may wipe keys).
  std::shared_ptr<const T> exchange(std::shared_ptr<const T> value) {
    std::lock_guard lock(mutex_);
    std::swap(value_, value);
    return value;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> value_;
};

}  // namespace llmauth
