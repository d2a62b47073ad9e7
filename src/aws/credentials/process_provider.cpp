#include "llmauth/aws/credentials/process_provider.hpp"

#include <algorithm>
#include <vector>

#include "llmauth/aws/credentials/credentials_document.hpp"
#include "llmauth/aws/credentials/metadata_client.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/process.hpp"
#include "llmauth/core/split.hpp"

namespace llmauth::aws {
namespace {

constexpr std::size_t kMaxStderrInMessage = 1024;
// The profiles whose credential_process is running, outermost first ("a,b"): inherited by every
// child, so that a credential_process that runs llmauth (or another tool honouring it) for a
// profile that leads back here is stopped instead of starting processes without end.
constexpr std::string_view kChainVariable = "_LLMAUTH_PROFILE_CHAIN";
// The aws CLI's own guard (`aws configure export-credentials`) allows 4 levels; so do we.
constexpr std::size_t kMaxNesting = 4;

std::vector<std::string> split_chain(const std::string& text) {
  std::vector<std::string> out;
  for (const auto part : split(text, ',')) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
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

  std::vector<std::string> chain = split_chain(ambient_.env(kChainVariable).value_or(""));
  const bool nested = !chain.empty();
  if (std::find(chain.begin(), chain.end(), profile_) != chain.end()) {
    chain.push_back(profile_);
    throw Error("credential_process of " + where +
                    " leads back to itself (profile cycle: " + join(chain, " -> ") +
                    "): a credential_process that asks for the credentials of the profile that "
                    "runs it would start processes without end; give it a profile with its own "
                    "source",
                ErrorCode::kInvalidInput);
  }
  if (chain.size() >= kMaxNesting) {
    chain.push_back(profile_);
    throw Error("credential_process of " + where + " is nested " + std::to_string(chain.size()) +
                    " levels deep (" + join(chain, " -> ") + "); at most " +
                    std::to_string(kMaxNesting) + " are allowed",
                ErrorCode::kInvalidInput);
  }
  chain.push_back(profile_);

  ProcessOptions run_options;
  run_options.timeout = options_.timeout;
  run_options.max_output_bytes = options_.max_output_bytes;
  run_options.environment = ambient_.environment().all();
  (*run_options.environment)[std::string(kChainVariable)] = join(chain, ",");
  // Inside someone's credential_process, our children stay in its process group: its timeout
  // then kills the whole tree, not just us.
  run_options.new_process_group = !nested;

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
    if (const auto err = stderr_excerpt(result.err, *run_options.environment, kMaxStderrInMessage);
        !err.empty()) {
      message += ": " + err;
    }
    throw Error(message);
  }
  if (result.exit_code != 0) {
    std::string message = program + " exited with status " + std::to_string(result.exit_code);
    const auto err = stderr_excerpt(result.err, *run_options.environment, kMaxStderrInMessage);
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
