// Gets a Microsoft Entra token for Azure OpenAI as DefaultAzureCredential does (environment,
// workload identity, managed identity, the Azure CLI, the Azure Developer CLI), and says which
// credential gave it and until when. The token itself is never printed.
//
//   azure_token [SCOPE]
#include <exception>
#include <iostream>

#include "llmauth/azure/credentials/default_azure_credential.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/time_format.hpp"

int main(int argc, char** argv) {
  try {
    llmauth::azure::DefaultAzureCredential credential(llmauth::Ambient::system());
    const auto token = credential.get_token(
        {.scopes = {argc > 1 ? argv[1] : "https://cognitiveservices.azure.com/.default"}});
    // token->token is a llmauth::Secret: reveal() it only where it is sent.
    std::cout << "credential: " << token->credential << "\n"
              << "expires: " << llmauth::timefmt::format_iso8601(token->expires_on) << "\n"
              << "length: " << token->token.reveal().size() << " characters\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "azure_token: " << e.what() << "\n";
    return 1;
  }
}
