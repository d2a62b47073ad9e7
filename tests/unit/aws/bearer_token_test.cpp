#include "llmauth/aws/bearer_token.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

TEST(BearerToken, EnvVarNameFollowsBotocore) {
  EXPECT_EQ(bearer_token_env_var("bedrock"), "AWS_BEARER_TOKEN_BEDROCK");
  EXPECT_EQ(bearer_token_env_var("bedrock-runtime"), "AWS_BEARER_TOKEN_BEDROCK_RUNTIME");
  EXPECT_EQ(bearer_token_env_var("some service"), "AWS_BEARER_TOKEN_SOME_SERVICE");
}

TEST(BearerToken, ReadFromTheEnvironment) {
  EXPECT_FALSE(bearer_token_from_environment(testing::test_ambient()));
  const auto t = bearer_token_from_environment(
      testing::test_ambient({{"AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-abc"}}));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reveal(), "bedrock-api-key-abc");
}

TEST(BearerToken, ALineBreakIsRejectedWithoutPrintingTheKey) {
  try {
    bearer_token_from_environment(
        testing::test_ambient({{"AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-secretpart\n"}}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("AWS_BEARER_TOKEN_BEDROCK"), std::string::npos);
    testing::expect_no_secret(e.what(), "bedrock-api-key-secretpart");
  }
}

}  // namespace
}  // namespace llmauth::aws
