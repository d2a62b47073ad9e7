#include "llmauth/core/http.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"

namespace llmauth::http {
namespace {

Error send_error(Transport& t, const std::string& url) {
  Request r;
  r.url = url;
  r.connect_timeout = std::chrono::milliseconds(500);
  r.timeout = std::chrono::milliseconds(1000);
  try {
    t.send(r);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << url;
  return Error("none");
}

// Behind the guard, every test process routes non-loopback destinations to a closed loopback
// port (support/test_support.cpp), so even a broken guard could not reach these addresses.
TEST(CurlTransport, TestProcessesCarryTheProxyTrap) {
  for (const auto& [name, value] : testing::proxy_trap_environment()) {
    const char* set = std::getenv(name.c_str());
    ASSERT_NE(set, nullptr) << name;
    EXPECT_EQ(std::string(set), value) << name;
  }
  EXPECT_EQ(std::string(std::getenv("all_proxy")), "http://127.0.0.1:9");
}

TEST(CurlTransport, LoopbackGuardRefusesMetadataAddressesWithoutConnecting) {
  CurlTransport t({.loopback_only = true});
  for (const char* url : {"http://169.254.169.254/latest/api/token", "http://169.254.170.2/creds",
                          "https://login.microsoftonline.com/x", "http://10.0.0.1/",
                          "http://[fd00:ec2::254]/"}) {
    const Error e = send_error(t, url);
    EXPECT_EQ(e.code(), ErrorCode::kRefused) << url;
    EXPECT_NE(std::string(e.what()).find("loopback-only guard"), std::string::npos);
  }
}

TEST(CurlTransport, LoopbackGuardAllowsLoopback) {
  CurlTransport t({.loopback_only = true});
  // Port 9 (discard) on loopback: nothing listens, so the connection is refused — by the
  // kernel, not by the guard.
  const Error e = send_error(t, "http://127.0.0.1:9/");
  EXPECT_EQ(e.code(), ErrorCode::kNetwork);
}

TEST(CurlTransport, QueryIsNotEchoedInErrors) {
  CurlTransport t({.loopback_only = true});
  const Error e = send_error(t, "http://127.0.0.1:9/x?X-Amz-Signature=deadbeefcafe");
  EXPECT_EQ(std::string(e.what()).find("deadbeefcafe"), std::string::npos) << e.what();
}

TEST(CurlTransport, HeaderInjectionIsRefused) {
  CurlTransport t({.loopback_only = true});
  Request r;
  r.url = "http://127.0.0.1:9/";
  r.headers.push_back({"X-Test", "a\r\nInjected: yes"});
  try {
    t.send(r);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
  }
}

TEST(Headers, ReservedHeadersAreTheCredentialAndFramingOnes) {
  for (const char* name : {"Authorization", "api-key", "API-KEY", "X-Amz-Date", "x-amz-security-token",
                           "x-amz-anything", "Host", "content-length", "Transfer-Encoding",
                           "Connection", "Cookie", "Proxy-Authorization"}) {
    EXPECT_TRUE(is_reserved_header(name)) << name;
  }
  for (const char* name : {"X-Team", "x-amzn-trace-id", "User-Agent", "x-am", "anthropic-beta"}) {
    EXPECT_FALSE(is_reserved_header(name)) << name;
  }
}

TEST(Headers, LookupIsCaseInsensitive) {
  Headers h = {{"Content-Type", "a"}, {"X-Amz-Date", "b"}};
  EXPECT_EQ(find_header(h, "content-type"), "a");
  EXPECT_EQ(find_header(h, "X-AMZ-DATE"), "b");
  EXPECT_FALSE(find_header(h, "authorization"));
}

TEST(Headers, LoggableUrlDropsTheQuery) {
  EXPECT_EQ(loggable_url("https://h/p?X-Amz-Signature=abc"), "https://h/p?…");
  EXPECT_EQ(loggable_url("https://h/p"), "https://h/p");
}

}  // namespace
}  // namespace llmauth::http
