// ProcessProvider end to end: a credential_process script hands over the emulator's key, and the
// credentials sign a request the emulator's official SigV4 verifier accepts.
#include "llmauth/aws/credentials/process_provider.hpp"

#include <gtest/gtest.h>

#include "integration/aws/aws_test_support.hpp"

namespace llmauth::aws {
namespace {

TEST(ProcessProviderEmulator, CredentialsFromAScriptSignValidRequests) {
  testing::Emulator::get().reset();
  testing::TempDir d;
  const auto script =
      d.write("creds.sh",
              std::string("#!/bin/sh\ncat <<'EOF'\n{\"Version\": 1, \"AccessKeyId\": \"") +
                  testing::kEmulatorAccessKey + "\", \"SecretAccessKey\": \"" +
                  testing::kEmulatorSecretKey + "\"}\nEOF\n",
              std::filesystem::perms::owner_all);
  ProcessProvider p(testing::test_ambient(), script.string(), "emulator");
  const auto c = p.resolve();
  std::string body;
  EXPECT_EQ(testing::echo_status(*c, &body), 200) << body;
  testing::expect_no_secret(body, testing::kEmulatorSecretKey);
}

}  // namespace
}  // namespace llmauth::aws
