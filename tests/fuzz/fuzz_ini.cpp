// INI parser (AWS config/credentials files): any input gives a parse or an Error, never a crash.
#include <cstdint>
#include <string_view>

#include "llmauth/core/error.hpp"
#include "llmauth/core/ini.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto ini = llmauth::IniFile::parse(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    for (const auto& [name, section] : ini.sections) {
      for (const auto& [key, value] : section.values) (void)section.get(key);
    }
  } catch (const llmauth::Error&) {
  }
  return 0;
}
