// Signs an HTTP request with SigV4, with AWS credentials from the default chain (environment,
// profiles, SSO, web identity, container, IMDS — as the AWS CLI finds them).
//
//   sign_request URL [REGION] [SERVICE]
//
// Prints the signed request's headers, but not Authorization's signature or a session token:
// a signed request is good for minutes, treat it as a secret.
#include <cctype>
#include <exception>
#include <iostream>
#include <string>

#include "llmauth/aws/credentials/default_chain.hpp"
#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/http.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sign_request URL [REGION] [SERVICE]\n";
    return 2;
  }
  try {
    const llmauth::Ambient ambient = llmauth::Ambient::system();
    llmauth::aws::DefaultChain chain(ambient);
    const auto credentials = chain.resolve();  // throws ChainError naming every source tried

    llmauth::aws::SigV4 signer(
        {.region = argc > 2 ? argv[2] : "us-east-1", .service = argc > 3 ? argv[3] : "bedrock"});
    llmauth::http::Request request;
    request.method = "GET";
    request.url = argv[1];
    const auto details = signer.sign(request, *credentials, ambient.now());

    std::cout << "credentials: " << credentials->source << "\n"
              << "scope: " << details.credential_scope << "\n"
              << "signed headers: " << details.signed_headers << "\n";
    for (const auto& header : request.headers) {
      std::string name = header.name;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "authorization" || name == "x-amz-security-token") continue;
      std::cout << header.name << ": " << header.value << "\n";
    }
    return 0;
  } catch (const std::exception& e) {  // llmauth's messages never hold a secret
    std::cerr << "sign_request: " << e.what() << "\n";
    return 1;
  }
}
