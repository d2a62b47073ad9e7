// SigV4 behaviour beyond the official vectors (those are in sigv4_conformance_test.cpp).
#include "llmauth/aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <thread>
#include <vector>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/core/url.hpp"
#include "support/test_support.hpp"

namespace llmauth::aws {
namespace {

using std::chrono::seconds;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "FQoGZXIvYXdzEXAMPLE-session-token/with+odd=chars";

Credentials long_term() {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = Secret(kSecret);
  return c;
}

Credentials temporary() {
  Credentials c = long_term();
  c.access_key_id = "ASIAEXAMPLE";
  c.session_token = Secret(kToken);
  return c;
}

TimePoint at(const char* iso) { return timefmt::parse_iso8601(iso).value(); }

const TimePoint kWhen = at("2015-08-30T12:36:00Z");

SigV4 bedrock(SigV4Options extra = {}) {
  extra.region = "us-east-1";
  extra.service = "bedrock";
  return SigV4(std::move(extra));
}

http::Request converse(std::string body = R"({"messages":[]})") {
  http::Request r;
  r.method = "POST";
  r.url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3%3A0/converse";
  r.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  r.body = std::move(body);
  return r;
}

std::string header(const http::Request& r, std::string_view name) {
  return std::string(http::find_header(r.headers, name).value_or("<absent>"));
}

std::size_t count_headers(const http::Request& r, std::string_view name) {
  return static_cast<std::size_t>(
      std::count_if(r.headers.begin(), r.headers.end(),
                    [&](const auto& h) { return http::iequals(h.name, name); }));
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (true) {
    const auto j = s.find(sep, i);
    out.push_back(s.substr(i, j - i));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return out;
}

// ---- the classic example from the AWS documentation (IAM ListUsers) --------------------------

TEST(SigV4, AwsDocumentationExample_IamListUsers) {
  SigV4 signer({.region = "us-east-1", .service = "iam"});
  http::Request r;
  r.url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  const auto d = signer.sign(r, long_term(), kWhen);
  EXPECT_EQ(d.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(d.signed_headers, "content-type;host;x-amz-date");
  EXPECT_EQ(d.credential_scope, "20150830/us-east-1/iam/aws4_request");
  EXPECT_EQ(header(r, "Host"), "iam.amazonaws.com");
  EXPECT_EQ(header(r, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

// ---- headers ---------------------------------------------------------------------------------

TEST(SigV4, SessionToken_IsSentAndSigned) {
  auto r = converse();
  const auto d = bedrock().sign(r, temporary(), kWhen);
  EXPECT_EQ(header(r, "X-Amz-Security-Token"), kToken);
  EXPECT_EQ(d.signed_headers, "accept;content-type;host;x-amz-date;x-amz-security-token");
  // The details are for printing: the token is redacted there.
  EXPECT_NE(d.canonical_request.find("\nx-amz-security-token:****\n"), std::string::npos);
  testing::expect_no_secret(d.canonical_request, kToken);
}

TEST(SigV4, Details_NeverCarryTheSessionToken) {
  auto r = converse();
  const auto signer = bedrock();
  std::string printed;
  for (const auto& d :
       {signer.sign(r, temporary(), kWhen), signer.presign(r, temporary(), kWhen, seconds(60))}) {
    printed += d.canonical_request + d.string_to_sign + d.signed_headers + d.credential_scope;
  }
  EXPECT_NE(printed.find("X-Amz-Security-Token=****&"), std::string::npos) << printed;
  testing::expect_no_secret(printed, kToken);
  testing::expect_no_secret(printed, url::encode(kToken));
  testing::expect_no_secret(printed, kSecret);
}

TEST(SigV4, SessionToken_OmittedFromSignatureWhenAsked) {
  auto r = converse();
  const auto d = bedrock({.omit_session_token = true}).sign(r, temporary(), kWhen);
  EXPECT_EQ(header(r, "X-Amz-Security-Token"), kToken);
  EXPECT_EQ(d.signed_headers, "accept;content-type;host;x-amz-date");
}

TEST(SigV4, PayloadHash_IsTheBodySha256) {
  auto r = converse("{\"a\":1}");
  const auto d = bedrock().sign(r, long_term(), kWhen);
  const std::string want = crypto::hex(crypto::sha256("{\"a\":1}"));
  EXPECT_TRUE(d.canonical_request.ends_with("\n" + want));
  EXPECT_EQ(count_headers(r, "x-amz-content-sha256"), 0u) << "only S3-like services need it";
}

TEST(SigV4, UnsignedPayload_IsDeclaredInTheCanonicalRequest) {
  auto r = converse();
  const auto d = bedrock({.unsigned_payload = true}).sign(r, long_term(), kWhen);
  EXPECT_TRUE(d.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_EQ(count_headers(r, "x-amz-content-sha256"), 0u);
}

TEST(SigV4, UnsignedPayload_WithContentSha256Header) {
  auto r = converse();
  const auto d = bedrock({.add_content_sha256_header = true, .unsigned_payload = true})
                     .sign(r, long_term(), kWhen);
  EXPECT_EQ(header(r, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_NE(d.signed_headers.find("x-amz-content-sha256"), std::string::npos);
  EXPECT_TRUE(d.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

TEST(SigV4, ContentSha256Header_CarriesTheBodyHashAndIsSigned) {
  auto r = converse("hello");
  const auto d = bedrock({.add_content_sha256_header = true}).sign(r, long_term(), kWhen);
  const std::string want = crypto::hex(crypto::sha256("hello"));
  EXPECT_EQ(header(r, "x-amz-content-sha256"), want);
  EXPECT_EQ(d.signed_headers, "accept;content-type;host;x-amz-content-sha256;x-amz-date");
  EXPECT_TRUE(d.canonical_request.ends_with("\n" + want));
}

TEST(SigV4, ContentSha256Header_SetByTheCaller_IsThePayloadHash) {
  auto r = converse("the body is streamed later");
  r.headers.push_back({"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"});
  const auto d = bedrock().sign(r, long_term(), kWhen);
  EXPECT_TRUE(d.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_EQ(count_headers(r, "x-amz-content-sha256"), 1u);
}

TEST(SigV4, ProxyAndHopByHopHeaders_AreSentButNotSigned) {
  auto r = converse();
  const std::vector<std::string> unsigned_names = {"User-Agent",
                                                   "X-Forwarded-For",
                                                   "X-Forwarded-Proto",
                                                   "X-Amzn-Trace-Id",
                                                   "Connection",
                                                   "Keep-Alive",
                                                   "Expect",
                                                   "Proxy-Authorization",
                                                   "Proxy-Connection",
                                                   "TE",
                                                   "Transfer-Encoding",
                                                   "Upgrade"};
  for (const auto& name : unsigned_names) r.headers.push_back({name, "x"});
  r.headers.push_back({"X-Custom", "signed"});
  const auto d = bedrock().sign(r, long_term(), kWhen);
  EXPECT_EQ(d.signed_headers, "accept;content-type;host;x-amz-date;x-custom");
  for (const auto& name : unsigned_names) EXPECT_EQ(count_headers(r, name), 1u) << name;
}

TEST(SigV4, HeaderValues_AreTrimmedFoldedAndDuplicatesJoined) {
  http::Request r;
  r.url = "https://example.amazonaws.com/";
  r.headers = {{"X-B", "  two  \t words  "}, {"x-a", "first"}, {"X-A", " second "}};
  const auto d = bedrock().sign(r, long_term(), kWhen);
  EXPECT_NE(
      d.canonical_request.find("\nx-a:first,second\nx-amz-date:20150830T123600Z\nx-b:two words\n"),
      std::string::npos)
      << d.canonical_request;
  EXPECT_EQ(d.signed_headers, "host;x-a;x-amz-date;x-b");
}

TEST(SigV4, HeaderNames_AreSortedByTheirLowerCasedBytes) {
  // Names that share long prefixes and use the characters around the letters ('@', '[', '_',
  // '`', '{') and bytes above 0x7f, in random order and case: the signed list must be the
  // sorted lower-cased names.
  std::mt19937 rng(42);
  const std::string alphabet = "AZaz09-_@[`{xX\xDB\xFF";
  for (int round = 0; round < 300; ++round) {
    http::Request r;
    r.url = "https://example.amazonaws.com/";
    std::vector<std::string> want = {"host", "x-amz-date"};
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      std::string name = "x-amz-meta-";
      const int len = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < len; ++k) name += alphabet[rng() % alphabet.size()];
      if (rng() % 3 == 0) name = name.substr(rng() % 6);  // vary the shared prefix too
      if (name.empty() || name == "x-amz-date" || name == "host") continue;
      r.headers.push_back({name, "v"});
      std::string lower_name;
      for (char c : name)
        lower_name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      want.push_back(lower_name);
    }
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    std::string joined;
    for (const auto& w : want) joined += (joined.empty() ? "" : ";") + w;
    EXPECT_EQ(bedrock().sign(r, long_term(), kWhen).signed_headers, joined);
  }
}

TEST(SigV4, SignHeaders_GivesTheSameSignatureAsSign) {
  auto a = converse();
  auto b = converse();
  auto c = converse();
  const auto signer = bedrock();
  const auto d = signer.sign(a, temporary(), kWhen);
  signer.sign_headers(b, temporary(), kWhen);
  SignatureDetails filled;
  signer.sign_headers(c, temporary(), kWhen, &filled);
  EXPECT_EQ(header(a, "Authorization"), header(b, "Authorization"));
  EXPECT_EQ(a.headers.size(), b.headers.size());
  EXPECT_EQ(filled.signature, d.signature);
  EXPECT_EQ(filled.canonical_request, d.canonical_request);
  EXPECT_EQ(filled.string_to_sign, d.string_to_sign);
  EXPECT_EQ(filled.signed_headers, d.signed_headers);
  EXPECT_EQ(filled.credential_scope, d.credential_scope);
}

TEST(SigV4, ResigningReplacesTheEarlierSignature) {
  auto r = converse();
  const auto signer = bedrock();
  const auto first = signer.sign(r, temporary(), kWhen);
  const auto second = signer.sign(r, temporary(), kWhen + seconds(5));
  EXPECT_EQ(count_headers(r, "Authorization"), 1u);
  EXPECT_EQ(count_headers(r, "X-Amz-Date"), 1u);
  EXPECT_EQ(count_headers(r, "X-Amz-Security-Token"), 1u);
  EXPECT_EQ(count_headers(r, "Host"), 1u);
  EXPECT_EQ(header(r, "X-Amz-Date"), "20150830T123605Z");
  EXPECT_NE(first.signature, second.signature);
  EXPECT_EQ(first.signed_headers, second.signed_headers);
}

// ---- Host and the canonical URI --------------------------------------------------------------

struct HostCase {
  const char* url;
  const char* host;
};

TEST(SigV4, HostHeader_CarriesThePortOnlyWhenNotTheDefault) {
  const HostCase cases[] = {
      {"https://Example.AmazonAWS.com/", "example.amazonaws.com"},
      {"https://example.amazonaws.com:443/", "example.amazonaws.com"},
      {"https://example.amazonaws.com:8443/x", "example.amazonaws.com:8443"},
      {"http://127.0.0.1:80/", "127.0.0.1"},
      {"http://127.0.0.1:4566/echo/", "127.0.0.1:4566"},
      {"http://127.0.0.1:443/", "127.0.0.1:443"},
      {"http://[::1]:8080/", "[::1]:8080"},
      {"https://[::1]/", "[::1]"},
      {"https://example.amazonaws.com?a=b", "example.amazonaws.com"},
  };
  for (const auto& c : cases) {
    http::Request r;
    r.url = c.url;
    const auto d = bedrock().sign(r, long_term(), kWhen);
    EXPECT_EQ(header(r, "Host"), c.host) << c.url;
    EXPECT_NE(d.canonical_request.find(std::string("\nhost:") + c.host + "\n"), std::string::npos);
  }
}

TEST(SigV4, HostHeader_GivenByTheCallerIsKept) {
  http::Request r;
  r.url = "http://127.0.0.1:4566/";
  r.headers = {{"Host", "bedrock-runtime.us-east-1.amazonaws.com"}};
  const auto d = bedrock().sign(r, long_term(), kWhen);
  EXPECT_EQ(count_headers(r, "Host"), 1u);
  EXPECT_NE(d.canonical_request.find("\nhost:bedrock-runtime.us-east-1.amazonaws.com\n"),
            std::string::npos);
}

TEST(SigV4, Path_IsEncodedTwiceExceptForS3) {
  auto r = converse();
  const auto twice = bedrock().sign(r, long_term(), kWhen);
  EXPECT_TRUE(
      twice.canonical_request.starts_with("POST\n/model/anthropic.claude-3%253A0/converse\n\n"));

  auto s3 = converse();
  SigV4 signer({.region = "us-east-1",
                .service = "s3",
                .normalize_path = false,
                .double_encode_path = false});
  const auto once = signer.sign(s3, long_term(), kWhen);
  EXPECT_TRUE(
      once.canonical_request.starts_with("POST\n/model/anthropic.claude-3%3A0/converse\n\n"));
}

TEST(SigV4, Path_IsNormalized) {
  const std::pair<const char*, const char*> cases[] = {
      {"/", "/"},
      {"", "/"},
      {"/a/./b/../c", "/a/c"},
      {"//a//b//", "/a/b/"},
      {"/a/..", "/"},
      {"/../..", "/"},
      {"/a/b/.", "/a/b"},
      {"/a/", "/a/"},
      {"/a b/ü", "/a%20b/%C3%BC"},
  };
  for (const auto& [path, want] : cases) {
    http::Request r;
    r.url = std::string("https://example.amazonaws.com") + path;
    const auto d = bedrock().sign(r, long_term(), kWhen);
    EXPECT_TRUE(d.canonical_request.starts_with(std::string("GET\n") + want + "\n"))
        << path << " -> " << d.canonical_request.substr(0, d.canonical_request.find('\n', 4));
  }
}

TEST(SigV4, Query_IsDecodedEncodedAndSorted) {
  http::Request r;
  r.url = "https://example.amazonaws.com/?b=2&a=z&a=y&c&space=a%20b&plus=a+b&tilde=%7E&slash=a/b";
  const auto d = bedrock().sign(r, long_term(), kWhen);
  const auto lines = split(d.canonical_request, '\n');
  ASSERT_GT(lines.size(), 2u);
  EXPECT_EQ(lines[2], "a=y&a=z&b=2&c=&plus=a%2Bb&slash=a%2Fb&space=a%20b&tilde=~");
}

// ---- presign -------------------------------------------------------------------------------

TEST(SigV4, Presign_PutsTheSignatureInTheQueryAndKeepsTheOriginalParameters) {
  http::Request r;
  r.url = "https://example.amazonaws.com/path?Action=Thing&list=a%2Cb#fragment";
  const auto d = bedrock().presign(r, temporary(), kWhen, seconds(900));
  ASSERT_TRUE(r.url.starts_with("https://example.amazonaws.com/path?"));
  const auto params = url::parse_query(r.url.substr(r.url.find('?') + 1));
  std::vector<std::string> keys;
  for (const auto& [k, v] : params) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"Action", "X-Amz-Algorithm", "X-Amz-Credential",
                                            "X-Amz-Date", "X-Amz-Expires", "X-Amz-Security-Token",
                                            "X-Amz-Signature", "X-Amz-SignedHeaders", "list"}));
  auto value = [&](const std::string& k) {
    for (const auto& [key, v] : params) {
      if (key == k) return v;
    }
    return std::string("<absent>");
  };
  EXPECT_EQ(value("Action"), "Thing");
  EXPECT_EQ(value("list"), "a,b");
  EXPECT_EQ(value("X-Amz-Expires"), "900");
  EXPECT_EQ(value("X-Amz-Security-Token"), kToken);
  EXPECT_EQ(value("X-Amz-Signature"), d.signature);
  EXPECT_EQ(value("X-Amz-Credential"), "ASIAEXAMPLE/20150830/us-east-1/bedrock/aws4_request");
  EXPECT_EQ(d.signed_headers, "host");
  EXPECT_TRUE(r.headers.empty());
}

TEST(SigV4, Presign_AgainReplacesTheEarlierSignature) {
  http::Request r;
  r.url = "https://example.amazonaws.com/?x=1";
  const auto signer = bedrock();
  signer.presign(r, long_term(), kWhen, seconds(60));
  const auto d = signer.presign(r, long_term(), kWhen, seconds(60));
  EXPECT_EQ(std::count(r.url.begin(), r.url.end(), '&'), 6) << "x + 5 X-Amz-* + signature";
  EXPECT_NE(r.url.find("X-Amz-Signature=" + d.signature), std::string::npos);
}

TEST(SigV4, Presign_RejectsLifetimesOutsideOneSecondToSevenDays) {
  for (const auto s : {seconds(0), seconds(-5), seconds(604801)}) {
    http::Request r;
    r.url = "https://example.amazonaws.com/";
    try {
      bedrock().presign(r, long_term(), kWhen, s);
      ADD_FAILURE() << s.count();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    }
  }
  http::Request r;
  r.url = "https://example.amazonaws.com/";
  EXPECT_NO_THROW(bedrock().presign(r, long_term(), kWhen, seconds(604800)));
}

TEST(SigV4, Presign_SignsTheBodyHashLikeTheVectors) {
  http::Request r;
  r.method = "POST";
  r.url = "https://example.amazonaws.com/";
  r.body = "Param1=value1";
  const auto d = bedrock().presign(r, long_term(), kWhen, seconds(60));
  EXPECT_TRUE(d.canonical_request.ends_with("\n" + crypto::hex(crypto::sha256("Param1=value1"))));
  const auto u = bedrock({.unsigned_payload = true}).presign(r, long_term(), kWhen, seconds(60));
  EXPECT_TRUE(u.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

// ---- the key cache across threads ----------------------------------------------------------

TEST(SigV4, KeyCache_SharedAcrossThreads_GivesTheSameSignatures) {
  // Two credentials and two days, so the cached key keeps changing under the threads' feet.
  Credentials other = long_term();
  other.access_key_id = "AKIDOTHER";
  other.secret_access_key = Secret("another/secret+key");
  const Credentials creds[] = {long_term(), temporary(), other};
  constexpr int kPerThread = 1000;
  constexpr int kThreads = 8;

  auto request_for = [](int i) {
    http::Request r = converse("{\"n\":" + std::to_string(i) + "}");
    r.headers.push_back({"X-Index", std::to_string(i)});
    return r;
  };
  auto when_for = [](int i) { return kWhen + std::chrono::hours(20 * (i % 3)) + seconds(i); };
  auto creds_for = [&](int i) -> const Credentials& { return creds[(i / 7) % 3]; };

  std::vector<std::string> expected(kPerThread);
  for (int i = 0; i < kPerThread; ++i) {
    auto r = request_for(i);
    expected[i] = bedrock().sign(r, creds_for(i), when_for(i)).signature;  // fresh key each time
  }

  const SigV4 shared = bedrock();
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        const int i = (k + t * 131) % kPerThread;
        auto r = request_for(i);
        if (shared.sign(r, creds_for(i), when_for(i)).signature != expected[i]) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

// ---- errors --------------------------------------------------------------------------------

TEST(SigV4, Construction_RequiresRegionAndService) {
  for (const auto& [region, service] : std::vector<std::pair<std::string, std::string>>{
           {"", "bedrock"}, {"us-east-1", ""}, {"us east 1", "bedrock"}, {"us-east-1", "a/b"}}) {
    try {
      SigV4 s({.region = region, .service = service});
      ADD_FAILURE() << region << "/" << service;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
      EXPECT_NE(std::string(e.what()).find("SigV4"), std::string::npos);
    }
  }
}

TEST(SigV4, BadUrls_AreInvalidInput) {
  const char* urls[] = {"",
                        "example.amazonaws.com/",
                        "ftp://example.amazonaws.com/",
                        "https:///path",
                        "https://user:pw@example.amazonaws.com/",
                        "https://example.amazonaws.com:99999/",
                        "https://example.amazonaws.com:0/",
                        "https://example.amazonaws.com:/",
                        "https://example.amazonaws.com:x/",
                        "https://[::1/",
                        "https://[::1]x/"};
  for (const char* u : urls) {
    for (const bool pre : {false, true}) {
      http::Request r;
      r.url = u;
      try {
        if (pre) {
          bedrock().presign(r, long_term(), kWhen, seconds(60));
        } else {
          bedrock().sign(r, long_term(), kWhen);
        }
        ADD_FAILURE() << "accepted " << u;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kInvalidInput) << u;
      }
    }
  }
}

TEST(SigV4, CredentialsWithoutKeys_AreInvalidInput) {
  Credentials no_id = long_term();
  no_id.access_key_id.clear();
  Credentials no_secret = long_term();
  no_secret.secret_access_key = Secret();
  for (const auto& c : {no_id, no_secret}) {
    auto r = converse();
    EXPECT_THROW(bedrock().sign(r, c, kWhen), Error);
  }
}

TEST(SigV4, NoSecretInAnyExceptionText) {
  std::string all;
  auto collect = [&](auto&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      all += e.what();
      all += '\n';
    }
  };
  const Credentials creds = temporary();
  // A URL whose query carries the token (a presigned URL being re-signed) and is malformed.
  const std::string leaky =
      std::string("https://example.amazonaws.com:bad/?X-Amz-Security-Token=") +
      url::encode(kToken) + "&secret=" + url::encode(kSecret);
  collect([&] {
    http::Request r;
    r.url = leaky;
    bedrock().sign(r, creds, kWhen);
  });
  collect([&] {
    http::Request r;
    r.url = leaky;
    bedrock().presign(r, creds, kWhen, seconds(60));
  });
  collect([&] {
    http::Request r;
    r.url = "https://example.amazonaws.com/";
    bedrock().presign(r, creds, kWhen, seconds(0));
  });
  collect([&] {
    Credentials c = creds;
    c.access_key_id = "ASIA/BAD";
    http::Request r;
    r.url = "https://example.amazonaws.com/";
    bedrock().sign(r, c, kWhen);
  });
  collect([&] {
    Credentials c = creds;
    c.secret_access_key = Secret();
    http::Request r;
    r.url = "https://example.amazonaws.com/";
    bedrock().sign(r, c, kWhen);
  });
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 5) << all;
  testing::expect_no_secret(all, kSecret);
  testing::expect_no_secret(all, url::encode(kSecret));
  testing::expect_no_secret(all, kToken);
  testing::expect_no_secret(all, url::encode(kToken));
}

}  // namespace
}  // namespace llmauth::aws
