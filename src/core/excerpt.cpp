#include "llmauth/core/excerpt.hpp"

#include "llmauth/core/json.hpp"
#include "llmauth/core/redactor.hpp"

namespace llmauth {

std::string excerpt(std::string_view input, std::initializer_list<std::string_view> scrub,
                    std::size_t limit) {
  return Redactor(scrub).scrub(input, limit);
}

std::string json_error_text(std::string_view body) {
  std::string text;
  try {
    const auto j = json::parse_or_discard(body);
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
