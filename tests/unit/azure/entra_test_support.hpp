// Helpers for the Entra credential unit tests: a scripted token endpoint (the shared
// FakeMetadataTransport, which records requests), the form of a recorded request, and a JWT
// decoder that checks the structure only (signatures are checked by openssl or the emulator).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/url.hpp"
#include "unit/aws/credentials/fake_metadata_transport.hpp"

namespace llmauth::testing {

inline constexpr const char* kTenant = "00000000-0000-0000-0000-0000000000aa";
inline constexpr const char* kClient = "11111111-2222-3333-4444-555555555555";
inline constexpr const char* kClientSecret = "client-secret-value-never-printed";
inline constexpr const char* kIssuedToken = "eyJ0eXAiOiJKV1QifQ.issued-access-token.signature";
inline constexpr const char* kScope = "https://cognitiveservices.azure.com/.default";

inline http::Response token_reply(const std::string& token = kIssuedToken, int expires_in = 3599) {
  return reply(200, json::Json{{"token_type", "Bearer"}, {"expires_in", expires_in},
                               {"ext_expires_in", expires_in}, {"access_token", token}}
                        .dump());
}

inline http::Response entra_error(int status, const std::string& error, long long code,
                                  const std::string& text, http::Headers headers = {}) {
  const std::string description = "AADSTS" + std::to_string(code) + ": " + text +
                                  "\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: "
                                  "2026-01-02 03:04:05Z";
  return reply(status,
               json::Json{{"error", error}, {"error_description", description},
                          {"error_codes", {code}}, {"trace_id", "0000"}}
                   .dump(),
               std::move(headers));
}

inline std::map<std::string, std::string> form_of(const http::Request& r) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : url::parse_query(r.body, true)) out[k] = v;
  return out;
}

struct DecodedJwt {
  json::Json header;
  json::Json claims;
  std::string signature;
};

inline DecodedJwt decode_jwt(const std::string& jwt) {
  const auto a = jwt.find('.');
  const auto b = jwt.find('.', a + 1);
  EXPECT_NE(a, std::string::npos);
  EXPECT_NE(b, std::string::npos);
  EXPECT_EQ(jwt.find('.', b + 1), std::string::npos);
  const auto h = crypto::base64_decode(jwt.substr(0, a));
  const auto c = crypto::base64_decode(jwt.substr(a + 1, b - a - 1));
  const auto s = crypto::base64_decode(jwt.substr(b + 1));
  EXPECT_TRUE(h && c && s);
  // base64url without padding, as JWS says
  EXPECT_EQ(jwt.find_first_of("+/="), std::string::npos);
  return {json::parse(h.value_or("{}"), "JWT header"), json::parse(c.value_or("{}"), "JWT claims"),
          s.value_or("")};
}

// A sleeper that records what it was asked to wait.
struct RecordingSleeper {
  std::shared_ptr<std::vector<std::chrono::milliseconds>> slept =
      std::make_shared<std::vector<std::chrono::milliseconds>>();
  [[nodiscard]] http::Sleeper fn() const {
    return [s = slept](std::chrono::milliseconds d) { s->push_back(d); };
  }
};

template <typename F>
std::pair<std::string, ErrorCode> error_of(F&& f) {
  try {
    f();
  } catch (const UnavailableError& e) {
    ADD_FAILURE() << "unexpected UnavailableError: " << e.what();
    return {e.what(), e.code()};
  } catch (const Error& e) {
    return {e.what(), e.code()};
  }
  ADD_FAILURE() << "no error was thrown";
  return {};
}

template <typename F>
std::string unavailable_of(F&& f) {
  try {
    f();
  } catch (const UnavailableError& e) {
    return e.what();
  } catch (const Error& e) {
    ADD_FAILURE() << "expected UnavailableError, got: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error was thrown";
  return {};
}

}  // namespace llmauth::testing
