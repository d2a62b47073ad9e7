#include "llmauth/core/excerpt.hpp"

#include "llmauth/core/json.hpp"

namespace llmauth {

std::string excerpt(std::string_view input, std::initializer_list<std::string_view> scrub,
                    std::size_t limit) {
  std::string text(input);
  for (std::string_view s : scrub) {
    if (s.empty()) continue;
    for (auto pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 4)) {
      text.replace(pos, s.size(), "****");
    }
  }
  std::string out;
  for (char c : text) {
    if (out.size() >= limit) {
      out += "…";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (u >= 0x20 && u != 0x7f) {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string json_error_text(std::string_view body) {
  std::string text;
  try {
    const auto j = json::Json::parse(body.begin(), body.end());
    if (j.is_object()) {
      auto str = [&](const char* key) -> std::string {
        const auto it = j.find(key);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      for (const char* key : {"error", "code", "Code"}) {
        if (text = str(key); !text.empty()) break;
      }
      for (const char* key : {"error_description", "message", "Message"}) {
        if (auto d = str(key); !d.empty()) {
          text += (text.empty() ? "" : ": ") + d;
          break;
        }
      }
    }
  } catch (const json::Json::exception&) {
    text.clear();
  }
  return text.empty() ? std::string(body) : text;
}

}  // namespace llmauth
