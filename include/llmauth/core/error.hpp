// Errors. Two kinds matter to credential chains (as in the official SDKs):
//  - UnavailableError: this source is not configured here ("AWS_ACCESS_KEY_ID is not set");
//    a chain moves on to the next source.
//  - Error (any other): the source is configured but failed (STS refused, bad file); a chain
//    stops and reports it.
// Messages say where (file:line, JSON path, header name) and what to do. They never contain a
// secret: build them from names and redacted values only.
#pragma once

#include <stdexcept>
#include <string>

namespace llmauth {

enum class ErrorCode {
  kFailed,        // generic: configured but did not work
  kUnavailable,   // not configured here
  kInvalidInput,  // malformed file, JSON, command line, response
  kNetwork,       // connect / TLS / transport failure
  kTimeout,       // a network call or child process ran out of time
  kRefused,       // the loopback-only guard refused a destination
  kHttpStatus,    // the service answered with an error status
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorCode code = ErrorCode::kFailed)
      : std::runtime_error(message),
        code_(code),
        transient_(code == ErrorCode::kNetwork || code == ErrorCode::kTimeout) {}
  Error(const std::string& message, ErrorCode code, bool transient)
      : std::runtime_error(message), code_(code), transient_(transient) {}
  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  // Whether trying the same call again may succeed: true for a dropped connection or a timeout;
  // false for a TLS verification failure, a refused loopback port, an oversized answer, and every
  // error that is not a network one.
  [[nodiscard]] bool transient() const noexcept { return transient_; }

 private:
  ErrorCode code_;
  bool transient_;
};

class UnavailableError : public Error {
 public:
  explicit UnavailableError(const std::string& message) : Error(message, ErrorCode::kUnavailable) {}
};

}  // namespace llmauth
