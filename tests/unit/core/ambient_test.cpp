// Ambient's file replacement: what the SSO token cache write-back relies on.
#include "llmauth/core/ambient.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llmauth/core/error.hpp"
#include "support/test_support.hpp"

namespace llmauth {
namespace {

using testing::TempDir;

std::size_t entries(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(AmbientReplaceFile, ReplacesByRenameWithOwnerOnlyMode) {
  TempDir d;
  const auto file =
      d.write("token.json", "old",
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                  std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  const auto link = d.path() / "link";
  ASSERT_EQ(::link(file.c_str(), link.c_str()), 0);
  const mode_t old_umask = ::umask(0);  // a permissive umask must not widen the mode
  testing::test_ambient().replace_file(file, "new content");
  ::umask(old_umask);

  EXPECT_EQ(testing::test_ambient().read_file(file), "new content");
  EXPECT_EQ(testing::test_ambient().read_file(link), "old") << "rewritten in place, not renamed";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(entries(d.path()), 2u) << "a temporary file was left behind";
}

TEST(AmbientReplaceFile, CreatesAMissingFile) {
  TempDir d;
  const auto file = d.path() / "fresh.json";
  testing::test_ambient().replace_file(file, "{}");
  EXPECT_EQ(testing::test_ambient().read_file(file), "{}");
}

TEST(AmbientReplaceFile, FailureNamesThePathAndLeavesNothing) {
  TempDir d;
  const auto file = d.path() / "no-such-folder" / "token.json";
  try {
    testing::test_ambient().replace_file(file, "x");
    FAIL() << "wrote into a folder that does not exist";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string() + ": could not be written"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(entries(d.path()), 0u);
}

TEST(AmbientReplaceFile, ADirectoryInTheWayIsNotReplaced) {
  TempDir d;
  const auto target = d.path() / "cache.json";
  std::filesystem::create_directory(target);
  std::filesystem::create_directory(target / "inside");  // rename() over a non-empty dir fails
  EXPECT_THROW(testing::test_ambient().replace_file(target, "x"), Error);
  EXPECT_TRUE(std::filesystem::is_directory(target / "inside"));
  EXPECT_EQ(entries(d.path()), 1u) << "the temporary file was not removed";
}

}  // namespace
}  // namespace llmauth
