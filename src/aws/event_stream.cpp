#include "llmauth/aws/event_stream.hpp"

#include <zlib.h>

#include <algorithm>

#include "llmauth/core/excerpt.hpp"

namespace llmauth::aws::eventstream {
namespace {

constexpr std::size_t kPreludeBytes = 12;  // total length, headers length, prelude CRC
constexpr std::size_t kCrcBytes = 4;
constexpr std::size_t kMinimumMessageBytes = kPreludeBytes + kCrcBytes;
// Above this the pending buffer's memory is given back once its message is decoded.
constexpr std::size_t kKeepCapacityBytes = 1u << 20;

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::uint64_t be64(const unsigned char* p) { return (std::uint64_t{be32(p)} << 32) | be32(p + 4); }

std::uint32_t crc32_of(std::uint32_t crc, const unsigned char* p, std::size_t n) {
  // zlib's length is a uInt; messages are bounded by a u32 total length, so one call does.
  return static_cast<std::uint32_t>(::crc32(crc, p, static_cast<uInt>(n)));
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::optional<std::string_view> Message::string_header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name == name) {
      if (h.value.type != HeaderValue::Type::kString) return std::nullopt;
      return std::string_view(h.value.bytes);
    }
  }
  return std::nullopt;
}

EventStreamError::EventStreamError(const std::string& what, std::uint64_t offset)
    : Error("AWS event stream: " + what + " (message at stream offset " + std::to_string(offset) +
                ")",
            ErrorCode::kInvalidInput),
      offset_(offset) {}

Decoder::Decoder(DecoderLimits limits) : limits_(limits) {}

void Decoder::fail(const std::string& what) const { throw EventStreamError(what, offset_); }

std::uint32_t Decoder::check_prelude(const unsigned char* p) const {
  const std::uint32_t total = be32(p);
  const std::uint32_t headers = be32(p + 4);
  if (crc32_of(0, p, 8) != be32(p + 8)) fail("prelude CRC mismatch");
  if (total < kMinimumMessageBytes) {
    fail("message of " + std::to_string(total) + " bytes is shorter than the 16-byte minimum");
  }
  if (total > limits_.max_message_bytes) {
    fail("message of " + std::to_string(total) + " bytes exceeds the limit of " +
         std::to_string(limits_.max_message_bytes));
  }
  if (headers > total - kMinimumMessageBytes) {
    fail("header length exceeds message: " + std::to_string(headers) +
         " bytes of headers in a message of " + std::to_string(total) + " bytes");
  }
  if (headers > limits_.max_headers_bytes) {
    fail("headers of " + std::to_string(headers) + " bytes exceed the limit of " +
         std::to_string(limits_.max_headers_bytes));
  }
  return total;
}

Message Decoder::decode(std::string_view message) const {
  const unsigned char* p = bytes_of(message);
  const std::size_t total = message.size();
  const std::uint32_t prelude_crc = be32(p + 8);
  if (crc32_of(prelude_crc, p + 8, total - 8 - kCrcBytes) != be32(p + total - kCrcBytes)) {
    fail("message CRC mismatch");
  }

  Message out;
  const std::size_t headers_bytes = be32(p + 4);
  std::string_view h = message.substr(kPreludeBytes, headers_bytes);
  out.payload.assign(
      message.substr(kPreludeBytes + headers_bytes, total - kMinimumMessageBytes - headers_bytes));

  // Bedrock's messages carry three headers; a reserve spares the vector's regrowth.
  if (!h.empty()) out.headers.reserve(4);
  auto take = [&](std::size_t n, const std::string& name) {
    if (h.size() < n) {
      fail(name.empty() ? std::string("truncated header")
                        : "truncated header '" + excerpt(name, {}, 64) + "'");
    }
    const std::string_view v = h.substr(0, n);
    h.remove_prefix(n);
    return v;
  };
  while (!h.empty()) {
    Header header;
    const auto name_len = static_cast<unsigned char>(take(1, {})[0]);
    header.name.assign(take(name_len, {}));
    const auto type = static_cast<unsigned char>(take(1, header.name)[0]);
    using Type = HeaderValue::Type;
    header.value.type = static_cast<Type>(type);
    switch (static_cast<Type>(type)) {
      case Type::kTrue:
      case Type::kFalse:
        break;
      case Type::kByte:
        header.value.integer = static_cast<std::int8_t>(take(1, header.name)[0]);
        break;
      case Type::kShort: {
        const auto* v = bytes_of(take(2, header.name));
        header.value.integer = static_cast<std::int16_t>((v[0] << 8) | v[1]);
        break;
      }
      case Type::kInt:
        header.value.integer = static_cast<std::int32_t>(be32(bytes_of(take(4, header.name))));
        break;
      case Type::kLong:
      case Type::kTimestamp:
        header.value.integer = static_cast<std::int64_t>(be64(bytes_of(take(8, header.name))));
        break;
      case Type::kBytes:
      case Type::kString: {
        const auto* v = bytes_of(take(2, header.name));
        header.value.bytes.assign(take((std::size_t{v[0]} << 8) | v[1], header.name));
        break;
      }
      case Type::kUuid:
        header.value.bytes.assign(take(16, header.name));
        break;
      default:
        fail("unknown header type " + std::to_string(type) + " for header '" +
             excerpt(header.name, {}, 64) + "'");
    }
    out.headers.push_back(std::move(header));
  }
  return out;
}

void Decoder::feed(std::string_view in, const std::function<void(Message&&)>& on_message) {
  if (failed_) fail("input refused after an earlier error");
  try {
    // 1. Complete the message a previous feed() left unfinished.
    if (!pending_.empty()) {
      if (pending_.size() < kPreludeBytes) {
        const std::size_t n = std::min(kPreludeBytes - pending_.size(), in.size());
        pending_.append(in.substr(0, n));
        in.remove_prefix(n);
        if (pending_.size() < kPreludeBytes) return;
        pending_total_ = check_prelude(bytes_of(pending_));
      }
      const std::size_t n = std::min(pending_total_ - pending_.size(), in.size());
      pending_.append(in.substr(0, n));
      in.remove_prefix(n);
      if (pending_.size() < pending_total_) return;
      Message m = decode(pending_);
      offset_ += pending_total_;
      pending_.clear();
      if (pending_.capacity() > kKeepCapacityBytes) std::string().swap(pending_);
      on_message(std::move(m));
    }
    // 2. Whole messages straight from the input, without copying them.
    while (in.size() >= kPreludeBytes) {
      const std::uint32_t total = check_prelude(bytes_of(in));
      if (in.size() < total) {
        pending_total_ = total;
        break;
      }
      Message m = decode(in.substr(0, total));
      in.remove_prefix(total);
      offset_ += total;
      on_message(std::move(m));
    }
    // 3. Keep the start of the next one.
    pending_.assign(in);
  } catch (...) {
    failed_ = true;
    pending_.clear();
    throw;
  }
}

void Decoder::finish() const {
  if (failed_ || pending_.empty()) return;
  if (pending_.size() < kPreludeBytes) {
    fail("stream ended inside a message's prelude: " + std::to_string(pending_.size()) + " of " +
         std::to_string(kPreludeBytes) + " bytes");
  }
  fail("stream ended inside a message: " + std::to_string(pending_.size()) + " of " +
       std::to_string(pending_total_) + " bytes");
}

}  // namespace llmauth::aws::eventstream
