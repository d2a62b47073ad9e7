// Ambient: the only way library code reads the outside world — environment variables, files,
// the home directory, the clock, child processes and the network.
//
// Production code gets Ambient::system(). Tests build one with a map environment, a fake clock
// and a loopback-guarded transport. Credential isolation is structural: a provider configured
// with explicit credentials is built with Ambient::isolated(), whose environment is empty, so it
// can never fall through to the process's own AWS_* / AZURE_* variables.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "llmauth/core/clock.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth/core/process.hpp"

namespace llmauth {

class Environment {
 public:
  virtual ~Environment() = default;
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view name) const = 0;
  // The whole environment (for child processes).
  [[nodiscard]] virtual std::map<std::string, std::string> all() const = 0;
};

class ProcessEnvironment final : public Environment {
 public:
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const override;
  [[nodiscard]] std::map<std::string, std::string> all() const override;
};

class MapEnvironment final : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const override;
  [[nodiscard]] std::map<std::string, std::string> all() const override { return vars_; }

 private:
  std::map<std::string, std::string> vars_;
};

// An exclusive advisory lock (flock(2)) on a file, held until destroyed. Other processes and
// other threads that take the same lock wait; nothing else is stopped from reading the file.
class FileLock {
 public:
  FileLock() = default;
  explicit FileLock(int fd) : fd_(fd) {}
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();
  [[nodiscard]] bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

class Ambient {
 public:
  Ambient(std::shared_ptr<const Environment> env, std::shared_ptr<const Clock> clock,
          std::shared_ptr<http::Transport> http, std::shared_ptr<ProcessRunner> processes);

  // The real process environment, system clock, a CurlTransport (CA bundle from AWS_CA_BUNDLE
  // or SSL_CERT_FILE when set) and the POSIX process runner.
  static Ambient system(const http::TransportOptions& transport_options = {});

  // The same clock, transport and process runner, with an empty environment (or the given one).
  [[nodiscard]] Ambient isolated(std::map<std::string, std::string> vars = {}) const;

  // A variable's value; unset and empty are both nullopt (as the SDKs treat them).
  [[nodiscard]] std::optional<std::string> env(std::string_view name) const;
  [[nodiscard]] bool env_flag(std::string_view name) const;  // "true"/"1"/"yes", any case
  [[nodiscard]] const Environment& environment() const { return *env_; }

  // $HOME, else the password database.
  [[nodiscard]] std::filesystem::path home() const;
  // Expands a leading "~/" to home().
  [[nodiscard]] std::filesystem::path expand_user(const std::string& path) const;

  // Whole file, at most max_bytes. nullopt if it does not exist; throws Error(kInvalidInput)
  // naming the path when it exists but cannot be read or is too large.
  [[nodiscard]] std::optional<std::string> read_file(const std::filesystem::path& path,
                                                     std::size_t max_bytes = 1u << 20) const;

  // Replaces `path` with `content` atomically: a new file in the same folder (mode 0600, never
  // wider), written and flushed to disk, then renamed over `path`. Readers see the old file or
  // the new one, never a half-written one. Throws Error(kFailed) naming the path; the temporary
  // file is removed on failure.
  void replace_file(const std::filesystem::path& path, std::string_view content) const;

  // Takes the lock on `path` — a directory, or a lock file created mode 0600 when absent —
  // waiting at most `timeout`.
  // Returns a lock that is not held when the file cannot be created or the wait runs out: the
  // caller goes on without it (a lock is a courtesy between processes sharing a cache, never a
  // reason to hang or fail).
  [[nodiscard]] FileLock lock_file(const std::filesystem::path& path,
                                   std::chrono::milliseconds timeout) const;

  [[nodiscard]] const Clock& clock() const { return *clock_; }
  [[nodiscard]] TimePoint now() const { return clock_->now(); }
  [[nodiscard]] http::Transport& http() const { return *http_; }
  [[nodiscard]] ProcessRunner& processes() const { return *processes_; }

  [[nodiscard]] const std::shared_ptr<const Clock>& clock_ptr() const { return clock_; }
  [[nodiscard]] const std::shared_ptr<http::Transport>& http_ptr() const { return http_; }

 private:
  std::shared_ptr<const Environment> env_;
  std::shared_ptr<const Clock> clock_;
  std::shared_ptr<http::Transport> http_;
  std::shared_ptr<ProcessRunner> processes_;
};

}  // namespace llmauth
