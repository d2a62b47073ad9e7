// BackgroundProcess: a program started for the length of a test (the gateway), with its stderr
// collected on a thread, a way to wait for a line, and SIGTERM (then SIGKILL) at the end.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmauth::testing {

class BackgroundProcess {
 public:
  BackgroundProcess(std::vector<std::string> argv, std::map<std::string, std::string> env);
  ~BackgroundProcess();  // stop()
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Waits until stderr holds `needle`; returns the rest of its line (empty on timeout or exit).
  std::string wait_for(const std::string& needle, std::chrono::milliseconds timeout);
  // Everything written to stderr (and stdout) so far.
  [[nodiscard]] std::string output() const;
  // SIGTERM; waits up to `grace` for the exit, then SIGKILL. Returns the exit status (or -1).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(15));
  void signal(int sig) const;
  [[nodiscard]] bool running() const;
  [[nodiscard]] int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  int exit_status_ = -1;
  bool reaped_ = false;
  mutable std::mutex mutex_;
  std::string output_;
  std::thread reader_;
};

}  // namespace llmauth::testing
