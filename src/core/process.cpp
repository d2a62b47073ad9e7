#include "llmauth/core/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>

#include "llmauth/core/error.hpp"
#include "llmauth/core/redactor.hpp"

extern char** environ;

namespace llmauth {
namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (pipe2(fd, O_CLOEXEC) != 0)
      throw Error("cannot create a pipe: " + std::string(strerror(errno)));
  }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0) close(fd[i]);
    fd[i] = -1;
  }
};

std::optional<std::string> find_on_path(const std::string& program, const std::string& path_var) {
  if (program.find('/') != std::string::npos) return program;
  std::size_t start = 0;
  while (start <= path_var.size()) {
    auto end = path_var.find(':', start);
    if (end == std::string::npos) end = path_var.size();
    std::string dir = path_var.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate))
      return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

// write(2) to a pipe whose reader is gone raises SIGPIPE, which would kill a program using the
// library. Block it in this thread for the call and swallow one that the call itself raised.
ssize_t write_without_sigpipe(int fd, std::string_view data) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  const bool already_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  const ssize_t put = write(fd, data.data(), data.size());
  const int saved = errno;
  if (put < 0 && saved == EPIPE && !already_pending) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return put;
}

}  // namespace

ProcessResult PosixProcessRunner::run(const std::vector<std::string>& argv,
                                      const ProcessOptions& options) {
  if (argv.empty() || argv[0].empty()) throw Error("empty command", ErrorCode::kInvalidInput);

  std::vector<std::string> env_storage;
  std::string path_var;
  if (options.environment) {
    for (const auto& [k, v] : *options.environment) {
      env_storage.push_back(k + "=" + v);
      if (k == "PATH") path_var = v;
    }
  } else {
    const char* p = getenv("PATH");
    path_var = p != nullptr ? p : "";
  }
  if (path_var.empty()) path_var = "/usr/local/bin:/usr/bin:/bin";
  const auto program = find_on_path(argv[0], path_var);
  if (!program) throw Error("'" + argv[0] + "' was not found on PATH", ErrorCode::kUnavailable);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  if (options.environment) {
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
  }

  Pipe out, err;
  std::optional<Pipe> in;
  if (options.stdin_data) in.emplace();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in) {
    posix_spawn_file_actions_adddup2(&actions, in->fd[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (options.new_process_group) flags |= POSIX_SPAWN_SETPGROUP;
  posix_spawnattr_setflags(&attr, flags);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  sigemptyset(&all);
  sigaddset(&all, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &all);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program->c_str(), &actions, &attr, args.data(),
                             options.environment ? envp.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw Error("cannot start '" + argv[0] + "': " + std::string(strerror(rc)),
                rc == ENOENT ? ErrorCode::kUnavailable : ErrorCode::kFailed);
  }
  out.close_end(1);
  err.close_end(1);
  std::string_view to_write;
  if (in) {
    in->close_end(0);
    to_write = *options.stdin_data;
    fcntl(in->fd[1], F_SETFL, fcntl(in->fd[1], F_GETFL) | O_NONBLOCK);
    if (to_write.empty()) in->close_end(1);
  }

  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::size_t total = 0;
  // fds[2] is the child's stdin while there is something left to write to it.
  pollfd fds[3] = {{out.fd[0], POLLIN, 0},
                   {err.fd[0], POLLIN, 0},
                   {in && in->fd[1] >= 0 ? in->fd[1] : -1, POLLOUT, 0}};
  int open_streams = 2;
  char buffer[8192];
  while (open_streams > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    const int n = poll(fds, 3, static_cast<int>(left.count()));
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 0) continue;
    if (fds[2].fd >= 0 && fds[2].revents != 0) {
      // The child may exit without reading its input: EPIPE just ends the writing.
      const ssize_t put =
          (fds[2].revents & POLLOUT) != 0 ? write_without_sigpipe(fds[2].fd, to_write) : -1;
      if (put > 0) to_write.remove_prefix(static_cast<std::size_t>(put));
      if (put < 0 && errno == EAGAIN) continue;
      if (put <= 0 || to_write.empty()) {
        in->close_end(1);
        fds[2].fd = -1;
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
      if (got <= 0) {
        fds[i].fd = -1;
        --open_streams;
        continue;
      }
      total += static_cast<std::size_t>(got);
      if (total <= options.max_output_bytes) {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(got));
      }
    }
  }
  // The child's group holds whatever it started (and, when they share our group rather than
  // start their own, their children too); without a group of its own only the child is killed.
  const auto kill_child = [&] { kill(options.new_process_group ? -pid : pid, SIGKILL); };
  if (result.timed_out) kill_child();

  // The streams are closed (or we gave up); reap the child, still bounded by the deadline.
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline && !result.timed_out) {
      result.timed_out = true;
      kill_child();
    }
    usleep(2000);
  }
  if (result.timed_out) {
    result.exit_code = -1;
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signalled = true;
    result.exit_code = -1;
  }
  if (total > options.max_output_bytes) {
    throw Error("'" + argv[0] + "' wrote more than " + std::to_string(options.max_output_bytes) +
                    " bytes of output",
                ErrorCode::kInvalidInput);
  }
  return result;
}

std::string stderr_excerpt(std::string_view err,
                           const std::map<std::string, std::string>& environment,
                           std::size_t limit) {
  static constexpr std::string_view kSecretVariables[] = {"AWS_SECRET_ACCESS_KEY",
                                                          "AWS_SESSION_TOKEN",
                                                          "AWS_SECURITY_TOKEN",
                                                          "AWS_BEARER_TOKEN_BEDROCK",
                                                          "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                                          "AZURE_CLIENT_SECRET",
                                                          "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                                                          "AZURE_OPENAI_API_KEY",
                                                          "AZURE_OPENAI_AD_TOKEN",
                                                          "IDENTITY_HEADER"};
  Redactor redactor;
  for (auto name : kSecretVariables) {
    if (const auto it = environment.find(std::string(name)); it != environment.end()) {
      redactor.add(it->second);
    }
  }
  std::string all = redactor.scrub(err, std::string::npos);
  if (all.size() <= limit) return all;
  const std::size_t more = all.size() - limit;
  std::string out = sanitize_untrusted(all, limit);  // cuts on a character boundary, adds "…"
  return out + " (" + std::to_string(more) + " more bytes)";
}

std::vector<std::string> split_command_line(const std::string& command) {
  std::vector<std::string> words;
  std::string current;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        current += c;
      }
    } else if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < command.size() &&
                 (command[i + 1] == '"' || command[i + 1] == '\\' || command[i + 1] == '$')) {
        current += command[++i];
      } else {
        current += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < command.size()) {
      current += command[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(current));
      current.clear();
      in_word = false;
    } else {
      current += c;
      in_word = true;
    }
  }
  if (quote != 0) {
    throw Error(std::string("unbalanced ") + (quote == '"' ? "double" : "single") +
                    " quote in command line",
                ErrorCode::kInvalidInput);
  }
  if (in_word) words.push_back(std::move(current));
  return words;
}

}  // namespace llmauth
