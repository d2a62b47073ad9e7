// The official SigV4 test suite (tests/data/aws-signing-test-suite/v4, from aws-c-auth): every
// case signed in both forms, compared with the expected canonical request, string to sign,
// signature and signed request.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/core/url.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

namespace fs = std::filesystem;

const fs::path kSuiteDir = fs::path(LLMAUTH_SOURCE_DIR) / "tests/data/aws-signing-test-suite/v4";
constexpr std::size_t kSuiteCases = 38;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The expected files have no trailing newline, the signed requests end in blank lines.
std::string read_expected(const fs::path& p) {
  std::string s = read_file(p);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::vector<std::string> discover_cases() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kSuiteDir, ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "request.txt")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// request.txt: "METHOD PATH HTTP/1.1", header lines ("Name:value"; a line that starts with
// whitespace continues the previous value), a blank line, the body. The path may contain
// spaces (get-space-*), so the method ends at the first space and the version starts at the last.
http::Request parse_request(const std::string& text) {
  http::Request req;
  std::size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos > text.size()) return false;
    const auto nl = text.find('\n', pos);
    line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    return true;
  };
  std::string line;
  if (!next_line(line)) throw std::runtime_error("request.txt: empty");
  const auto first_space = line.find(' ');
  const auto last_space = line.rfind(' ');
  if (first_space == std::string::npos || last_space <= first_space) {
    throw std::runtime_error("request.txt: bad request line");
  }
  req.method = line.substr(0, first_space);
  const std::string target = line.substr(first_space + 1, last_space - first_space - 1);

  std::string host;
  while (next_line(line)) {
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      if (req.headers.empty()) throw std::runtime_error("request.txt: continuation first");
      req.headers.back().value += "\n" + line;  // the signer folds it
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) throw std::runtime_error("request.txt: bad header " + line);
    req.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
    if (http::iequals(req.headers.back().name, "host")) host = req.headers.back().value;
  }
  if (pos <= text.size()) req.body = text.substr(pos);
  if (host.empty()) throw std::runtime_error("request.txt: no Host header");
  req.url = "https://" + host + target;
  return req;
}

struct Context {
  Credentials credentials;
  SigV4Options options;
  TimePoint when;
  std::chrono::seconds expires{0};
};

Context parse_context(const std::string& text) {
  const auto j = json::parse(text, "context.json");
  Context c;
  const auto& creds = j.at("credentials");
  c.credentials.access_key_id = creds.at("access_key_id").get<std::string>();
  c.credentials.secret_access_key = Secret(creds.at("secret_access_key").get<std::string>());
  if (creds.contains("token"))
    c.credentials.session_token = Secret(creds["token"].get<std::string>());
  c.options.region = j.at("region").get<std::string>();
  c.options.service = j.at("service").get<std::string>();
  c.options.normalize_path = j.value("normalize", true);
  c.options.double_encode_path = true;  // every case in the suite; only S3 turns it off
  c.options.add_content_sha256_header = j.value("sign_body", false);
  c.options.omit_session_token = j.value("omit_session_token", false);
  const auto when = timefmt::parse_iso8601(j.at("timestamp").get<std::string>());
  if (!when) throw std::runtime_error("context.json: bad timestamp");
  c.when = *when;
  c.expires = std::chrono::seconds(j.at("expiration_in_seconds").get<long long>());
  return c;
}

// The value of "Authorization:" in a signed request file.
std::string authorization_of(const std::string& signed_request) {
  const std::string key = "\nAuthorization:";
  const auto at = signed_request.find(key);
  if (at == std::string::npos) return {};
  const auto end = signed_request.find('\n', at + key.size());
  return signed_request.substr(at + key.size(), end - at - key.size());
}

// Path and decoded query parameters (sorted) of a request target or URL.
std::pair<std::string, url::Params> target_parts(std::string_view target) {
  const auto q = target.find('?');
  std::string path(target.substr(0, q));
  url::Params params =
      q == std::string_view::npos ? url::Params{} : url::parse_query(target.substr(q + 1));
  std::sort(params.begin(), params.end());
  return {path, params};
}

