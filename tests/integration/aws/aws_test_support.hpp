// Helpers for AWS integration tests: emulator-backed ambients and the echo check.
#pragma once

#include <map>
#include <string>

#include "llmauth/aws/credentials.hpp"
#include "llmauth/aws/sigv4.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {

// The emulator's long-term key as Credentials.
inline aws::Credentials emulator_user() {
  aws::Credentials c;
  c.access_key_id = kEmulatorAccessKey;
  c.secret_access_key = Secret(kEmulatorSecretKey);
  c.source = "test";
  return c;
}

// test_ambient with STS pointed at the emulator.
inline Ambient emulator_ambient(std::map<std::string, std::string> env = {}) {
  env.try_emplace("AWS_ENDPOINT_URL_STS", Emulator::get().http_url());
  env.try_emplace("AWS_REGION", "us-east-1");
  return test_ambient(std::move(env));
}

// Signs a small POST with `creds` and sends it to the emulator's echo endpoint, which verifies
// it with @smithy/signature-v4. Returns the HTTP status (200 = valid).
inline int echo_status(const aws::Credentials& creds, std::string* body_out = nullptr) {
  http::Request req;
  req.method = "POST";
  req.url = Emulator::get().http_url() + "/echo/model/test/converse";
  req.body = R"({"messages":[]})";
  req.headers.push_back({"Content-Type", "application/json"});
  aws::SigV4 signer({.region = "us-east-1", .service = "bedrock"});
  signer.sign(req, creds, std::chrono::system_clock::now());
  const auto resp = test_transport()->send(req);
  if (body_out != nullptr) *body_out = resp.body;
  return resp.status;
}

}  // namespace llmauth::testing
