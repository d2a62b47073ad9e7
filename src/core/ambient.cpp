#include "llmauth/core/ambient.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"

extern char** environ;

namespace llmauth {

std::optional<std::string> ProcessEnvironment::get(std::string_view name) const {
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::map<std::string, std::string> ProcessEnvironment::all() const {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

std::optional<std::string> MapEnvironment::get(std::string_view name) const {
  const auto it = vars_.find(std::string(name));
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

Ambient::Ambient(std::shared_ptr<const Environment> env, std::shared_ptr<const Clock> clock,
                 std::shared_ptr<http::Transport> http, std::shared_ptr<ProcessRunner> processes)
    : env_(std::move(env)),
      clock_(std::move(clock)),
      http_(std::move(http)),
      processes_(std::move(processes)) {}

Ambient Ambient::system(const http::TransportOptions& transport_options) {
  auto env = std::make_shared<ProcessEnvironment>();
  http::TransportOptions options = transport_options;
  if (!options.ca_bundle) {
    if (auto v = env->get("AWS_CA_BUNDLE"); v && !v->empty()) {
      options.ca_bundle = *v;
      options.ca_bundle_source = "AWS_CA_BUNDLE";
    } else if (auto s = env->get("SSL_CERT_FILE"); s && !s->empty()) {
      options.ca_bundle = *s;
      options.ca_bundle_source = "SSL_CERT_FILE";
    }
  }
  return Ambient(env, SystemClock::instance(), std::make_shared<http::CurlTransport>(options),
                 std::make_shared<PosixProcessRunner>());
}

Ambient Ambient::isolated(std::map<std::string, std::string> vars) const {
  return Ambient(std::make_shared<MapEnvironment>(std::move(vars)), clock_, http_, processes_);
}

std::optional<std::string> Ambient::env(std::string_view name) const {
  auto v = env_->get(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

bool Ambient::env_flag(std::string_view name) const {
  auto v = env(name);
  if (!v) return false;
  std::string s = *v;
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s == "true" || s == "1" || s == "yes";
}

std::filesystem::path Ambient::home() const {
  if (auto h = env("HOME")) return *h;
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr) {
    return pw->pw_dir;
  }
  return "/";
}

std::filesystem::path Ambient::expand_user(const std::string& path) const {
  if (path == "~") return home();
  if (path.rfind("~/", 0) == 0) return home() / path.substr(2);
  return path;
}

std::optional<std::string> Ambient::read_file(const std::filesystem::path& path,
                                              std::size_t max_bytes) const {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever. The type
  // is checked on the opened descriptor, so a file swapped after a stat() cannot slip through.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return std::nullopt;
    if (err == EACCES || err == EPERM) {
      throw Error(path.string() + ": cannot be read (check its permissions)",
                  ErrorCode::kInvalidInput);
    }
    throw Error(path.string() + ": cannot be opened (" + std::strerror(err) + ")",
                ErrorCode::kInvalidInput);
  }
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close_on_exit{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw Error(path.string() + ": cannot be read (" + std::strerror(errno) + ")",
                ErrorCode::kInvalidInput);
  }
  if (S_ISDIR(st.st_mode)) {
    throw Error(path.string() + ": is a directory, expected a file", ErrorCode::kInvalidInput);
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(path.string() +
                    ": is not a regular file (a FIFO, socket or device); name a file that "
                    "holds the value",
                ErrorCode::kInvalidInput);
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string data;
  data.resize(max_bytes + 1);
  std::size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      OPENSSL_cleanse(data.data(), got);
      throw Error(path.string() + ": cannot be read (" + std::strerror(err) + ")",
                  ErrorCode::kInvalidInput);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) {
    OPENSSL_cleanse(data.data(), got);
    throw Error(path.string() + ": larger than " + std::to_string(max_bytes) + " bytes",
                ErrorCode::kInvalidInput);
  }
  data.resize(got);
  return data;
}

void Ambient::replace_file(const std::filesystem::path& path, std::string_view content) const {
  // The temporary file sits beside the target so that rename() stays within one file system.
  const std::string nonce = crypto::random_bytes(6);
  const std::filesystem::path temp =
      path.parent_path() /
      ("." + path.filename().string() + ".tmp." +
       crypto::hex(reinterpret_cast<const std::uint8_t*>(nonce.data()), nonce.size()));
  auto fail = [&](const std::string& step, int err) -> Error {
    return Error(path.string() + ": could not be written (" + step + ": " + std::strerror(err) +
                 ")");
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw fail("create " + temp.filename().string(), errno);
  auto discard = [&](const std::string& step) {
    const int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    throw fail(step, err);
  };
  // O_CREAT's mode is filtered by the umask; make it exactly 0600 whatever the umask says.
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) discard("chmod");
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      discard("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) discard("fsync");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw fail("close", err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw fail("rename", err);
  }
}

}  // namespace llmauth

namespace llmauth {

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

FileLock Ambient::lock_file(const std::filesystem::path& path,
                            std::chrono::milliseconds timeout) const {
  std::error_code ec;
  const int fd = std::filesystem::is_directory(path, ec)
                     ? ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                     : ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return FileLock();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return FileLock(fd);
    if (errno != EWOULDBLOCK && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::close(fd);
  return FileLock();
}

}  // namespace llmauth
