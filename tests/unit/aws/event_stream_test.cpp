// The event-stream decoder against frames encoded by AWS's own codec (@smithy/eventstream-codec,
// see tests/data/eventstream/make-fixtures.js). Malformed streams are made by mutating those
// official bytes; where a mutation must keep a CRC valid, zlib recomputes it.
#include "llmauth/aws/event_stream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/json.hpp"

namespace llmauth::aws::eventstream {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kDir = fs::path(LLMAUTH_SOURCE_DIR) / "tests/data/eventstream";
const char* const kFixtures[] = {"converse_stream.bin", "all_header_types.bin", "exception.bin",
                                 "empty_payload.bin"};

std::string fixture(const std::string& name) {
  std::ifstream in(kDir / name, std::ios::binary);
  EXPECT_TRUE(in) << (kDir / name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const json::Json& expected(const std::string& name) {
  static const json::Json all = json::parse(fixture("expected.json"), "expected.json");
  return all.at(name);
}

std::uint32_t be32(const std::string& s, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data() + at);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

void put_be32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

std::uint32_t crc(const std::string& s, std::size_t from, std::size_t n) {
  return static_cast<std::uint32_t>(
      ::crc32(0, reinterpret_cast<const Bytef*>(s.data() + from), static_cast<uInt>(n)));
}

// Makes both CRCs of the message at `at` valid again after a deliberate change.
void reseal(std::string& s, std::size_t at) {
  put_be32(s, at + 8, crc(s, at, 8));
  const std::uint32_t total = be32(s, at);
  put_be32(s, at + total - 4, crc(s, at, total - 4));
}

// Start offsets of the messages in an (official) stream.
std::vector<std::size_t> message_starts(const std::string& s) {
  std::vector<std::size_t> starts;
  for (std::size_t at = 0; at < s.size(); at += be32(s, at)) starts.push_back(at);
  return starts;
}

std::vector<Message> decode_in_pieces(const std::string& stream,
                                      const std::vector<std::size_t>& cuts,
                                      DecoderLimits limits = {}) {
  Decoder d(limits);
  std::vector<Message> out;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    d.feed(std::string_view(stream).substr(from, cut - from),
           [&](Message&& m) { out.push_back(std::move(m)); });
    from = cut;
  }
  d.feed(std::string_view(stream).substr(from), [&](Message&& m) { out.push_back(std::move(m)); });
  d.finish();
  EXPECT_EQ(d.buffered_bytes(), 0u);
  return out;
}

std::string decoded64(const std::string& b64) { return crypto::base64_decode(b64).value(); }

// Compares decoded messages with expected.json's account of what was handed to the encoder.
void expect_matches(const std::vector<Message>& got, const std::string& name,
                    const std::string& how) {
  SCOPED_TRACE(name + " decoded " + how);
  const auto& want = expected(name);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("message " + std::to_string(i));
    EXPECT_EQ(got[i].payload, decoded64(want[i].at("payload_base64")));
    const auto& wh = want[i].at("headers");
    ASSERT_EQ(got[i].headers.size(), wh.size());
    for (std::size_t k = 0; k < wh.size(); ++k) {
      const auto& h = got[i].headers[k];
      EXPECT_EQ(h.name, wh[k].at("name").get<std::string>());
      EXPECT_EQ(static_cast<int>(h.value.type), wh[k].at("type").get<int>()) << h.name;
      if (wh[k].contains("integer")) {
        EXPECT_EQ(std::to_string(h.value.integer), wh[k].at("integer").get<std::string>())
            << h.name;
      }
      if (wh[k].contains("base64")) {
        EXPECT_EQ(h.value.bytes, decoded64(wh[k].at("base64"))) << h.name;
      }
    }
  }
}

template <class F>
EventStreamError error_of(F&& f) {
  try {
    f();
  } catch (const EventStreamError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    return e;
  }
  ADD_FAILURE() << "no EventStreamError";
  return EventStreamError("none", 0);
}

void ignore(Message&&) {}

TEST(EventStreamDecoder, OfficialFixtures_DecodeWhole) {
  for (const char* name : kFixtures)
    expect_matches(decode_in_pieces(fixture(name), {}), name, "whole");
}

TEST(EventStreamDecoder, OfficialFixtures_SplitAtEveryByteBoundary) {
  for (const char* name : kFixtures) {
    const std::string s = fixture(name);
    for (std::size_t cut = 0; cut <= s.size(); ++cut) {
      expect_matches(decode_in_pieces(s, {cut}), name, "split at " + std::to_string(cut));
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(EventStreamDecoder, OfficialFixtures_ByteByByte) {
  for (const char* name : kFixtures) {
    const std::string s = fixture(name);
    Decoder d;
    std::vector<Message> got;
    std::size_t most_buffered = 0;
    for (char c : s) {
      d.feed(std::string_view(&c, 1), [&](Message&& m) { got.push_back(std::move(m)); });
      most_buffered = std::max(most_buffered, d.buffered_bytes());
    }
    d.finish();
    expect_matches(got, name, "byte by byte");
    // Only the current message is held, never the stream.
    std::size_t largest = 0;
    for (std::size_t at : message_starts(s)) largest = std::max<std::size_t>(largest, be32(s, at));
    EXPECT_LT(most_buffered, largest);
  }
}

TEST(EventStreamDecoder, ConverseStream_EventTypesInOrder) {
  std::vector<std::string> types;
  Decoder d;
  d.feed(fixture("converse_stream.bin"), [&](Message&& m) {
    EXPECT_EQ(m.string_header(":message-type"), "event");
    EXPECT_EQ(m.string_header(":content-type"), "application/json");
    types.emplace_back(m.string_header(":event-type").value());
  });
  d.finish();
  const std::vector<std::string> want = {
      "messageStart",      "contentBlockDelta", "contentBlockDelta", "contentBlockDelta",
      "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta",
      "contentBlockDelta", "contentBlockStop",  "messageStop",       "metadata"};
  EXPECT_EQ(types, want);
}

TEST(EventStreamDecoder, Exception_HasMessageAndExceptionType) {
  std::vector<Message> got = decode_in_pieces(fixture("exception.bin"), {});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].string_header(":message-type"), "exception");
  EXPECT_EQ(got[0].string_header(":exception-type"), "throttlingException");
  EXPECT_EQ(got[0].string_header(":event-type"), std::nullopt);
  EXPECT_THAT(got[0].payload, HasSubstr("Too many tokens"));
}

TEST(EventStreamDecoder, AllHeaderTypes_Values) {
  std::vector<Message> got = decode_in_pieces(fixture("all_header_types.bin"), {});
  ASSERT_EQ(got.size(), 1u);
  const auto& h = got[0].headers;
  ASSERT_EQ(h.size(), 12u);
  using T = HeaderValue::Type;
  EXPECT_EQ(h[0].value.type, T::kTrue);
  EXPECT_EQ(h[1].value.type, T::kFalse);
  EXPECT_EQ(h[2].value.integer, -7);
  EXPECT_EQ(h[3].value.integer, -12345);
  EXPECT_EQ(h[4].value.integer, 2000000123);
  EXPECT_EQ(h[5].value.integer, static_cast<std::int64_t>(0x8001020304050607ull));
  EXPECT_EQ(h[6].value.integer, -42);
  EXPECT_EQ(h[7].value.bytes, std::string("\x00\x01\x7f\x80\xfe\xff", 6));
  EXPECT_EQ(h[8].value.bytes, "h\xC3\xA9llo \xE2\x86\x92 w\xC3\xB6rld");
  EXPECT_EQ(h[9].value.type, T::kTimestamp);
  EXPECT_EQ(h[9].value.integer, 1735787045678);  // 2025-01-02T03:04:05.678Z
  EXPECT_EQ(h[10].value.bytes.size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(h[10].value.bytes[0]), 0x0f);
  // string_header() answers only for string headers.
  EXPECT_EQ(got[0].string_header("string"), "h\xC3\xA9llo \xE2\x86\x92 w\xC3\xB6rld");
  EXPECT_EQ(got[0].string_header("binary"), std::nullopt);
  EXPECT_EQ(got[0].string_header("missing"), std::nullopt);
}

TEST(EventStreamDecoder, EmptyPayloadAndNoHeaders) {
  std::vector<Message> got = decode_in_pieces(fixture("empty_payload.bin"), {});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload, "");
  EXPECT_EQ(got[0].string_header(":event-type"), "ping");
  EXPECT_TRUE(got[1].headers.empty());
  EXPECT_EQ(got[1].payload, "");
}

TEST(EventStreamDecoder, TruncatedStream_FinishReportsCounts) {
  const std::string s = fixture("converse_stream.bin");
  const auto starts = message_starts(s);
  const std::size_t third = starts[2];
  const std::uint32_t third_total = be32(s, third);

  {  // inside the third message's body
    Decoder d;
    int n = 0;
    d.feed(std::string_view(s).substr(0, third + 40), [&](Message&&) { ++n; });
    EXPECT_EQ(n, 2);
    EXPECT_EQ(d.buffered_bytes(), 40u);
    const auto e = error_of([&] { d.finish(); });
    EXPECT_THAT(e.what(), HasSubstr("stream ended inside a message: 40 of " +
                                    std::to_string(third_total) + " bytes"));
    EXPECT_EQ(e.offset(), third);
  }
  {  // inside its prelude
    Decoder d;
    d.feed(std::string_view(s).substr(0, third + 5), ignore);
    const auto e = error_of([&] { d.finish(); });
    EXPECT_THAT(e.what(), HasSubstr("5 of 12 bytes"));
    EXPECT_EQ(e.offset(), third);
  }
  {  // on a boundary: nothing pending
    Decoder d;
    d.feed(std::string_view(s).substr(0, third), ignore);
    EXPECT_NO_THROW(d.finish());
  }
}

TEST(EventStreamDecoder, PreludeBitFlip_IsPreludeCrcMismatch) {
  const std::string good = fixture("converse_stream.bin");
  const std::size_t at = message_starts(good)[3];
  for (std::size_t byte = 0; byte < 12; ++byte) {
    std::string s = good;
    s[at + byte] = static_cast<char>(s[at + byte] ^ 0x10);
    const auto e = error_of([&] {
      decode_in_pieces(s, {at + byte + 1}, {});  // the flipped byte ends a feed
    });
    EXPECT_THAT(e.what(), HasSubstr("prelude CRC mismatch")) << byte;
    EXPECT_EQ(e.offset(), at);
  }
}

TEST(EventStreamDecoder, PayloadBitFlip_IsMessageCrcMismatch_WithoutPayloadInMessage) {
  std::string s = fixture("exception.bin");
  const std::size_t in_payload = s.size() - 10;
  s[in_payload] = static_cast<char>(s[in_payload] ^ 0x01);
  const auto e = error_of([&] { decode_in_pieces(s, {}); });
  EXPECT_THAT(e.what(), HasSubstr("message CRC mismatch"));
  EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("Too many")));
  EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("tokens")));
  EXPECT_EQ(e.offset(), 0u);
}

