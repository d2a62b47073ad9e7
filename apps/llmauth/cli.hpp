// Shared pieces of the llmauth command line: global options, the Ambient it runs with, exit
// codes, and output helpers.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <optional>
#include <string>

#include "llmauth/core/ambient.hpp"
#include "llmauth/core/error.hpp"

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

struct GlobalOptions {
  std::optional<std::string> ca_bundle;
};

// The process's Ambient: the real environment, with the CA bundle from --ca-bundle (else
// AWS_CA_BUNDLE / SSL_CERT_FILE) and the loopback-only guard when LLMAUTH_LOOPBACK_ONLY=1
// (tests and sandboxes).
Ambient make_ambient(const GlobalOptions& options);

int exit_code_for(const Error& e);

// Runs `body`, printing any Error to stderr as "llmauth: <message>" and mapping it to an exit
// code.
template <typename F>
int guarded(F&& body) {
  try {
    return body();
  } catch (const Error& e) {
    std::cerr << "llmauth: " << e.what() << "\n";
    return exit_code_for(e);
  }
}

// Sets up `cmd`'s options and callback only when the command line selects it. A one-shot
// process that built every command's options would spend more on that than on signing a request
// (bench/cli_process_bench.cpp); `--help` of a command still shows all of its options, because
// selecting the command is what `--help` after it does.
inline void on_demand(CLI::App* cmd, std::function<void(CLI::App*)> populate) {
  cmd->preparse_callback([cmd, populate = std::move(populate)](std::size_t) { populate(cmd); });
}

void add_aws_commands(CLI::App& app, GlobalOptions& globals, int& exit_code);
void add_azure_commands(CLI::App& app, GlobalOptions& globals, int& exit_code);
void add_llm_commands(CLI::App& app, GlobalOptions& globals, int& exit_code);

}  // namespace llmauth::cli
