// The SSE parser against the WHATWG HTML "event stream interpretation" rules and their examples
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
// Every input is parsed whole, split in two at every byte boundary, and byte by byte: all must
// give the same events and the same finish() answer.
#include "llmauth/core/sse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <vector>

namespace llmauth::sse {

void PrintTo(const Event& e, std::ostream* os) {
  *os << "{type=" << ::testing::PrintToString(e.type)
      << " data=" << ::testing::PrintToString(e.data) << " id=" << ::testing::PrintToString(e.id)
      << " retry=" << (e.retry_ms ? std::to_string(*e.retry_ms) : "none") << "}";
}

namespace {

using ::testing::HasSubstr;
using namespace std::string_literals;

const std::string kBom = "\xEF\xBB\xBF";  // U+FEFF in UTF-8

struct Parsed {
  std::vector<Event> events;
  bool truncated = false;
  std::string last_event_id;
  std::optional<long long> retry_ms;
  bool operator==(const Parsed&) const = default;
};

Parsed parse_pieces(std::string_view input, const std::vector<std::size_t>& cuts,
                    ParserLimits limits = {}) {
  Parser parser(limits);
  Parsed out;
  std::size_t from = 0;
  auto collect = [&](Event&& e) { out.events.push_back(std::move(e)); };
  for (std::size_t cut : cuts) {
    parser.feed(input.substr(from, cut - from), collect);
    from = cut;
  }
  parser.feed(input.substr(from), collect);
  out.last_event_id = parser.last_event_id();
  out.retry_ms = parser.retry_ms();
  out.truncated = parser.finish();
  return out;
}

// Parses `input` whole, then checks that every two-piece split and byte-by-byte feeding agree.
Parsed parse(std::string_view input) {
  const Parsed whole = parse_pieces(input, {});
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    const Parsed split = parse_pieces(input, {cut});
    if (split != whole) {
      ADD_FAILURE() << "split at " << cut << " differs from whole for "
                    << ::testing::PrintToString(std::string(input));
      break;
    }
  }
  std::vector<std::size_t> every(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) every[i] = i;
  EXPECT_EQ(parse_pieces(input, every), whole) << "byte by byte";
  return whole;
}

Event event(std::string data, std::string type = "message", std::string id = "",
            std::optional<long long> retry = std::nullopt) {
  return Event{std::move(type), std::move(data), std::move(id), retry};
}

std::vector<std::string> datas(const Parsed& p) {
  std::vector<std::string> out;
  for (const auto& e : p.events) out.push_back(e.data);
  return out;
}

// --- the WHATWG examples ---------------------------------------------------------------------

TEST(SseParser, Whatwg_StockTicker_MultipleDataLinesJoinedWithLf) {
  const auto p = parse("data: YHOO\ndata: +2\ndata: 10\n\n");
  EXPECT_EQ(p.events, std::vector<Event>{event("YHOO\n+2\n10")});
  EXPECT_FALSE(p.truncated);
}

TEST(SseParser, Whatwg_CommentIdsAndLeadingSpace) {
  const auto p = parse(
      ": test stream\n"
      "\n"
      "data: first event\n"
      "id: 1\n"
      "\n"
      "data:second event\n"
      "id\n"
      "\n"
      "data:  third event\n"
      "\n");
  EXPECT_EQ(p.events, (std::vector<Event>{event("first event", "message", "1"),
                                          event("second event", "message", ""),
                                          event(" third event", "message", "")}));
  EXPECT_EQ(p.last_event_id, "");
}

TEST(SseParser, Whatwg_EmptyDataAndUnterminatedLastEvent) {
  const auto p = parse("data\n\ndata\ndata\n\ndata:");
  EXPECT_EQ(datas(p), (std::vector<std::string>{"", "\n"}));
  EXPECT_TRUE(p.truncated);  // "data:" never ended: discarded, reported
}

TEST(SseParser, Whatwg_SpaceAfterColonIsOptional) {
  const auto p = parse("data:test\n\ndata: test\n\n");
  EXPECT_EQ(datas(p), (std::vector<std::string>{"test", "test"}));
}

// --- line breaks -----------------------------------------------------------------------------

TEST(SseParser, LineBreaks_CrLfAndCrlfAllWork) {
  EXPECT_EQ(datas(parse("data: a\r\rdata: b\n\ndata: c\r\n\r\ndata: d\r\n\n")),
            (std::vector<std::string>{"a", "b", "c", "d"}));
  // LF CR is two line breaks; CR CR too.
  EXPECT_EQ(datas(parse("data: a\n\rdata: b\r\r")), (std::vector<std::string>{"a", "b"}));
  // Mixed inside one event.
  EXPECT_EQ(datas(parse("data: a\rdata: b\r\ndata: c\n\r\n")),
            (std::vector<std::string>{"a\nb\nc"}));
}

TEST(SseParser, LineBreaks_CrlfSplitAcrossFeedsIsOneBreak) {
  Parser parser;
  std::vector<Event> got;
  auto collect = [&](Event&& e) { got.push_back(std::move(e)); };
  parser.feed("data: x\r", collect);
  parser.feed("", collect);             // an empty read between CR and LF changes nothing
  parser.feed("\ndata: y\r", collect);  // had the LF been a blank line, "x" would be out alone
  EXPECT_TRUE(got.empty());
  parser.feed("\n\r", collect);  // CR: a blank line at once
  EXPECT_EQ(got, std::vector<Event>{event("x\ny")});
  parser.feed("\ndata: z\n\n", collect);
  EXPECT_EQ(got, (std::vector<Event>{event("x\ny"), event("z")}));
  EXPECT_FALSE(parser.finish());
}

TEST(SseParser, LineBreaks_LoneCrAtEndOfChunkEndsTheLineAtOnce) {
  Parser parser;
  std::vector<Event> got;
  auto collect = [&](Event&& e) { got.push_back(std::move(e)); };
  parser.feed("data: x\r\r", collect);
  EXPECT_EQ(got, std::vector<Event>{event("x")});  // no need to wait for a possible LF
  parser.feed("data: y\r\r", collect);
  EXPECT_EQ(got.size(), 2u);
}

// --- BOM -----------------------------------------------------------------------------------

TEST(SseParser, Bom_SkippedOnceAtTheStart) {
  EXPECT_EQ(datas(parse(kBom + "data: a\n\n")), std::vector<std::string>{"a"});
  // A second BOM is part of the field name: "\uFEFFdata" is an unknown field.
  const auto twice = parse(kBom + kBom + "data: a\n\ndata: b\n\n");
  EXPECT_EQ(datas(twice), std::vector<std::string>{"b"});
  // Something that starts like a BOM but is not one is content.
  EXPECT_EQ(datas(parse(kBom.substr(0, 2) + "data: a\n\ndata: b\n\n")),
            std::vector<std::string>{"b"});
  EXPECT_EQ(datas(parse(kBom.substr(0, 1) + "\ndata: a\n\n")), std::vector<std::string>{"a"});
}

TEST(SseParser, Bom_NotSkippedAfterTheStart) {
  EXPECT_EQ(datas(parse("data: a\n\n" + kBom + "data: b\n\n")), std::vector<std::string>{"a"});
}

TEST(SseParser, Bom_AloneIsNothingPending) {
  EXPECT_FALSE(parse(kBom).truncated);
  EXPECT_TRUE(parse(kBom.substr(0, 2)).truncated);  // an unfinished line, whatever it was
}

// --- fields --------------------------------------------------------------------------------

TEST(SseParser, Comments_AreIgnoredAndDoNotCountAsPending) {
  const auto p = parse(": keep-alive\n:\n: another\ndata: a\n: inside\n\n: ping\n");
  EXPECT_EQ(datas(p), std::vector<std::string>{"a"});
  EXPECT_FALSE(p.truncated);
}

TEST(SseParser, Data_ColonAndSpaceEdgeCases) {
  EXPECT_EQ(datas(parse("data\n\n")), std::vector<std::string>{""});
  EXPECT_EQ(datas(parse("data:\n\n")), std::vector<std::string>{""});
  EXPECT_EQ(datas(parse("data: \n\n")), std::vector<std::string>{""});
  EXPECT_EQ(datas(parse("data:  \n\n")), std::vector<std::string>{" "});
  EXPECT_EQ(datas(parse("data:a:b: c\n\n")), std::vector<std::string>{"a:b: c"});
  EXPECT_EQ(datas(parse("data:\tx\n\n")), std::vector<std::string>{"\tx"});  // only a space
  EXPECT_EQ(datas(parse("data: a\ndata\ndata: b\n\n")), std::vector<std::string>{"a\n\nb"});
  EXPECT_EQ(datas(parse("data: a\n\n\n\n")), std::vector<std::string>{"a"});
}

TEST(SseParser, Fields_NamesAreExactAndUnknownOnesIgnored) {
  const auto p = parse("Data: no\ndata : no\n data: no\nfoo: bar\nfoo\n\ndata: yes\n\n");
  EXPECT_EQ(datas(p), std::vector<std::string>{"yes"});
}

TEST(SseParser, Event_SetsTypeAndIsResetAfterEveryBlankLine) {
  const auto p = parse(
      "event: delta\ndata: 1\n\n"
      "data: 2\n\n"
      "event: lost\n\n"  // no data: nothing dispatched, type still reset
      "data: 3\n\n"
      "event\ndata: 4\n\n"  // empty type means "message"
      "event: a\nevent: b\ndata: 5\n\n");
  EXPECT_EQ(p.events, (std::vector<Event>{event("1", "delta"), event("2"), event("3"), event("4"),
                                          event("5", "b")}));
}

TEST(SseParser, Id_PersistsAcrossEventsAndNulIsIgnored) {
  const auto p = parse(
      "id: 7\ndata: a\n\n"
      "data: b\n\n"
      "id: 8\0x\ndata: c\n\n"  // NUL: ignored
      "id:\ndata: d\n\n"
      "id: 9\n\n"s);  // no data: no event, but the last event ID is set
  EXPECT_EQ(p.events, (std::vector<Event>{event("a", "message", "7"), event("b", "message", "7"),
                                          event("c", "message", "7"), event("d", "message", "")}));
  EXPECT_EQ(p.last_event_id, "9");
}

TEST(SseParser, Id_WithoutBlankLineDoesNotReachLastEventId) {
  Parser parser;
  parser.feed("id: 1\n\nid: 2\n", [](Event&&) {});
  EXPECT_EQ(parser.last_event_id(), "1");
}

TEST(SseParser, Retry_DigitsOnly) {
  const auto p = parse(
      "retry: 3000\ndata: a\n\n"
      "data: b\n\n"
      "retry: 30x0\ndata: c\n\n"
      "retry: -1\nretry:  100\nretry:\nretry: 1.5\ndata: d\n\n"
      "retry: 99999999999999999999999\ndata: e\n\n"
      "retry: 250\n\n");
  EXPECT_EQ(p.events, (std::vector<Event>{event("a", "message", "", 3000), event("b"), event("c"),
                                          event("d"), event("e")}));
  EXPECT_EQ(p.retry_ms, 250);  // applies without an event
}

// --- end of stream ---------------------------------------------------------------------------

TEST(SseParser, Finish_ReportsWhatWasPending) {
  EXPECT_FALSE(parse("").truncated);
  EXPECT_FALSE(parse("data: a\n\n").truncated);
  EXPECT_TRUE(parse("data: a\n").truncated);           // event without its blank line
  EXPECT_TRUE(parse("data: a\n\ndata: b").truncated);  // unfinished line
  EXPECT_TRUE(parse("id: 3\n").truncated);
  EXPECT_TRUE(parse(":comment").truncated);      // an unfinished line, even a comment
  EXPECT_TRUE(parse("data: a\r").truncated);     // the line ended; the event did not
  EXPECT_FALSE(parse("data: a\r\r").truncated);  // CR CR: dispatched
}

TEST(SseParser, Finish_DiscardsPendingAndStartsANewStream) {
  Parser parser;
  std::vector<Event> got;
  auto collect = [&](Event&& e) { got.push_back(std::move(e)); };
  parser.feed("id: 4\ndata: a\n\nevent: x\ndata: lost", collect);
  EXPECT_TRUE(parser.finish());
  parser.feed(kBom + "data: b\n\n", collect);
  EXPECT_FALSE(parser.finish());
  EXPECT_EQ(got, (std::vector<Event>{event("a", "message", "4"), event("b", "message", "")}));
  // The last event ID buffer starts empty on each stream, as the spec says.
  EXPECT_EQ(parser.last_event_id(), "");
}

// --- limits --------------------------------------------------------------------------------

TEST(SseParser, Limits_LongLineIsRefusedWithoutContent) {
  Parser parser({.max_line_bytes = 16});
  const auto fed = [&](std::string_view s) { parser.feed(s, [](Event&&) {}); };
  fed("data: 123456789\n");  // 15 bytes: fine
  fed("data: secret");
  try {
    fed("-abcdefg");
    FAIL() << "no SseError";
  } catch (const SseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_THAT(e.what(), HasSubstr("line exceeds the limit of 16 bytes"));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("secret")));
  }
  EXPECT_THROW(fed("\n\n"), SseError);  // refused after the error
}

