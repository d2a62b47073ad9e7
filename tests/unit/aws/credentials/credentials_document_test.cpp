#include "llmauth/aws/credentials/credentials_document.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

constexpr const char* kSecret = "doc-secret-key-abcdefghijklmnopqrstuvwxyz";
constexpr const char* kToken = "doc-session-token-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

const DocumentRules kProcess{.require_version_1 = true};
const DocumentRules kMetadata{.require_session_token = true, .require_expiration = true};
const DocumentRules kImds{
    .require_session_token = true, .require_expiration = true, .check_code = true};

// The message of the Error parsing `body` throws ("" when it parses).
std::string error_of(const std::string& body, const DocumentRules& rules,
                     ErrorCode* code = nullptr) {
  try {
    parse_credentials_document(body, "test document", rules);
  } catch (const Error& e) {
    if (code != nullptr) *code = e.code();
    testing::expect_no_secret(e.what(), kSecret);
    testing::expect_no_secret(e.what(), kToken);
    return e.what();
  }
  return "";
}

std::string metadata_body(const std::string& expiration = "\"2030-01-02T03:04:05Z\"") {
  return std::string(R"({"Code":"Success","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":")") +
         kSecret + R"(","Token":")" + kToken + R"(","Expiration":)" + expiration + "}";
}

TEST(CredentialsDocument, ProcessDocument_AllFields) {
  const std::string body =
      std::string(R"({"Version":1,"AccessKeyId":"AKIAPROC","SecretAccessKey":")") + kSecret +
      R"(","SessionToken":")" + kToken +
      R"(","Expiration":"2030-01-02T03:04:05Z","AccountId":"123456789012"})";
  const Credentials c = parse_credentials_document(body, "doc", kProcess);
  EXPECT_EQ(c.access_key_id, "AKIAPROC");
  EXPECT_EQ(c.secret_access_key.reveal(), kSecret);
  EXPECT_EQ(c.session_token.reveal(), kToken);
  ASSERT_TRUE(c.expiration);
  EXPECT_EQ(timefmt::format_iso8601(*c.expiration), "2030-01-02T03:04:05Z");
  EXPECT_EQ(c.account_id.value_or(""), "123456789012");
  EXPECT_TRUE(c.source.empty());
}

TEST(CredentialsDocument, ProcessDocument_WithoutExpirationDoesNotExpire) {
  const Credentials c = parse_credentials_document(
      R"({"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"})", "doc", kProcess);
  EXPECT_FALSE(c.expiration);
  EXPECT_FALSE(c.has_session_token());
  EXPECT_FALSE(c.account_id);
}

TEST(CredentialsDocument, MetadataDocument_TokenField) {
  const Credentials c = parse_credentials_document(metadata_body(), "doc", kImds);
  EXPECT_EQ(c.session_token.reveal(), kToken);
  EXPECT_TRUE(c.expiration);
}

TEST(CredentialsDocument, FractionalAndOffsetExpirationsParse) {
  EXPECT_NO_THROW(
      parse_credentials_document(metadata_body("\"2030-01-02T03:04:05.123Z\""), "d", kImds));
  EXPECT_NO_THROW(
      parse_credentials_document(metadata_body("\"2030-01-02T03:04:05+01:00\""), "d", kImds));
}

TEST(CredentialsDocument, ExpirationBeyondWhatAClockCanHold_DoesNotExpire) {
  // "9999-12-31T23:59:59Z" is how some tools say "never"; it must not wrap into the past.
  const Credentials c =
      parse_credentials_document(metadata_body("\"9999-12-31T23:59:59Z\""), "d", kImds);
  EXPECT_FALSE(c.expiration);
  EXPECT_FALSE(c.expired_at(std::chrono::system_clock::now()));
}