TEST(EventStreamDecoder, HeaderBitFlip_IsMessageCrcMismatch) {
  std::string s = fixture("converse_stream.bin");
  const std::size_t at = message_starts(s)[1];
  s[at + 14] = static_cast<char>(s[at + 14] ^ 0x40);
  int delivered = 0;
  Decoder d;
  const auto e = error_of([&] { d.feed(s, [&](Message&&) { ++delivered; }); });
  EXPECT_THAT(e.what(), HasSubstr("message CRC mismatch"));
  EXPECT_EQ(e.offset(), at);
  EXPECT_EQ(delivered, 1);  // the message before it was good
}

TEST(EventStreamDecoder, TotalLengthOverLimit_RejectedFromPreludeAlone) {
  const std::string s = fixture("converse_stream.bin");
  const std::uint32_t first = be32(s, 0);
  Decoder d({.max_message_bytes = first - 1});
  const auto e = error_of([&] { d.feed(std::string_view(s).substr(0, 12), ignore); });
  EXPECT_THAT(e.what(), HasSubstr("message of " + std::to_string(first) +
                                  " bytes exceeds the limit of " + std::to_string(first - 1)));

  // A 4 GiB claim with a valid prelude CRC: refused before any of it is buffered.
  std::string huge = s.substr(0, 12);
  put_be32(huge, 0, 0xFFFFFFF0u);
  put_be32(huge, 8, crc(huge, 0, 8));
  Decoder big;
  for (std::size_t i = 0; i < 11; ++i) big.feed(huge.substr(i, 1), ignore);
  EXPECT_EQ(big.buffered_bytes(), 11u);
  const auto e2 = error_of([&] { big.feed(huge.substr(11, 1), ignore); });
  EXPECT_THAT(e2.what(), HasSubstr("exceeds the limit of 16777216"));
  EXPECT_EQ(big.buffered_bytes(), 0u);
}

