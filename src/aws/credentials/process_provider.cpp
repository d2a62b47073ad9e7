#include "llmauth/aws/credentials/process_provider.hpp"

#include <cctype>

#include "llmauth/aws/credentials/credentials_document.hpp"
#include "llmauth/aws/credentials/metadata_client.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/process.hpp"

namespace llmauth::aws {
namespace {

constexpr std::size_t kMaxStderrInMessage = 1024;

// The tool's own stderr, trimmed and cut to ~1 KiB, for the error message.
std::string stderr_excerpt(const std::string& err) {
  std::size_t begin = 0;
  std::size_t end = err.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(err[begin])) != 0) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(err[end - 1])) != 0) --end;
  std::string out = err.substr(begin, end - begin);
  if (out.size() > kMaxStderrInMessage) {
    out.resize(kMaxStderrInMessage);
    out += "… (" + std::to_string(end - begin - kMaxStderrInMessage) + " more bytes)";
  }
  return out;
}

}  // namespace

ProcessProvider::ProcessProvider(Ambient ambient, std::string command, std::string profile_name,
                                 ProcessProviderOptions options)
    : ambient_(std::move(ambient)),
      command_(std::move(command)),
      profile_(std::move(profile_name)),
      options_(options) {}

std::shared_ptr<const Credentials> ProcessProvider::resolve() {
  const std::string where = "profile '" + profile_ + "'";
  std::vector<std::string> argv;
  try {
    argv = split_command_line(command_);
  } catch (const Error& e) {
    throw Error("credential_process of " + where + ": " + e.what(), ErrorCode::kInvalidInput);
  }
  if (argv.empty() || argv[0].empty()) {
    throw Error("credential_process of " + where + " is empty", ErrorCode::kInvalidInput);
  }
  const std::string program = "credential_process '" + argv[0] + "' (" + where + ")";

  ProcessOptions run_options;
  run_options.timeout = options_.timeout;
  run_options.max_output_bytes = options_.max_output_bytes;
  run_options.environment = ambient_.environment().all();

  ProcessResult result;
  try {
    result = ambient_.processes().run(argv, run_options);
  } catch (const Error& e) {
    // Not found, not executable, too much output: the profile asked for this program, so the
    // source is configured and failing (never "unavailable", whatever the runner's code).
    const ErrorCode code = e.code() == ErrorCode::kUnavailable ? ErrorCode::kFailed : e.code();
    throw Error(program + ": " + e.what(), code);
  }

  if (result.timed_out) {
    throw Error(program + " did not finish within " + describe_duration(options_.timeout) +
                    " and was killed",
                ErrorCode::kTimeout);
  }
  if (result.signalled) {
    std::string message = program + " was killed by a signal";
    if (const auto err = stderr_excerpt(result.err); !err.empty()) message += ": " + err;
    throw Error(message);
  }
  if (result.exit_code != 0) {
    std::string message = program + " exited with status " + std::to_string(result.exit_code);
    const auto err = stderr_excerpt(result.err);
    message += err.empty() ? " and wrote nothing to stderr" : ": " + err;
    throw Error(message);
  }

  Credentials c = parse_credentials_document(
      result.out, program + " output",
      DocumentRules{.require_version_1 = true, .max_bytes = options_.max_output_bytes});
  c.source = "credential_process (" + where + ")";
  return std::make_shared<const Credentials>(std::move(c));
}

}  // namespace llmauth::aws
