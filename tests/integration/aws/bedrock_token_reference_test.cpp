// Our Bedrock API keys, byte for byte against AWS's own @aws/bedrock-token-generator (run by
// tests/tools/bedrock-token-reference.js with a frozen clock). Nothing here prints a token: a
// mismatch reports lengths and the first differing index only.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "llmauth/aws/bedrock_token.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

using std::chrono::seconds;

struct Reference {
  int exit_code = -1;
  std::string token;
  std::string error;  // the script's stderr (never holds a token)
};

Reference run_reference(const json::Json& input) {
  testing::TempDir dir;
  const auto in = dir.write("input.json", input.dump());
  const auto err = dir.path() / "stderr.txt";
  const std::string command = "node '" + std::string(LLMAUTH_SOURCE_DIR) +
                              "/tests/tools/bedrock-token-reference.js' < '" + in.string() +
                              "' 2> '" + err.string() + "'";
  Reference ref;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ref.error = "popen failed";
    return ref;
  }
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) ref.token.append(buf.data(), n);
  const int status = ::pclose(pipe);
  ref.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err);
  ref.error.assign(std::istreambuf_iterator<char>(e), {});
  return ref;
}

struct Case {
  const char* name;
  const char* access_key_id;
  const char* secret;
  const char* session_token;  // nullptr: long-term keys
  const char* region;
  long long expires;
  const char* time;
};

// gtest would otherwise dump the bytes of the case (secrets included) into test names.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// Compares without printing either token.
void expect_same_token(const std::string& ours, const std::string& reference) {
  if (ours == reference) return;
  std::size_t i = 0;
  while (i < ours.size() && i < reference.size() && ours[i] == reference[i]) ++i;
  ADD_FAILURE() << "tokens differ: ours has " << ours.size() << " bytes, the reference "
                << reference.size() << "; first difference at index " << i;
}

class BedrockTokenReference : public ::testing::TestWithParam<Case> {};

TEST_P(BedrockTokenReference, IsByteIdenticalToAwsGenerator) {
  const Case& c = GetParam();
  json::Json input = {{"access_key_id", c.access_key_id},
                      {"secret_access_key", c.secret},
                      {"region", c.region},
                      {"expires_in", c.expires},
                      {"time", c.time}};
  Credentials creds;
  creds.access_key_id = c.access_key_id;
  creds.secret_access_key = Secret(c.secret);
  if (c.session_token != nullptr) {
    input["session_token"] = c.session_token;
    creds.session_token = Secret(c.session_token);
  }

  const Reference ref = run_reference(input);
  ASSERT_EQ(ref.exit_code, 0) << "the reference script failed (exit " << ref.exit_code
                              << "): " << ref.error;
  ASSERT_TRUE(ref.token.starts_with(kBedrockTokenPrefix))
      << "unexpected reference output of " << ref.token.size() << " bytes";

  const TimePoint now = timefmt::parse_iso8601(c.time).value();
  const BedrockToken ours = mint_bedrock_token(creds, c.region, seconds(c.expires), now);
  expect_same_token(std::string(ours.token.reveal()), ref.token);
  EXPECT_EQ(ours.expires_at, now + seconds(c.expires));
}

// Our credentials-clamped lifetime equals what the reference mints for that lifetime.
TEST(BedrockTokenReferenceClamp, ClampedLifetimeMatchesTheReference) {
  const char* time = "2025-06-30T23:59:30Z";
  const TimePoint now = timefmt::parse_iso8601(time).value();
  Credentials creds;
  creds.access_key_id = "ASIAEXAMPLEEXAMPLE12";
  creds.secret_access_key = Secret("SecretKeyForTheClampCase/abc+def=ghi0123");
  creds.session_token = Secret("IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes==");
  creds.expiration = now + seconds(1800);
  const BedrockToken ours = mint_bedrock_token(creds, "ap-northeast-1", seconds(43200), now);

  const Reference ref =
      run_reference({{"access_key_id", creds.access_key_id},
                     {"secret_access_key", "SecretKeyForTheClampCase/abc+def=ghi0123"},
                     {"session_token", "IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes=="},
                     {"region", "ap-northeast-1"},
                     {"expires_in", 1800},
                     {"time", time}});
  ASSERT_EQ(ref.exit_code, 0) << ref.error;
  expect_same_token(std::string(ours.token.reveal()), ref.token);
  EXPECT_EQ(ours.expires_at, now + seconds(1800));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BedrockTokenReference,
    ::testing::Values(Case{"LongTermKeysDefaultLifetime", "AKIDEXAMPLE",
                           "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", nullptr, "us-east-1", 43200,
                           "2025-01-02T03:04:05Z"},
                      Case{"SessionTokenShortLifetime", "ASIAIOSFODNN7EXAMPLE",
                           "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
                           "AQoDYXdzEPT//////////"
                           "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSP"
                           "fIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/"
                           "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75Y"
                           "U9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
                           "scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
                           "us-west-2", 900, "2024-02-29T23:59:59Z"},
                      Case{"OneSecondOtherRegion", "AKIAEXAMPLE123456789", "abc/def+ghi=jkl",
                           nullptr, "eu-central-1", 1, "2030-12-31T00:00:00Z"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace llmauth::aws
