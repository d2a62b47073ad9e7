#include "curl_library.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "llmauth/core/error.hpp"

namespace llmauth::http::detail {
namespace {

template <typename Fn>
void resolve(void* handle, const char* name, Fn& out) {
  void* symbol = ::dlsym(handle, name);
  if (symbol == nullptr) {
    throw Error(std::string("libcurl loaded but has no symbol ") + name +
                    "; llmauth needs libcurl 7.85 or newer built with OpenSSL 3 (Debian: apt-get "
                    "install libcurl4)",
                ErrorCode::kNetwork);
  }
  out = reinterpret_cast<Fn>(symbol);
}

CurlApi load() {
  const char* file = std::getenv("LLMAUTH_LIBCURL");
  if (file == nullptr || *file == '\0') file = "libcurl.so.4";
  void* handle = ::dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    throw Error(std::string("cannot load libcurl (") + (why != nullptr ? why : file) +
                    "); install it (Debian: apt-get install libcurl4) or point LLMAUTH_LIBCURL "
                    "at libcurl.so.4",
                ErrorCode::kNetwork);
  }
  CurlApi api{};
  resolve(handle, "curl_global_init", api.global_init);
  resolve(handle, "curl_easy_init", api.easy_init);
  resolve(handle, "curl_easy_setopt", api.easy_setopt);
  resolve(handle, "curl_easy_perform", api.easy_perform);
  resolve(handle, "curl_easy_getinfo", api.easy_getinfo);
  resolve(handle, "curl_easy_reset", api.easy_reset);
  resolve(handle, "curl_easy_cleanup", api.easy_cleanup);
  resolve(handle, "curl_easy_strerror", api.easy_strerror);
  resolve(handle, "curl_slist_append", api.slist_append);
  resolve(handle, "curl_slist_free_all", api.slist_free_all);
  resolve(handle, "SSL_CTX_get_cert_store", api.ssl_ctx_get_cert_store);
  if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    throw Error("libcurl failed to initialise (curl_global_init)", ErrorCode::kNetwork);
  }
  // Never dlclose: handles in pools and libcurl's own state live until exit.
  return api;
}

}  // namespace

const CurlApi& curl_api() {
  // A failed load throws out of the initialiser, so the next call tries again.
  static const CurlApi api = load();
  return api;
}

}  // namespace llmauth::http::detail
