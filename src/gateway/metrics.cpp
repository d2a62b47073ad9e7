#include "llmauth/gateway/metrics.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace llmauth::gateway {
namespace {

std::string encode(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k + "=\"" + escape_label(v) + "\"";
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // the shortest exact form: 0.0025
  return std::string(buf, r.ptr);
}

void atomic_add(std::atomic<double>& a, double v) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

}  // namespace

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out += c;
    }
  }
  return out;
}

std::vector<double> Metrics::latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
}

void Metrics::counter(const std::string& name, const std::string& help) {
  declare(name, Family{help, "counter", {}, {}});
}

void Metrics::gauge(const std::string& name, const std::string& help) {
  declare(name, Family{help, "gauge", {}, {}});
}

void Metrics::histogram(const std::string& name, const std::string& help,
                        std::vector<double> buckets) {
  declare(name, Family{help, "histogram", std::move(buckets), {}});
}

void Metrics::declare(const std::string& name, Family family) {
  std::lock_guard lock(mutex_);
  if (!families_.emplace(name, std::move(family)).second) {
    throw std::logic_error("metric " + name + " was declared twice");
  }
}

Metrics::Series& Metrics::series(const std::string& name, const Labels& labels) {
  std::lock_guard lock(mutex_);
  const auto f = families_.find(name);
  if (f == families_.end()) throw std::logic_error("metric " + name + " was not declared");
  Family& family = f->second;
  std::string key = encode(labels);
  if (const auto s = family.series.find(key); s != family.series.end()) return *s->second;
  Labels kept = labels;
  if (family.series.size() >= kMaxSeriesPerFamily) {
    // Label values can come from clients (a model name in a path): past the cap, new label sets
    // all count in one series whose values are "other", so memory and /metrics stay bounded.
    for (auto& [k, v] : kept) v = "other";
    key = encode(kept);
    if (const auto s = family.series.find(key); s != family.series.end()) return *s->second;
  }
  auto& slot = family.series[std::move(key)];
  slot = std::make_unique<Series>(std::move(kept), family.bounds);
  return *slot;
}

void Metrics::add(const std::string& name, const Labels& labels, double value) {
  atomic_add(series(name, labels).value, value);
}

void Metrics::set(const std::string& name, const Labels& labels, double value) {
  series(name, labels).value.store(value, std::memory_order_relaxed);
}

void Metrics::observe(const std::string& name, const Labels& labels, double value) {
  Series& s = series(name, labels);
  const std::vector<double>& bounds = *s.bounds;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) s.buckets[i].fetch_add(1, std::memory_order_relaxed);
  }
  s.count.fetch_add(1, std::memory_order_relaxed);
  atomic_add(s.sum, value);
}

std::string Metrics::text(const std::string& extra) const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
    for (const auto& [key, s] : f.series) {
      const std::string braces = key.empty() ? "" : "{" + key + "}";
      if (f.type != "histogram") {
        out += name + braces + " " + number(s->value.load(std::memory_order_relaxed)) + "\n";
        continue;
      }
      const std::string sep = key.empty() ? "" : key + ",";
      for (std::size_t i = 0; i < f.bounds.size(); ++i) {
        out += name + "_bucket{" + sep + "le=\"" + number(f.bounds[i]) + "\"} " +
               std::to_string(s->buckets[i].load(std::memory_order_relaxed)) + "\n";
      }
      const auto count = s->count.load(std::memory_order_relaxed);
      out += name + "_bucket{" + sep + "le=\"+Inf\"} " + std::to_string(count) + "\n";
      out += name + "_sum" + braces + " " + number(s->sum.load(std::memory_order_relaxed)) + "\n";
      out += name + "_count" + braces + " " + std::to_string(count) + "\n";
    }
  }
  return out + extra;
}

}  // namespace llmauth::gateway
