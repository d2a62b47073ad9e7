// AWS event stream (application/vnd.amazon.eventstream): the framing of Bedrock's
// ConverseStream and InvokeModelWithResponseStream answers, decoded incrementally as the bytes
// arrive.
//
// A message is
//   total length (u32 BE) | headers length (u32 BE) | prelude CRC32 (u32 BE, over the first 8)
//   | headers | payload | message CRC32 (u32 BE, over everything before it)
// and a header is name length (u8) | name | type (u8) | value (see HeaderValue::Type).
// Both CRCs are the IEEE/zlib CRC-32, computed with zlib.
//
// The decoder keeps only the message it is in the middle of, never the whole stream (and only the
// bytes that arrived, not the length a prelude claims), and refuses a message larger than
// DecoderLimits as soon as its 12-byte prelude is read. Errors
// (EventStreamError, ErrorCode::kInvalidInput) say which check failed and where the message
// starts in the stream; they carry sizes, offsets and header names, never payload bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/core/error.hpp"

namespace llmauth::aws::eventstream {

struct HeaderValue {
  enum class Type : std::uint8_t {
    kTrue = 0,
    kFalse = 1,
    kByte = 2,       // int8
    kShort = 3,      // int16 BE
    kInt = 4,        // int32 BE
    kLong = 5,       // int64 BE
    kBytes = 6,      // u16 BE length + bytes
    kString = 7,     // u16 BE length + UTF-8 bytes (not validated)
    kTimestamp = 8,  // int64 BE, milliseconds since the epoch
    kUuid = 9,       // 16 raw bytes
  };
  Type type = Type::kTrue;
  std::int64_t integer = 0;  // kByte, kShort, kInt, kLong, kTimestamp (sign-extended)
  std::string bytes;         // kBytes, kString, kUuid (raw)

  friend bool operator==(const HeaderValue&, const HeaderValue&) = default;
};

struct Header {
  std::string name;
  HeaderValue value;

  friend bool operator==(const Header&, const Header&) = default;
};

struct Message {
  std::vector<Header> headers;  // in wire order
  std::string payload;

  // The value of the first header called `name` if it is a string header (":event-type",
  // ":message-type", ":exception-type", ":content-type", ":error-code", ":error-message").
  // The view points into this message.
  [[nodiscard]] std::optional<std::string_view> string_header(std::string_view name) const;

  friend bool operator==(const Message&, const Message&) = default;
};

// A malformed stream. offset() is the byte offset in the stream at which the bad message starts.
class EventStreamError : public Error {
 public:
  EventStreamError(const std::string& what, std::uint64_t offset);
  [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }

 private:
  std::uint64_t offset_;
};

struct DecoderLimits {
  std::size_t max_message_bytes = 16u << 20;  // total length, prelude and CRCs included
  std::size_t max_headers_bytes = 128u << 10;
};

class Decoder {
 public:
  explicit Decoder(DecoderLimits limits = {});

  // Feeds bytes as they arrive, split anywhere (one byte at a time works). Calls on_message for
  // every complete message whose CRCs and headers check out, in stream order. Throws
  // EventStreamError on the first bad message; from then on every feed() throws too. If
  // on_message throws, its exception propagates and the decoder likewise refuses further input
  // (the rest of that chunk is dropped).
  void feed(std::string_view bytes, const std::function<void(Message&&)>& on_message);

  // End of stream: throws EventStreamError("stream ended inside a message: N of M bytes") when
  // part of a message is buffered. Does nothing after an earlier error (already reported).
  void finish() const;

  // Bytes of the current partial message held back for the next feed().
  [[nodiscard]] std::size_t buffered_bytes() const noexcept { return pending_.size(); }

 private:
  // Checks the 12-byte prelude at `p` and returns the message's total length.
  std::uint32_t check_prelude(const unsigned char* p) const;
  Message decode(std::string_view message) const;
  [[noreturn]] void fail(const std::string& what) const;

  DecoderLimits limits_;
  std::string pending_;              // the current partial message
  std::uint32_t pending_total_ = 0;  // its total length once its prelude is in
  std::uint64_t offset_ = 0;         // stream offset of the current message
  bool failed_ = false;
};

}  // namespace llmauth::aws::eventstream
