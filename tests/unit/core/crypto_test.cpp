// Known-answer tests from the standards (FIPS 180-2, RFC 4231, RFC 4648), not from our code.
#include "llmauth/core/crypto.hpp"

#include <gtest/gtest.h>

namespace llmauth::crypto {
namespace {

TEST(Crypto, Sha256KnownAnswers) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, IncrementalSha256MatchesOneShotAndIsReusable) {
  Sha256 h;
  h.update("a");
  h.update("bc");
  EXPECT_EQ(hex(h.finish()), hex(sha256("abc")));
  h.update("");
  EXPECT_EQ(hex(h.finish()), hex(sha256("")));
}

TEST(Crypto, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, Sha1KnownAnswer) {
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Crypto, Base64Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(base64(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), std::string(plain));
  }
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
  EXPECT_EQ(base64_decode("-_8"), std::string("\xfb\xff"));
  EXPECT_FALSE(base64_decode("a*b="));
  EXPECT_FALSE(base64_decode("abcde"));
}

TEST(Crypto, RandomBytesDiffer) {
  EXPECT_EQ(random_bytes(16).size(), 16u);
  EXPECT_NE(random_bytes(16), random_bytes(16));
}

}  // namespace
}  // namespace llmauth::crypto
