#include "llmauth/core/http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "curl_library.hpp"
#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

void require_header_safe(const Secret& value, std::string_view where) {
  if (value.empty()) throw Error(std::string(where) + " is empty", ErrorCode::kInvalidInput);
  for (char c : value.reveal()) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      throw Error(std::string(where) +
                      " contains a space, line break or control character; a key or token sent "
                      "in a header must be one word (check for a trailing newline)",
                  ErrorCode::kInvalidInput);
    }
  }
}

bool is_reserved_header(std::string_view name) {
  static constexpr std::string_view kReserved[] = {
      "authorization",  "proxy-authorization", "api-key",    "host",
      "content-length", "transfer-encoding",   "connection", "cookie"};
  for (auto r : kReserved) {
    if (iequals(name, r)) return true;
  }
  return name.size() >= 6 && iequals(name.substr(0, 6), "x-amz-");
}

std::string loggable_url(std::string_view text) {
  const auto q = text.find('?');
  if (q == std::string_view::npos) return std::string(text);
  return std::string(text.substr(0, q)) + "?…";
}

const Redactor& Transport::own_secrets() const {
  static const Redactor kNone;
  return kNone;
}

Redactor redactor_for(const Request& request, const Transport& transport) {
  Redactor r = redactor_for(request);
  r.add_all(transport.own_secrets());
  return r;
}

Redactor redactor_for(const Request& request) {
  // Headers whose values are credentials. (A config's custom secret headers are added to
  // Request::sensitive by whoever resolves them.)
  static constexpr std::string_view kCredentialHeaders[] = {
      "authorization",          "proxy-authorization",      "api-key",
      "x-amz-security-token",   "x-aws-ec2-metadata-token", "x-identity-header",
      "x-amz-sso_bearer_token", "ocp-apim-subscription-key"};
  Redactor r;
  r.add_all(request.sensitive);
  for (const auto& h : request.headers) {
    const bool credential =
        std::any_of(std::begin(kCredentialHeaders), std::end(kCredentialHeaders),
                    [&](std::string_view name) { return iequals(h.name, name); });
    if (!credential) continue;
    r.add(h.value);
    // "Bearer <token>", "Basic <base64>": the credential alone, and a Basic one decoded.
    if (const auto sp = h.value.find(' '); sp != std::string::npos) {
      const std::string_view scheme(h.value.data(), sp);
      const std::string_view rest = std::string_view(h.value).substr(sp + 1);
      r.add(rest);
      if (iequals(scheme, "basic")) {
        if (auto decoded = crypto::base64_decode(rest)) {
          const Secret plain(std::move(*decoded));
          r.add(plain);
          const auto colon = plain.reveal().find(':');
          if (colon != std::string_view::npos) r.add(plain.reveal().substr(colon + 1));
        }
      }
    }
  }
  return r;
}

bool is_local_identity_host(std::string_view host) {
  if (url::is_loopback_host(host)) return true;
  std::string h(host);
  if (!h.empty() && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 16) == 0xA9FE;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LINKLOCAL(&v6)) return true;
    static constexpr std::uint8_t kEc2Prefix[8] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0};
    return std::memcmp(v6.s6_addr, kEc2Prefix, sizeof kEc2Prefix) == 0;
  }
  return false;
}

void check_ca_bundle(const std::string& path, std::string_view source) {
  const std::string where = std::string(source) + "=" + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    throw Error(where + ": " + (err == ENOENT ? "no such file" : std::strerror(err)) +
                    "; name a PEM file of CA certificates, or unset " + std::string(source),
                ErrorCode::kInvalidInput);
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(where + ": not a regular file; name a PEM file of CA certificates",
                ErrorCode::kInvalidInput);
  }
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (bio == nullptr) {
    throw Error(where + ": cannot be read (check its permissions)", ErrorCode::kInvalidInput);
  }
  int certificates = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    ++certificates;
    X509_free(cert);
  }
  BIO_free(bio);
  ERR_clear_error();
  if (certificates == 0) {
    throw Error(where +
                    ": holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\"); name a PEM "
                    "file of CA certificates (a DER file must be converted: openssl x509 -inform "
                    "der -in ca.der -out ca.pem)",
                ErrorCode::kInvalidInput);
  }
}

