#include "log_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace llmauth::gateway::server {

namespace {
constexpr std::size_t kFlushAt = 64u << 10;
constexpr auto kInterval = std::chrono::milliseconds(50);
// A stderr nobody reads (a full pipe) must not grow the buffer without bound: past this, lines
// are dropped until the writer catches up.
constexpr std::size_t kMaxPending = 16u << 20;
}  // namespace

LogWriter::LogWriter(int fd) : fd_(fd), thread_([this] { run(); }) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  flush();
}

void LogWriter::line(std::string_view text) {
  bool full = false;
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() + text.size() + 1 > kMaxPending) return;
    pending_.append(text);
    pending_.push_back('\n');
    full = pending_.size() >= kFlushAt;
  }
  if (full) wake_.notify_one();
}

void LogWriter::flush() {
  std::lock_guard writing(write_mutex_);
  std::string batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  write_all(batch);
}

void LogWriter::run() {
  std::string batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kInterval, [this] { return stopping_ || pending_.size() >= kFlushAt; });
      if (stopping_) return;
      if (pending_.empty()) continue;
      batch.clear();
      batch.swap(pending_);
    }
    std::lock_guard writing(write_mutex_);
    write_all(batch);
  }
}

void LogWriter::write_all(const std::string& data) const {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr closed: nothing to do about it
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace llmauth::gateway::server
