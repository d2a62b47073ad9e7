// scan_usage against nlohmann's own DOM parser on any text: where the DOM parse gives an object
// whose `usage` holds integers, scan_usage returns exactly those (the last of duplicate keys, as
// the DOM keeps); where the text is not a JSON object, it returns no counts. Never a crash.
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "llmauth/core/json.hpp"
#include "llmauth/gateway/usage_scan.hpp"

namespace {

using llmauth::json::Json;

void check(bool ok) {
  if (!ok) std::abort();
}

long long expected_count(const Json& usage, const char* name) {
  if (!usage.is_object() || !usage.contains(name)) return -1;
  const Json& v = usage[name];
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    return u <= static_cast<std::uint64_t>(std::numeric_limits<long long>::max())
               ? static_cast<long long>(u)
               : -1;
  }
  return v.is_number_integer() ? v.get<long long>() : -1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto scanned = llmauth::gateway::scan_usage(text, 64);
  const Json dom = llmauth::json::parse_or_discard(text, 64);
  if (!dom.is_object()) {
    check(scanned.prompt_tokens == -1 && scanned.completion_tokens == -1);
    return 0;
  }
  const Json usage = dom.contains("usage") ? dom["usage"] : Json();
  check(scanned.prompt_tokens == expected_count(usage, "prompt_tokens"));
  check(scanned.completion_tokens == expected_count(usage, "completion_tokens"));
  return 0;
}
