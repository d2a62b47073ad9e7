// Child processes without a shell: credential_process, az, azd.
//
// The command runs with a hard timeout (killed, with its process group, when it runs over),
// bounded output, and stdin closed. Its environment is the one given, not the parent's.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace llmauth {

struct ProcessOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  std::size_t max_output_bytes = 1u << 20;
  // The child's whole environment. nullopt = inherit the parent's.
  std::optional<std::map<std::string, std::string>> environment;
  // Written to the child's standard input, which is then closed. nullopt = /dev/null.
  std::optional<std::string> stdin_data;
  // Start the child in a process group of its own, so that a timeout kills it with everything
  // it started. false: the child stays in ours — for a process that is itself someone's child
  // process (a nested credential_process), so that its parent's kill reaches the whole tree.
  bool new_process_group = true;
};

struct ProcessResult {
  int exit_code = -1;  // -1 with signalled or timed_out
  bool timed_out = false;
  bool signalled = false;
  std::string out;
  std::string err;
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // argv[0] is looked up on PATH (from options.environment when given). Throws Error when the
  // program cannot be started (not found, not executable).
  virtual ProcessResult run(const std::vector<std::string>& argv,
                            const ProcessOptions& options) = 0;
};

class PosixProcessRunner final : public ProcessRunner {
 public:
  ProcessResult run(const std::vector<std::string>& argv, const ProcessOptions& options) override;
};

// What a child process wrote to stderr, fit for an error message: the values of the secret
// variables of `environment` (AWS_SECRET_ACCESS_KEY, AZURE_CLIENT_SECRET, …) and `extra` hidden,
// control characters and terminal escapes removed, line breaks folded, cut to `limit` bytes.
std::string stderr_excerpt(std::string_view err,
                           const std::map<std::string, std::string>& environment = {},
                           std::size_t limit = 1024);

// Splits a command line into words as a POSIX shell would for quoting only ('…', "…", \):
// no expansion, no pipes, no redirection. Throws Error(kInvalidInput) on unbalanced quotes.
std::vector<std::string> split_command_line(const std::string& command);

}  // namespace llmauth
