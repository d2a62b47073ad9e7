#include "llmauth/aws/credentials/environment_provider.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

using testing::test_ambient;

TEST(EnvironmentProvider, ReadsKeysTokenExpiryAndAccount) {
  EnvironmentProvider p(test_ambient({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                                      {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                      {"AWS_SESSION_TOKEN", "envtoken"},
                                      {"AWS_CREDENTIAL_EXPIRATION", "2999-01-01T00:00:00Z"},
                                      {"AWS_ACCOUNT_ID", "123456789012"}}));
  const auto c = p.resolve();
  EXPECT_EQ(c->access_key_id, "AKIAENV");
  EXPECT_EQ(c->secret_access_key.reveal(), "envsecret");
  EXPECT_EQ(c->session_token.reveal(), "envtoken");
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(c->account_id, "123456789012");
  EXPECT_EQ(c->source, "environment");
}

TEST(EnvironmentProvider, LegacySecurityTokenIsAccepted) {
  EnvironmentProvider p(test_ambient({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                                      {"AWS_SECRET_ACCESS_KEY", "s"},
                                      {"AWS_SECURITY_TOKEN", "legacy"}}));
  EXPECT_EQ(p.resolve()->session_token.reveal(), "legacy");
}

TEST(EnvironmentProvider, NothingSetIsUnavailable) {
  EnvironmentProvider p(test_ambient());
  EXPECT_THROW(p.resolve(), UnavailableError);
}

TEST(EnvironmentProvider, EmptyValuesCountAsUnset) {
  EnvironmentProvider p(test_ambient({{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}}));
  EXPECT_THROW(p.resolve(), UnavailableError);
}

TEST(EnvironmentProvider, OnlyOneKeyIsAnErrorThatNamesTheMissingVariable) {
  EnvironmentProvider p(test_ambient({{"AWS_SECRET_ACCESS_KEY", "lonely-secret-value"}}));
  try {
    p.resolve();
    FAIL() << "expected an error";
  } catch (const UnavailableError&) {
    FAIL() << "partial credentials must stop the chain";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("AWS_ACCESS_KEY_ID is not"), std::string::npos);
    testing::expect_no_secret(e.what(), "lonely-secret-value");
  }
}

TEST(EnvironmentProvider, BadOrPastExpirationIsAnError) {
  EnvironmentProvider bad(test_ambient({{"AWS_ACCESS_KEY_ID", "A"},
                                        {"AWS_SECRET_ACCESS_KEY", "s"},
                                        {"AWS_CREDENTIAL_EXPIRATION", "tomorrow"}}));
  EXPECT_THROW(bad.resolve(), Error);
  EnvironmentProvider past(test_ambient({{"AWS_ACCESS_KEY_ID", "A"},
                                         {"AWS_SECRET_ACCESS_KEY", "s"},
                                         {"AWS_CREDENTIAL_EXPIRATION", "2001-01-01T00:00:00Z"}}));
  try {
    past.resolve();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expired"), std::string::npos);
  }
}

TEST(Credentials, MaskedAccessKeyShowsLastFour) {
  Credentials c;
  c.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  EXPECT_EQ(c.masked_access_key_id(), "****************MPLE");
}

}  // namespace
}  // namespace llmauth::aws
