// credential_process command lines (split without a shell).
#include <cstdint>
#include <string>

#include "llmauth/core/error.hpp"
#include "llmauth/core/process.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)llmauth::split_command_line(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const llmauth::Error&) {
  }
  return 0;
}
