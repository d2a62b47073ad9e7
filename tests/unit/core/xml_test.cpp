#include "llmauth/core/xml.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"

namespace llmauth::xml {
namespace {

std::string error_of(std::string_view document) {
  try {
    (void)parse(document, "STS answer");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << document;
  return {};
}

TEST(Xml, NamesAreKeptAsWrittenAndTheDefaultNamespaceIsIgnored) {
  const Element root = parse(
      "<?xml version=\"1.0\"?>\n"
      "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
      "  <AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId></Credentials>"
      "</AssumeRoleResult>\n"
      "  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\n"
      "</AssumeRoleResponse>\n",
      "doc");
  EXPECT_EQ(root.name, "AssumeRoleResponse");
  ASSERT_EQ(root.children.size(), 2u);
  const Element* result = root.child("AssumeRoleResult");
  ASSERT_NE(result, nullptr);
  ASSERT_NE(result->child("Credentials"), nullptr);
  EXPECT_EQ(result->child("Credentials")->child_text("AccessKeyId"), "ASIAEXAMPLE");
  EXPECT_EQ(root.child("ResponseMetadata")->child_text("RequestId"), "r-1");
  EXPECT_EQ(root.child("Missing"), nullptr);
  EXPECT_EQ(root.child_text("Missing"), "");
}

TEST(Xml, TextDecodesEntitiesCharacterReferencesAndCdata) {
  const Element root = parse("<a><b>x &amp; y &lt;z&gt; &#65;&#x42;<![CDATA[<raw>]]></b></a>", "doc");
  EXPECT_EQ(root.child_text("b"), "x & y <z> AB<raw>");
}

TEST(Xml, TheFirstOfRepeatedChildrenIsFound) {
  const Element root = parse("<a><b>1</b><b>2</b></a>", "doc");
  EXPECT_EQ(root.child_text("b"), "1");
  EXPECT_EQ(root.children.size(), 2u);
}

TEST(Xml, SyntaxErrorsSayWhichDocumentLineAndColumn) {
  const std::string m = error_of("<a>\n  <b>secret-value-123</c>\n</a>");
  EXPECT_NE(m.find("STS answer: not valid XML (mismatched tag at line 2, column"), std::string::npos)
      << m;
  EXPECT_EQ(m.find("secret-value-123"), std::string::npos) << m;
}

TEST(Xml, EmptyTruncatedAndTrailingJunkAreErrors) {
  EXPECT_NE(error_of("").find("the document is empty"), std::string::npos);
  EXPECT_NE(error_of("<a><b>").find("not valid XML"), std::string::npos);
  EXPECT_NE(error_of("<a/><b/>").find("junk after document element"), std::string::npos);
  EXPECT_NE(error_of("just text").find("not valid XML"), std::string::npos);
}

TEST(Xml, DocumentTypeDeclarationsAreRefusedSoNoEntityCanExpand) {
  // The "billion laughs" shape: refused at the DOCTYPE, before any entity is declared.
  const std::string m = error_of(
      "<!DOCTYPE a [<!ENTITY l \"lol\"><!ENTITY l2 \"&l;&l;&l;&l;&l;&l;&l;&l;\">]><a>&l2;</a>");
  EXPECT_NE(m.find("document type declarations are not accepted at line 1"), std::string::npos)
      << m;
  EXPECT_NE(error_of("<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>")
                .find("document type declarations are not accepted"),
            std::string::npos);
}

TEST(Xml, NestingDeeperThanTheLimitIsAnError) {
  std::string ok, deep;
  for (int i = 0; i < kMaxDepth; ++i) ok += "<a>";
  for (int i = 0; i < kMaxDepth; ++i) ok += "</a>";
  EXPECT_NO_THROW((void)parse(ok, "doc"));
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  EXPECT_NE(error_of(deep).find("elements nested deeper than 64"), std::string::npos);
}

TEST(Xml, UndefinedEntitiesAreErrors) {
  EXPECT_NE(error_of("<a>&nope;</a>").find("undefined entity"), std::string::npos);
}

}  // namespace
}  // namespace llmauth::xml
