#include "llmauth/gateway/api_error.hpp"

namespace llmauth::gateway {

ApiError::ApiError(int status, std::string message, std::string type, std::string param,
                   std::string code)
    : Error(message, ErrorCode::kInvalidInput),
      status_(status),
      type_(std::move(type)),
      param_(std::move(param)),
      code_(std::move(code)) {}

json::Json ApiError::body() const {
  auto or_null = [](const std::string& s) {
    return s.empty() ? json::Json(nullptr) : json::Json(s);
  };
  return {{"error",
           {{"message", what()},
            {"type", type_},
            {"param", or_null(param_)},
            {"code", or_null(code_)}}}};
}

}  // namespace llmauth::gateway
