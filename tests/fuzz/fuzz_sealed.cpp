// Opening a sealed secret from any text (a database row is input too): an Error or, only for a
// text sealed with the configured key, the value — never a crash, never another exception. The
// first input byte picks the place, so a real sealed value in the corpus is also tried elsewhere.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "llmauth/core/error.hpp"
#include "llmauth/store/sealing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const llmauth::store::Keyring keys = [] {
    llmauth::store::Keyring k;
    k.add("k1", llmauth::Secret(std::string(32, 'k')), true);
    return k;
  }();
  if (size == 0) return 0;
  const llmauth::store::SealedPlace places[] = {{"providers", "p1", "/auth/api_key"},
                                                {"providers", "p2", "/auth/api_key"}};
  const auto& place = places[data[0] % 2];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const llmauth::store::Sealer sealer(keys);
  try {
    const auto value = sealer.open(text, place);
    // Only the corpus's own sealed value opens, and only at the place it was sealed for.
    if (value.reveal() != "fuzz-corpus-value" || place.row_id != "p1") std::abort();
  } catch (const llmauth::Error&) {
  }
  (void)llmauth::store::Sealer::key_id_of(text);
  return 0;
}
