// split(s, sep): the pieces of `s` between separators, empty ones included ("a::b" → a, "", b).
#pragma once

#include <string_view>
#include <vector>

namespace llmauth {

inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const auto pos = s.find(sep);
    out.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return out;
}

}  // namespace llmauth
