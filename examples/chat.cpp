// Chats with a provider of a provider config (docs/config.md): Azure OpenAI or Bedrock, with
// whichever auth method the config names. The client refreshes its credential by itself.
//
//   chat providers.json PROVIDER "a question"
#include "llmauth/llm/chat.hpp"

#include <exception>
#include <iostream>

#include "llmauth/config/provider_config.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/llm/client_factory.hpp"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: chat providers.json PROVIDER \"a question\"\n";
    return 2;
  }
  try {
    const llmauth::Ambient ambient = llmauth::Ambient::system();
    const auto config = llmauth::config::load_providers(ambient, argv[1]);
    const auto* provider = config.find(argv[2]);
    if (provider == nullptr) {
      std::cerr << "chat: no provider named " << argv[2] << " in " << argv[1] << "\n";
      return 2;
    }
    llmauth::llm::ClientFactory factory(ambient);
    llmauth::llm::ChatRequest request;
    request.messages = {llmauth::llm::Message::user(argv[3])};
    request.max_tokens = 200;
    const auto response = factory.client(*provider)->chat(request);
    std::cout << response.message.content << "\n";
    if (response.usage) {
      std::cerr << "(" << response.usage->prompt_tokens << " + "
                << response.usage->completion_tokens << " tokens, " << response.finish_reason
                << ")\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "chat: " << e.what() << "\n";
    return 1;
  }
}