std::string target_of_signed_request(const std::string& signed_request) {
  const std::string first = signed_request.substr(0, signed_request.find('\n'));
  const auto a = first.find(' ');
  const auto b = first.rfind(' ');
  return first.substr(a + 1, b - a - 1);
}

// SignatureDetails show a session token as "****" (they are for printing); the expected
// canonical request is redacted the same way. The string to sign, which hashes the real
// canonical request, is compared unredacted: it proves the token was there.
std::string redact_token(std::string text, std::string_view field, const std::string& token) {
  if (token.empty()) return text;
  const std::string needle = std::string(field) + token;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at)) {
    text.replace(at + field.size(), token.size(), "****");
  }
  return text;
}

class SigV4Conformance : public ::testing::TestWithParam<std::string> {
 protected:
  [[nodiscard]] fs::path dir() const { return kSuiteDir / GetParam(); }
  [[nodiscard]] std::string expected(const char* name) const { return read_expected(dir() / name); }
};

TEST_P(SigV4Conformance, HeaderForm) {
  http::Request req = parse_request(read_file(dir() / "request.txt"));
  const Context ctx = parse_context(read_file(dir() / "context.json"));
  const SigV4 signer(ctx.options);

  const SignatureDetails d = signer.sign(req, ctx.credentials, ctx.when);

  const std::string token(ctx.credentials.session_token.reveal());
  EXPECT_EQ(d.canonical_request, redact_token(expected("header-canonical-request.txt"),
                                              "\nx-amz-security-token:", token));
  EXPECT_EQ(d.string_to_sign, expected("header-string-to-sign.txt"));
  EXPECT_EQ(d.signature, expected("header-signature.txt"));
  const auto authorization = http::find_header(req.headers, "Authorization");
  ASSERT_TRUE(authorization.has_value());
  EXPECT_EQ(*authorization, authorization_of(read_file(dir() / "header-signed-request.txt")));
  EXPECT_EQ(http::find_header(req.headers, "X-Amz-Date").value_or(""), "20150830T123600Z");
  if (ctx.credentials.has_session_token()) {
    EXPECT_EQ(http::find_header(req.headers, "X-Amz-Security-Token").value_or(""),
              ctx.credentials.session_token.reveal());
  }
}

TEST_P(SigV4Conformance, QueryForm) {
  http::Request req = parse_request(read_file(dir() / "request.txt"));
  const Context ctx = parse_context(read_file(dir() / "context.json"));
  const SigV4 signer(ctx.options);
  const auto headers_before = req.headers.size();

  const SignatureDetails d = signer.presign(req, ctx.credentials, ctx.when, ctx.expires);

  const std::string token = url::encode(ctx.credentials.session_token.reveal());
  EXPECT_EQ(d.canonical_request,
            redact_token(expected("query-canonical-request.txt"), "X-Amz-Security-Token=", token));
  EXPECT_EQ(d.string_to_sign, expected("query-string-to-sign.txt"));
  EXPECT_EQ(d.signature, expected("query-signature.txt"));
  EXPECT_EQ(req.headers.size(), headers_before) << "presign must not add headers";

  // The URL carries the same parameters as the suite's signed request (order aside).
  const std::string prefix = "https://example.amazonaws.com";
  ASSERT_EQ(req.url.substr(0, prefix.size()), prefix);
  const auto [path, params] = target_parts(std::string_view(req.url).substr(prefix.size()));
  const auto [want_path, want_params] =
      target_parts(target_of_signed_request(read_file(dir() / "query-signed-request.txt")));
  EXPECT_EQ(path, want_path);
  EXPECT_EQ(params, want_params);
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Suite, SigV4Conformance, ::testing::ValuesIn(discover_cases()), test_name);

TEST(SigV4ConformanceSuite, HasAllCases) { EXPECT_EQ(discover_cases().size(), kSuiteCases); }

}  // namespace
}  // namespace llmauth::aws
