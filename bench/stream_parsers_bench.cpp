// The two streaming decoders against the floor set by the work they cannot avoid.
//
//   build-*/bench/llmauth_bench --benchmark_filter='Stream|Sse|EventStream'
//
// BM_EventStream_ConverseDecode   ~1 MiB of Bedrock ConverseStream frames (the official codec's
//                                 fixture tests/data/eventstream/converse_stream.bin, repeated)
//                                 fed in 16 KiB chunks: CRCs, headers, payload copies
// BM_EventStream_Crc32Floor       zlib crc32 over the same bytes in the same chunks: the decoder
//                                 must CRC every byte once (the prelude CRC covers 8 bytes, the
//                                 message CRC resumes from it over the rest), so this is its floor
// BM_Sse_AzureChunks/N            an Azure OpenAI chat.completion.chunk stream (~2000 events,
//                                 CRLF line breaks as Azure sends them) fed in N-byte reads
//                                 (1460: one TCP segment; 16384: a typical libcurl write callback)
// BM_Sse_MemchrFloor/N            memchr for '\n' over the same bytes in the same reads: finding
//                                 the line ends is the least a parser must do
//
// Measured here (2 shared cores, RelWithDebInfo): decode 300-630 MB/s, 270-560 ns per ~180-byte
// message, 8-12x the CRC floor: the rest is the Message itself (payload and header strings are
// owned copies). SSE 60-125 ns per ~390-byte event, 5-7x the memchr floor.
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "llmauth/aws/event_stream.hpp"
#include "llmauth/core/sse.hpp"

namespace {

using namespace llmauth;

constexpr std::size_t kEventStreamChunk = 16u << 10;

const std::string& converse_frames() {
  static const std::string frames = [] {
    const auto path = std::filesystem::path(__FILE__).parent_path().parent_path() /
                      "tests/data/eventstream/converse_stream.bin";
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    const std::string one = s.str();
    if (one.empty()) throw std::runtime_error("cannot read " + path.string());
    std::string many;
    while (many.size() < (1u << 20)) many += one;
    return many;
  }();
  return frames;
}

void BM_EventStream_ConverseDecode(benchmark::State& state) {
  const std::string& buf = converse_frames();
  std::int64_t messages = 0;
  for (auto _ : state) {
    aws::eventstream::Decoder decoder;
    for (std::size_t at = 0; at < buf.size(); at += kEventStreamChunk) {
      decoder.feed(std::string_view(buf).substr(at, kEventStreamChunk),
                   [&](aws::eventstream::Message&& m) {
                     benchmark::DoNotOptimize(m.payload.data());
                     ++messages;
                   });
    }
    decoder.finish();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
  state.counters["per_message"] = benchmark::Counter(
      static_cast<double>(messages), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_EventStream_ConverseDecode);

void BM_EventStream_Crc32Floor(benchmark::State& state) {
  const std::string& buf = converse_frames();
  for (auto _ : state) {
    uLong crc = 0;
    for (std::size_t at = 0; at < buf.size(); at += kEventStreamChunk) {
      const std::size_t n = std::min(kEventStreamChunk, buf.size() - at);
      crc = ::crc32(crc, reinterpret_cast<const Bytef*>(buf.data() + at), static_cast<uInt>(n));
    }
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
}
BENCHMARK(BM_EventStream_Crc32Floor);

// ~2000 events shaped like Azure OpenAI's (api-version 2024-10-21) streamed chat completion.
const std::string& azure_stream() {
  static const std::string stream = [] {
    std::string s;
    for (int i = 0; i < 2000; ++i) {
      s += "data: {\"choices\":[{\"content_filter_results\":{\"hate\":{\"filtered\":false,"
           "\"severity\":\"safe\"},\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"}},"
           "\"delta\":{\"content\":\" token";
      s += std::to_string(i);
      s += "\"},\"finish_reason\":null,\"index\":0,\"logprobs\":null}],\"created\":1735787045,"
           "\"id\":\"chatcmpl-AbC123\",\"model\":\"gpt-4o-2024-08-06\",\"object\":"
           "\"chat.completion.chunk\",\"system_fingerprint\":\"fp_5f20662549\"}\r\n\r\n";
    }
    s += "data: [DONE]\r\n\r\n";
    return s;
  }();
  return stream;
}

void BM_Sse_AzureChunks(benchmark::State& state) {
  const std::string& buf = azure_stream();
  const auto chunk = static_cast<std::size_t>(state.range(0));
  std::int64_t events = 0;
  for (auto _ : state) {
    sse::Parser parser;
    for (std::size_t at = 0; at < buf.size(); at += chunk) {
      parser.feed(std::string_view(buf).substr(at, chunk), [&](sse::Event&& e) {
        benchmark::DoNotOptimize(e.data.data());
        ++events;
      });
    }
    benchmark::DoNotOptimize(parser.finish());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
  state.counters["per_event"] = benchmark::Counter(
      static_cast<double>(events), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Sse_AzureChunks)->Arg(1460)->Arg(16384);

void BM_Sse_MemchrFloor(benchmark::State& state) {
  const std::string& buf = azure_stream();
  const auto chunk = static_cast<std::size_t>(state.range(0));
  std::int64_t events = 0;
  for (auto _ : state) {
    std::int64_t lines = 0;
    for (std::size_t at = 0; at < buf.size(); at += chunk) {
      const char* p = buf.data() + at;
      const char* const end = p + std::min(chunk, buf.size() - at);
      while (const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
        ++lines;
        p = static_cast<const char*>(nl) + 1;
      }
    }
    benchmark::DoNotOptimize(lines);
    events += lines / 2;  // a data line and a blank line per event
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
  state.counters["per_event"] = benchmark::Counter(
      static_cast<double>(events), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Sse_MemchrFloor)->Arg(1460)->Arg(16384);

}  // namespace