namespace {

using detail::curl_api;

using SteadyTime = std::chrono::steady_clock::time_point;

struct Exchange {
  const BodySink* sink = nullptr;
  Response* response = nullptr;
  std::size_t limit = 0;
  std::size_t received = 0;
  bool too_large = false;
  bool aborted = false;
  // Timeouts the progress callback enforces (libcurl has no first-byte or idle timeout).
  std::optional<SteadyTime> first_byte_by;
  std::optional<std::chrono::milliseconds> idle;
  bool got_first_byte = false;
  SteadyTime last_data{};
  bool first_byte_expired = false;
  bool idle_expired = false;
  // Set by the loopback guard when it refused an address.
  bool guard_refused = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  ex->last_data = std::chrono::steady_clock::now();
  ex->received += n;
  if (ex->received > ex->limit) {
    ex->too_large = true;
    return 0;
  }
  if (ex->sink != nullptr && ex->response->status < 300 && ex->response->status >= 200) {
    if (!(*ex->sink)(std::string_view(data, n))) {
      ex->aborted = true;
      return 0;
    }
  } else {
    ex->response->body.append(data, n);
  }
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  ex->got_first_byte = true;
  ex->last_data = std::chrono::steady_clock::now();
  ex->received += n;
  if (ex->received > ex->limit) {
    ex->too_large = true;
    return 0;
  }
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (redirect or 100-continue): start over.
    ex->response->headers.clear();
    const auto sp = line.find(' ');
    if (sp != std::string_view::npos) {
      ex->response->status = std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
    }
    return n;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    ex->response->headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* ex = static_cast<Exchange*>(user);
  const auto now = std::chrono::steady_clock::now();
  if (!ex->got_first_byte) {
    if (ex->first_byte_by && now >= *ex->first_byte_by) {
      ex->first_byte_expired = true;
      return 1;
    }
  } else if (ex->idle && now - ex->last_data >= *ex->idle) {
    ex->idle_expired = true;
    return 1;
  }
  return 0;
}

// The loopback guard at the socket level: refuse any address outside 127/8 and ::1.
curl_socket_t guarded_open_socket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
  bool ok = false;
  if (address->family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&address->addr);
    ok = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
  } else if (address->family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&address->addr);
    ok = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
  }
  if (!ok) {
    static_cast<Exchange*>(user)->guard_refused = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

CURLcode add_ca_bundle(CURL* /*curl*/, void* ssl_ctx, void* user) {
  const auto* path = static_cast<const std::string*>(user);
  auto* store = static_cast<X509_STORE*>(curl_api().ssl_ctx_get_cert_store(ssl_ctx));
  if (X509_STORE_load_file(store, path->c_str()) != 1) return CURLE_SSL_CACERT_BADFILE;
  return CURLE_OK;
}

}  // namespace

struct CurlTransport::Pool {
  std::mutex mutex;
  std::vector<CURL*> idle;
  ~Pool() {
    for (CURL* c : idle) curl_api().easy_cleanup(c);
  }
  CURL* acquire() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        CURL* c = idle.back();
        idle.pop_back();
        return c;
      }
    }
    CURL* c = curl_api().easy_init();
    if (c == nullptr) throw Error("libcurl: cannot create a handle", ErrorCode::kNetwork);
    return c;
  }
  void release(CURL* c) {
    curl_api().easy_reset(c);
    std::lock_guard lock(mutex);
    if (idle.size() < 16) {
      idle.push_back(c);
    } else {
      curl_api().easy_cleanup(c);
    }
  }
};

namespace {

// The user name and password in a proxy URL ("http://user:pass@proxy:3128"), which libcurl
// sends as Proxy-Authorization: Basic base64(user:pass).
void add_proxy_credentials(Redactor& r, std::string_view proxy) {
  const auto scheme_end = proxy.find("://");
  const std::string_view rest =
      scheme_end == std::string_view::npos ? proxy : proxy.substr(scheme_end + 3);
  const auto at = rest.find('@');
  const auto slash = rest.find('/');
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) return;
  const std::string_view userinfo = rest.substr(0, at);
  r.add(userinfo);
  const Secret decoded(url::decode(userinfo));
  r.add(decoded);
  if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
    r.add(userinfo.substr(colon + 1));
    r.add(url::decode(userinfo.substr(colon + 1)));
  }
}

}  // namespace

