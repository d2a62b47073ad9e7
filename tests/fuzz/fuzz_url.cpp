// URL parsing and query decoding.
#include <cstdint>
#include <string_view>

#include "llmauth/core/error.hpp"
#include "llmauth/core/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto u = llmauth::url::parse(text);
    (void)u.authority();
    (void)llmauth::url::parse_query(u.query);
  } catch (const llmauth::Error&) {
  }
  const auto params = llmauth::url::parse_query(text, true);
  (void)llmauth::url::form_encode(params);
  (void)llmauth::url::decode(text);
  return 0;
}
