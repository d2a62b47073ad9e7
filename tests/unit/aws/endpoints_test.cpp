// Region names and the regions AWS host names carry.
#include "llmauth/aws/endpoints.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"

namespace llmauth::aws {
namespace {

TEST(Endpoints, IsRegion_AcceptsEveryPartitionsShape) {
  for (const char* r : {"us-east-1", "eu-central-2", "ap-southeast-7", "us-gov-west-1",
                        "cn-north-1", "us-isob-east-1", "il-central-1", "eusc-de-east-1"}) {
    EXPECT_TRUE(is_region(r)) << r;
  }
}

TEST(Endpoints, IsRegion_RefusesTyposAndOtherShapes) {
  for (const char* r : {"", "mars-1", "us-east-1x", "us-east", "US-EAST-1", "us_east_1", "useast1",
                        "u-east-1", "us-east-1a", "us-east-1-", "-us-east-1", "us-east-1\n",
                        "us-east-1234", "us-e4st-1", "local", "auto"}) {
    EXPECT_FALSE(is_region(r)) << r;
  }
}

TEST(Endpoints, ValidateRegion_NamesWhereTheRegionCameFrom) {
  try {
    validate_region("us-east-1x", "AWS_REGION");
    FAIL() << "us-east-1x was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_EQ(std::string(e.what()).rfind("AWS_REGION: 'us-east-1x' is not an AWS region", 0), 0u)
        << e.what();
  }
  EXPECT_NO_THROW(validate_region("us-gov-west-1", "x"));
}

TEST(Endpoints, RegionInHost_FindsTheRegionOfAwsHostsOnly) {
  EXPECT_EQ(region_in_host("bedrock-runtime.eu-west-1.amazonaws.com"), "eu-west-1");
  EXPECT_EQ(region_in_host("vpce-0abc-x1y2.bedrock-runtime.us-west-2.vpce.amazonaws.com"),
            "us-west-2");
  EXPECT_EQ(region_in_host("bucket.s3.us-west-2.amazonaws.com"), "us-west-2");
  EXPECT_EQ(region_in_host("bedrock-runtime.cn-north-1.amazonaws.com.cn"), "cn-north-1");
  EXPECT_EQ(region_in_host("bedrock-runtime.us-east-1.api.aws"), "us-east-1");
  EXPECT_EQ(region_in_host("sts.amazonaws.com"), std::nullopt);  // global endpoint
  EXPECT_EQ(region_in_host("127.0.0.1"), std::nullopt);
  EXPECT_EQ(region_in_host("bedrock-runtime.us-east-1.example.com"), std::nullopt);
  EXPECT_EQ(region_in_host("amazonaws.com.evil.example"), std::nullopt);
}

}  // namespace
}  // namespace llmauth::aws
