// Timestamps from credential documents, STS and the environment.
#include <cstdint>
#include <string_view>

#include "llmauth/core/time_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto t = llmauth::timefmt::parse_iso8601(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (t) (void)llmauth::timefmt::format_iso8601(*t);
  return 0;
}
