// Shared pieces of the llmauth command line: global options, the Ambient it runs with, exit
// codes, usage errors, output helpers, and the registry of commands whose options are built on
// demand.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "llmauth/core/ambient.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::config {
struct ProviderFile;
}  // namespace llmauth::config

namespace llmauth::cli {

// Exit codes (docs/cli.md).
enum Exit : int {
  kOk = 0,
  kFailed = 1,         // a source was configured but failed (STS refused, bad process output)
  kUsage = 2,          // bad command line
  kNoCredentials = 3,  // no source was configured
  kInvalidInput = 4,   // a malformed file, config or response
  kNetwork = 5,        // transport failure or timeout
};

// Options every command takes, before or after its name.
struct GlobalOptions {
  std::optional<std::string> ca_bundle;
  // `llmauth --output json aws resolve`: used by a command that was not given its own --output.
  std::optional<std::string> output;
};

// A command line that cannot work (a missing config, an --output the command does not print):
// "llmauth: …", exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The process's Ambient: the real environment, with the CA bundle from --ca-bundle (else
// AWS_CA_BUNDLE / SSL_CERT_FILE) and the loopback-only guard when LLMAUTH_LOOPBACK_ONLY=1
// (tests and sandboxes).
Ambient make_ambient(const GlobalOptions& options);
// The CA bundle make_ambient() adds to the trust store, if any: --ca-bundle, else
// AWS_CA_BUNDLE, else SSL_CERT_FILE.
std::optional<std::string> ca_bundle_in_use(const GlobalOptions& options);

int exit_code_for(const Error& e);

// Prints `message` to stderr as "llmauth: …": every line of it prefixed, except indented lines,
// which continue the line before (the attempts under "no AWS credentials found; tried:").
void print_error(std::string_view message);

// Runs `body`, printing any Error or UsageError to stderr as "llmauth: <message>" and mapping it
// to an exit code.
template <typename F>
int guarded(F&& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    print_error(e.what());
    return kUsage;
  } catch (const Error& e) {
    print_error(e.what());
    return exit_code_for(e);
  }
}

// The output format of a command: its own --output, else the global one, else `fallback`.
// Throws UsageError when the global one is not among `allowed` (the command's own is checked by
// CLI11 when it is parsed).
std::string output_format(const std::string& own, const GlobalOptions& globals,
                          std::initializer_list<std::string_view> allowed,
                          std::string_view fallback, std::string_view command);

// --- commands built on demand ------------------------------------------------------------------

// Sets up `cmd`'s options and callback only when the command line selects it. A one-shot
// process that built every command's options would spend more on that than on signing a request
// (bench/cli_process_bench.cpp); `--help` of a command still shows all of its options, because
// selecting the command is what `--help` after it does. `help COMMAND`, `completion` and `man`
// build the options they describe through build_options().
void on_demand(CLI::App* cmd, std::function<void(CLI::App*)> populate);
// Builds `cmd`'s options now (once) if they are built on demand.
void build_options(CLI::App* cmd);
// Builds the options of every command under `app`.
void build_all_options(CLI::App& app);

// The commands under `app` (not the options), in the order they were added.
std::vector<CLI::App*> commands_of(const CLI::App& app);
// "'reslove' is not an aws command (did you mean 'resolve'?); …", for a word that names no
// command of `parent`. `path` is "llmauth aws".
std::string unknown_command_message(const CLI::App& parent, const std::string& path,
                                    std::string_view word);

// --- provider configs --------------------------------------------------------------------------

// The provider config a command reads: FILE (or --config), else LLMAUTH_CONFIG. "-" is standard
// input. Throws UsageError when there is none.
std::string config_path(const std::string& given, const Ambient& ambient);
// Loads it ("-": from standard input). Messages name it config_name(path).
config::ProviderFile load_config(const Ambient& ambient, const std::string& path);
// "<stdin>" for "-", else the path.
std::string config_name(const std::string& path);

// --- the command families ----------------------------------------------------------------------

void add_aws_commands(CLI::App& app, GlobalOptions& globals, int& exit_code);
void add_azure_commands(CLI::App& app, GlobalOptions& globals, int& exit_code);
void add_llm_commands(CLI::App& app, GlobalOptions& globals, int& exit_code);
// serve (runs llmauth-serve), keys create|list|revoke.
void add_gateway_commands(CLI::App& app, GlobalOptions& globals, int& exit_code);
// `llmauth serve …`: replaces this process with llmauth-serve (its options are its own). Returns
// -1 for any other command line, or an exit code when llmauth-serve cannot be run.
int run_serve_if_asked(int argc, char** argv);
// help, version, completion, man.
void add_help_commands(CLI::App& app, int& exit_code);

// "llmauth 0.1.0 (commit 1611f76)".
std::string version_text();

}  // namespace llmauth::cli
