#include "llmauth/core/clock.hpp"

namespace llmauth {

std::shared_ptr<const Clock> SystemClock::instance() {
  static const auto clock = std::make_shared<const SystemClock>();
  return clock;
}

}  // namespace llmauth
