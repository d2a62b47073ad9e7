#include "llmauth/aws/credentials/metadata_client.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include "llmauth/core/json.hpp"

namespace llmauth::aws {
namespace {

bool retryable_status(int status) { return status >= 500 && status <= 599; }

bool retryable_failure(const Error& e) {
  return e.code() == ErrorCode::kTimeout || e.code() == ErrorCode::kNetwork;
}

std::string one_line(std::string_view text, std::size_t limit) {
  std::string out;
  for (char c : text) {
    if (out.size() >= limit) {
      out += "…";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (u >= 0x20 && u != 0x7f) {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void replace_all(std::string& s, std::string_view needle, std::string_view with) {
  if (needle.empty()) return;
  for (auto pos = s.find(needle); pos != std::string::npos;
       pos = s.find(needle, pos + with.size())) {
    s.replace(pos, needle.size(), with);
  }
}

}  // namespace

MetadataClient::MetadataClient(http::Transport& transport, RetryPolicy policy)
    : transport_(transport), policy_(policy) {
  policy_.attempts = std::max(1, policy_.attempts);
  if (policy_.timeout.count() <= 0) policy_.timeout = std::chrono::milliseconds(1);
}

MetadataReply MetadataClient::send(http::Request request) const {
  request.timeout = policy_.timeout;
  request.connect_timeout = policy_.timeout;
  MetadataReply reply;
  for (int attempt = 1; attempt <= policy_.attempts; ++attempt) {
    if (attempt > 1 && policy_.retry_delay.count() > 0) {
      std::this_thread::sleep_for(policy_.retry_delay);
    }
    reply = MetadataReply{};
    reply.attempts = attempt;
    try {
      http::Response r = transport_.send(request);
      reply.status = r.status;
      reply.headers = std::move(r.headers);
      reply.body = std::move(r.body);
      if (!retryable_status(reply.status)) return reply;
    } catch (const Error& e) {
      reply.failure = e;
      if (!retryable_failure(e)) return reply;
    }
  }
  return reply;
}

std::string describe_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  std::string s = std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 + 1000).substr(1);
  while (s.back() == '0') s.pop_back();
  return s + " s";
}

std::string error_excerpt(const MetadataReply& reply, std::string_view scrub) {
  if (reply.status < 400 || reply.body.empty()) return {};
  std::string text;
  try {
    const auto j = json::Json::parse(reply.body);
    if (j.is_object()) {
      for (const char* key : {"code", "Code"}) {
        if (auto it = j.find(key); it != j.end() && it->is_string()) {
          text = it->get<std::string>();
          break;
        }
      }
      for (const char* key : {"message", "Message"}) {
        if (auto it = j.find(key); it != j.end() && it->is_string()) {
          text += (text.empty() ? "" : ": ") + it->get<std::string>();
          break;
        }
      }
    }
  } catch (const json::Json::exception&) {
    text.clear();
  }
  if (text.empty()) text = reply.body;
  replace_all(text, scrub, "****");
  return one_line(text, 200);
}

}  // namespace llmauth::aws
