#include <gtest/gtest.h>

#include "llmauth/config/provider_config.hpp"
#include "support/test_support.hpp"

namespace llmauth::config {
namespace {

std::string failure(const SecretRef& ref, const Ambient& ambient) {
  try {
    (void)ref.resolve(ambient);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    return e.what();
  }
  ADD_FAILURE() << "resolve() did not throw";
  return {};
}

TEST(SecretRef, Inline_IsTheValue) {
  const auto ref = SecretRef::inline_value("inline-secret", "providers[0].auth.api_key");
  EXPECT_EQ(ref.resolve(testing::test_ambient()).reveal(), "inline-secret");
}

TEST(SecretRef, Env_ReadsTheVariableThroughAmbient) {
  const auto ref = SecretRef::env("MY_KEY", "providers[0].auth.api_key");
  EXPECT_EQ(ref.resolve(testing::test_ambient({{"MY_KEY", "from-env"}})).reveal(), "from-env");
}

TEST(SecretRef, Env_UnsetOrEmpty_NamesPathAndVariable) {
  const auto ref = SecretRef::env("MY_KEY", "providers[1].auth.client_secret");
  const std::string expected =
      "providers[1].auth.client_secret: environment variable MY_KEY is not set or is empty (the "
      "config says {\"env\": \"MY_KEY\"})";
  EXPECT_EQ(failure(ref, testing::test_ambient()), expected);
  EXPECT_EQ(failure(ref, testing::test_ambient({{"MY_KEY", ""}})), expected);
}

TEST(SecretRef, File_DropsOneTrailingNewline) {
  testing::TempDir dir;
  const auto lf = dir.write("lf", "file-secret\n");
  const auto crlf = dir.write("crlf", "file-secret\r\n");
  const auto two = dir.write("two", "file-secret\n\n");
  const auto none = dir.write("none", "file-secret");
  const auto ambient = testing::test_ambient();
  EXPECT_EQ(SecretRef::file(lf.string()).resolve(ambient).reveal(), "file-secret");
  EXPECT_EQ(SecretRef::file(crlf.string()).resolve(ambient).reveal(), "file-secret");
  EXPECT_EQ(SecretRef::file(two.string()).resolve(ambient).reveal(), "file-secret\n");
  EXPECT_EQ(SecretRef::file(none.string()).resolve(ambient).reveal(), "file-secret");
}

TEST(SecretRef, File_TildeIsTheHomeDirectory) {
  testing::TempDir home;
  home.write("secrets/key", "home-secret\n");
  const auto ambient = testing::test_ambient({{"HOME", home.path().string()}});
  EXPECT_EQ(SecretRef::file("~/secrets/key").resolve(ambient).reveal(), "home-secret");
}

TEST(SecretRef, File_MissingOrEmpty_NamesPathAndFileButNotContent) {
  testing::TempDir dir;
  const auto empty = dir.write("empty", "\n");
  const auto ambient = testing::test_ambient();
  EXPECT_EQ(failure(SecretRef::file(empty.string(), "providers[0].auth.token"), ambient),
            "providers[0].auth.token: secret file " + empty.string() + " is empty");
  const auto missing = (dir.path() / "missing").string();
  EXPECT_EQ(failure(SecretRef::file(missing, "providers[0].auth.token"), ambient),
            "providers[0].auth.token: secret file " + missing + ": no such file");
  // A directory cannot be read: the error names it.
  const std::string m = failure(SecretRef::file(dir.path().string(), "p"), ambient);
  EXPECT_EQ(m.rfind("p: cannot read secret file " + dir.path().string(), 0), 0u) << m;
}

TEST(SecretRef, FromParsedConfig_ResolvesWithItsJsonPath) {
  const auto file = parse_providers(
      R"({"providers": [{"name": "b", "type": "aws_bedrock", "region": "us-east-1",
          "auth": {"type": "bearer_token", "token": {"env": "BEDROCK_KEY"}}}]})",
      "t");
  const auto& token =
      std::get<aws_auth::BearerToken>(std::get<Bedrock>(file.providers[0].spec).auth).token;
  EXPECT_EQ(token.resolve(testing::test_ambient({{"BEDROCK_KEY", "bedrock-api-key-x"}})).reveal(),
            "bedrock-api-key-x");
  EXPECT_EQ(failure(token, testing::test_ambient()).rfind("providers[0].auth.token: ", 0), 0u);
}

}  // namespace
}  // namespace llmauth::config
