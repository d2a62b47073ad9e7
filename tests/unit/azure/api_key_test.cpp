#include "llmauth/azure/credentials/api_key.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"

namespace llmauth::azure {
namespace {

TEST(ApiKey, FromEnvironment) {
  EXPECT_FALSE(ApiKey::from_environment(testing::test_ambient()));
  const auto key =
      ApiKey::from_environment(testing::test_ambient({{"AZURE_OPENAI_API_KEY", "0123abcd"}}));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->key().reveal(), "0123abcd");
}

TEST(ApiKey, TrailingNewlineIsRejectedNamingTheVariableNotTheKey) {
  try {
    ApiKey::from_environment(
        testing::test_ambient({{"AZURE_OPENAI_API_KEY", "key-with-newline-0123456789\n"}}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("AZURE_OPENAI_API_KEY"), std::string::npos);
    testing::expect_no_secret(e.what(), "key-with-newline-0123456789");
  }
}

TEST(ApiKey, EmptyIsRejected) { EXPECT_THROW(ApiKey(Secret(""), "api_key"), Error); }

}  // namespace
}  // namespace llmauth::azure
