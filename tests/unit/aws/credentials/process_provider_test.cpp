#include "llmauth/aws/credentials/process_provider.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "llmauth/core/error.hpp"
#include "support/failure_of.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

using testing::expect_no_secret;
using testing::TempDir;
using testing::test_ambient;

constexpr const char* kSecret = "proc-secret-key-0123456789abcdefghijklmnop";
constexpr const char* kToken = "proc-session-token-0123456789ABCDEFGHIJKLMNOP";
constexpr auto kExecutable = std::filesystem::perms::owner_all;

std::string script(const TempDir& dir, const std::string& name, const std::string& body) {
  return dir.write(name, "#!/bin/sh\n" + body, kExecutable).string();
}

std::string good_json(const std::string& extra = "") {
  return std::string(R"({"Version":1,"AccessKeyId":"AKIAPROCESS","SecretAccessKey":")") + kSecret +
         R"(","SessionToken":")" + kToken + "\"" + extra + "}";
}

using testing::Outcome;

Outcome failure_of(ProcessProvider& p) { return testing::failure_of(p, {kSecret, kToken}); }

TEST(ProcessProvider, PrintsVersion1Json_GivesCredentials) {
  TempDir d;
  const auto cmd =
      script(d, "creds.sh",
             "cat <<'EOF'\n" +
                 good_json(R"(,"Expiration":"2030-05-06T07:08:09Z","AccountId":"111122223333")") +
                 "\nEOF\n");
  ProcessProvider p(test_ambient(), cmd, "dev");
  const auto c = p.resolve();
  EXPECT_EQ(c->access_key_id, "AKIAPROCESS");
  EXPECT_EQ(c->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(c->session_token.reveal(), kToken);
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(c->account_id.value_or(""), "111122223333");
  EXPECT_EQ(c->source, "credential_process (profile 'dev')");
  EXPECT_EQ(p.name(), "credential_process");
}

TEST(ProcessProvider, NoExpiration_DoesNotExpire) {
  TempDir d;
  const auto cmd = script(d, "creds.sh", "echo '" + good_json() + "'\n");
  const auto c = ProcessProvider(test_ambient(), cmd, "dev").resolve();
  EXPECT_FALSE(c->expiration);
}

TEST(ProcessProvider, ArgumentsAreSplitWithoutAShell) {
  TempDir d;
  // Prints its arguments as the access key id: quotes group words; $HOME and ; stay literal.
  const auto cmd =
      script(d, "args.sh",
             "printf '{\"Version\":1,\"AccessKeyId\":\"%s|%s|%s\",\"SecretAccessKey\":\"s\"}' "
             "\"$1\" \"$2\" \"$3\"\n");
  const auto c =
      ProcessProvider(test_ambient(), cmd + " 'two words' \"$HOME\" ';'", "dev").resolve();
  EXPECT_EQ(c->access_key_id, "two words|$HOME|;");
}

TEST(ProcessProvider, RunsWithTheAmbientEnvironmentOnly) {
  TempDir d;
  const auto cmd =
      script(d, "env.sh",
             "printf '{\"Version\":1,\"AccessKeyId\":\"%s-%s\",\"SecretAccessKey\":\"s\"}' "
             "\"$LLMAUTH_PROC_TEST\" \"${USER:-nouser}\"\n");
  const auto c =
      ProcessProvider(test_ambient({{"LLMAUTH_PROC_TEST", "fromambient"}}), cmd, "dev").resolve();
  EXPECT_EQ(c->access_key_id, "fromambient-nouser");
}

TEST(ProcessProvider, NonZeroExit_CarriesExitCodeAndStderr) {
  TempDir d;
  const auto cmd = script(d, "fail.sh", "echo 'token expired, run: sso login' >&2\nexit 3\n");
  ProcessProvider p(test_ambient(), cmd, "dev");
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_NE(o.message.find("exited with status 3: token expired, run: sso login"),
            std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("fail.sh"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("profile 'dev'"), std::string::npos) << o.message;
}

TEST(ProcessProvider, NonZeroExit_StderrIsCutToAboutOneKiB) {
  TempDir d;
  const auto cmd = script(d, "noisy.sh", "head -c 5000 /dev/zero | tr '\\0' 'e' >&2\nexit 1\n");
  ProcessProvider p(test_ambient(), cmd, "dev");
  const auto o = failure_of(p);
  EXPECT_LT(o.message.size(), 1400u) << o.message.size();
  EXPECT_NE(o.message.find("(3976 more bytes)"), std::string::npos)
      << o.message.substr(o.message.size() - 80);
}

TEST(ProcessProvider, NonZeroExit_DoesNotQuoteStdout) {
  TempDir d;
  const auto cmd = script(d, "half.sh", "echo '" + good_json() + "'\nexit 1\n");
  ProcessProvider p(test_ambient(), cmd, "dev");
  const auto o = failure_of(p);  // checks that neither secret is in the message
  EXPECT_NE(o.message.find("exited with status 1 and wrote nothing to stderr"), std::string::npos)
      << o.message;
}

TEST(ProcessProvider, Timeout_KillsItPromptly) {
  TempDir d;
  const auto cmd = script(d, "slow.sh", "sleep 30\necho '" + good_json() + "'\n");
  ProcessProvider p(test_ambient(), cmd, "dev", {.timeout = std::chrono::milliseconds(300)});
  const auto start = std::chrono::steady_clock::now();
  const auto o = failure_of(p);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(o.code, ErrorCode::kTimeout);
  EXPECT_FALSE(o.unavailable);
  EXPECT_NE(o.message.find("slow.sh"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("did not finish within 300 ms"), std::string::npos) << o.message;
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(ProcessProvider, BadJson_NamesTheProgramAndDoesNotQuoteOutput) {
  TempDir d;
  const auto cmd = script(d, "bad.sh",
                          std::string("echo '{\"Version\":1,\"AccessKeyId\":\"A\",") +
                              "\"SecretAccessKey\":\"" + kSecret + "'\n");
  ProcessProvider p(test_ambient(), cmd, "dev");
  const auto o = failure_of(p);
  EXPECT_EQ(o.code, ErrorCode::kInvalidInput);
  EXPECT_NE(o.message.find("bad.sh' (profile 'dev') output: invalid JSON at byte"),
            std::string::npos)
      << o.message;
}

TEST(ProcessProvider, Version2_IsRejected) {
  TempDir d;
  const auto cmd = script(d, "v2.sh",
                          "echo '{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" +
                              std::string(kSecret) + "\"}'\n");
  ProcessProvider p(test_ambient(), cmd, "dev");
  const auto o = failure_of(p);
  EXPECT_NE(o.message.find("/Version 2 is not supported"), std::string::npos) << o.message;
}

TEST(ProcessProvider, MissingSecret_NamesTheField) {
  TempDir d;
  const auto cmd = script(d, "nosecret.sh", "echo '{\"Version\":1,\"AccessKeyId\":\"A\"}'\n");
  ProcessProvider p(test_ambient(), cmd, "dev");
  EXPECT_NE(failure_of(p).message.find("output: /SecretAccessKey is missing"), std::string::npos);
}

TEST(ProcessProvider, BadExpiration_IsRejected) {
  TempDir d;
  const auto cmd = script(d, "exp.sh", "echo '" + good_json(R"(,"Expiration":"soon")") + "'\n");
  ProcessProvider p(test_ambient(), cmd, "dev");
  const auto o = failure_of(p);
  EXPECT_NE(o.message.find("/Expiration is not an ISO 8601 time"), std::string::npos) << o.message;
  EXPECT_EQ(o.message.find("soon"), std::string::npos);
}

TEST(ProcessProvider, HugeOutput_IsRefused) {
  TempDir d;
  const auto cmd = script(d, "huge.sh", "head -c 3000000 /dev/zero | tr '\\0' 'x'\n");
  ProcessProvider p(test_ambient(), cmd, "dev");
  const auto o = failure_of(p);
  EXPECT_NE(o.message.find("wrote more than 1048576 bytes"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("profile 'dev'"), std::string::npos) << o.message;
}

TEST(ProcessProvider, ProgramNotFound_IsAnErrorNotUnavailable) {
  ProcessProvider p(test_ambient(), "llmauth-no-such-credential-helper --flag", "dev");
  const auto o = failure_of(p);
  EXPECT_FALSE(o.unavailable);
  EXPECT_NE(o.code, ErrorCode::kUnavailable);
  EXPECT_NE(o.message.find("llmauth-no-such-credential-helper"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("not found on PATH"), std::string::npos) << o.message;
}

TEST(ProcessProvider, UnbalancedQuote_IsAnInputError) {
  ProcessProvider p(test_ambient(), "/bin/echo 'unterminated", "dev");
  const auto o = failure_of(p);
  EXPECT_EQ(o.code, ErrorCode::kInvalidInput);
  EXPECT_NE(o.message.find("credential_process of profile 'dev': unbalanced single quote"),
            std::string::npos)
      << o.message;
}

TEST(ProcessProvider, EmptyCommand_IsAnInputError) {
  ProcessProvider p(test_ambient(), "   ", "dev");
  EXPECT_NE(failure_of(p).message.find("is empty"), std::string::npos);
}

TEST(ProcessProvider, ArgumentsAreNotShownInMessages) {
  TempDir d;
  const auto cmd = script(d, "fail.sh", "exit 2\n");
  ProcessProvider p(test_ambient(), cmd + " --password hunter2-secret-argument", "dev");
  const auto o = failure_of(p);
  EXPECT_EQ(o.message.find("hunter2"), std::string::npos) << o.message;
}

}  // namespace
}  // namespace llmauth::aws

namespace llmauth::aws {
namespace {

// ---- a credential_process that leads back to itself (issue #9 item 1) ------------------------

TEST(ProcessProvider, ProfileAlreadyInTheChain_IsACycleAndNothingRuns) {
  TempDir d;
  const auto ran = d.path() / "ran";
  const auto cmd =
      script(d, "loop.sh", "touch '" + ran.string() + "'\necho '" + good_json() + "'\n");
  ProcessProvider p(test_ambient({{"_LLMAUTH_PROFILE_CHAIN", "outer,loop"}}), cmd, "loop");
  const auto o = failure_of(p);
  EXPECT_NE(o.message.find("profile cycle: outer -> loop -> loop"), std::string::npos) << o.message;
  EXPECT_FALSE(std::filesystem::exists(ran)) << "the process ran";
}

TEST(ProcessProvider, FourLevelsDeep_IsRefused) {
  TempDir d;
  const auto cmd = script(d, "ok.sh", "echo '" + good_json() + "'\n");
  ProcessProvider p(test_ambient({{"_LLMAUTH_PROFILE_CHAIN", "a,b,c,d"}}), cmd, "e");
  const auto o = failure_of(p);
  EXPECT_NE(o.message.find("nested 5 levels deep (a -> b -> c -> d -> e)"), std::string::npos)
      << o.message;
}

TEST(ProcessProvider, TheChildInheritsTheChainWithThisProfile) {
  TempDir d;
  const auto seen = d.path() / "chain";
  const auto cmd = script(d, "record.sh",
                          "printf '%s' \"$_LLMAUTH_PROFILE_CHAIN\" > '" + seen.string() +
                              "'\necho '" + good_json() + "'\n");
  ProcessProvider(test_ambient({{"_LLMAUTH_PROFILE_CHAIN", "outer"}}), cmd, "dev").resolve();
  std::ifstream in(seen);
  std::string chain;
  std::getline(in, chain);
  EXPECT_EQ(chain, "outer,dev");
}

TEST(ProcessProvider, Timeout_KillsWhatTheProcessStartedToo) {
  TempDir d;
  const auto pid_file = d.path() / "grandchild.pid";
  const auto cmd =
      script(d, "spawner.sh", "sleep 30 &\necho $! > '" + pid_file.string() + "'\nsleep 30\n");
  ProcessProvider p(test_ambient(), cmd, "dev", {.timeout = std::chrono::milliseconds(500)});
  const auto o = failure_of(p);
  EXPECT_NE(o.message.find("did not finish within"), std::string::npos) << o.message;
  std::ifstream in(pid_file);
  pid_t grandchild = 0;
  in >> grandchild;
  ASSERT_GT(grandchild, 0);
  // Killed with its parent's process group; reaped by init soon after.
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = ::kill(grandchild, 0) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone) << "the background process " << grandchild << " outlived the timeout";
  if (!gone) ::kill(grandchild, SIGKILL);
}

TEST(ProcessProvider, StderrIsScrubbedOfEscapesAndSecretVariables) {
  TempDir d;
  const auto cmd = script(d, "leak.sh",
                          "printf 'bad\\n\\033[2Jllmauth: fake success %s\\n' "
                          "\"$AWS_SECRET_ACCESS_KEY\" >&2\nexit 3\n");
  ProcessProvider p(test_ambient({{"AWS_SECRET_ACCESS_KEY", "envsecret-0123456789abcd"}}), cmd,
                    "dev");
  const auto o = failure_of(p);
  EXPECT_EQ(o.message.find("envsecret-0123456789abcd"), std::string::npos) << o.message;
  EXPECT_EQ(o.message.find('\n'), std::string::npos);
  EXPECT_EQ(o.message.find('\x1b'), std::string::npos);
  EXPECT_NE(o.message.find("bad llmauth: fake success ****"), std::string::npos) << o.message;
}

}  // namespace
}  // namespace llmauth::aws
