#include "llmauth/core/url.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"

namespace llmauth::url {
namespace {

TEST(Url, ParsesTheParts) {
  const auto u = parse("HTTPS://Bedrock-Runtime.us-east-1.amazonaws.com:8443/model/x%3A1/converse?a=b#frag");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "bedrock-runtime.us-east-1.amazonaws.com");
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.path, "/model/x%3A1/converse");
  EXPECT_EQ(u.query, "a=b");
  EXPECT_EQ(u.authority(), "bedrock-runtime.us-east-1.amazonaws.com:8443");
}

TEST(Url, DefaultPortIsLeftOutOfTheAuthority) {
  EXPECT_EQ(parse("https://h:443/").authority(), "h");
  EXPECT_EQ(parse("http://h:80").authority(), "h");
  EXPECT_EQ(parse("http://h").path, "/");
}

TEST(Url, Ipv6) {
  const auto u = parse("http://[::1]:9000/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.authority(), "[::1]:9000");
}

TEST(Url, RejectsWhatIsNotAnHttpUrl) {
  for (const char* bad : {"ftp://x/", "no-scheme", "http://", "http://user:pw@host/",
                          "http://h:99999/", "http://h:abc/", "http://[::1/"}) {
    EXPECT_THROW(parse(bad, "endpoint"), Error) << bad;
  }
  try {
    parse("http://user:secretpw@host/", "AZURE_AUTHORITY_HOST");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("AZURE_AUTHORITY_HOST"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("secretpw"), std::string::npos);
  }
}

TEST(Url, EncodeUsesTheUnreservedSetOnly) {
  EXPECT_EQ(encode("a b/c~d-e_f.g*h+i=j"), "a%20b%2Fc~d-e_f.g%2Ah%2Bi%3Dj");
  EXPECT_EQ(encode("/a b/", true), "/a%20b/");
  EXPECT_EQ(encode("\xC3\xA9"), "%C3%A9");
}

TEST(Url, DecodeAndFormRoundTrip) {
  EXPECT_EQ(decode("a%20b+c", true), "a b c");
  EXPECT_EQ(decode("a%2"), "a%2");  // a broken escape is kept
  const Params p = {{"Action", "AssumeRole"}, {"RoleSessionName", "a b&c"}};
  EXPECT_EQ(parse_query(form_encode(p)), p);
}

TEST(Url, LoopbackHosts) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.9.8.7"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("[::1]"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("169.254.169.254"));
  EXPECT_FALSE(is_loopback_host("169.254.170.2"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("fd00:ec2::254"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.nip.io"));
}

}  // namespace
}  // namespace llmauth::url
