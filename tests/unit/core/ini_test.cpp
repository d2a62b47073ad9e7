#include "llmauth/core/ini.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"

namespace llmauth {
namespace {

std::string error_of(const std::string& text) {
  try {
    IniFile::parse(text, "/home/u/.aws/config");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << text;
  return {};
}

TEST(IniFile, ReadsSectionsKeysAndTrimsValues) {
  const auto ini = IniFile::parse(
      "[default]\n"
      "region = us-west-2  \n"
      "Output=json\n"
      "\n"
      "[profile dev]\n"
      "  role_arn   =   arn:aws:iam::123456789012:role/dev\n"
      "colon: works\n",
      "config");
  ASSERT_EQ(ini.sections.size(), 2u);
  EXPECT_EQ(ini.sections.at("default").get("region"), "us-west-2");
  EXPECT_EQ(ini.sections.at("default").get("output"), "json");  // keys are lower-cased
  EXPECT_EQ(ini.sections.at("profile dev").get("role_arn"), "arn:aws:iam::123456789012:role/dev");
  EXPECT_EQ(ini.sections.at("profile dev").get("colon"), "works");
  EXPECT_EQ(ini.sections.at("profile dev").line, 5);
}

TEST(IniFile, CommentsAreWholeLinesOnly) {
  const auto ini = IniFile::parse(
      "# comment\n"
      "; another\n"
      "[a]\n"
      "   # indented comment\n"
      "key = value # not a comment\n"
      "other = x;y\n",
      "f");
  EXPECT_EQ(ini.sections.at("a").get("key"), "value # not a comment");
  EXPECT_EQ(ini.sections.at("a").get("other"), "x;y");
}

TEST(IniFile, NestedSubsections) {
  const auto ini = IniFile::parse(
      "[profile dev]\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "  addressing_style=path\n"
      "region = eu-west-1\n",
      "f");
  const auto& s3 = ini.sections.at("profile dev").values.at("s3");
  ASSERT_TRUE(s3.is_subsection);
  EXPECT_EQ(s3.sub.at("max_concurrent_requests"), "20");
  EXPECT_EQ(s3.sub.at("addressing_style"), "path");
  EXPECT_EQ(ini.sections.at("profile dev").get("region"), "eu-west-1");
  EXPECT_FALSE(ini.sections.at("profile dev").get("s3").has_value());
}

TEST(IniFile, ContinuationLinesJoinTheValue) {
  const auto ini = IniFile::parse("[a]\nkey = first\n   second\n", "f");
  EXPECT_EQ(ini.sections.at("a").get("key"), "first\nsecond");
}

TEST(IniFile, CrLfAndBomAreAccepted) {
  const auto ini = IniFile::parse("\xEF\xBB\xBF[a]\r\nkey = v\r\n", "f");
  EXPECT_EQ(ini.sections.at("a").get("key"), "v");
}

TEST(IniFile, DuplicateKeyIsAnErrorWithBothLines) {
  const auto e = error_of("[a]\nkey = 1\nkey = 2\n");
  EXPECT_NE(e.find("/home/u/.aws/config:3"), std::string::npos) << e;
  EXPECT_NE(e.find("line 2"), std::string::npos) << e;
}

TEST(IniFile, DuplicateSectionIsAnError) {
  const auto e = error_of("[a]\nx=1\n[b]\n[a]\n");
  EXPECT_NE(e.find(":4:"), std::string::npos) << e;
}

TEST(IniFile, KeyBeforeAnySectionIsAnError) {
  const auto e = error_of("key = v\n[a]\n");
  EXPECT_NE(e.find(":1:"), std::string::npos) << e;
  EXPECT_NE(e.find("before any [section]"), std::string::npos) << e;
}

TEST(IniFile, LineWithoutDelimiterIsAnError) {
  const auto e = error_of("[a]\njust words\n");
  EXPECT_NE(e.find(":2:"), std::string::npos) << e;
}

TEST(IniFile, UnclosedSectionHeaderIsAnError) {
  const auto e = error_of("[profile dev\nx=1\n");
  EXPECT_NE(e.find(":1:"), std::string::npos) << e;
}

TEST(IniFile, BadSubsectionLineIsAnError) {
  const auto e = error_of("[a]\ns3 =\n  nonsense\n");
  EXPECT_NE(e.find("sub-section"), std::string::npos) << e;
}

TEST(IniFile, EmptyInputIsEmpty) { EXPECT_TRUE(IniFile::parse("", "f").sections.empty()); }

}  // namespace
}  // namespace llmauth
