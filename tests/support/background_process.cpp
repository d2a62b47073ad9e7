#include "support/background_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

extern char** environ;

namespace llmauth::testing {

BackgroundProcess::BackgroundProcess(std::vector<std::string> argv,
                                     std::map<std::string, std::string> env) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<std::string> env_storage;
  for (const auto& [k, v] : env) env_storage.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error("cannot start " + argv[0]);
  }
  out_fd_ = fds[0];
  reader_ = std::thread([this] {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0) break;
      std::lock_guard lock(mutex_);
      output_.append(buf, static_cast<std::size_t>(n));
    }
  });
}

BackgroundProcess::~BackgroundProcess() {
  stop();
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) ::close(out_fd_);
}

std::string BackgroundProcess::wait_for(const std::string& needle,
                                        std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    {
      std::lock_guard lock(mutex_);
      const auto at = output_.find(needle);
      if (at != std::string::npos) {
        const auto end = output_.find('\n', at);
        if (end != std::string::npos) {
          return output_.substr(at + needle.size(), end - at - needle.size());
        }
      }
    }
    if (!running()) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {};
}

std::string BackgroundProcess::output() const {
  std::lock_guard lock(mutex_);
  return output_;
}

void BackgroundProcess::signal(int sig) const {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

bool BackgroundProcess::running() const {
  if (pid_ <= 0 || reaped_) return false;
  return ::kill(pid_, 0) == 0 && [&] {
    int status = 0;
    const pid_t w = ::waitpid(pid_, &status, WNOHANG);
    if (w == pid_) {
      auto* self = const_cast<BackgroundProcess*>(this);
      self->reaped_ = true;
      self->exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return false;
    }
    return true;
  }();
}

int BackgroundProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return exit_status_;
  if (!reaped_) {
    ::kill(pid_, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + grace;
    while (!reaped_ && std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      reaped_ = true;
      exit_status_ = -1;
    }
  }
  if (reader_.joinable()) reader_.join();
  return exit_status_;
}

}  // namespace llmauth::testing
