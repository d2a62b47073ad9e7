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

namespace llmauth {
namespace {

TEST(AmbientReadFile, AFifoIsRefusedInsteadOfWaitingForAWriterForever) {
  TempDir d;
  const auto fifo = d.path() / "token";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const Ambient ambient = testing::test_ambient();
  try {
    (void)ambient.read_file(fifo);
    FAIL() << "read a FIFO";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(fifo.string()), std::string::npos) << e.what();
  }
}

TEST(AmbientReadFile, MissingIsNulloptAndTooLargeIsAnError) {
  TempDir d;
  const Ambient ambient = testing::test_ambient();
  EXPECT_FALSE(ambient.read_file(d.path() / "absent").has_value());
  const auto big = d.write("big", std::string(2000, 'x'));
  EXPECT_THROW((void)ambient.read_file(big, 1000), Error);
  EXPECT_EQ(ambient.read_file(big, 2000)->size(), 2000u);
}

TEST(AmbientLockFile, ASecondLockerWaitsThenGoesOnWithoutIt) {
  TempDir d;
  const Ambient ambient = testing::test_ambient();
  const auto path = d.path() / "cache.json.lock";
  const FileLock first = ambient.lock_file(path, std::chrono::milliseconds(100));
  ASSERT_TRUE(first.held());
  const FileLock second = ambient.lock_file(path, std::chrono::milliseconds(100));
  EXPECT_FALSE(second.held());  // the wait ran out: not held, and no hang
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace llmauth
