// The STS answer parser on its own (the calls themselves are tested against the emulator in
// tests/integration/aws/assume_role_test.cpp).
#include "llmauth/aws/sts_client.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::aws {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";

std::string answer(const std::string& credentials_inner,
                   const std::string& arn = "arn:aws:sts::123456789012:assumed-role/r/s") {
  return "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
         "  <AssumeRoleResult>\n"
         "    <AssumedRoleUser><Arn>" + arn + "</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>\n"
         "    <Credentials>" + credentials_inner + "</Credentials>\n"
         "  </AssumeRoleResult>\n"
         "  <ResponseMetadata><RequestId>c6104cbe</RequestId></ResponseMetadata>\n"
         "</AssumeRoleResponse>\n";
}

std::string full_credentials() {
  return std::string("<AccessKeyId>ASIAEXAMPLE12345</AccessKeyId><SecretAccessKey>") + kSecret +
         "</SecretAccessKey><SessionToken>FwoGZXIvYXdzEXAMPLE</SessionToken>"
         "<Expiration>2026-11-29T15:00:00Z</Expiration>";
}

std::string error_of(const std::string& body) {
  try {
    (void)detail::parse_sts_credentials(body, "AssumeRole", "https://sts.us-east-1.amazonaws.com");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    const std::string m = e.what();
    EXPECT_EQ(m.find(kSecret), std::string::npos) << m;
    return m;
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(StsAnswer, CredentialsExpiryAndAccountAreRead) {
  const Credentials c = detail::parse_sts_credentials(answer(full_credentials()), "AssumeRole",
                                                      "https://sts.us-east-1.amazonaws.com");
  EXPECT_EQ(c.access_key_id, "ASIAEXAMPLE12345");
  EXPECT_EQ(c.secret_access_key.reveal(), kSecret);
  EXPECT_EQ(c.session_token.reveal(), "FwoGZXIvYXdzEXAMPLE");
  ASSERT_TRUE(c.expiration.has_value());
  EXPECT_EQ(timefmt::format_iso8601(*c.expiration), "2026-11-29T15:00:00Z");
  EXPECT_EQ(c.account_id, "123456789012");
}

TEST(StsAnswer, AnArnWithoutAnAccountLeavesTheAccountUnset) {
  const Credentials c = detail::parse_sts_credentials(answer(full_credentials(), "not-an-arn"),
                                                      "AssumeRole", "https://sts");
  EXPECT_FALSE(c.account_id.has_value());
}

TEST(StsAnswer, EachMissingFieldIsNamedByItsPath) {
  for (const std::string field : {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}) {
    std::string inner = full_credentials();
    const auto open = inner.find("<" + field + ">");
    const auto close = inner.find("</" + field + ">") + field.size() + 3;
    inner.erase(open, close - open);
    const std::string m = error_of(answer(inner));
    EXPECT_NE(m.find("STS AssumeRole response from https://sts.us-east-1.amazonaws.com: "
                     "/AssumeRoleResponse/AssumeRoleResult/Credentials/" + field + " is missing"),
              std::string::npos)
        << m;
  }
}

TEST(StsAnswer, AWrongRootOrResultIsNamed) {
  EXPECT_NE(error_of("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult/>"
                     "</AssumeRoleWithWebIdentityResponse>")
                .find("/AssumeRoleResponse/AssumeRoleResult is missing"),
            std::string::npos);
  EXPECT_NE(error_of("<AssumeRoleResponse><Other/></AssumeRoleResponse>")
                .find("/AssumeRoleResponse/AssumeRoleResult is missing"),
            std::string::npos);
}

TEST(StsAnswer, NotXmlSaysWhereWithoutQuotingTheBody) {
  const std::string body = "<AssumeRoleResponse><SecretAccessKey>" + std::string(kSecret) +
                           "</Oops></AssumeRoleResponse>";
  const std::string m = error_of(body);
  EXPECT_NE(m.find("not valid XML (mismatched tag at line 1, column"), std::string::npos) << m;
  EXPECT_NE(error_of("{\"json\": true}").find("not valid XML"), std::string::npos);
}

TEST(StsAnswer, AnUnparsableExpirationIsQuotedButNothingElse) {
  std::string inner = full_credentials();
  inner.replace(inner.find("2026-11-29T15:00:00Z"), 20, "tomorrow");
  const std::string m = error_of(answer(inner));
  EXPECT_NE(m.find("Credentials/Expiration 'tomorrow' is not an ISO 8601 time"), std::string::npos)
      << m;
}

}  // namespace
}  // namespace llmauth::aws
