#include "llmauth/core/http.hpp"

#include <netinet/in.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>

#include "curl_library.hpp"
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

namespace {

using detail::curl_api;

struct Exchange {
  const BodySink* sink = nullptr;
  Response* response = nullptr;
  std::size_t limit = 0;
  std::size_t received = 0;
  bool too_large = false;
  bool aborted = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
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

// The loopback guard at the socket level: refuse any address outside 127/8 and ::1.
curl_socket_t guarded_open_socket(void* /*user*/, curlsocktype /*purpose*/,
                                  curl_sockaddr* address) {
  bool ok = false;
  if (address->family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&address->addr);
    ok = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
  } else if (address->family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&address->addr);
    ok = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
  }
  if (!ok) return CURL_SOCKET_BAD;
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

CurlTransport::CurlTransport(TransportOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {}

CurlTransport::~CurlTransport() = default;

Response CurlTransport::send(const Request& request) { return perform(request, nullptr); }

Response CurlTransport::send_streaming(const Request& request, const BodySink& sink) {
  return perform(request, &sink);
}

Response CurlTransport::perform(const Request& request, const BodySink* sink) {
  const url::Url target = url::parse(request.url, "request URL");
  const std::string shown = loggable_url(request.url);
  if (options_.loopback_only && !url::is_loopback_host(target.host)) {
    throw Error("refused to connect to " + shown +
                    ": the loopback-only guard allows 127.0.0.0/8 and ::1 only",
                ErrorCode::kRefused);
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
  Exchange ex{sink, &response, options_.max_response_bytes};
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
    api.easy_setopt(curl, CURLOPT_OPENSOCKETDATA, nullptr);
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
      throw Error("header '" + h.name.substr(0, 64) +
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
      throw Error("response from " + shown + " exceeds " +
                      std::to_string(options_.max_response_bytes) + " bytes",
                  ErrorCode::kNetwork);
    }
    if (ex.aborted)
      throw Error("transfer from " + shown + " aborted by the reader", ErrorCode::kNetwork);
    const std::string detail =
        error_buffer[0] != '\0' ? error_buffer.data() : api.easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      throw Error("request to " + shown + " timed out after " +
                      std::to_string(request.timeout.count()) + " ms (" + detail + ")",
                  ErrorCode::kTimeout);
    }
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
      throw Error("TLS verification of " + shown + " failed (" + detail +
                      "); if a proxy or private CA signs this endpoint, trust its CA with "
                      "--ca-bundle, AWS_CA_BUNDLE or SSL_CERT_FILE",
                  ErrorCode::kNetwork);
    }
    if (rc == CURLE_COULDNT_CONNECT && options_.loopback_only) {
      throw Error("could not connect to " + shown + " (" + detail +
                      "); with the loopback-only guard on, only 127.0.0.0/8 and ::1 are reachable",
                  ErrorCode::kNetwork);
    }
    throw Error("request to " + shown + " failed: " + detail, ErrorCode::kNetwork);
  }
  long status = 0;
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace llmauth::http
