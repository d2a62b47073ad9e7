#include "llmauth/core/sse.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace llmauth::sse {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// `value` as a non-negative decimal when it is one or more ASCII digits that fit.
std::optional<long long> digits_value(std::string_view value) {
  if (value.empty()) return std::nullopt;
  long long v = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    const int d = c - '0';
    if (v > (std::numeric_limits<long long>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

Parser::Parser(ParserLimits limits) : limits_(limits) {}

void Parser::feed(std::string_view chunk, const std::function<void(Event&&)>& on_event) {
  if (failed_) throw SseError("SSE: input refused after an earlier error");
  try {
    if (!bom_done_) {
      while (!chunk.empty() && bom_seen_ < kBom.size() && chunk.front() == kBom[bom_seen_]) {
        ++bom_seen_;
        chunk.remove_prefix(1);
      }
      if (bom_seen_ < kBom.size()) {
        if (chunk.empty()) return;  // still possibly a BOM
        // Not a BOM after all: the bytes that looked like one are content.
        bom_done_ = true;
        feed_lines(kBom.substr(0, bom_seen_), on_event);
      }
      bom_done_ = true;
    }
    feed_lines(chunk, on_event);
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void Parser::feed_lines(std::string_view chunk, const std::function<void(Event&&)>& on_event) {
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  if (p == end) return;
  if (after_cr_ && *p == '\n') ++p;  // the LF of a CRLF split across chunks
  after_cr_ = false;

  // The next CR and LF at or after p (end when there is none). Each is searched for again only
  // once p has passed it, so a chunk is scanned in linear time whatever its line breaks.
  const char* next_cr = nullptr;
  const char* next_lf = nullptr;
  auto next = [&](const char*& cached, char c) {
    if (cached == nullptr || (cached != end && cached < p)) {
      const void* hit = std::memchr(p, c, static_cast<std::size_t>(end - p));
      cached = hit != nullptr ? static_cast<const char*>(hit) : end;
    }
    return cached;
  };

  while (p < end) {
    const char* const eol = std::min(next(next_cr, '\r'), next(next_lf, '\n'));
    const auto length = static_cast<std::size_t>(eol - p);
    if (partial_.size() + length > limits_.max_line_bytes) {
      throw SseError("SSE: a line exceeds the limit of " + std::to_string(limits_.max_line_bytes) +
                     " bytes");
    }
    if (eol == end) {
      partial_.append(p, length);
      return;
    }
    if (partial_.empty()) {
      line(std::string_view(p, length), on_event);
    } else {
      partial_.append(p, length);
      const std::string text = std::move(partial_);
      partial_.clear();
      line(text, on_event);
    }
    p = eol + 1;
    if (*eol == '\r') {
      if (p == end) {
        after_cr_ = true;
      } else if (*p == '\n') {
        ++p;
      }
    }
  }
}

void Parser::line(std::string_view text, const std::function<void(Event&&)>& on_event) {
  if (text.empty()) {
    dispatch(on_event);
    return;
  }
  if (text.front() == ':') return;  // comment
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    field(text, {});
    return;
  }
  std::string_view value = text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  field(text.substr(0, colon), value);
}

void Parser::field(std::string_view name, std::string_view value) {
  in_event_ = true;
  if (name == "event") {
    type_.assign(value);
  } else if (name == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) id_.assign(value);
  } else if (name == "retry") {
    if (const auto v = digits_value(value)) block_retry_ = retry_ms_ = *v;
  }
  if (data_.size() + type_.size() > limits_.max_event_bytes) {
    throw SseError("SSE: an event exceeds the limit of " + std::to_string(limits_.max_event_bytes) +
                   " bytes");
  }
}

void Parser::dispatch(const std::function<void(Event&&)>& on_event) {
  last_event_id_ = id_;
  in_event_ = false;
  const std::optional<long long> retry = block_retry_;
  block_retry_.reset();
  if (data_.empty()) {
    type_.clear();
    return;
  }
  if (data_.back() == '\n') data_.pop_back();
  Event event;
  if (!type_.empty()) event.type = std::move(type_);
  event.data = std::move(data_);
  event.id = id_;
  event.retry_ms = retry;
  type_.clear();
  data_.clear();
  on_event(std::move(event));
}

bool Parser::finish() {
  const bool pending = in_event_ || !partial_.empty() || (!bom_done_ && bom_seen_ > 0);
  partial_.clear();
  data_.clear();
  type_.clear();
  id_.clear();  // each stream starts with an empty last event ID buffer (the spec)
  block_retry_.reset();
  bom_seen_ = 0;
  bom_done_ = false;
  after_cr_ = false;
  in_event_ = false;
  failed_ = false;
  return pending;
}

}  // namespace llmauth::sse