TEST(EventStreamDecoder, HeadersLengthLargerThanMessage_IsRejected) {
  std::string s = fixture("exception.bin");
  const std::uint32_t total = be32(s, 0);
  put_be32(s, 4, total - 15);  // one byte more than the room left after prelude and CRCs
  reseal(s, 0);
  const auto e = error_of([&] { decode_in_pieces(s, {}); });
  EXPECT_THAT(e.what(), HasSubstr("header length exceeds message"));
}

TEST(EventStreamDecoder, HeadersOverLimit_IsRejected) {
  const std::string s = fixture("exception.bin");
  const auto e = error_of([&] { decode_in_pieces(s, {}, {.max_headers_bytes = 10}); });
  EXPECT_THAT(e.what(), HasSubstr("exceed the limit of 10"));
}

TEST(EventStreamDecoder, MessageUnder16Bytes_IsRejected) {
  std::string s = fixture("empty_payload.bin").substr(0, 12);
  put_be32(s, 0, 15);
  put_be32(s, 4, 0);
  put_be32(s, 8, crc(s, 0, 8));
  const auto e = error_of([&] { decode_in_pieces(s, {}); });
  EXPECT_THAT(e.what(), HasSubstr("shorter than the 16-byte minimum"));
}

TEST(EventStreamDecoder, UnknownHeaderType_NamesTypeAndHeader) {
  std::string s = fixture("empty_payload.bin");
  // First header: name length 11, ":event-type", then its type tag.
  ASSERT_EQ(s.substr(13, 11), ":event-type");
  ASSERT_EQ(s[24], 7);
  s[24] = 42;
  reseal(s, 0);
  const auto e = error_of([&] { decode_in_pieces(s, {}); });
  EXPECT_THAT(e.what(), HasSubstr("unknown header type 42 for header ':event-type'"));
}

