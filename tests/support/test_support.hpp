// Test support: temporary directories, an Ambient for tests, the emulator handle, and checks
// that secrets never reach printed output.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "llmauth/core/ambient.hpp"
#include "llmauth/core/json.hpp"

namespace llmauth::testing {

// A fresh directory removed at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // Writes `content` to path()/name (creating folders) and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& content,
                              std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                             std::filesystem::perms::owner_write) const;

 private:
  std::filesystem::path path_;
};

// Proxy variables that send every non-loopback destination to a closed loopback port (and keep
// loopback direct). Set in every test process before main(); run_cli() gives them to the CLI too.
// A third line of defence behind the transport's two loopback-only checks.
std::map<std::string, std::string> proxy_trap_environment();

// The loopback-guarded transport every test uses (trusting the emulator's CA when it runs).
std::shared_ptr<http::Transport> test_transport();

// An Ambient with exactly `env` as its environment (nothing from the real process), the given
// clock (system clock when null), the loopback-guarded transport and the real process runner.
// HOME defaults to a path that does not exist, so no real ~/.aws file is ever read; IMDS is off
// for AWS and pointed at a closed loopback port for Azure unless a test says otherwise.
Ambient test_ambient(std::map<std::string, std::string> env = {},
                     std::shared_ptr<const Clock> clock = nullptr);

// The running emulator (started by the CTest fixture `emulator`).
class Emulator {
 public:
  // Reads emulator-state/emulator.json; skips nothing — fails the test when it is absent.
  static Emulator& get();
  [[nodiscard]] const std::string& http_url() const { return http_; }
  [[nodiscard]] const std::string& https_url() const { return https_; }
  [[nodiscard]] const std::string& ca_path() const { return ca_; }

  void reset();
  json::Json control(const std::string& method, const std::string& path,
                     const json::Json& body = nullptr);
  long long counter(const std::string& name);
  void fault(const std::string& target, int count, int status, int delay_ms = 0);
  void config(const json::Json& patch);

 private:
  std::string http_, https_, ca_;
};

// The emulator's built-in long-term key (the SigV4 test-suite key).
inline constexpr const char* kEmulatorAccessKey = "AKIDEXAMPLE";
inline constexpr const char* kEmulatorSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// Fails the test when `printed` contains `secret` (or its first 12 characters).
void expect_no_secret(const std::string& printed, const std::string& secret);

}  // namespace llmauth::testing
