// `llmauth providers validate|test` and `llmauth chat`: provider configs, and calls to the models
// they describe.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <iterator>
#include <variant>

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

// FILE, or --config FILE (the name chat uses); both default to LLMAUTH_CONFIG.
void add_config_file(CLI::App* cmd, std::string& file) {
  auto* positional = cmd->add_option(
      "FILE", file, "the provider config (JSON; - reads standard input; default: LLMAUTH_CONFIG)");
  auto* option = cmd->add_option("--config", file, "the provider config, as FILE");
  positional->excludes(option);
}

// "good", "azure_openai", "api_key" of each provider.
json::Json provider_summary(const config::Provider& p) {
  return {{"name", p.name}, {"type", p.type()}, {"auth", p.auth_type()}};
}

void add_validate(CLI::App& providers, GlobalOptions& globals, int& exit_code) {
  on_demand(
      providers.add_subcommand("validate",
                               "Check a provider config file; print every problem with its JSON "
                               "path (exit 0 valid, 1 invalid)"),
      [&globals, &exit_code](CLI::App* cmd) {
        auto file = std::make_shared<std::string>();
        auto print = std::make_shared<bool>(false);
        auto output = std::make_shared<std::string>();
        add_config_file(cmd, *file);
        cmd->add_flag("--print", *print, "print the config back, every inline secret redacted");
        cmd->add_option("--output", *output,
                        "text (default) or json: {\"valid\", \"providers\"} or {\"valid\": false, "
                        "\"issues\": [{\"path\", \"message\", \"hint\"}]}")
            ->check(CLI::IsMember({"text", "json"}));
        cmd->callback([&, file, print, output] {
          exit_code = guarded([&] {
            const bool json_out = output_format(*output, globals, {"text", "json"}, "text",
                                                "providers validate") == "json";
            const Ambient ambient = make_ambient(globals);
            const std::string path = config_path(*file, ambient);
            const std::string name = config_name(path);
            try {
              const auto parsed = load_config(ambient, path);
              if (*print) {
                std::cout << config::to_json(parsed).dump(2) << "\n";
              } else if (json_out) {
                json::Json list = json::Json::array();
                for (const auto& p : parsed.providers) list.push_back(provider_summary(p));
                std::cout << json::Json{{"file", name}, {"valid", true}, {"providers", list}}.dump(
                                 2)
                          << "\n";
              } else {
                std::cout << name << ": " << parsed.providers.size() << " provider"
                          << (parsed.providers.size() == 1 ? "" : "s") << ", valid\n";
                for (const auto& p : parsed.providers) {
                  std::cout << "  " << p.name << "  " << p.type() << "  auth " << p.auth_type()
                            << "\n";
                }
              }
              return static_cast<int>(kOk);
            } catch (const config::ConfigError& e) {
              if (json_out) {
                json::Json issues = json::Json::array();
                for (const auto& i : e.issues()) {
                  issues.push_back({{"path", i.path}, {"message", i.message}, {"hint", i.hint}});
                }
                std::cout << json::Json{{"file", name}, {"valid", false}, {"issues", issues}}.dump(
                                 2)
                          << "\n";
              } else {
                print_error(e.what());  // one "llmauth: FILE: PATH: …" line per issue
              }
              return static_cast<int>(kFailed);
            }
          });
        });
      });
}

