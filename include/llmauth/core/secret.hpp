// Secret: key material (secret keys, session tokens, bearer tokens, passwords).
//
// A Secret cannot be printed, streamed, formatted or implicitly converted: the only way to the
// bytes is an explicit reveal(). Its storage is wiped (OPENSSL_cleanse) when it is destroyed,
// overwritten or moved from — the whole buffer, so no byte lingers in freed heap memory or in a
// moved-from object's small-string buffer.
#pragma once

#include <string>
#include <string_view>

namespace llmauth {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret& other) : value_(other.value_) {}
  Secret(Secret&& other) noexcept;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  // The only way to the bytes. Call it where the bytes leave the process (a signature, a header).
  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return value_.size(); }

  // What logs, errors and `--help` show instead of the value.
  static constexpr std::string_view kRedacted = "****";

  friend bool operator==(const Secret& a, const Secret& b) noexcept;

 private:
  void wipe() noexcept;
  std::string value_;
};

}  // namespace llmauth
