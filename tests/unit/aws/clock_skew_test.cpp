#include "llmauth/aws/clock_skew.hpp"

#include <gtest/gtest.h>

namespace llmauth::aws {
namespace {

TEST(ClockSkew, SignatureExpired_SaysHowFarBehindTheLocalClockIs) {
  const auto hint = clock_skew_hint(
      "Signature expired: 20260102T030405Z is now earlier than 20260102T031405Z (20260102T032405Z "
      "- 15 min.)",
      "20260102T030405Z", "Fri, 02 Jan 2026 03:24:05 GMT");
  ASSERT_TRUE(hint.has_value());
  EXPECT_NE(hint->find("20 min behind the server's"), std::string::npos) << *hint;
  EXPECT_NE(hint->find("NTP"), std::string::npos) << *hint;
}

TEST(ClockSkew, NotYetCurrent_SaysHowFarAhead) {
  const auto hint =
      clock_skew_hint("Signature not yet current: 20260102T040000Z is still later than …",
                      "20260102T040000Z", "Fri, 02 Jan 2026 03:50:00 GMT");
  ASSERT_TRUE(hint.has_value());
  EXPECT_NE(hint->find("10 min ahead of the server's"), std::string::npos) << *hint;
}

TEST(ClockSkew, OtherErrorsOrUnknownTimes_GiveNoHint) {
  EXPECT_FALSE(clock_skew_hint("The security token included in the request is invalid",
                               "20260102T030405Z", "Fri, 02 Jan 2026 03:24:05 GMT"));
  EXPECT_FALSE(clock_skew_hint("Signature expired: …", "", "Fri, 02 Jan 2026 03:24:05 GMT"));
  EXPECT_FALSE(clock_skew_hint("Signature expired: …", "20260102T030405Z", std::nullopt));
  EXPECT_FALSE(clock_skew_hint("Signature expired: …", "20260102T030405Z", "yesterday"));
}

}  // namespace
}  // namespace llmauth::aws
