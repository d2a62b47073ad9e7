#include "llmauth/core/json.hpp"

#include <charconv>

#include "llmauth/core/error.hpp"

namespace llmauth::json {
namespace {

Error field_error(std::string_view what, std::string_view path, std::string_view key,
                  std::string_view problem) {
  return Error(std::string(what) + ": " + std::string(path) + "/" + std::string(key) + " " +
                   std::string(problem),
               ErrorCode::kInvalidInput);
}

const Json* member(const Json& object, std::string_view key, std::string_view what,
                   std::string_view path) {
  if (!object.is_object()) {
    throw Error(std::string(what) + ": " + (path.empty() ? "the document" : std::string(path)) +
                    " must be a JSON object",
                ErrorCode::kInvalidInput);
  }
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

std::optional<std::size_t> nesting_exceeds(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return i;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

Json parse_or_discard(std::string_view text, std::size_t max_depth) {
  if (nesting_exceeds(text, max_depth)) return Json(Json::value_t::discarded);
  return Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

Json parse(std::string_view text, std::string_view what, std::size_t max_depth) {
  if (const auto deep = nesting_exceeds(text, max_depth)) {
    throw Error(std::string(what) + ": nested deeper than " + std::to_string(max_depth) +
                    " levels at byte " + std::to_string(*deep),
                ErrorCode::kInvalidInput);
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(std::string(what) + ": invalid JSON at byte " + std::to_string(e.byte) +
                    (text.empty() ? " (the document is empty)" : ""),
                ErrorCode::kInvalidInput);
  } catch (const nlohmann::json::exception& e) {
    // e.g. a number too large to represent (found by fuzz_credentials_document).
    throw Error(
        std::string(what) + ": unusable JSON (" + std::string(e.what()).substr(0, 120) + ")",
        ErrorCode::kInvalidInput);
  }
}

std::string require_string(const Json& object, std::string_view key, std::string_view what,
                           std::string_view path) {
  auto v = optional_string(object, key, what, path);
  if (!v) throw field_error(what, path, key, "is missing");
  return *v;
}

std::optional<std::string> optional_string(const Json& object, std::string_view key,
                                           std::string_view what, std::string_view path) {
  const Json* v = member(object, key, what, path);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) throw field_error(what, path, key, "must be a string");
  return v->get<std::string>();
}

std::optional<long long> optional_integer(const Json& object, std::string_view key,
                                          std::string_view what, std::string_view path) {
  const Json* v = member(object, key, what, path);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer() || v->is_number_unsigned()) return v->get<long long>();
  if (v->is_number_float()) return static_cast<long long>(v->get<double>());
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    long long out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc{} && p == s.data() + s.size()) return out;
  }
  throw field_error(what, path, key, "must be a whole number");
}

namespace {
// The length of the valid UTF-8 sequence at text[i], or 0 (RFC 3629: no overlongs, surrogates or
// code points past U+10FFFF).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = at(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  }
  return n;
}
}  // namespace

void append_quoted(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) {
        out += "\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

}  // namespace llmauth::json
