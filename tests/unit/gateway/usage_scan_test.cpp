// scan_usage reads usage.prompt_tokens / completion_tokens as a JSON tree would (checked here
// against nlohmann's DOM parse of the same text, and by the fuzz_usage_scan target on any text).
#include "llmauth/gateway/usage_scan.hpp"

#include <gtest/gtest.h>

#include <string>

#include "llmauth/core/json.hpp"

namespace llmauth::gateway {
namespace {

using json::Json;

// What a JSON tree says the counts are (-1 for none).
TokenUsage from_tree(const std::string& text) {
  TokenUsage u;
  const Json j = json::parse_or_discard(text, 64);
  if (!j.is_object() || !j.contains("usage") || !j["usage"].is_object()) return u;
  const Json& usage = j["usage"];
  if (usage.contains("prompt_tokens") && usage["prompt_tokens"].is_number_integer()) {
    u.prompt_tokens = usage["prompt_tokens"].get<long long>();
  }
  if (usage.contains("completion_tokens") && usage["completion_tokens"].is_number_integer()) {
    u.completion_tokens = usage["completion_tokens"].get<long long>();
  }
  return u;
}

void expect_counts(const std::string& text, long long prompt, long long completion) {
  const TokenUsage scanned = scan_usage(text);
  EXPECT_EQ(scanned.prompt_tokens, prompt) << text;
  EXPECT_EQ(scanned.completion_tokens, completion) << text;
  const TokenUsage tree = from_tree(text);
  EXPECT_EQ(scanned.prompt_tokens, tree.prompt_tokens) << "tree disagrees: " << text;
  EXPECT_EQ(scanned.completion_tokens, tree.completion_tokens) << "tree disagrees: " << text;
}

TEST(UsageScan, AChatCompletion_GivesItsCounts) {
  expect_counts(R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,
      "model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},
      "finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,
      "total_tokens":21,"prompt_tokens_details":{"cached_tokens":3},
      "completion_tokens_details":{"reasoning_tokens":0}}})",
                12, 9);
}

TEST(UsageScan, UsageFirstOrNested_OnlyTheTopLevelOneCounts) {
  expect_counts(R"({"usage":{"completion_tokens":4,"prompt_tokens":5},"choices":[]})", 5, 4);
  // A `usage` inside a choice, or prompt_tokens inside usage's details, are not the counts.
  expect_counts(R"({"choices":[{"usage":{"prompt_tokens":99}}],"x":{"usage":{"prompt_tokens":7}},
      "usage":{"details":{"prompt_tokens":1000},"completion_tokens":2}})",
                -1, 2);
  expect_counts(R"({"prompt_tokens":3,"completion_tokens":4})", -1, -1);
}

TEST(UsageScan, NoUsageOrNotIntegers_AreNoCounts) {
  expect_counts(R"({"choices":[]})", -1, -1);
  expect_counts(R"({"usage":null})", -1, -1);
  expect_counts(R"({"usage":[{"prompt_tokens":1}]})", -1, -1);
  expect_counts(R"({"usage":{"prompt_tokens":"12","completion_tokens":1.5}})", -1, -1);
  expect_counts(R"({"usage":{"prompt_tokens":-3,"completion_tokens":0}})", -3, 0);
}

TEST(UsageScan, RepeatedKeys_TheLastCounts) {
  expect_counts(R"({"usage":{"prompt_tokens":1},"usage":{"completion_tokens":2}})", -1, 2);
  expect_counts(R"({"usage":{"prompt_tokens":1,"prompt_tokens":8}})", 8, -1);
}

TEST(UsageScan, NotAJsonObject_IsNoCounts) {
  for (const std::string text :
       {"", "null", "[]", R"([{"usage":{"prompt_tokens":1}}])", R"({"usage":{"prompt_tokens":1})",
        R"({"usage":{"prompt_tokens":1}} trailing)",
        "{\"usage\":{\"prompt_tokens\":1},\"s\":\"\xff\"}", "<html>"}) {
    expect_counts(text, -1, -1);
  }
}

TEST(UsageScan, DeeperThanTheLimit_IsNoCounts) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const std::string text = R"({"usage":{"prompt_tokens":1},"deep":)" + deep + "}";
  EXPECT_EQ(scan_usage(text, 64).prompt_tokens, -1);
  EXPECT_EQ(scan_usage(text, 128).prompt_tokens, 1);
  EXPECT_EQ(from_tree(text).prompt_tokens, -1);  // the tree parse refuses it too
}

}  // namespace
}  // namespace llmauth::gateway
