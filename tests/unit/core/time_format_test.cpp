#include "llmauth/core/time_format.hpp"

#include <gtest/gtest.h>

namespace llmauth::timefmt {
namespace {

using namespace std::chrono;

TEST(TimeFormat, ParsesTheShapesServicesSend) {
  const auto base = parse_iso8601("2015-08-30T12:36:00Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(format_iso8601(*base), "2015-08-30T12:36:00Z");
  EXPECT_EQ(parse_iso8601("20150830T123600Z"), base);
  EXPECT_EQ(parse_iso8601("2015-08-30 12:36:00Z"), base);
  EXPECT_EQ(parse_iso8601("2015-08-30T14:36:00+02:00"), base);
  EXPECT_EQ(parse_iso8601("2015-08-30T12:36:00.500Z"), *base + milliseconds(500));
  EXPECT_EQ(parse_iso8601(" 2015-08-30T12:36:00Z\n"), base);
}

TEST(TimeFormat, RejectsAmbiguousOrBrokenTimes) {
  for (const char* bad :
       {"", "2015-08-30", "2015-08-30T12:36:00", "2015-13-01T00:00:00Z", "2015-02-30T00:00:00Z",
        "tomorrow", "2015-08-30T12:36:00Zjunk", "2015-08-30T12:36:00."}) {
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  }
}

TEST(TimeFormat, HttpDates) {
  EXPECT_EQ(format_iso8601(*parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")),
            "1994-11-06T08:49:37Z");
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));  // RFC 850: not sent today
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"));
  EXPECT_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date(""));
}

TEST(TimeFormat, AmzForms) {
  const auto t = *parse_iso8601("2015-08-30T12:36:00Z");
  EXPECT_EQ(format_amz_date(t), "20150830T123600Z");
  EXPECT_EQ(format_amz_day(t), "20150830");
}

TEST(TimeFormat, DescribeRemaining) {
  const auto t = *parse_iso8601("2015-08-30T12:36:00Z");
  EXPECT_EQ(describe_remaining(t + seconds(30), t), "expires in 30 s");
  EXPECT_EQ(describe_remaining(t + minutes(41), t), "expires in 41 min");
  EXPECT_EQ(describe_remaining(t - minutes(5), t), "expired 5 min ago");
}

}  // namespace
}  // namespace llmauth::timefmt

namespace llmauth::timefmt {
namespace {
TEST(TimeFormat, FarFutureIsClampedNotWrapped) {
  const auto t = parse_iso8601("9999-12-31T23:59:59Z");
  ASSERT_TRUE(t);
  EXPECT_GT(*t, *parse_iso8601("2199-01-01T00:00:00Z"));
  EXPECT_EQ(format_iso8601(*t), "2200-01-01T00:00:00Z");
}
}  // namespace
}  // namespace llmauth::timefmt

namespace llmauth::timefmt {
namespace {
TEST(TimeFormat, AncientYearsAreClampedNotOverflowed) {
  const auto t = parse_iso8601("0000-01-01T00:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_iso8601(*t), "1970-01-01T00:00:00Z");
}
}  // namespace
}  // namespace llmauth::timefmt