void add_list(CLI::App& providers, GlobalOptions& globals, int& exit_code) {
  on_demand(providers.add_subcommand(
                "list", "List the providers of a config: name, type, auth method, where, model"),
            [&globals, &exit_code](CLI::App* cmd) {
              auto file = std::make_shared<std::string>();
              auto output = std::make_shared<std::string>();
              add_config_file(cmd, *file);
              cmd->add_option("--output", *output, "text (default) or json")
                  ->check(CLI::IsMember({"text", "json"}));
              cmd->callback([&, file, output] {
                exit_code = guarded([&] {
                  const bool json_out = output_format(*output, globals, {"text", "json"}, "text",
                                                      "providers list") == "json";
                  const Ambient ambient = make_ambient(globals);
                  const auto parsed = load_config(ambient, config_path(*file, ambient));
                  json::Json list = json::Json::array();
                  for (const auto& p : parsed.providers) {
                    json::Json j = provider_summary(p);
                    if (const auto* a = std::get_if<config::AzureOpenAI>(&p.spec)) {
                      j["endpoint"] = a->endpoint;
                      j["model"] = a->deployment ? json::Json(*a->deployment) : json::Json();
                    } else {
                      const auto& b = std::get<config::Bedrock>(p.spec);
                      j["region"] = b.region;
                      if (b.endpoint_url) j["endpoint"] = *b.endpoint_url;
                      j["model"] = b.model ? json::Json(*b.model) : json::Json();
                    }
                    list.push_back(std::move(j));
                  }
                  if (json_out) {
                    std::cout << json::Json{{"providers", list}}.dump(2) << "\n";
                    return static_cast<int>(kOk);
                  }
                  std::vector<std::vector<std::string>> rows = {
                      {"NAME", "TYPE", "AUTH", "ENDPOINT / REGION", "MODEL"}};
                  for (const auto& j : list) {
                    rows.push_back({j["name"].get<std::string>(), j["type"].get<std::string>(),
                                    j["auth"].get<std::string>(),
                                    j.contains("region") ? j["region"].get<std::string>()
                                                         : j["endpoint"].get<std::string>(),
                                    j["model"].is_null() ? "-" : j["model"].get<std::string>()});
                  }
                  std::vector<std::size_t> widths(rows[0].size(), 0);
                  for (const auto& r : rows) {
                    for (std::size_t c = 0; c < r.size(); ++c)
                      widths[c] = std::max(widths[c], r[c].size());
                  }
                  for (const auto& r : rows) {
                    std::string line;
                    for (std::size_t c = 0; c < r.size(); ++c) {
                      line += r[c];
                      if (c + 1 < r.size()) line += std::string(widths[c] - r[c].size() + 2, ' ');
                    }
                    std::cout << line << "\n";
                  }
                  return static_cast<int>(kOk);
                });
              });
            });
}

// A one-token chat with `model`: what `providers test --model` checks for Azure OpenAI, whose
// own check (listing models) does not name one.
std::string check_model(llm::ChatClient& client, const std::string& model,
                        const llm::Authorizer& authorizer) {
  llm::ChatRequest probe;
  probe.model = model;
  probe.messages = {llm::Message::user("ping")};
  probe.max_tokens = 1;
  (void)client.chat(probe);
  return "one-token chat with deployment " + model + " using " + authorizer.describe();
}