TEST(EventStreamDecoder, HeaderValueRunningPastHeaders_IsTruncatedHeader) {
  std::string s = fixture("empty_payload.bin");
  ASSERT_EQ(s.substr(27, 4), "ping");
  s[26] = 100;  // ":event-type" string length 4 -> 100
  reseal(s, 0);
  const auto e = error_of([&] { decode_in_pieces(s, {}); });
  EXPECT_THAT(e.what(), HasSubstr("truncated header ':event-type'"));
}

TEST(EventStreamDecoder, AfterAnError_FurtherInputIsRefused) {
  std::string bad = fixture("exception.bin");
  bad[bad.size() - 1] = static_cast<char>(bad[bad.size() - 1] ^ 0xff);
  Decoder d;
  error_of([&] { d.feed(bad, ignore); });
  int delivered = 0;
  const auto e =
      error_of([&] { d.feed(fixture("converse_stream.bin"), [&](Message&&) { ++delivered; }); });
  EXPECT_THAT(e.what(), HasSubstr("refused after an earlier error"));
  EXPECT_EQ(delivered, 0);
  EXPECT_NO_THROW(d.finish());  // the error was already reported
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

TEST(EventStreamDecoder, CallbackThrowing_StopsTheDecoder) {
  const std::string s = fixture("converse_stream.bin");
  Decoder d;
  EXPECT_THROW(d.feed(s, [](Message&&) { throw std::runtime_error("consumer gave up"); }),
               std::runtime_error);
  EXPECT_THROW(d.feed(s, ignore), EventStreamError);
}

TEST(EventStreamDecoder, ErrorsReportStreamOffsetAcrossFeeds) {
  std::string s = fixture("converse_stream.bin");
  const auto starts = message_starts(s);
  const std::size_t at = starts[7];
  s[at + 20] = static_cast<char>(s[at + 20] ^ 0x04);
  Decoder d;
  std::size_t fed = 0;
  const auto e = error_of([&] {
    for (; fed < s.size(); fed += 7) d.feed(std::string_view(s).substr(fed, 7), ignore);
  });
  EXPECT_EQ(e.offset(), at);
  EXPECT_THAT(e.what(), HasSubstr("stream offset " + std::to_string(at)));
}

}  // namespace
}  // namespace llmauth::aws::eventstream
