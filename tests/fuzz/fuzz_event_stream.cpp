// AWS event-stream decoder: any bytes, fed in pseudo-random pieces, give messages and at most one
// EventStreamError, never a crash; and the pieces give exactly what feeding the whole input does.
// The split points come from the input's first bytes, which stay part of the stream (so the seed
// corpus, real frames from tests/data/eventstream, starts with valid preludes).
// Random bytes almost never carry valid CRCs, so each input is also tried "resealed": its
// messages' CRCs recomputed with zlib, which lets the fuzzer reach the header parser.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/aws/event_stream.hpp"

namespace {

namespace es = llmauth::aws::eventstream;

struct Outcome {
  std::vector<es::Message> messages;
  std::string error;  // what() of the EventStreamError, if any
  std::uint64_t error_offset = 0;
  bool operator==(const Outcome&) const = default;
};

constexpr es::DecoderLimits kLimits{.max_message_bytes = 1u << 16, .max_headers_bytes = 1u << 12};

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// split false: the whole input in one feed().
Outcome decode(std::string_view input, std::uint64_t seed, bool split) {
  Outcome out;
  es::Decoder d(kLimits);
  try {
    std::size_t at = 0;
    do {
      std::size_t n = input.size() - at;
      if (split) {
        const std::uint64_t r = splitmix(seed);
        n = std::min<std::size_t>(n, (r & 3) == 0 ? r % 4096 : r % 24);  // tiny, sometimes large
      }
      d.feed(input.substr(at, n), [&](es::Message&& m) { out.messages.push_back(std::move(m)); });
      if (d.buffered_bytes() > kLimits.max_message_bytes) std::abort();
      at += n;
    } while (at < input.size());
    d.finish();
  } catch (const es::EventStreamError& e) {
    out.error = e.what();
    out.error_offset = e.offset();
    if (e.offset() > input.size()) std::abort();
  }
  return out;
}

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

void put_be32(unsigned char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (24 - 8 * i));
}

// `input` with the prelude and message CRCs of every message it holds whole made valid.
std::string resealed(std::string_view input) {
  std::string s(input);
  auto* p = reinterpret_cast<unsigned char*>(s.data());
  for (std::size_t at = 0; s.size() - at >= 12;) {
    put_be32(p + at + 8, static_cast<std::uint32_t>(::crc32(0, p + at, 8)));
    const std::uint32_t total = be32(p + at);
    if (total < 16 || total > s.size() - at) break;
    put_be32(p + at + total - 4, static_cast<std::uint32_t>(::crc32(0, p + at, total - 4)));
    at += total;
  }
  return s;
}

void check(std::string_view input, std::uint64_t seed) {
  const Outcome whole = decode(input, seed, false);
  std::size_t consumed = 0;
  for (const auto& m : whole.messages) consumed += 16 + m.payload.size();
  if (consumed > input.size() || whole.messages.size() > input.size() / 16) std::abort();
  for (const auto& m : whole.messages) {
    for (const auto& h : m.headers) {
      using T = es::HeaderValue::Type;
      if (static_cast<unsigned>(h.value.type) > static_cast<unsigned>(T::kUuid)) std::abort();
      if (h.value.type == T::kUuid && h.value.bytes.size() != 16) std::abort();
      if (h.name.size() > 255 || h.value.bytes.size() > 65535) std::abort();
    }
  }
  if (decode(input, seed, true) != whole) std::abort();
  if (decode(input, seed ^ 0x5555, true) != whole) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::uint64_t seed = size;
  for (std::size_t i = 0; i < size && i < 8; ++i) seed = (seed << 8) | data[i];
  check(input, seed);
  if (const std::string fixed = resealed(input); fixed != input) check(fixed, seed);
  return 0;
}
