// The AWS shared config model on top of the INI parser: the input is split at the first NUL
// into config and credentials files.
#include <cstdint>
#include <string>

#include "llmauth/aws/endpoints.hpp"
#include "llmauth/aws/shared_config.hpp"
#include "llmauth/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const std::string config = input.substr(0, nul);
  const std::string credentials = nul == std::string::npos ? "" : input.substr(nul + 1);
  try {
    const auto cfg = llmauth::aws::SharedConfig::from_text(config, credentials);
    for (const auto& name : cfg.profile_names()) {
      const auto p = cfg.merged(name);
      if (p) (void)p->where("role_arn");
    }
    (void)cfg.not_found_message("x");
  } catch (const llmauth::Error&) {
  }
  return 0;
}
