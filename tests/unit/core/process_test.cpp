#include "llmauth/core/process.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "llmauth/core/error.hpp"

namespace llmauth {
namespace {

using namespace std::chrono_literals;

TEST(ProcessRunner, CapturesOutputErrorAndExitCode) {
  PosixProcessRunner runner;
  const auto r = runner.run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {});
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
}

TEST(ProcessRunner, TimeoutKillsTheProcessGroupPromptly) {
  PosixProcessRunner runner;
  const auto start = std::chrono::steady_clock::now();
  const auto r = runner.run({"/bin/sh", "-c", "sleep 30 & sleep 30"}, {.timeout = 300ms});
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(ProcessRunner, UsesTheGivenEnvironmentOnly) {
  PosixProcessRunner runner;
  ProcessOptions options;
  options.environment = std::map<std::string, std::string>{{"ONLY", "this"}, {"PATH", "/usr/bin:/bin"}};
  const auto r = runner.run({"/bin/sh", "-c", "echo \"$ONLY-${HOME:-nohome}\""}, options);
  EXPECT_EQ(r.out, "this-nohome\n");
}

TEST(ProcessRunner, MissingProgramIsUnavailable) {
  PosixProcessRunner runner;
  try {
    runner.run({"llmauth-no-such-program"}, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("not found on PATH"), std::string::npos);
  }
}

TEST(ProcessRunner, OutputBeyondTheLimitIsAnError) {
  PosixProcessRunner runner;
  EXPECT_THROW(runner.run({"/bin/sh", "-c", "head -c 200000 /dev/zero"}, {.max_output_bytes = 1000}),
               Error);
}

TEST(ProcessRunner, StdinIsDevNullByDefault) {
  PosixProcessRunner runner;
  const auto r = runner.run({"/bin/sh", "-c", "wc -c"}, {});
  EXPECT_EQ(r.out.find_first_not_of(" "), r.out.find('0'));
}

TEST(ProcessRunner, WritesStdinDataLargerThanAPipeBuffer) {
  PosixProcessRunner runner;
  ProcessOptions options;
  options.stdin_data = std::string(300000, 'x') + "end";
  const auto r = runner.run({"/bin/sh", "-c", "wc -c; "}, options);
  EXPECT_EQ(std::stol(r.out), 300003);
  EXPECT_EQ(r.exit_code, 0);
}

TEST(ProcessRunner, ChildThatIgnoresItsStdinDoesNotKillUsWithSigpipe) {
  PosixProcessRunner runner;
  ProcessOptions options;
  options.stdin_data = std::string(1 << 20, 'x');
  const auto r = runner.run({"/bin/sh", "-c", "exec 0<&-; echo gone"}, options);
  EXPECT_EQ(r.out, "gone\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
}

TEST(SplitCommandLine, QuotesWithoutAShell) {
  EXPECT_EQ(split_command_line("a 'b c' \"d \\\"e\\\"\" f\\ g"),
            (std::vector<std::string>{"a", "b c", "d \"e\"", "f g"}));
  EXPECT_EQ(split_command_line("  x  $HOME ; rm"),
            (std::vector<std::string>{"x", "$HOME", ";", "rm"}));
  EXPECT_EQ(split_command_line("a ''"), (std::vector<std::string>{"a", ""}));
  EXPECT_THROW(split_command_line("a 'b"), Error);
}

}  // namespace
}  // namespace llmauth
