#pragma once
// Runs the `llmauth` binary as a user would: argv, an explicit environment (nothing inherited),
// a timeout. Shared by the CLI tests of every command family.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "llmauth/core/process.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
  [[nodiscard]] std::string all() const { return out + err; }
};

/// Runs LLMAUTH_CLI_PATH with `args` and exactly `env` (plus the proxy trap); fails the test if
/// it times out.
inline CliResult run_cli(std::vector<std::string> args, std::map<std::string, std::string> env,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30),
                         std::string stdin_data = {}) {
  for (auto& [name, value] : proxy_trap_environment()) env.try_emplace(name, value);
  args.insert(args.begin(), LLMAUTH_CLI_PATH);
  PosixProcessRunner runner;
  ProcessOptions options;
  options.environment = std::move(env);
  options.timeout = timeout;
  if (!stdin_data.empty()) options.stdin_data = std::move(stdin_data);
  const auto r = runner.run(args, options);
  EXPECT_FALSE(r.timed_out) << "llmauth did not finish within " << timeout.count() << " ms";
  return {r.exit_code, r.out, r.err};
}

}  // namespace llmauth::testing
