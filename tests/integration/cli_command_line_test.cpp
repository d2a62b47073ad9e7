// The command line itself, across command families: unknown commands, help and version, global
// options in any position, error prefixes, shell completion and the man page.
#include <gtest/gtest.h>

#include <filesystem>

#include "llmauth/core/process.hpp"
#include "support/cli_runner.hpp"

namespace llmauth::testing {
namespace {

class CliCommandLine : public ::testing::Test {
 protected:
  CliResult llmauth(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    env.try_emplace("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.try_emplace("HOME", home.path().string());
    env.try_emplace("LLMAUTH_LOOPBACK_ONLY", "1");
    env.try_emplace("AWS_EC2_METADATA_DISABLED", "true");
    return run_cli(std::move(args), std::move(env));
  }
  // Runs a shell script (bash, zsh) with `args`; its output.
  static CliResult shell(const std::vector<std::string>& argv) {
    PosixProcessRunner runner;
    ProcessOptions options;
    options.environment = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", "/nonexistent"}};
    options.timeout = std::chrono::seconds(30);
    const auto r = runner.run(argv, options);
    return {r.exit_code, r.out, r.err};
  }
  static bool installed(const std::string& program) {
    return std::filesystem::exists("/usr/bin/" + program) ||
           std::filesystem::exists("/bin/" + program);
  }
  TempDir home;
};

// `err` is one or more messages, each starting with "llmauth: "; indented lines continue the
// message above them (a list of attempts).
void expect_llmauth_lines(const std::string& err) {
  EXPECT_EQ(err.rfind("llmauth: ", 0), 0u) << err;
  std::size_t at = 0;
  while (at < err.size()) {
    EXPECT_TRUE(err.compare(at, 9, "llmauth: ") == 0 || err.compare(at, 2, "  ") == 0)
        << "a line that is neither a message nor its continuation in:\n"
        << err;
    const auto end = err.find('\n', at);
    if (end == std::string::npos) break;
    at = end + 1;
  }
}

TEST_F(CliCommandLine, UnknownSubcommand_SuggestsClosest) {
  const auto r = llmauth({"aws", "reslove"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "llmauth: 'reslove' is not a 'llmauth aws' command (did you mean 'resolve'?); the "
            "commands are: resolve, export-credentials, sign, bedrock-token (run 'llmauth aws "
            "--help')\n");
  EXPECT_TRUE(r.out.empty());
  const auto top = llmauth({"provders", "validate", "x.json"});
  EXPECT_EQ(top.exit_code, 2);
  EXPECT_NE(top.err.find("'provders' is not an llmauth command (did you mean 'providers'?)"),
            std::string::npos)
      << top.err;
  // Options and their values before the command are skipped, not taken for commands.
  const auto after_options = llmauth({"aws", "--profile", "dev", "sing"});
  EXPECT_NE(after_options.err.find("'sing' is not a 'llmauth aws' command (did you mean 'sign'?)"),
            std::string::npos)
      << after_options.err;
  // Nothing close: the list only.
  const auto far = llmauth({"azure", "configure"});
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
  EXPECT_NE(far.err.find("the commands are: token, resolve"), std::string::npos) << far.err;
}

TEST_F(CliCommandLine, MissingSubcommand_ListsTheCommands) {
  const auto r = llmauth({"providers"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "llmauth: 'llmauth providers' needs a command: validate, list, test (run 'llmauth "
            "providers --help')\n");
  const auto none = llmauth({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("needs a command: aws, azure, providers, chat, serve, keys, help, version"),
            std::string::npos)
      << none.err;
}

TEST_F(CliCommandLine, HelpCommand_IsTheCommandsHelp) {
  const auto help = llmauth({"help", "aws", "sign"});
  const auto flag = llmauth({"aws", "sign", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_EQ(help.out, flag.out);
  EXPECT_NE(help.out.find("--presign"), std::string::npos) << help.out;
  const auto top = llmauth({"help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("providers"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("--ca-bundle"), std::string::npos) << top.out;
  const auto wrong = llmauth({"help", "aws", "sing"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("did you mean 'sign'?"), std::string::npos) << wrong.err;
}

TEST_F(CliCommandLine, Version_NamesTheVersionAndTheCommit) {
  const auto flag = llmauth({"--version"});
  const auto command = llmauth({"version"});
  EXPECT_EQ(flag.exit_code, 0);
  EXPECT_EQ(command.exit_code, 0);
  EXPECT_EQ(flag.out, command.out);
  EXPECT_EQ(flag.out.rfind("llmauth 0.1.0", 0), 0u) << flag.out;
  // Built from a git checkout (the test suite always is): the commit is named.
  EXPECT_NE(flag.out.find(" (commit "), std::string::npos) << flag.out;
}

TEST_F(CliCommandLine, GlobalOptions_AreAcceptedAfterTheCommandToo) {
  const std::string ca = home.write("ca.pem", "not a certificate\n").string();
  // --ca-bundle after the command is the global option, checked the same way.
  const auto before = llmauth({"--ca-bundle", "/nonexistent.pem", "aws", "resolve"});
  const auto after = llmauth({"aws", "resolve", "--ca-bundle", "/nonexistent.pem"});
  EXPECT_EQ(before.exit_code, 2);
  EXPECT_EQ(after.exit_code, 2);
  EXPECT_NE(after.err.find("/nonexistent.pem"), std::string::npos) << after.err;
  const auto accepted = llmauth({"aws", "resolve", "--ca-bundle", ca});
  EXPECT_EQ(accepted.exit_code, 3) << accepted.all();  // parsed; nothing configured
  // --output before the command (the aws CLI's habit), and after it.
  const std::map<std::string, std::string> keys = {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                                   {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"}};
  const auto global = llmauth({"--output", "json", "aws", "resolve"}, keys);
  EXPECT_EQ(global.exit_code, 0) << global.err;
  EXPECT_EQ(global.out.rfind("{", 0), 0u) << global.out;
  const auto own = llmauth({"--output", "json", "aws", "resolve", "--output", "text"}, keys);
  EXPECT_EQ(own.out.rfind("profile:", 0), 0u) << "the command's own --output wins: " << own.out;
  const auto unsupported = llmauth({"--output", "curl", "aws", "resolve"}, keys);
  EXPECT_EQ(unsupported.exit_code, 2);
  EXPECT_EQ(unsupported.err, "llmauth: --output curl: 'aws resolve' prints one of: text, json\n");
  // --profile after the command.
  const auto profile = llmauth({"aws", "resolve", "--profile", "nope"});
  EXPECT_NE(profile.err.find("profile 'nope'"), std::string::npos) << profile.err;
  expect_no_secret(global.all() + own.all(), "wJalrXUtnFEMI");
}

TEST_F(CliCommandLine, EveryError_StartsWithLlmauth) {
  const std::vector<std::vector<std::string>> failing = {
      {"aws", "reslove"},
      {"aws", "sign", "--url", "x"},                       // CLI11: a required option
      {"aws", "resolve", "--bogus"},                       // CLI11: an unknown option
      {"aws", "resolve", "--output", "yaml"},              // CLI11: a value not in the set
      {"aws", "resolve"},                                  // nothing configured: the attempts
      {"aws", "bedrock-token", "--region", "mars-1"},      // invalid input
      {"providers", "validate", "/nonexistent.json"},      // a missing file
      {"chat", "hi"},                                      // no config
      {"azure", "token", "--credential", "client-secret"}  // unavailable
  };
  for (const auto& args : failing) {
    const auto r = llmauth(args);
    EXPECT_NE(r.exit_code, 0);
    SCOPED_TRACE(args.front() + " " + args.at(1));
    expect_llmauth_lines(r.err);
  }
}

TEST_F(CliCommandLine, CompletionBash_CompletesCommandsOptionsAndValues) {
  const auto script = llmauth({"completion", "bash"});
  ASSERT_EQ(script.exit_code, 0) << script.err;
  const auto file = home.write("llmauth.bash", script.out).string();
  ASSERT_EQ(shell({"bash", "-n", file}).exit_code, 0) << "not valid bash";
  // Completes like bash would: COMP_WORDS/COMP_CWORD in, COMPREPLY out.
  const auto complete = [&](const std::string& line) {
    const std::string driver = "source '" + file +
                               "'\n"
                               "read -ra COMP_WORDS <<< \"$1\"\n"
                               "[[ $1 == *' ' ]] && COMP_WORDS+=('')\n"
                               "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                               "_llmauth\n"
                               "echo \"${COMPREPLY[*]}\"\n";
    const auto r = shell({"bash", "-c", driver, "complete", line});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  };
  EXPECT_EQ(complete("llmauth aws res"), "resolve");
  EXPECT_EQ(complete("llmauth providers "),
            "validate list test --help --version --ca-bundle --output");
  EXPECT_EQ(complete("llmauth aws resolve --output "), "text json");
  EXPECT_EQ(complete("llmauth aws export-credentials --format "),
            "process json env env-no-export powershell windows-cmd fish");
  EXPECT_EQ(complete("llmauth azure token --credential azure"), "azure-cli");
  EXPECT_EQ(complete("llmauth aws sign --re"), "--region");
  EXPECT_EQ(complete("llmauth aws resolve --pro"), "--profile") << "a parent's option";
  EXPECT_EQ(complete("llmauth completion z"), "zsh");
}

TEST_F(CliCommandLine, CompletionZsh_IsValidZshThatRegistersItself) {
  const auto script = llmauth({"completion", "zsh"});
  ASSERT_EQ(script.exit_code, 0) << script.err;
  EXPECT_EQ(script.out.rfind("#compdef llmauth\n", 0), 0u);
  for (const char* spec : {"'--output=[text (default) or json]:text|json:(text json)'",
                           "'--ca-bundle=[", "'1:command:((aws\\:", "(\"/aws/sign\")"}) {
    EXPECT_NE(script.out.find(spec), std::string::npos) << spec;
  }
  // scripts/install-deps.sh installs zsh: the script is always run, never skipped.
  ASSERT_TRUE(installed("zsh")) << "zsh is not installed (scripts/install-deps.sh installs it)";
  const auto file = home.write("_llmauth", script.out).string();
  ASSERT_EQ(shell({"zsh", "-n", file}).exit_code, 0) << "not valid zsh";
  const auto r = shell({"zsh", "-f", "-c",
                        "autoload -U compinit && compinit -u -D && source '" + file +
                            "' && print -r -- $_comps[llmauth]"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "_llmauth\n") << r.err;
}

TEST_F(CliCommandLine, ManPage_DocumentsEveryCommandAndRendersCleanly) {
  const auto page = llmauth({"man"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_EQ(page.out.find(".TH LLMAUTH 1"), page.out.find('\n') + 1) << page.out.substr(0, 200);
  for (const char* heading : {".SS \"llmauth aws sign\"", ".SS \"llmauth providers validate FILE\"",
                              ".SS \"llmauth azure token\"", ".SS \"llmauth completion SHELL\"",
                              ".SH EXIT STATUS", ".SH ENVIRONMENT", "\\fB\\-\\-presign\\fR"}) {
    EXPECT_NE(page.out.find(heading), std::string::npos) << heading;
  }
  for (unsigned char c : page.out) ASSERT_LT(c, 0x80) << "non-ASCII in roff";
  // scripts/install-deps.sh installs groff-base: the page is always rendered, never skipped.
  ASSERT_TRUE(installed("groff")) << "groff is not installed (scripts/install-deps.sh installs it)";
  const auto file = home.write("llmauth.1", page.out).string();
  const auto rendered = shell({"groff", "-man", "-Tutf8", "-ww", "-z", file});
  EXPECT_EQ(rendered.exit_code, 0);
  EXPECT_EQ(rendered.err, "") << "groff warnings";
}

}  // namespace
}  // namespace llmauth::testing
