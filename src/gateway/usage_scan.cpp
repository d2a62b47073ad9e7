#include "llmauth/gateway/usage_scan.hpp"

#include <limits>
#include <string>

#include "llmauth/core/json.hpp"

namespace llmauth::gateway {
namespace {

using json::Json;

// Tracks where the parser is: the depth, the top-level key being read, and whether the container
// at depth 2 is the top level's `usage` object. Only integers directly inside it are kept.
class UsageHandler : public nlohmann::json_sax<Json> {
 public:
  explicit UsageHandler(std::size_t max_depth) : max_depth_(max_depth) {}

  TokenUsage usage;
  bool top_level_object = false;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t v) override {
    take(static_cast<long long>(v));
    return true;
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (v <= static_cast<number_unsigned_t>(std::numeric_limits<long long>::max())) {
      take(static_cast<long long>(v));
    }
    return true;
  }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    if (++depth_ > max_depth_) return false;
    if (depth_ == 1) top_level_object = true;
    if (depth_ == 2) {
      in_usage_ = top_key_ == "usage";
      key_.clear();
    }
    return true;
  }
  bool end_object() override {
    if (depth_ == 2) in_usage_ = false;
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (++depth_ > max_depth_) return false;
    if (depth_ == 2) in_usage_ = false;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      top_key_ = k;
      if (k == "usage") usage = {};  // a repeated key: the last one counts, as in a JSON tree
    } else if (depth_ == 2 && in_usage_) {
      key_ = k;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  void take(long long v) {
    if (depth_ != 2 || !in_usage_) return;
    if (key_ == "prompt_tokens") usage.prompt_tokens = v;
    if (key_ == "completion_tokens") usage.completion_tokens = v;
  }

  std::size_t max_depth_;
  std::size_t depth_ = 0;
  std::string top_key_;
  std::string key_;
  bool in_usage_ = false;
};

}  // namespace

TokenUsage scan_usage(std::string_view answer, std::size_t max_depth) {
  UsageHandler handler(max_depth);
  const bool ok = Json::sax_parse(answer.begin(), answer.end(), &handler);
  if (!ok || !handler.top_level_object) return {};
  return handler.usage;
}

}  // namespace llmauth::gateway
