// The transport's timeouts, its refusals and what it says, against a loopback server that
// misbehaves on purpose (support/loopback_server.hpp).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "llmauth/core/error.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth/core/retry.hpp"
#include "support/loopback_server.hpp"
#include "support/test_support.hpp"

namespace llmauth::http {
namespace {

using namespace std::chrono_literals;
using testing::http_response;
using testing::LoopbackConnection;
using testing::LoopbackServer;

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error("none");
}

std::string chunked_head() {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
}
std::string chunk(std::string_view data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

TEST(Timeouts, FirstByteTimeout_FiresWhenTheServerAcceptsButNeverAnswers) {
  LoopbackServer server([](LoopbackConnection& c) {
    c.read_request();
    c.pause(10s);
  });
  CurlTransport t({.loopback_only = true});
  Request r;
  r.url = server.url() + "/slow";
  r.timeout = 30s;
  r.first_byte_timeout = 1s;
  const auto started = std::chrono::steady_clock::now();
  const Error e = error_of([&] { t.send(r); });
  EXPECT_EQ(e.code(), ErrorCode::kTimeout);
  EXPECT_NE(std::string(e.what()).find("timed out: no answer within 1 s"), std::string::npos)
      << e.what();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 8s);  // not the 10 s the server waits
}

TEST(Timeouts, IdleTimeout_FailsAStalledStream) {
  LoopbackServer server([](LoopbackConnection& c) {
    c.read_request();
    c.write(chunked_head() + chunk("data: one\n\n"));
    c.pause(10s);  // then nothing
  });
  CurlTransport t({.loopback_only = true});
  Request r;
  r.url = server.url() + "/stream";
  r.timeout = 30s;
  r.idle_timeout = 1s;
  std::string got;
  const Error e = error_of([&] {
    t.send_streaming(r, [&](std::string_view piece) {
      got += piece;
      return true;
    });
  });
  EXPECT_EQ(e.code(), ErrorCode::kTimeout);
  EXPECT_NE(std::string(e.what()).find("stalled"), std::string::npos) << e.what();
  EXPECT_EQ(got, "data: one\n\n");
}

TEST(Timeouts, IdleTimeout_LetsALongHealthyStreamFinish) {
  // Six pieces 600 ms apart: 3.6 s in all, longer than the 2 s idle timeout.
  LoopbackServer server([](LoopbackConnection& c) {
    c.read_request();
    c.write(chunked_head());
    for (int i = 0; i < 6; ++i) {
      c.pause(600ms);
      c.write(chunk("data: " + std::to_string(i) + "\n\n"));
    }
    c.write("0\r\n\r\n");
  });
  CurlTransport t({.loopback_only = true});
  Request r;
  r.url = server.url() + "/stream";
  r.timeout = 60s;
  r.first_byte_timeout = 2s;
  r.idle_timeout = 2s;
  std::string got;
  const Response resp = t.send_streaming(r, [&](std::string_view piece) {
    got += piece;
    return true;
  });
  EXPECT_EQ(resp.status, 200);
  EXPECT_NE(got.find("data: 5"), std::string::npos) << got;
}

TEST(Timeouts, OversizedAnswer_IsRefusedAndNotRetried) {
  LoopbackServer server([](LoopbackConnection& c) {
    c.read_request();
    c.write(http_response(200, std::string(100000, '[')));
  });
  CurlTransport t({.loopback_only = true});
  Request r;
  r.url = server.url() + "/token";
  r.max_response_bytes = 64 * 1024;
  CallOptions options;
  options.sleep = [](std::chrono::milliseconds) {};
  const Error e = error_of([&] { call(t, r, options); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
  EXPECT_NE(std::string(e.what()).find("larger than 65536 bytes"), std::string::npos) << e.what();
  EXPECT_EQ(server.connections(), 1);
}

TEST(Timeouts, RefusedLoopbackPort_IsNotRetriedAndHasNoGuardHint) {
  CurlTransport t({.loopback_only = true});
  Request r;
  r.url = "http://127.0.0.1:9/";
  CallOptions options;
  int slept = 0;
  options.sleep = [&](std::chrono::milliseconds) { ++slept; };
  const Error e = error_of([&] { call(t, r, options); });
  EXPECT_EQ(slept, 0);
  EXPECT_FALSE(e.transient());
  EXPECT_EQ(std::string(e.what()).find("only 127.0.0.0/8"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("nothing is listening"), std::string::npos) << e.what();
}

TEST(Timeouts, Deadline_CoversEveryAttemptAndSaysHowManyWereMade) {
  // Every attempt waits 800 ms for an answer that never comes; the whole call has 2.5 s.
  LoopbackServer server([](LoopbackConnection& c) {
    c.read_request();
    c.pause(10s);
  });
  CurlTransport t({.loopback_only = true});
  Request r;
  r.url = server.url() + "/hang";
  r.timeout = 800ms;
  CallOptions options;
  options.deadline = 2500ms;
  options.retry.initial_delay = 10ms;
  const auto started = std::chrono::steady_clock::now();
  const Error e = error_of([&] { call(t, r, options); });
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(e.code(), ErrorCode::kTimeout);
  EXPECT_LT(took, 4s);
  EXPECT_GE(server.connections(), 2);
  EXPECT_NE(std::string(e.what()).find("attempts in"), std::string::npos) << e.what();
}

TEST(Timeouts, EchoedCredentialsInAnErrorAreScrubbedByTheCallsRedactor) {
  LoopbackServer server([](LoopbackConnection& c) {
    const std::string request = c.read_request();
    c.write(http_response(401, "you sent: " + request));
  });
  CurlTransport t({.loopback_only = true});
  Request r;
  r.method = "POST";
  r.url = server.url() + "/chat";
  r.headers = {{"api-key", "azure-key-0123456789abcdef"}};
  r.body = "client_secret=a%2Bb%2Fsecret%3D&x=1";
  r.sensitive.add("a+b/secret=");
  CallOptions options;
  Redactor redactor;
  options.redactor = &redactor;
  const Response resp = call(t, r, options);
  ASSERT_EQ(resp.status, 401);
  const std::string shown = redactor.scrub(resp.body, 100000);
  testing::expect_no_secret(shown, "azure-key-0123456789abcdef");
  EXPECT_EQ(shown.find("a%2Bb%2Fsecret"), std::string::npos) << shown;
  EXPECT_EQ(shown.find('\n'), std::string::npos);
}

TEST(CaBundle, MissingGarbageAndDirectoryBundlesAreNamed) {
  testing::TempDir d;
  const auto garbage = d.write("garbage.pem", "not a certificate\n");
  struct Case {
    std::string path;
    std::string expect;
  } cases[] = {{"/nonexistent/ca.pem", "no such file"},
               {garbage.string(), "holds no PEM certificate"},
               {d.path().string(), "not a regular file"}};
  for (const auto& c : cases) {
    CurlTransport t(
        {.loopback_only = true, .ca_bundle = c.path, .ca_bundle_source = "AWS_CA_BUNDLE"});
    Request r;
    r.url = "https://127.0.0.1:9/";
    const Error e = error_of([&] { t.send(r); });
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput) << c.path;
    EXPECT_NE(std::string(e.what()).find("AWS_CA_BUNDLE=" + c.path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(c.expect), std::string::npos) << e.what();
  }
}

TEST(LocalIdentityHosts, LinkLocalAndLoopbackNeverGoThroughAProxy) {
  for (const char* host : {"169.254.169.254", "169.254.170.2", "169.254.170.23", "fd00:ec2::254",
                           "[fd00:ec2::23]", "fe80::1", "127.0.0.1", "::1", "localhost"}) {
    EXPECT_TRUE(is_local_identity_host(host)) << host;
  }
  for (const char* host : {"10.0.0.1", "sts.amazonaws.com", "169.253.1.1", "fd00:ec3::1"}) {
    EXPECT_FALSE(is_local_identity_host(host)) << host;
  }
}

TEST(RedactorFor, KnowsTheCredentialHeadersAndBasicCredentials) {
  CurlTransport t({.loopback_only = true});
  Request r;
  r.headers = {{"Authorization", "Bearer tok-abcdefgh"},
               {"X-Amz-Security-Token", "sessiontoken123"},
               {"Proxy-Authorization", "Basic dXNlcjpwcm94eXBhc3M="},  // user:proxypass
               {"Content-Type", "application/json"}};
  const Redactor red = redactor_for(r, t);
  EXPECT_EQ(red.redact("tok-abcdefgh sessiontoken123 proxypass application/json"),
            "**** **** **** application/json");
}

}  // namespace
}  // namespace llmauth::http

namespace llmauth::http {
namespace {

// Sets environment variables for one test and puts the old values back.
class ScopedEnv {
 public:
  void set(const char* name, const char* value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old != nullptr ? std::optional<std::string>(old) : std::nullopt);
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        ::unsetenv(it->first.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(Proxies, RequestsToThisMachineNeverGoThroughTheProxy) {
  // A proxy that records who came, and an identity endpoint on loopback. With no_proxy unset,
  // libcurl alone would send the request (and its token header) to the proxy.
  LoopbackServer proxy([](LoopbackConnection& c) {
    c.read_request();
    c.write(http_response(502, "proxied"));
  });
  LoopbackServer endpoint([](LoopbackConnection& c) {
    c.read_request();
    c.write(http_response(200, "direct"));
  });
  ScopedEnv env;
  env.set("no_proxy", nullptr);
  env.set("NO_PROXY", nullptr);
  env.set("http_proxy", proxy.url().c_str());
  env.set("all_proxy", proxy.url().c_str());
  CurlTransport t({.loopback_only = true});
  Request r;
  r.url = endpoint.url() + "/metadata/identity/oauth2/token";
  r.headers = {{"X-IDENTITY-HEADER", "identity-header-secret"}};
  const Response resp = t.send(r);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "direct");
  EXPECT_EQ(proxy.connections(), 0);
}

TEST(Proxies, TheProxysCredentialsAreKnownToTheRedactor) {
  ScopedEnv env;
  env.set("https_proxy", "http://proxyuser:pr%40xy-pass-0123@127.0.0.1:9");
  CurlTransport t({.loopback_only = true});
  const Redactor& r = t.own_secrets();
  EXPECT_EQ(r.redact("407 for proxyuser:pr@xy-pass-0123"), "407 for ****");
  EXPECT_EQ(r.redact("pass pr%40xy-pass-0123"), "pass ****");
}

}  // namespace
}  // namespace llmauth::http
