#include "llmauth/aws/bedrock_token.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/core/url.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

using std::chrono::seconds;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "tok+/=en";

TimePoint at(const char* iso) { return timefmt::parse_iso8601(iso).value(); }
const TimePoint kNow = at("2025-01-02T03:04:05Z");

Credentials creds(bool with_token = true) {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = Secret(kSecret);
  if (with_token) c.session_token = Secret(kToken);
  c.source = "test";
  return c;
}

// The URL inside a token ("bedrock.amazonaws.com/?…&Version=1").
std::string decoded_url(const BedrockToken& t) {
  const auto text = t.token.reveal();
  EXPECT_TRUE(text.starts_with("bedrock-api-key-"));
  return crypto::base64_decode(text.substr(16)).value_or("<not base64>");
}

std::string param(const std::string& u, const std::string& key) {
  for (const auto& [k, v] : url::parse_query(u.substr(u.find('?') + 1))) {
    if (k == key) return v;
  }
  return "<absent>";
}

// Known answer from @aws/bedrock-token-generator 1.1.0 (tests/tools/bedrock-token-reference.js)
// for these inputs; the integration test compares with the live package as well.
TEST(BedrockToken, MatchesTheReferenceTokenForFixedInputs) {
  const auto t = mint_bedrock_token(creds(), "us-west-2", seconds(900), kNow);
  EXPECT_EQ(decoded_url(t),
            "bedrock.amazonaws.com/?Action=CallWithBearerToken"
            "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIDEXAMPLE%2F20250102%2Fus-west-2%2Fbedrock%2Faws4_request"
            "&X-Amz-Date=20250102T030405Z&X-Amz-Expires=900"
            "&X-Amz-Security-Token=tok%2B%2F%3Den"
            "&X-Amz-Signature=100abd7dfd783a23f93dcea8779d7d6ff8056cc1d2cc3f9e447526970230756e"
            "&X-Amz-SignedHeaders=host&Version=1");
  EXPECT_EQ(t.expires_at, kNow + seconds(900));
}

TEST(BedrockToken, WithoutSessionToken_HasNoTokenParameter) {
  const auto t = mint_bedrock_token(creds(false), "eu-central-1", kBedrockTokenDefaultExpiry, kNow);
  const auto u = decoded_url(t);
  EXPECT_EQ(u.find("X-Amz-Security-Token"), std::string::npos);
  EXPECT_EQ(param(u, "X-Amz-Expires"), "43200");
  EXPECT_EQ(param(u, "X-Amz-Credential"), "AKIDEXAMPLE/20250102/eu-central-1/bedrock/aws4_request");
  EXPECT_TRUE(u.ends_with("&X-Amz-SignedHeaders=host&Version=1"));
  EXPECT_EQ(t.expires_at, kNow + seconds(43200));
}

TEST(BedrockToken, UsesTheStandardBase64Alphabet) {
  const auto t = mint_bedrock_token(creds(), "us-east-1", seconds(3600), kNow);
  const auto text = t.token.reveal().substr(16);
  EXPECT_EQ(
      text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
      std::string::npos);
  EXPECT_EQ(text.size() % 4, 0u);
}

TEST(BedrockToken, SubSecondNow_SignsAtTheWholeSecond) {
  const auto t =
      mint_bedrock_token(creds(), "us-east-1", seconds(60), kNow + std::chrono::milliseconds(750));
  EXPECT_EQ(param(decoded_url(t), "X-Amz-Date"), "20250102T030405Z");
  EXPECT_EQ(t.expires_at, kNow + seconds(60));
}

TEST(BedrockToken, Lifetime_IsClampedToTheCredentialsRemainingLife) {
  auto c = creds();
  c.expiration = kNow + seconds(600);
  const auto t = mint_bedrock_token(c, "us-east-1", seconds(3600), kNow);
  EXPECT_EQ(param(decoded_url(t), "X-Amz-Expires"), "600");
  EXPECT_EQ(t.expires_at, kNow + seconds(600));

  // Half a second into the signing second: 599.5 s left, so 599 (never past the credentials).
  const auto late =
      mint_bedrock_token(c, "us-east-1", seconds(3600), kNow + std::chrono::milliseconds(500));
  EXPECT_EQ(param(decoded_url(late), "X-Amz-Expires"), "599");
  EXPECT_LE(late.expires_at, *c.expiration);

  // A shorter request than the credentials' life is kept.
  const auto short_one = mint_bedrock_token(c, "us-east-1", seconds(120), kNow);
  EXPECT_EQ(param(decoded_url(short_one), "X-Amz-Expires"), "120");
}

