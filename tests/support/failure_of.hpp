// failure_of(provider, secrets): runs resolve(), expects it to throw, and returns what it threw
// — after checking that none of `secrets` is in the message.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {

struct Outcome {
  std::string message;
  ErrorCode code = ErrorCode::kFailed;
  bool unavailable = false;
};

template <typename Provider>
Outcome failure_of(Provider& provider, std::initializer_list<const char*> secrets) {
  try {
    provider.resolve();
  } catch (const UnavailableError& e) {
    return {e.what(), e.code(), true};
  } catch (const Error& e) {
    Outcome o{e.what(), e.code(), false};
    for (const char* s : secrets) expect_no_secret(o.message, s);
    return o;
  }
  ADD_FAILURE() << "resolve() did not throw";
  return {};
}

}  // namespace llmauth::testing
