// ProcessProvider: credentials from a profile's `credential_process` command.
//
// The command line is split into words (quotes and backslashes as a POSIX shell reads them, no
// expansion, no shell) and run with the ambient environment, stdin closed, a hard timeout and
// bounded output. Its stdout must be the JSON document
//   {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "AccountId"}
// ("Expiration" absent = the credentials do not expire).
//
// Errors (all Error: a profile that names a credential_process is configured, so the chain
// stops): a command line that does not split, a program that cannot be started, a non-zero exit
// (with the exit code and the first 1 KiB of its stderr), a timeout (kTimeout, naming the
// program and the limit), too much output, and a malformed document (naming the JSON path).
// Messages name the program (the first word of the command), never the whole command line
// (arguments may carry secrets), and never quote stdout.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "llmauth/aws/credentials_provider.hpp"
#include "llmauth/core/ambient.hpp"

namespace llmauth::aws {

struct ProcessProviderOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  std::size_t max_output_bytes = 1u << 20;  // stdout and stderr together
};

class ProcessProvider final : public CredentialsProvider {
 public:
  ProcessProvider(Ambient ambient, std::string command, std::string profile_name,
                  ProcessProviderOptions options = {});

  std::shared_ptr<const Credentials> resolve() override;
  [[nodiscard]] std::string name() const override { return "credential_process"; }

 private:
  Ambient ambient_;
  std::string command_;
  std::string profile_;
  ProcessProviderOptions options_;
};

}  // namespace llmauth::aws
