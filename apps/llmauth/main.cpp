// llmauth: resolve, print and export cloud LLM credentials, sign requests, mint Bedrock API keys,
// validate and test provider configs, chat.
#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "llmauth/core/http.hpp"

namespace llmauth::cli {

Ambient make_ambient(const GlobalOptions& options) {
  http::TransportOptions transport;
  transport.ca_bundle = options.ca_bundle;
  if (options.ca_bundle) transport.ca_bundle_source = "--ca-bundle";
  const char* loopback = std::getenv("LLMAUTH_LOOPBACK_ONLY");
  transport.loopback_only = loopback != nullptr && std::string(loopback) == "1";
  return Ambient::system(transport);
}

int exit_code_for(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kUnavailable:
      return kNoCredentials;
    case ErrorCode::kInvalidInput:
      return kInvalidInput;
    case ErrorCode::kNetwork:
    case ErrorCode::kTimeout:
    case ErrorCode::kRefused:
      return kNetwork;
    default:
      return kFailed;
  }
}

}  // namespace llmauth::cli

int main(int argc, char** argv) {
  using namespace llmauth::cli;
  CLI::App app{"llmauth: credentials for cloud-hosted LLMs (Azure OpenAI, AWS Bedrock)", "llmauth"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "llmauth 0.1.0");
  GlobalOptions globals;
  app.add_option("--ca-bundle", globals.ca_bundle,
                 "PEM file of extra CA certificates to trust (in addition to the system store; "
                 "default: AWS_CA_BUNDLE or SSL_CERT_FILE)")
      ->check(CLI::ExistingFile);
  app.footer(
      "Exit codes: 0 ok, 1 failed, 2 usage, 3 no credentials found, 4 invalid input, "
      "5 network. See docs/cli.md.\n");
  int exit_code = kOk;
  add_aws_commands(app, globals, exit_code);
  add_azure_commands(app, globals, exit_code);
  add_llm_commands(app, globals, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kUsage;
  }
  return exit_code;
}