CurlTransport::CurlTransport(TransportOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') {
      add_proxy_credentials(proxy_secrets_, v);
    }
  }
}

CurlTransport::~CurlTransport() = default;

Response CurlTransport::send(const Request& request) { return perform(request, nullptr); }

Response CurlTransport::send_streaming(const Request& request, const BodySink& sink) {
  return perform(request, &sink);
}

namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  std::string s = std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 + 1000).substr(1);
  while (s.back() == '0') s.pop_back();
  return s + " s";
}

}  // namespace

Response CurlTransport::perform(const Request& request, const BodySink* sink) {
  const url::Url target = url::parse(request.url, "request URL");
  const std::string shown = loggable_url(request.url);
  const bool loopback_target = url::is_loopback_host(target.host);
  if (options_.loopback_only && !loopback_target) {
    throw Error("refused to connect to " + shown +
                    ": the loopback-only guard allows 127.0.0.0/8 and ::1 only",
                ErrorCode::kRefused);
  }
  if (options_.ca_bundle) {
    // Checked once per transport: a missing or empty bundle would otherwise surface as a TLS
    // verification failure whose advice ("trust its CA with …") the user already followed.
    std::call_once(ca_checked_, [&] {
      try {
        check_ca_bundle(*options_.ca_bundle, options_.ca_bundle_source);
      } catch (const Error& e) {
        ca_problem_ = e.what();
      }
    });
    if (!ca_problem_.empty()) throw Error(ca_problem_, ErrorCode::kInvalidInput);
  }

  const auto& api = curl_api();
  CURL* curl = pool_->acquire();
  struct Release {
    Pool* pool;
    CURL* curl;
    curl_slist* headers = nullptr;
    ~Release() {
      curl_api().slist_free_all(headers);
      pool->release(curl);
    }
  } release{pool_.get(), curl};

  Response response;
  Exchange ex{sink, &response, request.max_response_bytes.value_or(options_.max_response_bytes)};
  const auto started = std::chrono::steady_clock::now();
  if (request.first_byte_timeout) ex.first_byte_by = started + *request.first_byte_timeout;
  if (sink != nullptr) ex.idle = request.idle_timeout;
  ex.last_data = started;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  api.easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  api.easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer.data());
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                  static_cast<long>(std::max<long long>(1, request.connect_timeout.count())));
  api.easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                  static_cast<long>(std::max<long long>(1, request.timeout.count())));
  if (ex.first_byte_by || ex.idle) {
    api.easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    api.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    api.easy_setopt(curl, CURLOPT_XFERINFODATA, &ex);
  }
  // Identity endpoints on this machine hand out its credentials to whoever asks with the right
  // header: their requests never go to a proxy, whatever http_proxy says.
  if (is_local_identity_host(target.host)) api.easy_setopt(curl, CURLOPT_PROXY, "");
  api.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  api.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  api.easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  api.easy_setopt(curl, CURLOPT_WRITEDATA, &ex);
  api.easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  api.easy_setopt(curl, CURLOPT_HEADERDATA, &ex);
  if (options_.ca_bundle) {
    api.easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, add_ca_bundle);
    api.easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &*options_.ca_bundle);
  }
  if (options_.loopback_only) {
    api.easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, guarded_open_socket);
    api.easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &ex);
  }

  if (request.method == "GET") {
    api.easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    api.easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    api.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    api.easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    api.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                    static_cast<curl_off_t>(request.body.size()));
  }

  bool has_content_type = false;
  bool has_accept = false;
  for (const auto& h : request.headers) {
    if (h.name.find_first_of("\r\n:") != std::string::npos ||
        h.value.find_first_of("\r\n") != std::string::npos) {
      throw Error("header '" + sanitize_untrusted(h.name, 64) +
                      "' contains CR, LF or ':' in its name or a "
                      "line break in its value; refusing to send it",
                  ErrorCode::kInvalidInput);
    }
    has_content_type |= iequals(h.name, "content-type");
    has_accept |= iequals(h.name, "accept");
    const std::string line = h.value.empty() ? h.name + ";" : h.name + ": " + h.value;
    release.headers = api.slist_append(release.headers, line.c_str());
  }
  // libcurl would add its own defaults; a signed request must carry exactly what was signed.
  if (!has_content_type) release.headers = api.slist_append(release.headers, "Content-Type:");
  if (!has_accept) release.headers = api.slist_append(release.headers, "Accept:");
  release.headers = api.slist_append(release.headers, "Expect:");
  api.easy_setopt(curl, CURLOPT_HTTPHEADER, release.headers);

  const CURLcode rc = api.easy_perform(curl);
  if (rc != CURLE_OK) {
    if (ex.too_large) {
      throw Error("the answer from " + shown + " is larger than " + std::to_string(ex.limit) +
                      " bytes; refusing to read more",
                  ErrorCode::kInvalidInput);
    }
    if (ex.aborted)
      throw Error("transfer from " + shown + " aborted by the reader", ErrorCode::kNetwork);
    if (ex.first_byte_expired) {
      throw Error("request to " + shown + " timed out: no answer within " +
                      seconds_text(*request.first_byte_timeout) + " (first-byte timeout)",
                  ErrorCode::kTimeout);
    }
    if (ex.idle_expired) {
      throw Error("the stream from " + shown + " stalled: nothing arrived for " +
                      seconds_text(*request.idle_timeout) + " (idle timeout)",
                  ErrorCode::kTimeout);
    }
    // libcurl's own words; a proxy's answer may show through them, so they are sanitised.
    const std::string detail = sanitize_untrusted(
        error_buffer[0] != '\0' ? error_buffer.data() : api.easy_strerror(rc), 300);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      curl_off_t connected_us = 0;
      api.easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected_us);
      if (connected_us == 0) {
        throw Error("request to " + shown + " timed out: could not connect within " +
                        seconds_text(request.connect_timeout) + " (connect timeout)",
                    ErrorCode::kTimeout);
      }
      if (!ex.got_first_byte) {
        throw Error(
            "request to " + shown + " timed out: no answer within " + seconds_text(request.timeout),
            ErrorCode::kTimeout);
      }
      throw Error("request to " + shown + " timed out: the answer did not finish within " +
                      seconds_text(request.timeout),
                  ErrorCode::kTimeout);
    }
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
        rc == CURLE_SSL_CERTPROBLEM) {
      std::string advice =
          "if a proxy or private CA signs this endpoint, trust its CA with --ca-bundle, "
          "AWS_CA_BUNDLE or SSL_CERT_FILE";
      if (options_.ca_bundle) {
        advice = "the CA bundle in use (" + options_.ca_bundle_source + "=" + *options_.ca_bundle +
                 ") and the system store do not hold the CA that signed it; check that the "
                 "bundle is the right one and that the endpoint's name matches its certificate";
      }
      throw Error("TLS verification of " + shown + " failed (" + detail + "); " + advice,
                  ErrorCode::kNetwork, /*transient=*/false);
    }
    if (rc == CURLE_COULDNT_CONNECT && ex.guard_refused) {
      throw Error("could not connect to " + shown + " (" + detail +
                      "); with the loopback-only guard on, only 127.0.0.0/8 and ::1 are reachable",
                  ErrorCode::kNetwork, /*transient=*/false);
    }
    if (rc == CURLE_COULDNT_CONNECT && loopback_target) {
      // Nothing listens on that port of this machine: asking again will not change that.
      throw Error("could not connect to " + shown + " (" + detail + "): nothing is listening there",
                  ErrorCode::kNetwork, /*transient=*/false);
    }
    throw Error("request to " + shown + " failed: " + detail, ErrorCode::kNetwork);
  }
  long status = 0;
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace llmauth::http