TEST(BedrockToken, ExpiredOrExpiringCredentials_AreRefused) {
  for (const auto left : {seconds(-60), seconds(0), seconds(1)}) {
    auto c = creds();
    c.expiration = kNow + left;
    try {
      mint_bedrock_token(c, "us-east-1", seconds(900), kNow);
      ADD_FAILURE() << left.count();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kFailed);
      EXPECT_NE(std::string(e.what()).find("refresh"), std::string::npos) << e.what();
      testing::expect_no_secret(e.what(), kSecret);
    }
  }
  auto c = creds();
  c.expiration = kNow + seconds(2);
  EXPECT_EQ(mint_bedrock_token(c, "us-east-1", seconds(900), kNow).expires_at, kNow + seconds(2));
}

TEST(BedrockToken, Lifetime_MustBeOneSecondToTwelveHours) {
  for (const auto s : {seconds(0), seconds(-1), seconds(43201)}) {
    try {
      mint_bedrock_token(creds(), "us-east-1", s, kNow);
      ADD_FAILURE() << s.count();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    }
  }
  EXPECT_NO_THROW(mint_bedrock_token(creds(), "us-east-1", seconds(1), kNow));
  EXPECT_NO_THROW(mint_bedrock_token(creds(), "us-east-1", seconds(43200), kNow));
}

TEST(BedrockToken, Region_IsValidated) {
  for (const char* region :
       {"", "US-EAST-1", "us east 1", "us-east-1/", "-us-east-1", "us-east-1-", "us-east-1\n"}) {
    try {
      mint_bedrock_token(creds(), region, seconds(60), kNow);
      ADD_FAILURE() << region;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
      EXPECT_NE(std::string(e.what()).find("region"), std::string::npos);
    }
  }
  for (const char* region :
       {"us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-5"}) {
    EXPECT_NO_THROW(mint_bedrock_token(creds(), region, seconds(60), kNow)) << region;
  }
}

TEST(BedrockToken, Inspect_ReadsBackWhatWasMinted) {
  const auto t = mint_bedrock_token(creds(), "us-west-2", seconds(900), kNow);
  const auto info = inspect_bedrock_token(t.token.reveal());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(info->region, "us-west-2");
  EXPECT_EQ(info->issued_at, kNow);
  EXPECT_EQ(info->lifetime, seconds(900));
  EXPECT_EQ(info->expires_at, t.expires_at);
  EXPECT_TRUE(info->has_session_token);
  EXPECT_FALSE(inspect_bedrock_token(
                   mint_bedrock_token(creds(false), "us-west-2", seconds(9), kNow).token.reveal())
                   ->has_session_token);
}

TEST(BedrockToken, Inspect_RejectsOtherStrings) {
  EXPECT_FALSE(inspect_bedrock_token(""));
  EXPECT_FALSE(inspect_bedrock_token("ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl"));  // long-term key shape
  EXPECT_FALSE(inspect_bedrock_token("bedrock-api-key-!!!"));
  EXPECT_FALSE(inspect_bedrock_token("bedrock-api-key-" + crypto::base64("example.com/?a=b")));
  EXPECT_FALSE(inspect_bedrock_token(
      "bedrock-api-key-" + crypto::base64("bedrock.amazonaws.com/?Action=CallWithBearerToken")));
  // A lifetime no presigned URL can have (SigV4 allows 7 days) would overflow the expiry.
  std::string url = decoded_url(mint_bedrock_token(creds(), "us-west-2", seconds(900), kNow));
  const auto at = url.find("X-Amz-Expires=900");
  ASSERT_NE(at, std::string::npos);
  url.replace(at, 17, "X-Amz-Expires=9223372036854775");
  EXPECT_FALSE(inspect_bedrock_token("bedrock-api-key-" + crypto::base64(url)));
}

}  // namespace
}  // namespace llmauth::aws
