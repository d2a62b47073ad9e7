// Server-sent events (text/event-stream), the framing of Azure OpenAI's streaming answers,
// parsed incrementally by the WHATWG HTML "event stream interpretation" rules:
//  - lines end in CRLF, LF or CR (a CRLF split across two chunks is one line break);
//  - one leading UTF-8 BOM is skipped; a line starting with ':' is a comment;
//  - `field:value` (one space after the colon dropped); a line without a colon is a field with
//    an empty value; fields `event`, `data` (appended, each followed by '\n'), `id` (ignored when
//    it holds a NUL), `retry` (one or more ASCII digits that fit a long long; otherwise the
//    field is ignored); other fields are ignored;
//  - a blank line dispatches the event: none when no data was given, otherwise the data
//    without its last '\n'; the event type is reset either way.
// Bytes are passed through as they are (the spec's UTF-8 decoding, which would replace invalid
// sequences with U+FFFD, is left to whoever reads `data`).
// At end of stream an unfinished event is discarded, as the spec says; finish() tells whether
// there was one, so a client can report a truncated answer.
// Errors (SseError, ErrorCode::kInvalidInput) name the limit that was exceeded, never content.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "llmauth/core/error.hpp"

namespace llmauth::sse {

struct Event {
  std::string type = "message";  // the `event` field, or "message"
  std::string data;
  std::string id;                     // the last event ID at dispatch (persists across events)
  std::optional<long long> retry_ms;  // a valid `retry` field in this event's block, if any

  friend bool operator==(const Event&, const Event&) = default;
};

class SseError : public Error {
 public:
  explicit SseError(const std::string& what) : Error(what, ErrorCode::kInvalidInput) {}
};

struct ParserLimits {
  std::size_t max_line_bytes = 1u << 20;   // one line, its line break excluded
  std::size_t max_event_bytes = 8u << 20;  // an event's data and type together
};

class Parser {
 public:
  explicit Parser(ParserLimits limits = {});

  // Feeds a chunk as it arrives, split anywhere. Calls on_event for every dispatched event, in
  // order. Throws SseError when a limit is exceeded; from then on every feed() throws too, as it
  // does after on_event threw (that exception propagates; the rest of the chunk is dropped).
  void feed(std::string_view chunk, const std::function<void(Event&&)>& on_event);

  // End of stream. Returns true when part of an event (a field line not yet followed by a blank
  // line) or an unfinished line was pending: the stream was cut short. Comments alone do not
  // count. Discards what was pending and readies the parser for a new stream (a reconnection:
  // BOM skipped again, an earlier error forgotten), keeping last_event_id() and retry_ms().
  bool finish();

  // The last event ID string (set at every blank line from the last `id` field), for
  // Last-Event-ID on reconnection.
  [[nodiscard]] const std::string& last_event_id() const noexcept { return last_event_id_; }
  // The reconnection time from the last valid `retry` field, dispatched or not.
  [[nodiscard]] const std::optional<long long>& retry_ms() const noexcept { return retry_ms_; }

 private:
  void feed_lines(std::string_view chunk, const std::function<void(Event&&)>& on_event);
  void line(std::string_view text, const std::function<void(Event&&)>& on_event);
  void field(std::string_view name, std::string_view value);
  void dispatch(const std::function<void(Event&&)>& on_event);

  ParserLimits limits_;
  std::string partial_;        // an unfinished line
  std::string data_;           // data buffer
  std::string type_;           // event type buffer
  std::string id_;             // last event ID buffer
  std::string last_event_id_;  // last event ID string
  std::optional<long long> block_retry_;
  std::optional<long long> retry_ms_;
  std::size_t bom_seen_ = 0;  // bytes of a leading BOM matched so far
  bool bom_done_ = false;
  bool after_cr_ = false;  // the last byte was a CR: a following LF belongs to it
  bool in_event_ = false;  // a field line since the last blank line
  bool failed_ = false;
};

}  // namespace llmauth::sse