void add_test(CLI::App& providers, GlobalOptions& globals, int& exit_code) {
  on_demand(
      providers.add_subcommand(
          "test", "Acquire credentials for each provider and make its cheapest authenticated call"),
      [&globals, &exit_code](CLI::App* cmd) {
        auto file = std::make_shared<std::string>();
        auto name = std::make_shared<std::string>();
        auto model = std::make_shared<std::string>();
        auto output = std::make_shared<std::string>();
        add_config_file(cmd, *file);
        cmd->add_option("--name,--provider", *name, "test only this provider");
        cmd->add_option("--model", *model,
                        "check this model (Bedrock: the Converse call's model; Azure OpenAI: a "
                        "one-token chat with this deployment) instead of the provider's");
        auto timeout = std::make_shared<int>(30);
        cmd->add_option("--timeout", *timeout,
                        "seconds each provider's call may take, retries included (default 30)")
            ->check(CLI::Range(1, 3600));
        cmd->add_option("--output", *output,
                        "text (default) or json: {\"ok\", \"providers\": [{\"name\", \"ok\", "
                        "\"checked\" | \"error\", …}]}")
            ->check(CLI::IsMember({"text", "json"}));
        cmd->callback([&, file, name, model, timeout, output] {
          exit_code = guarded([&] {
            const bool json_out = output_format(*output, globals, {"text", "json"}, "text",
                                                "providers test") == "json";
            const Ambient ambient = make_ambient(globals);
            const std::string path = config_path(*file, ambient);
            const auto parsed = load_config(ambient, path);
            if (!name->empty() && parsed.find(*name) == nullptr) {
              throw Error("no provider named '" + *name + "' in " + path, ErrorCode::kInvalidInput);
            }
            llm::ClientFactoryOptions options;
            options.retry.max_attempts = 2;  // a test reports; it does not wait out throttling
            options.timeout = std::chrono::seconds(*timeout);
            llm::ClientFactory factory(ambient, options);
            int failed = 0;
            json::Json results = json::Json::array();
            for (const auto& original : parsed.providers) {
              if (!name->empty() && original.name != *name) continue;
              config::Provider p = original;
              if (auto* b = std::get_if<config::Bedrock>(&p.spec); b && !model->empty()) {
                b->model = *model;
              }
              json::Json result = provider_summary(p);
              const auto start = std::chrono::steady_clock::now();
              try {
                const auto client = factory.client(p);
                const auto authorizer = factory.authorizer(p);
                const std::string what =
                    std::holds_alternative<config::AzureOpenAI>(p.spec) && !model->empty()
                        ? check_model(*client, *model, *authorizer)
                        : client->check();
                const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start)
                                    .count();
                const auto lifetime = authorizer->lifetime();
                result["ok"] = true;
                result["checked"] = what;
                result["duration_ms"] = ms;
                result["expires_at"] =
                    lifetime.expires_at ? json::Json(timefmt::format_iso8601(*lifetime.expires_at))
                                        : json::Json();
                if (lifetime.expires_at) result["renewed"] = lifetime.renewed;
                if (!json_out) {
                  std::cout << "OK      " << p.name << " (" << p.type() << ", " << p.auth_type()
                            << "): " << what << " in " << ms << " ms\n";
                  print_lifetime(std::cout, lifetime, ambient.now());
                }
              } catch (const Error& e) {
                ++failed;
                result["ok"] = false;
                result["error"] = e.what();
                if (const auto* pe = dynamic_cast<const llm::ProviderError*>(&e)) {
                  result["status"] = pe->status();
                  if (!pe->provider_code().empty()) result["provider_code"] = pe->provider_code();
                  if (!pe->request_id().empty()) result["request_id"] = pe->request_id();
                }
                if (!json_out) {
                  std::cout << "FAILED  " << p.name << " (" << p.type() << ", " << p.auth_type()
                            << "): " << e.what() << "\n";
                }
              }
              results.push_back(std::move(result));
            }
            if (json_out) {
              std::cout << json::Json{{"file", config_name(path)},
                                      {"ok", failed == 0},
                                      {"providers", results}}
                               .dump(2)
                        << "\n";
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
        cmd->add_option("--config", args->config,
                        "the provider config (JSON; default: LLMAUTH_CONFIG)");
        cmd->add_option("--provider", args->provider,
                        "which provider of the config (may be left out when it has only one)");
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
            const Ambient ambient = make_ambient(globals);
            const std::string path = config_path(args->config, ambient);
            if (path == "-" && args->prompt == "-") {
              throw UsageError(
                  "--config - and the prompt - both read standard input: give one "
                  "of them another way");
            }
            if (args->prompt == "-") {
              args->prompt.assign(std::istreambuf_iterator<char>(std::cin), {});
              while (!args->prompt.empty() &&
                     (args->prompt.back() == '\n' || args->prompt.back() == '\r')) {
                args->prompt.pop_back();
              }
            }
            if (args->prompt.empty()) throw Error("the prompt is empty", ErrorCode::kInvalidInput);
            const auto parsed = load_config(ambient, path);
            std::string names;
            for (const auto& p : parsed.providers) names += (names.empty() ? "" : ", ") + p.name;
            const config::Provider* provider = nullptr;
            if (args->provider.empty()) {
              if (parsed.providers.size() != 1) {
                throw UsageError(path + " has " + std::to_string(parsed.providers.size()) +
                                 " providers: pass --provider NAME (one of: " + names + ")");
              }
              provider = &parsed.providers.front();
            } else {
              provider = parsed.find(args->provider);
            }
            if (provider == nullptr) {
              throw Error("no provider named '" + args->provider + "' in " + path +
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
  auto* providers = app.add_subcommand("providers", "Provider configs: validate, list, test");
  providers->require_subcommand(1);
  add_validate(*providers, globals, exit_code);
  add_list(*providers, globals, exit_code);
  add_test(*providers, globals, exit_code);
  add_chat(app, globals, exit_code);
}

}  // namespace llmauth::cli
