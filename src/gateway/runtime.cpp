#include "llmauth/gateway/runtime.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>

#include "llmauth/core/error.hpp"
#include "llmauth/llm/client_factory.hpp"

namespace llmauth::gateway {

Runtime::Runtime(const Ambient& ambient, const config::ProviderFile& file, KeySet keys,
                 FetchObserver observer)
    : aliases_(file.models), keys_(std::move(keys)) {
  // A factory per runtime: a reloaded or edited provider never serves its old credential.
  llm::ClientFactory factory(ambient);
  for (const auto& p : file.providers) {
    auto rt = std::make_unique<ProviderRuntime>();
    rt->config = p;
    rt->type = std::string(p.type());
    rt->endpoint = factory.endpoint(p);
    rt->call = factory.call_options(p);
    if (const auto* azure = std::get_if<config::AzureOpenAI>(&p.spec)) {
      rt->default_model = azure->deployment.value_or("");
    } else {
      rt->default_model = std::get<config::Bedrock>(p.spec).model.value_or("");
    }
    rt->credential = std::make_shared<CredentialRuntime>(p.name, factory.authorizer(p),
                                                         ambient.clock_ptr(), observer);
    by_name_.emplace(p.name, rt.get());
    providers_.push_back(std::move(rt));
  }
}

void Runtime::start() const {
  for (const auto& p : providers_) p->credential->start();
}

bool Runtime::wait_for_first_fetches(std::chrono::milliseconds limit) const {
  struct Waiting {
    std::mutex mutex;
    std::condition_variable cv;
    std::size_t left = 0;
  };
  // Shared with the callbacks, which may run after a timed-out wait has returned.
  auto waiting = std::make_shared<Waiting>();
  std::vector<CredentialRuntime*> pending;
  for (const auto& p : providers_) {
    if (p->credential->status().state == "pending") pending.push_back(p->credential.get());
  }
  waiting->left = pending.size();
  for (auto* c : pending) {
    c->when_fetched([waiting] {
      std::lock_guard lock(waiting->mutex);
      --waiting->left;
      waiting->cv.notify_all();
    });
  }
  std::unique_lock lock(waiting->mutex);
  return waiting->cv.wait_for(lock, limit, [&] { return waiting->left == 0; });
}

const ProviderRuntime* Runtime::provider(const std::string& name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::optional<ModelRoute> Runtime::route(const std::string& model) const {
  for (const auto& a : aliases_) {
    if (a.name == model) {
      if (const auto* p = provider(a.provider)) return ModelRoute{p, a.model};
      return std::nullopt;
    }
  }
  const auto slash = model.find('/');
  if (slash != std::string::npos) {
    if (const auto* p = provider(model.substr(0, slash))) {
      std::string id = model.substr(slash + 1);
      if (id.empty()) id = p->default_model;
      if (id.empty()) return std::nullopt;
      return ModelRoute{p, std::move(id)};
    }
    return std::nullopt;
  }
  if (const auto* p = provider(model); p != nullptr && !p->default_model.empty()) {
    return ModelRoute{p, p->default_model};
  }
  return std::nullopt;
}

}  // namespace llmauth::gateway
