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

}  // namespace llmauth::json
