// SigV4 over arbitrary requests: the input is "URL\nName: value\n…\n\nbody". Signing and
// presigning either succeed or throw Error(kInvalidInput); they never crash.
#include <cstdint>
#include <string>

#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto end_of_head = input.find("\n\n");
  const std::string head = input.substr(0, end_of_head);
  llmauth::http::Request req;
  req.method = "POST";
  if (end_of_head != std::string::npos) req.body = input.substr(end_of_head + 2);
  std::size_t pos = 0;
  bool first = true;
  while (pos <= head.size()) {
    auto nl = head.find('\n', pos);
    if (nl == std::string::npos) nl = head.size();
    const std::string line = head.substr(pos, nl - pos);
    if (first) {
      req.url = line;
      first = false;
    } else if (const auto colon = line.find(':'); colon != std::string::npos) {
      req.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
    }
    pos = nl + 1;
  }
  llmauth::aws::Credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key = llmauth::Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  creds.session_token = llmauth::Secret("token");
  static const llmauth::aws::SigV4 signer({.region = "us-east-1", .service = "bedrock"});
  const auto when = llmauth::TimePoint(std::chrono::seconds(1440938160));
  try {
    auto copy = req;
    (void)signer.sign(copy, creds, when);
  } catch (const llmauth::Error&) {
  }
  try {
    auto copy = req;
    (void)signer.presign(copy, creds, when, std::chrono::seconds(300));
  } catch (const llmauth::Error&) {
  }
  return 0;
}