TEST(SseParser, Limits_LargeEventIsRefused) {
  Parser parser({.max_event_bytes = 20});
  int events = 0;
  auto count = [&](Event&&) { ++events; };
  parser.feed("data: 0123456789\n\n", count);  // 11 bytes
  try {
    parser.feed("data: 0123456789\ndata: 0123456789\n", count);
    FAIL() << "no SseError";
  } catch (const SseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("event exceeds the limit of 20 bytes"));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("0123")));
  }
  EXPECT_EQ(events, 1);
  EXPECT_THROW(parser.feed("\n", count), SseError);
}

TEST(SseParser, CallbackThrowing_StopsTheParser) {
  Parser parser;
  EXPECT_THROW(
      parser.feed("data: a\n\ndata: b\n\n", [](Event&&) { throw std::runtime_error("x"); }),
      std::runtime_error);
  EXPECT_THROW(parser.feed("data: c\n\n", [](Event&&) {}), SseError);
}

// --- a realistic answer ----------------------------------------------------------------------

// Azure OpenAI chat completions with "stream": true (api-version 2024-10-21): a first chunk with
// the prompt filter results and no choices, deltas, a finish chunk, [DONE].
constexpr std::string_view kAzureStream =
    "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
    "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":"
    "{\"filtered\":false,\"severity\":\"safe\"},\"self_harm\":{\"filtered\":false,\"severity\":"
    "\"safe\"},\"sexual\":{\"filtered\":false,\"severity\":\"safe\"},\"violence\":{\"filtered\":"
    "false,\"severity\":\"safe\"}}}]}\r\n\r\n"
    "data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{\"content\":\"\",\"role\":"
    "\"assistant\"},\"finish_reason\":null,\"index\":0,\"logprobs\":null}],\"created\":"
    "1735787045,\"id\":\"chatcmpl-AbC123\",\"model\":\"gpt-4o-2024-08-06\",\"object\":"
    "\"chat.completion.chunk\",\"system_fingerprint\":\"fp_5f20662549\"}\r\n\r\n"
    "data: {\"choices\":[{\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":"
    "\"safe\"}},\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null,\"index\":0,"
    "\"logprobs\":null}],\"created\":1735787045,\"id\":\"chatcmpl-AbC123\",\"model\":"
    "\"gpt-4o-2024-08-06\",\"object\":\"chat.completion.chunk\",\"system_fingerprint\":"
    "\"fp_5f20662549\"}\r\n\r\n"
    "data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{\"content\":\" there!\"},"
    "\"finish_reason\":null,\"index\":0,\"logprobs\":null}],\"created\":1735787045,\"id\":"
    "\"chatcmpl-AbC123\",\"model\":\"gpt-4o-2024-08-06\",\"object\":\"chat.completion.chunk\","
    "\"system_fingerprint\":\"fp_5f20662549\"}\r\n\r\n"
    "data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{},\"finish_reason\":\"stop\","
    "\"index\":0,\"logprobs\":null}],\"created\":1735787045,\"id\":\"chatcmpl-AbC123\",\"model\":"
    "\"gpt-4o-2024-08-06\",\"object\":\"chat.completion.chunk\",\"system_fingerprint\":"
    "\"fp_5f20662549\"}\r\n\r\n"
    "data: [DONE]\r\n\r\n";

TEST(SseParser, AzureOpenAiChatCompletionStream) {
  const auto p = parse(kAzureStream);
  ASSERT_EQ(p.events.size(), 6u);
  EXPECT_THAT(p.events[0].data, HasSubstr("\"prompt_filter_results\""));
  EXPECT_THAT(p.events[2].data, HasSubstr("\"content\":\"Hello\""));
  EXPECT_THAT(p.events[4].data, HasSubstr("\"finish_reason\":\"stop\""));
  EXPECT_EQ(p.events[5], event("[DONE]"));
  for (const auto& e : p.events) {
    EXPECT_EQ(e.type, "message");
    EXPECT_EQ(e.data.find('\n'), std::string::npos);
  }
  EXPECT_FALSE(p.truncated);
  // Cut off before [DONE]'s blank line: reported.
  EXPECT_TRUE(parse(kAzureStream.substr(0, kAzureStream.size() - 2)).truncated);
}

}  // namespace
}  // namespace llmauth::sse
