// Metrics: counters, gauges and histograms with labels, written in the Prometheus text format
// (version 0.0.4) for GET /metrics. Thread-safe; a series is found by its labels under a short
// lock, then updated with atomics.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace llmauth::gateway {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Declares a metric (its HELP text and type), once. Names and label names are ours, never a
  // client's.
  void counter(const std::string& name, const std::string& help);
  void gauge(const std::string& name, const std::string& help);
  void histogram(const std::string& name, const std::string& help, std::vector<double> buckets);

  void add(const std::string& name, const Labels& labels, double value = 1);
  void set(const std::string& name, const Labels& labels, double value);
  void observe(const std::string& name, const Labels& labels, double value);

  // The exposition text. `extra` is appended as it is (gauges computed at scrape time).
  [[nodiscard]] std::string text(const std::string& extra = {}) const;

  // Latency buckets in seconds, from 1 ms to 2 min.
  static std::vector<double> latency_buckets();

  // Label sets per metric at most; past it, new label sets share one series whose label values
  // are all "other" (a label may carry a client's model name).
  static constexpr std::size_t kMaxSeriesPerFamily = 5000;

 private:
  struct Series {
    Labels labels;
    const std::vector<double>* bounds;  // the family's (families are never removed)
    std::atomic<double> value{0};
    std::vector<std::atomic<unsigned long long>> buckets;
    std::atomic<unsigned long long> count{0};
    std::atomic<double> sum{0};
    Series(Labels l, const std::vector<double>& b)
        : labels(std::move(l)), bounds(&b), buckets(b.size()) {}
  };
  struct Family {
    std::string help;
    std::string type;
    std::vector<double> bounds;
    std::map<std::string, std::unique_ptr<Series>> series;  // by the encoded labels
  };
  Series& series(const std::string& name, const Labels& labels);
  void declare(const std::string& name, Family family);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// A label value as Prometheus wants it: backslash, quote and newline escaped.
std::string escape_label(const std::string& value);

}  // namespace llmauth::gateway
