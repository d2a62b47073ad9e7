#include "llmauth/core/secret.hpp"

#include <gtest/gtest.h>

#include <type_traits>

namespace llmauth {
namespace {

template <typename T>
concept Streamable = requires(std::ostream& os, const T& t) { os << t; };

TEST(Secret, CannotBeStreamedOrConverted) {
  static_assert(!Streamable<Secret>);
  static_assert(!std::is_convertible_v<Secret, std::string>);
  static_assert(!std::is_convertible_v<Secret, std::string_view>);
  static_assert(!std::is_convertible_v<std::string, Secret>);
}

TEST(Secret, RevealGivesTheBytes) {
  Secret s("hunter2");
  EXPECT_EQ(s.reveal(), "hunter2");
  EXPECT_EQ(s.size(), 7u);
  EXPECT_FALSE(s.empty());
}

TEST(Secret, MoveLeavesSourceEmpty) {
  Secret a("value");
  Secret b(std::move(a));
  EXPECT_EQ(b.reveal(), "value");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the wipe is the point
}

TEST(Secret, EqualityComparesContent) {
  EXPECT_EQ(Secret("a"), Secret("a"));
  EXPECT_FALSE(Secret("a") == Secret("b"));
  EXPECT_FALSE(Secret("a") == Secret("ab"));
}

}  // namespace
}  // namespace llmauth
