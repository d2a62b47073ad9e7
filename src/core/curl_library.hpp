#pragma once
// libcurl, loaded on first use (dlopen) rather than linked.
//
// Linking libcurl maps ~30 shared libraries (GnuTLS, Kerberos, LDAP, SSH, ...) into every
// process at start-up; for commands that never touch the network (`llmauth aws sign`, the
// Bedrock token minter) the dynamic loader's relocations were ~90 % of the run time. The
// CurlTransport resolves the few entry points it needs here, once, the first time it sends.
// Internal to the library: the public headers never mention libcurl.
#include <curl/curl.h>

namespace llmauth::http::detail {

struct CurlApi {
  decltype(&curl_global_init) global_init;
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_setopt) easy_setopt;
  decltype(&curl_easy_perform) easy_perform;
  decltype(&curl_easy_getinfo) easy_getinfo;
  decltype(&curl_easy_reset) easy_reset;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;
  // From the libssl libcurl itself uses, so the CA-bundle callback touches the same OpenSSL.
  void* (*ssl_ctx_get_cert_store)(const void* ssl_ctx);
};

/// Loads libcurl (`LLMAUTH_LIBCURL` names another file; default libcurl.so.4) and runs
/// curl_global_init, once per process, thread-safely. Throws llmauth::Error (kNetwork) with
/// what to install when the library or one of its symbols is missing.
const CurlApi& curl_api();

}  // namespace llmauth::http::detail
