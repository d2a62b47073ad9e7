// Redactor::scrub on hostile text: whatever comes in, what comes out holds no known secret, no
// control character or escape, is valid UTF-8 and is at most the limit (plus "…").
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "llmauth/core/redactor.hpp"

namespace {

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // First byte: the secret's length (taken from the input's tail); second: the limit.
  const std::size_t secret_len = std::min<std::size_t>(data[0] % 40, size - 2);
  const std::size_t limit = 1 + data[1];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::string_view secret = rest.substr(rest.size() - secret_len);
  llmauth::Redactor redactor;
  redactor.add(secret);
  const std::string out = redactor.scrub(rest, limit);

  for (char c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) std::abort();
  }
  if (out.size() > limit + 3) std::abort();  // "…" is 3 bytes
  if (!valid_utf8(out)) std::abort();
  // A secret that is one printable word (as every secret sent in a header is) never survives.
  bool printable_word = secret.size() >= llmauth::Redactor::kMinLength;
  for (char c : secret) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '*') printable_word = false;  // "****" is ours
  }
  if (printable_word && out.find(secret) != std::string::npos) std::abort();
  return 0;
}
