#include "llmauth/core/did_you_mean.hpp"

#include <gtest/gtest.h>

#include <string>

namespace llmauth {
namespace {

constexpr std::string_view kCommands[] = {"resolve", "export-credentials", "sign", "bedrock-token"};

TEST(DidYouMean, EditDistance_CountsEditsIgnoringCase) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("Region", "region"), 0u);
  EXPECT_EQ(edit_distance("clientid", "client_id"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(DidYouMean, EditDistance_CountsASwapOfNeighboursAsOneEdit) {
  EXPECT_EQ(edit_distance("sing", "sign"), 1u);
  EXPECT_EQ(edit_distance("reslove", "resolve"), 1u);
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);  // no substring is edited twice
}

TEST(DidYouMean, Transposition_SuggestsTheIntendedName) {
  EXPECT_EQ(did_you_mean("reslove", kCommands), "resolve");
  EXPECT_EQ(did_you_mean("sing", kCommands), "sign");
  EXPECT_EQ(did_you_mean("bedrock-tokne", kCommands), "bedrock-token");
}

TEST(DidYouMean, NothingClose_SuggestsNothing) {
  EXPECT_FALSE(did_you_mean("configure", kCommands).has_value());
  EXPECT_FALSE(did_you_mean("x", kCommands).has_value());
  EXPECT_FALSE(did_you_mean(std::string(65, 'a'), kCommands).has_value());
}

TEST(DidYouMean, ShortNames_AllowOneEditOnly) {
  constexpr std::string_view kShort[] = {"env", "file"};
  EXPECT_EQ(did_you_mean("evn", kShort), "env");
  EXPECT_EQ(did_you_mean("fil", kShort), "file");
  EXPECT_EQ(did_you_mean("ENV", kShort), "env");
  EXPECT_EQ(did_you_mean("vne", kShort), std::nullopt);  // two edits from "env"
}

TEST(DidYouMean, Ties_GoToTheEarlierName) {
  constexpr std::string_view kNames[] = {"abcd", "abce"};
  EXPECT_EQ(did_you_mean("abcf", kNames), "abcd");
}

}  // namespace
}  // namespace llmauth
