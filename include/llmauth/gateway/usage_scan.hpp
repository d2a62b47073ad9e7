// scan_usage: the token counts of an OpenAI chat completion, read without building a JSON tree.
//
// The gateway forwards Azure OpenAI answers byte for byte; it only needs `usage.prompt_tokens` and
// `usage.completion_tokens` for its metrics and access log. Building nlohmann's tree of the whole
// answer (every choice, every string) to read two numbers cost more than the rest of the answer's
// handling, so this walks the text with nlohmann's SAX parser and keeps nothing but those two.
// The answer is untrusted: nesting is limited (deeper is "no usage", as invalid JSON is), and
// what is not an integer is ignored.
#pragma once

#include <cstddef>
#include <string_view>

namespace llmauth::gateway {

struct TokenUsage {
  long long prompt_tokens = -1;      // -1: not in the answer
  long long completion_tokens = -1;  // -1: not in the answer
};

// The top-level object's `usage` counts; both -1 when the text is not a JSON object, is nested
// deeper than `max_depth`, or has no usage.
[[nodiscard]] TokenUsage scan_usage(std::string_view answer, std::size_t max_depth = 64);

}  // namespace llmauth::gateway
