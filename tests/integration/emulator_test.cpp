#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

TEST(Emulator, AnswersOnLoopbackOverHttpAndVerifiedHttps) {
  auto& emu = Emulator::get();
  emu.reset();
  http::Request req;
  req.url = emu.https_url() + "/__control/counters";
  const auto resp = test_transport()->send(req);
  EXPECT_EQ(resp.status, 200);
}

TEST(Emulator, HttpsWithoutTheTestCaIsRejected) {
  auto& emu = Emulator::get();
  http::TransportOptions options;
  options.loopback_only = true;
  http::CurlTransport untrusting(options);
  http::Request req;
  req.url = emu.https_url() + "/__control/counters";
  EXPECT_THROW(untrusting.send(req), Error);
}

}  // namespace
}  // namespace llmauth::testing
