#include "llmauth/core/secret.hpp"

#include <gtest/gtest.h>

#include <type_traits>

namespace llmauth {
namespace {

template <typename T>
concept Streamable = requires(std::ostream& os, const T& t) {
  os << t;
};

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

// The bytes a Secret's storage holds, up to its capacity: what a heap inspector would find.
std::string stored_bytes(const Secret& s) {
  static_assert(sizeof(Secret) == sizeof(std::string));
  const auto& raw = *reinterpret_cast<const std::string*>(&s);
  return std::string(raw.data(), raw.capacity());
}

TEST(Secret, MoveConstruct_ShortValue_LeavesNoByteInTheSource) {
  Secret a("k3yBytes");  // fits the small-string buffer: moving copies, not steals
  Secret b(std::move(a));
  EXPECT_EQ(b.reveal(), "k3yBytes");
  const std::string left = stored_bytes(a);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(left.find("3yBytes"), std::string::npos);
  EXPECT_EQ(left.find_first_not_of('\0'), std::string::npos) << "source buffer not wiped";
}

TEST(Secret, MoveAssign_ShortAndLongValues_LeaveNoByteInEitherOldBuffer) {
  Secret a("shortKey");
  Secret b("anOlderLongerValueThatLivesOnTheHeap-0123456789");
  b = std::move(a);
  EXPECT_EQ(b.reveal(), "shortKey");
  EXPECT_EQ(stored_bytes(a).find_first_not_of('\0'), std::string::npos);  // NOLINT
  EXPECT_EQ(stored_bytes(b).find("OlderLonger"), std::string::npos);

  Secret c("aLongSecretValueThatDoesNotFitTheSmallBuffer-987");
  Secret d(std::move(c));
  EXPECT_EQ(d.reveal(), "aLongSecretValueThatDoesNotFitTheSmallBuffer-987");
  EXPECT_EQ(stored_bytes(c).find_first_not_of('\0'), std::string::npos);  // NOLINT
}

TEST(Secret, EqualityComparesContent) {
  EXPECT_EQ(Secret("a"), Secret("a"));
  EXPECT_FALSE(Secret("a") == Secret("b"));
  EXPECT_FALSE(Secret("a") == Secret("ab"));
}

}  // namespace
}  // namespace llmauth
