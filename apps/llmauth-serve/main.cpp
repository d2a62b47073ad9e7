// llmauth-serve: the gateway (`llmauth serve` runs this program). See docs/gateway.md.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "llmauth/config/provider_config.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/gateway/gateway.hpp"

namespace {

int exit_code_for(const llmauth::Error& e) {
  switch (e.code()) {
    case llmauth::ErrorCode::kInvalidInput:
      return 4;
    case llmauth::ErrorCode::kNetwork:
    case llmauth::ErrorCode::kTimeout:
    case llmauth::ErrorCode::kRefused:
      return 5;
    default:
      return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace llmauth;
  CLI::App app{
      "llmauth serve: an OpenAI-compatible gateway (plus Azure OpenAI and Bedrock "
      "passthrough) that holds the providers' cloud credentials and puts them on every "
      "call.",
      "llmauth serve"};
  gateway::GatewayOptions o;
  std::optional<std::string> ca_bundle;
  std::string max_body = "10MiB";
  app.add_option("--config", o.config_path, "the provider config (default: LLMAUTH_CONFIG)");
  app.add_option("--listen", o.listen, "HOST:PORT to serve on (default 127.0.0.1:8080)");
  app.add_option("--keys", o.keys_path,
                 "gateway keys file (llmauth keys create); without it only loopback is served");
  app.add_option("--tls-cert", o.tls_cert, "serve https with this PEM certificate chain");
  app.add_option("--tls-key", o.tls_key, "the PEM private key of --tls-cert");
  app.add_option("--threads", o.threads, "io threads (default: one per core)")
      ->check(CLI::Range(0, 256));
  app.add_option("--max-connections", o.max_connections, "open client connections at most")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--max-body-bytes", o.max_body_bytes, "largest request body (default 10485760)")
      ->check(CLI::Range(1024, 1 << 30));
  app.add_option("--ca-bundle", ca_bundle,
                 "PEM file of extra CA certificates trusted for the providers (default: "
                 "AWS_CA_BUNDLE, else SSL_CERT_FILE)");
  int drain = 30;
  app.add_option("--drain-timeout", drain, "seconds open requests get to finish on SIGTERM")
      ->check(CLI::Range(0, 3600));
  app.add_flag("--watch", o.watch, "reload when the config file changes (SIGHUP always reloads)");
  app.add_flag("--allow-unauthenticated", o.allow_unauthenticated,
               "serve a non-loopback address without --keys (behind an authenticating proxy)");
  app.footer(
      "Routes: POST /v1/chat/completions, GET /v1/models, /azure/{provider}/openai/...,\n"
      "POST /bedrock/{provider}/model/{modelId}/{converse|converse-stream|invoke|...},\n"
      "GET /healthz, /readyz, /metrics. Signals: SIGHUP reloads, SIGTERM/SIGINT drain and stop.\n"
      "Exit codes: 0 stopped, 1 failed, 2 usage, 4 invalid config, 5 cannot listen.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "llmauth serve: " << e.what() << "\n";
    return 2;
  }
  o.drain_timeout = std::chrono::seconds(drain);
  if (o.config_path.empty()) {
    if (const char* env = std::getenv("LLMAUTH_CONFIG"); env != nullptr) o.config_path = env;
  }
  if (ca_bundle) ::setenv("AWS_CA_BUNDLE", ca_bundle->c_str(), 1);
  try {
    http::TransportOptions transport;
    const char* loopback = std::getenv("LLMAUTH_LOOPBACK_ONLY");
    transport.loopback_only = loopback != nullptr && std::string(loopback) == "1";
    if (ca_bundle) {
      transport.ca_bundle = *ca_bundle;
      transport.ca_bundle_source = "--ca-bundle";
    }
    o.on_listening = [](const std::string& where) {
      // One write: the gateway's other threads log on stderr too.
      const std::string line = "llmauth serve: listening on " + where + "\n";
      std::cerr << line << std::flush;
    };
    gateway::Gateway gw(Ambient::system(transport), o);
    return gw.run();
  } catch (const config::ConfigError& e) {
    for (const auto& issue : e.issues()) {
      std::cerr << "llmauth serve: " << e.source() << ": "
                << (issue.path.empty() ? "" : issue.path + ": ") << issue.message
                << (issue.hint.empty() ? "" : " (" + issue.hint + ")") << "\n";
    }
    return 4;
  } catch (const Error& e) {
    std::cerr << "llmauth serve: " << e.what() << "\n";
    return exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "llmauth serve: " << e.what() << "\n";
    return 1;
  }
}
