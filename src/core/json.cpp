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

Json parse(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(std::string(what) + ": invalid JSON at byte " + std::to_string(e.byte) +
                    (text.empty() ? " (the document is empty)" : ""),
                ErrorCode::kInvalidInput);
  } catch (const nlohmann::json::exception& e) {
    // e.g. a number too large to represent (found by fuzz_credentials_document).
    throw Error(std::string(what) + ": unusable JSON (" + std::string(e.what()).substr(0, 120) + ")",
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
