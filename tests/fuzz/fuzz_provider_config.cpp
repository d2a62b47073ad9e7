// The provider config parser and validator: any input gives a ProviderFile or a ConfigError,
// never a crash; a parsed config prints back (redacted) and parses again.
#include <cstdint>
#include <string>
#include <string_view>

#include "llmauth/config/provider_config.hpp"
#include "llmauth/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    const auto file = llmauth::config::parse_providers(input, "fuzz.json");
    for (const auto& p : file.providers) {
      (void)p.type();
      (void)p.auth_type();
      (void)file.find(p.name);
    }
    const auto printed = llmauth::config::to_json(file).dump();
    try {
      (void)llmauth::config::parse_providers(printed, "printed");
    } catch (const llmauth::config::ConfigError& e) {
      // Only the redacted placeholders may be refused.
      for (const auto& issue : e.issues()) {
        if (issue.message != "is a redacted placeholder, not a secret") __builtin_trap();
      }
    }
  } catch (const llmauth::Error&) {
  }
  return 0;
}