TEST(CredentialsDocument, InvalidJson_NamesTheDocumentAndByte) {
  ErrorCode code{};
  const auto e = error_of(std::string("{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"") + kSecret,
                          kProcess, &code);
  EXPECT_EQ(code, ErrorCode::kInvalidInput);
  EXPECT_NE(e.find("test document: invalid JSON at byte"), std::string::npos) << e;
}

TEST(CredentialsDocument, EmptyOutput_IsInvalidJson) {
  EXPECT_NE(error_of("", kProcess).find("the document is empty"), std::string::npos);
}

TEST(CredentialsDocument, NotAnObject_IsRejected) {
  EXPECT_NE(error_of("[1,2]", kProcess).find("must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of("\"x\"", kMetadata).find("must be a JSON object"), std::string::npos);
}

TEST(CredentialsDocument, MissingVersion_IsRejected) {
  const auto e = error_of(
      std::string(R"({"AccessKeyId":"A","SecretAccessKey":")") + kSecret + "\"}", kProcess);
  EXPECT_NE(e.find("test document: /Version is missing"), std::string::npos) << e;
}

TEST(CredentialsDocument, Version2_IsRejected) {
  const auto e = error_of(
      std::string(R"({"Version":2,"AccessKeyId":"A","SecretAccessKey":")") + kSecret + "\"}",
      kProcess);
  EXPECT_NE(e.find("/Version 2 is not supported"), std::string::npos) << e;
}

TEST(CredentialsDocument, VersionAsString_IsRejected) {
  const auto e = error_of(R"({"Version":"1","AccessKeyId":"A","SecretAccessKey":"s"})", kProcess);
  EXPECT_NE(e.find("/Version must be the number 1"), std::string::npos) << e;
}

TEST(CredentialsDocument, MissingFields_NameTheJsonPath) {
  EXPECT_NE(
      error_of(R"({"Version":1,"SecretAccessKey":"s"})", kProcess).find("/AccessKeyId is missing"),
      std::string::npos);
  EXPECT_NE(
      error_of(R"({"Version":1,"AccessKeyId":"A"})", kProcess).find("/SecretAccessKey is missing"),
      std::string::npos);
  EXPECT_NE(error_of(R"({"Version":1,"AccessKeyId":"","SecretAccessKey":"s"})", kProcess)
                .find("/AccessKeyId is empty"),
            std::string::npos);
  const auto no_token = error_of(std::string(R"({"AccessKeyId":"A","SecretAccessKey":")") +
                                     kSecret + R"(","Expiration":"2030-01-02T03:04:05Z"})",
                                 kMetadata);
  EXPECT_NE(no_token.find("/Token is missing"), std::string::npos) << no_token;
}

TEST(CredentialsDocument, WrongType_IsRejected) {
  const auto e = error_of(
      std::string(R"({"Version":1,"AccessKeyId":12,"SecretAccessKey":")") + kSecret + "\"}",
      kProcess);
  EXPECT_NE(e.find("/AccessKeyId must be a string"), std::string::npos) << e;
}

TEST(CredentialsDocument, MissingExpirationWhereRequired_IsRejected) {
  const auto e = error_of(std::string(R"({"AccessKeyId":"A","SecretAccessKey":")") + kSecret +
                              R"(","Token":")" + kToken + "\"}",
                          kMetadata);
  EXPECT_NE(e.find("/Expiration is missing"), std::string::npos) << e;
}

TEST(CredentialsDocument, BadExpiration_IsRejectedWithoutQuotingIt) {
  const auto e = error_of(metadata_body("\"next tuesday-ish\""), kMetadata);
  EXPECT_NE(e.find("/Expiration is not an ISO 8601 time"), std::string::npos) << e;
  EXPECT_EQ(e.find("tuesday"), std::string::npos) << e;
  const auto number = error_of(metadata_body("1700000000"), kMetadata);
  EXPECT_NE(number.find("/Expiration must be a string"), std::string::npos) << number;
}

TEST(CredentialsDocument, ImdsCodeOtherThanSuccess_IsAnError) {
  std::string body = metadata_body();
  body.replace(body.find("Success"), 7, "AssumeRoleUnauthorizedAccess");
  ErrorCode code{};
  const auto e = error_of(body, kImds, &code);
  EXPECT_NE(e.find("/Code is AssumeRoleUnauthorizedAccess, not Success"), std::string::npos) << e;
  EXPECT_EQ(code, ErrorCode::kFailed);
  // Only IMDS checks it.
  EXPECT_NO_THROW(parse_credentials_document(body, "d", kMetadata));
}

TEST(CredentialsDocument, HugeDocument_IsRefusedBeforeParsing) {
  std::string body = metadata_body();
  body.insert(1, "\"pad\":\"" + std::string(100 * 1024, 'x') + "\",");
  const auto e = error_of(body, kImds);
  EXPECT_NE(e.find("more than the 65536"), std::string::npos) << e;
}

TEST(CredentialsDocument, DeeplyNestedGarbage_DoesNotCrash) {
  std::string body(20000, '[');
  EXPECT_FALSE(error_of(body, kProcess).empty());
}

}  // namespace
}  // namespace llmauth::aws
