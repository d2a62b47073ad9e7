#include "llmauth/azure/credentials/client_certificate_credential.hpp"

#include "llmauth/core/error.hpp"

namespace llmauth::azure {
namespace {

constexpr std::string_view kName = "ClientCertificateCredential";
constexpr std::size_t kMaxCertificateFile = 1u << 20;

[[noreturn]] void invalid(const std::string& what) {
  throw Error(std::string(kName) + ": " + what, ErrorCode::kInvalidInput);
}

std::string read_required(const Ambient& ambient, const std::string& path, const char* what) {
  auto contents = ambient.read_file(ambient.expand_user(path), kMaxCertificateFile);
  if (!contents) invalid(std::string(what) + " " + path + ": no such file");
  return std::move(*contents);
}

JwtAssertionSigner load_signer(const Ambient& ambient, const ClientCertificateCredentialOptions& o) {
  if (o.tenant_id.empty()) invalid("tenant_id is empty");
  if (o.client_id.empty()) invalid("client_id is empty");
  std::string contents;
  std::string source;
  if (o.certificate_pem) {
    if (o.certificate_pem->empty()) invalid("certificate_pem is empty");
    contents = *o.certificate_pem;
    source = "certificate_pem";
  } else {
    if (o.certificate_path.empty()) invalid("certificate_path is empty (and no certificate_pem)");
    contents = read_required(ambient, o.certificate_path, "certificate file");
    source = o.certificate_path;
  }
  std::optional<std::string> key;
  if (!o.private_key_path.empty()) key = read_required(ambient, o.private_key_path, "private key file");
  try {
    auto signer = JwtAssertionSigner::load(contents, source, o.certificate_password,
                                           key ? std::optional<std::string_view>(*key) : std::nullopt,
                                           o.private_key_path);
    static_cast<void>(Secret(std::move(contents)));
    if (key) static_cast<void>(Secret(std::move(*key)));
    return signer;
  } catch (const Error& e) {
    static_cast<void>(Secret(std::move(contents)));
    if (key) static_cast<void>(Secret(std::move(*key)));
    invalid(e.what());
  }
}

}  // namespace

ClientCertificateCredential::ClientCertificateCredential(Ambient ambient,
                                                         ClientCertificateCredentialOptions options)
    : assertion_{.algorithm = options.algorithm,
                 .thumbprint = options.thumbprint,
                 .send_certificate_chain = options.send_certificate_chain},
      ambient_(ambient),
      signer_(load_signer(ambient, options)),
      client_(std::move(ambient), {.credential = std::string(kName),
                                   .tenant_id = std::move(options.tenant_id),
                                   .client_id = std::move(options.client_id),
                                   .authority_host = std::move(options.authority_host),
                                   .retry = std::move(options.retry),
                                   .sleep = std::move(options.sleep)}) {}

std::shared_ptr<const AccessToken> ClientCertificateCredential::get_token(const TokenRequest& request) {
  auto token = client_.request_token(request, [this](const std::string& token_url) {
    Secret assertion = signer_.build(client_.client_id(), token_url, ambient_.now(), assertion_);
    return jwt_bearer_authentication(std::move(assertion));
  });
  return std::make_shared<const AccessToken>(std::move(token));
}

}  // namespace llmauth::azure
