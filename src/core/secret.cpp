#include "llmauth/core/secret.hpp"

#include <openssl/crypto.h>

namespace llmauth {

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

Secret::~Secret() { wipe(); }

void Secret::wipe() noexcept {
  // The whole buffer, not just size() bytes: a moved-from short string (in the small-string
  // buffer) reports size 0 but still holds the bytes after the first. resize() within the
  // capacity never reallocates, so this touches exactly the storage the value lived in.
  value_.resize(value_.capacity());
  OPENSSL_cleanse(value_.data(), value_.size());
  value_.clear();
}

bool operator==(const Secret& a, const Secret& b) noexcept {
  return a.value_.size() == b.value_.size() &&
         CRYPTO_memcmp(a.value_.data(), b.value_.data(), a.value_.size()) == 0;
}

}  // namespace llmauth
