// Our SigV4 against AWS's own verifier: the emulator's /echo/ endpoint re-signs what arrives with
// @smithy/signature-v4 and answers 200 {"valid":true} or 403 InvalidSignatureException.
#include <gtest/gtest.h>

#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/json.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

using std::chrono::seconds;

constexpr std::string_view kConversePath = "/echo/model/anthropic.claude-3%3A0/converse";

Credentials emulator_credentials(const char* secret = testing::kEmulatorSecretKey) {
  Credentials c;
  c.access_key_id = testing::kEmulatorAccessKey;
  c.secret_access_key = Secret(secret);
  return c;
}

SigV4 bedrock_signer(SigV4Options extra = {}) {
  extra.region = "us-east-1";
  extra.service = "bedrock";
  return SigV4(std::move(extra));
}

// A Converse-shaped JSON body of exactly 1 KiB.
std::string kib_json_body() {
  std::string body = R"({"messages":[{"role":"user","content":[{"text":")";
  const std::string tail = R"("}]}],"inferenceConfig":{"maxTokens":64}})";
  body.append(1024 - body.size() - tail.size(), 'x');
  body += tail;
  return body;
}

http::Request converse_request() {
  http::Request r;
  r.method = "POST";
  r.url = testing::Emulator::get().http_url() + std::string(kConversePath);
  r.headers = {{"Content-Type", "application/json"},
               {"Accept", "application/json"},
               {"User-Agent", "llmauth-test"}};
  r.body = kib_json_body();
  return r;
}

json::Json body_of(const http::Response& resp) { return json::parse(resp.body, "echo response"); }

void expect_invalid_signature(const http::Response& resp) {
  EXPECT_EQ(resp.status, 403) << resp.body;
  EXPECT_EQ(resp.header("x-amzn-ErrorType").value_or(""), "InvalidSignatureException");
  if (resp.status == 403) {
    EXPECT_EQ(body_of(resp).value("valid", true), false);
  }
}

class SigV4Emulator : public ::testing::Test {
 protected:
  void SetUp() override { testing::Emulator::get().reset(); }
  const TimePoint now_ = std::chrono::system_clock::now();
};

TEST_F(SigV4Emulator, HeaderSignedPost_IsValid) {
  auto req = converse_request();
  ASSERT_EQ(req.body.size(), 1024u);
  const auto d = bedrock_signer().sign(req, emulator_credentials(), now_);
  const auto resp = testing::test_transport()->send(req);
  ASSERT_EQ(resp.status, 200) << resp.body;
  const auto j = body_of(resp);
  EXPECT_EQ(j.value("valid", false), true);
  EXPECT_EQ(j.value("service", ""), "bedrock");
  EXPECT_EQ(j.value("region", ""), "us-east-1");
  EXPECT_EQ(j.value("path", ""), kConversePath);
  EXPECT_EQ(j.value("body_length", 0), 1024);
  EXPECT_EQ(j.value("presigned", true), false);
  EXPECT_EQ(j.value("signature", ""), d.signature);
}

TEST_F(SigV4Emulator, PresignedGet_IsValid) {
  http::Request req;
  req.method = "GET";
  req.url = testing::Emulator::get().http_url() + "/echo/presigned/path?list=a%2Cb&Action=Look";
  const auto d = bedrock_signer().presign(req, emulator_credentials(), now_, seconds(300));
  const auto resp = testing::test_transport()->send(req);
  ASSERT_EQ(resp.status, 200) << resp.body;
  const auto j = body_of(resp);
  EXPECT_EQ(j.value("valid", false), true);
  EXPECT_EQ(j.value("presigned", false), true);
  EXPECT_EQ(j.value("expires_in", 0), 300);
  EXPECT_EQ(j.value("signature", ""), d.signature);
  EXPECT_EQ(j["query"].value("list", ""), "a,b");
  EXPECT_EQ(j["query"].value("Action", ""), "Look");
}

TEST_F(SigV4Emulator, BodyTamperedAfterSigning_IsRejected) {
  auto req = converse_request();
  bedrock_signer().sign(req, emulator_credentials(), now_);
  req.body[100] = 'y';
  expect_invalid_signature(testing::test_transport()->send(req));
}

TEST_F(SigV4Emulator, WrongSecret_IsRejected) {
  auto req = converse_request();
  bedrock_signer().sign(req, emulator_credentials("wJalrXUtnFEMI/K7MDENG+bPxRfiCYWRONGKEY00"),
                        now_);
  expect_invalid_signature(testing::test_transport()->send(req));
}

TEST_F(SigV4Emulator, UnsignedPayloadWithContentSha256Header_IsValid) {
  auto req = converse_request();
  const auto d = bedrock_signer({.add_content_sha256_header = true, .unsigned_payload = true})
                     .sign(req, emulator_credentials(), now_);
  EXPECT_TRUE(d.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  req.body[100] = 'y';  // the body is not covered by the signature, as asked
  const auto resp = testing::test_transport()->send(req);
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(body_of(resp).value("valid", false), true);
}

TEST_F(SigV4Emulator, ContentSha256Header_IsValidAndTamperingIsCaught) {
  auto req = converse_request();
  bedrock_signer({.add_content_sha256_header = true}).sign(req, emulator_credentials(), now_);
  const auto ok = testing::test_transport()->send(req);
  ASSERT_EQ(ok.status, 200) << ok.body;
  req.body[100] = 'y';
  expect_invalid_signature(testing::test_transport()->send(req));
}

}  // namespace
}  // namespace llmauth::aws
