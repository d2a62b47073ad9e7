// Metrics as the Prometheus text exposition format (0.0.4) specifies it: HELP and TYPE lines,
// escaped label values, cumulative histogram buckets with +Inf, _sum and _count; and the bounds
// a gateway needs against clients: label sets per metric are capped.
#include "llmauth/gateway/metrics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace llmauth::gateway {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(Metrics, Counter_IsHelpTypeAndOneLinePerLabelSet) {
  Metrics m;
  m.counter("requests_total", "Requests.");
  m.add("requests_total", {{"provider", "a"}, {"status", "200"}});
  m.add("requests_total", {{"provider", "a"}, {"status", "200"}}, 2);
  m.add("requests_total", {{"provider", "b"}, {"status", "500"}});
  const auto t = m.text();
  EXPECT_TRUE(has_line(t, "# HELP requests_total Requests.")) << t;
  EXPECT_TRUE(has_line(t, "# TYPE requests_total counter")) << t;
  EXPECT_TRUE(has_line(t, R"(requests_total{provider="a",status="200"} 3)")) << t;
  EXPECT_TRUE(has_line(t, R"(requests_total{provider="b",status="500"} 1)")) << t;
}

TEST(Metrics, LabelValues_AreEscaped) {
  Metrics m;
  m.counter("c", "C.");
  m.add("c", {{"model", "a\"b\\c\nd\x01"}});
  EXPECT_TRUE(has_line(m.text(), R"(c{model="a\"b\\c\nd"} 1)")) << m.text();
}

TEST(Metrics, Histogram_BucketsAreCumulativeWithInfSumAndCount) {
  Metrics m;
  m.histogram("latency_seconds", "Latency.", {0.1, 1});
  m.observe("latency_seconds", {{"p", "x"}}, 0.0625);
  m.observe("latency_seconds", {{"p", "x"}}, 0.5);
  m.observe("latency_seconds", {{"p", "x"}}, 4);
  const auto t = m.text();
  EXPECT_TRUE(has_line(t, "# TYPE latency_seconds histogram")) << t;
  EXPECT_TRUE(has_line(t, R"(latency_seconds_bucket{p="x",le="0.1"} 1)")) << t;
  EXPECT_TRUE(has_line(t, R"(latency_seconds_bucket{p="x",le="1"} 2)")) << t;
  EXPECT_TRUE(has_line(t, R"(latency_seconds_bucket{p="x",le="+Inf"} 3)")) << t;
  EXPECT_TRUE(has_line(t, R"(latency_seconds_sum{p="x"} 4.5625)")) << t;
  EXPECT_TRUE(has_line(t, R"(latency_seconds_count{p="x"} 3)")) << t;
}

TEST(Metrics, UndeclaredOrTwiceDeclared_IsAProgrammingError) {
  Metrics m;
  EXPECT_THROW(m.add("nope", {}), std::logic_error);
  m.counter("c", "C.");
  EXPECT_THROW(m.counter("c", "again"), std::logic_error);
  EXPECT_THROW(m.histogram("c", "again", {1}), std::logic_error);
}

TEST(Metrics, LabelSetsPastTheCap_ShareOneOtherSeries) {
  Metrics m;
  m.counter("requests_total", "Requests.");
  const std::size_t cap = Metrics::kMaxSeriesPerFamily;
  for (std::size_t i = 0; i < cap + 500; ++i) {
    m.add("requests_total", {{"model", "client-model-" + std::to_string(i)}, {"status", "404"}});
  }
  const auto t = m.text();
  std::size_t lines = 0;
  for (std::size_t at = t.find("\nrequests_total{"); at != std::string::npos;
       at = t.find("\nrequests_total{", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, cap + 1);  // the first `cap` label sets, then one "other"
  EXPECT_TRUE(has_line(t, R"(requests_total{model="other",status="other"} 500)")) << lines;
  // A label set seen before the cap keeps counting on its own.
  m.add("requests_total", {{"model", "client-model-0"}, {"status", "404"}});
  EXPECT_TRUE(has_line(m.text(), R"(requests_total{model="client-model-0",status="404"} 2)"));
}

TEST(Metrics, ConcurrentUpdates_AreAllCounted) {
  Metrics m;
  m.counter("c", "C.");
  m.histogram("h", "H.", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 1000; ++i) {
        m.add("c", {{"t", std::to_string(t % 2)}});
        m.observe("h", {}, 0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto text = m.text();
  EXPECT_TRUE(has_line(text, R"(c{t="0"} 2000)")) << text;
  EXPECT_TRUE(has_line(text, R"(c{t="1"} 2000)")) << text;
  EXPECT_TRUE(has_line(text, "h_count 4000")) << text;
  EXPECT_TRUE(has_line(text, R"(h_bucket{le="1"} 4000)")) << text;
}

}  // namespace
}  // namespace llmauth::gateway
