#include "llmauth/core/redactor.hpp"

#include <gtest/gtest.h>

namespace llmauth {
namespace {

constexpr std::string_view kSecret = "s3cr+t/Val=ue with space";

TEST(Redactor, EveryEncodingOfASecretIsHidden) {
  Redactor r;
  r.add(kSecret);
  // As sent in a form body (+, / and = percent-encoded; a space as %20 or +), in JSON, in Basic.
  const std::string echoes[] = {
      "raw: s3cr+t/Val=ue with space",
      "form: s3cr%2Bt%2FVal%3Due%20with%20space",
      "lower: s3cr%2bt%2fVal%3due%20with%20space",
      "plus: s3cr%2Bt%2FVal%3Due+with+space",
      "basic: czNjcit0L1ZhbD11ZSB3aXRoIHNwYWNl",
  };
  for (const auto& echo : echoes) {
    const std::string out = r.scrub(echo);
    EXPECT_NE(out.find("****"), std::string::npos) << out;
    EXPECT_EQ(out.find("Val"), std::string::npos) << out;
  }
  EXPECT_EQ(r.scrub(R"(json: "a\"quoted\\secret")"), R"(json: "a\"quoted\\secret")");
  Redactor j;
  j.add("a\"quoted\\secret");
  EXPECT_EQ(j.scrub(R"(json: "a\"quoted\\secret")"), R"(json: "****")");
}

TEST(Redactor, RedactsBeforeCutting_NoPartOfASecretSurvivesAtTheCut) {
  const std::string secret = "AKIASECRETSECRETSECRET1234";
  Redactor r;
  r.add(secret);
  // The secret straddles the 40-byte cut: cutting first would leave "AKIASECRET…".
  const std::string text = std::string(30, 'x') + secret + " tail";
  const std::string out = r.scrub(text, 40);
  EXPECT_EQ(out.find("AKIA"), std::string::npos) << out;
  EXPECT_EQ(out.find("SECRET"), std::string::npos) << out;
  EXPECT_EQ(out, std::string(30, 'x') + "**** tail");
}

TEST(Redactor, ForgedLinesAndTerminalEscapesAreRemoved) {
  Redactor r;
  static constexpr char kHostile[] =
      "denied\nllmauth: OK all good\r\n\x1b[31mred\x1b[0m \x1b]0;title\x07"
      "bell\x07 del\x7f nul\0x \xc2\x9b"
      "31m c1 \xe2\x80\xae"
      "reversed";
  const std::string out = r.scrub(std::string_view(kHostile, sizeof kHostile - 1));
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\x07'), std::string::npos);
  EXPECT_EQ(out.find('\x7f'), std::string::npos);
  EXPECT_EQ(out.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(out.find("\xe2\x80\xae"), std::string::npos);
  EXPECT_EQ(out.rfind("denied llmauth: OK all good red bell", 0), 0u) << out;
}

TEST(Redactor, CutsOnACharacterBoundary) {
  const std::string text = "ééééé";  // two bytes each
  const std::string out = sanitize_untrusted(text, 5);
  EXPECT_EQ(out, "éé…");
}

TEST(Redactor, InvalidUtf8BecomesQuestionMarks) {
  EXPECT_EQ(sanitize_untrusted("a\xff\xfe"
                               "b"),
            "a??b");
}

TEST(Redactor, ShortValuesAreNotSecrets) {
  Redactor r;
  r.add("abc");  // shorter than kMinLength: would mangle ordinary words
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.scrub("abc abc"), "abc abc");
}

TEST(Redactor, LongestSecretFirst_ASecretInsideAnotherIsNotSplit) {
  Redactor r;
  r.add("token");
  r.add("Bearer token-with-suffix");
  EXPECT_EQ(r.redact("got Bearer token-with-suffix"), "got ****");
}

}  // namespace
}  // namespace llmauth
