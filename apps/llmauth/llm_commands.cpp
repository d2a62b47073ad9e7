// `llmauth providers validate|test` and `llmauth chat`: provider configs, and calls to the models
// they describe.
#include <chrono>
#include <iostream>
#include <iterator>

#include "cli.hpp"
#include "llmauth/config/provider_config.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/llm/client_factory.hpp"

namespace llmauth::cli {
namespace {

json::Json usage_json(const std::optional<llm::Usage>& u) {
  if (!u) return nullptr;
  return {{"prompt_tokens", u->prompt_tokens},
          {"completion_tokens", u->completion_tokens},
          {"total_tokens", u->total_tokens}};
}

json::Json response_json(const llm::ChatResponse& r, std::string_view provider) {
  json::Json message = {{"role", "assistant"}, {"content", r.message.content}};
  if (!r.message.tool_calls.empty()) {
    json::Json calls = json::Json::array();
    for (const auto& c : r.message.tool_calls) {
      calls.push_back({{"id", c.id},
                       {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  return {
      {"id", r.id},
      {"object", "chat.completion"},
      {"model", r.model},
      {"provider", provider},
      {"choices",
       json::Json::array(
           {{{"index", 0}, {"message", std::move(message)}, {"finish_reason", r.finish_reason}}})},
      {"usage", usage_json(r.usage)}};
}

json::Json delta_json(const llm::StreamDelta& d) {
  json::Json j = json::Json::object();
  if (!d.content.empty()) j["content"] = d.content;
  if (!d.tool_calls.empty()) {
    json::Json calls = json::Json::array();
    for (const auto& c : d.tool_calls) {
      json::Json call = {{"index", c.index}};
      if (!c.id.empty()) call["id"] = c.id;
      if (!c.name.empty()) call["name"] = c.name;
      if (!c.arguments.empty()) call["arguments"] = c.arguments;
      calls.push_back(std::move(call));
    }
    j["tool_calls"] = std::move(calls);
  }
  if (d.finish_reason) j["finish_reason"] = *d.finish_reason;
  if (d.usage) j["usage"] = usage_json(d.usage);
  return {{"delta", std::move(j)}};
}

// A warning when a credential that cannot be renewed has less than this left.
constexpr std::chrono::hours kRenewalWarning{1};

// The health line under a provider `providers test` reached: when its credential runs out and
// whether llmauth renews it (nothing for keys and tokens that do not say).
void print_lifetime(std::ostream& out, const llm::CredentialLifetime& lifetime, TimePoint now) {
  if (!lifetime.expires_at) return;
  const TimePoint at = *lifetime.expires_at;
  const std::string when = "the credential " + timefmt::describe_remaining(at, now) + " (" +
                           timefmt::format_iso8601(at) + ")";
  if (lifetime.renewed) {
    out << "        " << when << ", then llmauth renews it\n";
  } else if (at - now < kRenewalWarning) {
    out << "WARNING " << when << " and cannot be renewed: replace it now\n";
  } else {
    out << "        " << when << " and cannot be renewed: replace it before then\n";
  }
}

void add_validate(CLI::App& providers, GlobalOptions& globals, int& exit_code) {
  on_demand(providers.add_subcommand("validate",
                                     "Check a provider config file; print every problem with its "
                                     "JSON path (exit 0 valid, 1 invalid)"),
            [&globals, &exit_code](CLI::App* cmd) {
              auto file = std::make_shared<std::string>();
              auto print = std::make_shared<bool>(false);
              cmd->add_option("FILE", *file, "the provider config (JSON)")->required();
              cmd->add_flag("--print", *print,
                            "print the config back, every inline secret redacted");
              cmd->callback([&, file, print] {
                exit_code = guarded([&] {
                  const Ambient ambient = make_ambient(globals);
                  try {
                    const auto parsed = config::load_providers(ambient, *file);
                    if (*print) {
                      std::cout << config::to_json(parsed).dump(2) << "\n";
                    } else {
                      std::cout << *file << ": " << parsed.providers.size() << " provider"
                                << (parsed.providers.size() == 1 ? "" : "s") << ", valid\n";
                      for (const auto& p : parsed.providers) {
                        std::cout << "  " << p.name << "  " << p.type() << "  auth "
                                  << p.auth_type() << "\n";
                      }
                    }
                    return static_cast<int>(kOk);
                  } catch (const config::ConfigError& e) {
                    std::cerr << e.what() << "\n";
                    return static_cast<int>(kFailed);
                  }
                });
              });
            });
}

void add_test(CLI::App& providers, GlobalOptions& globals, int& exit_code) {
  on_demand(
      providers.add_subcommand(
          "test", "Acquire credentials for each provider and make its cheapest authenticated call"),
      [&globals, &exit_code](CLI::App* cmd) {
        auto file = std::make_shared<std::string>();
        auto name = std::make_shared<std::string>();
        cmd->add_option("FILE", *file, "the provider config (JSON)")->required();
        cmd->add_option("--name", *name, "test only this provider");
        auto timeout = std::make_shared<int>(30);
        cmd->add_option("--timeout", *timeout,
                        "seconds each provider's call may take, retries included (default 30)")
            ->check(CLI::Range(1, 3600));
        cmd->callback([&, file, name, timeout] {
          exit_code = guarded([&] {
            const Ambient ambient = make_ambient(globals);
            const auto parsed = config::load_providers(ambient, *file);
            if (!name->empty() && parsed.find(*name) == nullptr) {
              throw Error("no provider named '" + *name + "' in " + *file,
                          ErrorCode::kInvalidInput);
            }
            llm::ClientFactoryOptions options;
            options.retry.max_attempts = 2;  // a test reports; it does not wait out throttling
            options.timeout = std::chrono::seconds(*timeout);
            llm::ClientFactory factory(ambient, options);
            int failed = 0;
            for (const auto& p : parsed.providers) {
              if (!name->empty() && p.name != *name) continue;
              const auto start = std::chrono::steady_clock::now();
              try {
                const std::string what = factory.client(p)->check();
                const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start)
                                    .count();
                std::cout << "OK      " << p.name << " (" << p.type() << ", " << p.auth_type()
                          << "): " << what << " in " << ms << " ms\n";
                print_lifetime(std::cout, factory.authorizer(p)->lifetime(), ambient.now());
              } catch (const Error& e) {
                ++failed;
                std::cout << "FAILED  " << p.name << " (" << p.type() << ", " << p.auth_type()
                          << "): " << e.what() << "\n";
              }
            }
            return failed == 0 ? static_cast<int>(kOk) : static_cast<int>(kFailed);
          });
        });
      });
}

struct ChatArgs {
  std::string config;
  std::string provider;
  std::string model;
  std::string system;
  std::string prompt;
  bool stream = false;
  bool json = false;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<int> timeout;
};

void add_chat(CLI::App& app, GlobalOptions& globals, int& exit_code) {
  on_demand(
      app.add_subcommand("chat", "Send one prompt to a configured provider and print the answer"),
      [&globals, &exit_code](CLI::App* cmd) {
        auto args = std::make_shared<ChatArgs>();
        cmd->add_option("--config", args->config, "the provider config (JSON)")->required();
        cmd->add_option("--provider", args->provider, "which provider of the config")->required();
        cmd->add_option("--model", args->model, "deployment / model id (default: the provider's)");
        cmd->add_option("--system", args->system, "a system prompt");
        cmd->add_option("--max-tokens", args->max_tokens, "the most tokens to generate");
        cmd->add_option("--temperature", args->temperature, "sampling temperature");
        cmd->add_flag("--stream", args->stream, "print the answer as it arrives");
        cmd->add_option("--timeout", args->timeout,
                        "seconds the call may take, retries included; a stream: until its first "
                        "byte (default: the provider's timeout_seconds, else 120)")
            ->check(CLI::Range(1, 3600));
        cmd->add_flag("--json", args->json,
                      "print the answer as chat.completion JSON (with --stream: one JSON line per "
                      "delta first)");
        cmd->add_option("PROMPT", args->prompt, "the prompt, or - to read it from standard input")
            ->required();
        cmd->callback([&, args] {
          exit_code = guarded([&] {
            if (args->prompt == "-") {
              args->prompt.assign(std::istreambuf_iterator<char>(std::cin), {});
              while (!args->prompt.empty() &&
                     (args->prompt.back() == '\n' || args->prompt.back() == '\r')) {
                args->prompt.pop_back();
              }
            }
            if (args->prompt.empty()) throw Error("the prompt is empty", ErrorCode::kInvalidInput);
            const Ambient ambient = make_ambient(globals);
            const auto parsed = config::load_providers(ambient, args->config);
            const auto* provider = parsed.find(args->provider);
            if (provider == nullptr) {
              std::string names;
              for (const auto& p : parsed.providers) names += (names.empty() ? "" : ", ") + p.name;
              throw Error("no provider named '" + args->provider + "' in " + args->config +
                              " (it has: " + names + ")",
                          ErrorCode::kInvalidInput);
            }
            llm::ClientFactoryOptions factory_options;
            if (args->timeout) factory_options.timeout = std::chrono::seconds(*args->timeout);
            llm::ClientFactory factory(ambient, factory_options);
            auto client = factory.client(*provider);
            llm::ChatRequest request;
            request.model = args->model;
            if (!args->system.empty())
              request.messages.push_back(llm::Message::system(args->system));
            request.messages.push_back(llm::Message::user(args->prompt));
            request.max_tokens = args->max_tokens;
            request.temperature = args->temperature;
            llm::ChatResponse response;
            if (args->stream) {
              response = client->chat_stream(request, [&](const llm::StreamDelta& d) {
                if (args->json) {
                  std::cout << delta_json(d).dump() << "\n" << std::flush;
                } else if (!d.content.empty()) {
                  std::cout << d.content << std::flush;
                }
              });
            } else {
              response = client->chat(request);
            }
            if (args->json) {
              std::cout << response_json(response, provider->name).dump() << "\n";
            } else {
              if (!args->stream) std::cout << response.message.content;
              for (const auto& c : response.message.tool_calls) {
                std::cout << (response.message.content.empty() ? "" : "\n") << "[tool call "
                          << c.name << " " << c.arguments << "]";
              }
              std::cout << "\n";
            }
            return static_cast<int>(kOk);
          });
        });
      });
}

}  // namespace

void add_llm_commands(CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto* providers = app.add_subcommand("providers", "Provider configs: validate, test");
  providers->require_subcommand(1);
  add_validate(*providers, globals, exit_code);
  add_test(*providers, globals, exit_code);
  add_chat(app, globals, exit_code);
}

}  // namespace llmauth::cli
