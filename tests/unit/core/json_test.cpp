#include "llmauth/core/json.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"

namespace llmauth::json {
namespace {

TEST(Json, SyntaxErrorNamesDocumentAndByteButNotContent) {
  try {
    parse(R"({"SecretAccessKey": "hunter2-secret-value", oops})", "credential_process output");
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("credential_process output: invalid JSON at byte"), std::string::npos) << m;
    EXPECT_EQ(m.find("hunter2"), std::string::npos) << m;
  }
}

TEST(Json, DeepNesting_IsRefusedBeforeParsing) {
  // A hostile answer of nested arrays once took 2.25 GB and 12 s; now it is refused at once.
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  try {
    parse(deep, "managed identity answer");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("nested deeper than 64 levels at byte 64"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(parse_or_discard(deep).is_discarded());
  // Brackets inside strings do not count; 64 levels are fine.
  EXPECT_NO_THROW(parse(
      R"({"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})", "doc"));
  EXPECT_NO_THROW(parse(std::string(64, '[') + std::string(64, ']'), "doc"));
  EXPECT_THROW(parse(std::string(65, '[') + std::string(65, ']'), "doc"), Error);
}

TEST(Json, HugeNumbersAreAnErrorNotACrash) { EXPECT_THROW(parse("[1e999999]", "doc"), Error); }

TEST(Json, FieldHelpersNamePathAndProblem) {
  const auto j = parse(R"({"a": {"n": "12", "s": 5, "x": "twelve"}})", "doc");
  EXPECT_EQ(optional_integer(j["a"], "n", "doc", "/a"), 12);
  try {
    require_string(j["a"], "s", "doc", "/a");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "doc: /a/s must be a string");
  }
  try {
    require_string(j["a"], "missing", "doc", "/a");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "doc: /a/missing is missing");
  }
  EXPECT_THROW(optional_integer(j["a"], "x", "doc"), Error);
}

TEST(AppendQuoted, MatchesNlohmannDumpForValidText) {
  // nlohmann::json's own serializer is the reference.
  std::string every_ascii;
  for (int c = 0; c < 0x80; ++c) every_ascii.push_back(static_cast<char>(c));
  for (const std::string& text :
       {std::string(), std::string("plain"), std::string("quote \" and \\ back"),
        std::string("line\nbreak\r\t\b\f"), every_ascii,
        std::string("\xc3\xa9t\xc3\xa9 \xe2\x82\xac"), std::string("\xf0\x9f\x98\x80 emoji"),
        std::string("\x1b[31mred\x1b[0m")}) {
    std::string out = "x";
    append_quoted(out, text);
    EXPECT_EQ(out, "x" + Json(text).dump()) << text;
  }
}

TEST(AppendQuoted, InvalidUtf8_BecomesReplacementCharacters) {
  for (const std::string& bad :
       {std::string("\xff"), std::string("\xc3"), std::string("a\xc3(b"), std::string("\xc0\xaf"),
        std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"), std::string("\xe2\x82")}) {
    std::string out;
    append_quoted(out, bad);
    const Json back = Json::parse(out);  // nlohmann refuses invalid UTF-8: this is valid
    ASSERT_TRUE(back.is_string()) << out;
    EXPECT_NE(back.get<std::string>().find("\xef\xbf\xbd"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace llmauth::json
