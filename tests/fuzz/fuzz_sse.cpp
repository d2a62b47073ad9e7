// SSE parser: any bytes, fed in pseudo-random pieces, give events and at most one SseError, never
// a crash; the pieces give exactly what feeding the whole input does (events, error, finish()).
// Small limits so that the limit checks are reached too. The split points come from the input's
// first bytes, which stay part of the stream.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/core/sse.hpp"

namespace {

struct Outcome {
  std::vector<llmauth::sse::Event> events;
  std::string error;
  bool truncated = false;
  std::string last_event_id;
  std::optional<long long> retry_ms;
  bool operator==(const Outcome&) const = default;
};

constexpr llmauth::sse::ParserLimits kLimits{.max_line_bytes = 512, .max_event_bytes = 2048};

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Outcome parse(std::string_view input, std::uint64_t seed, bool split) {
  Outcome out;
  llmauth::sse::Parser parser(kLimits);
  try {
    std::size_t at = 0;
    do {
      std::size_t n = input.size() - at;
      if (split) {
        const std::uint64_t r = splitmix(seed);
        n = std::min<std::size_t>(n, (r & 3) == 0 ? r % 1024 : r % 8);
      }
      parser.feed(input.substr(at, n),
                  [&](llmauth::sse::Event&& e) { out.events.push_back(std::move(e)); });
      at += n;
    } while (at < input.size());
    out.last_event_id = parser.last_event_id();
    out.retry_ms = parser.retry_ms();
    out.truncated = parser.finish();
  } catch (const llmauth::sse::SseError& e) {
    out.error = e.what();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::uint64_t seed = size;
  for (std::size_t i = 0; i < size && i < 8; ++i) seed = (seed << 8) | data[i];

  const Outcome whole = parse(input, seed, false);
  for (const auto& e : whole.events) {
    if (e.type.empty() || e.type.find_first_of("\r\n") != std::string::npos) std::abort();
    if (e.data.find('\r') != std::string::npos) std::abort();
    if (e.id.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) std::abort();
    if (e.data.size() + e.type.size() > kLimits.max_event_bytes) std::abort();
    if (e.retry_ms && *e.retry_ms < 0) std::abort();
  }
  if (parse(input, seed, true) != whole) std::abort();
  if (parse(input, seed ^ 0x5555, true) != whole) std::abort();
  return 0;
}
