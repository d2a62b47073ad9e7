// LogWriter: the gateway's JSON lines on stderr, written in batches. A request thread only
// appends its line to a buffer under a short lock; a thread of its own writes the buffer with one
// write(2) every 50 ms, or at once when it holds 64 KiB, and whatever is left when the gateway
// stops. One write(2) per request cost as much as a tenth of a request's CPU, and requests of
// different threads queued on the lock around it. Lines are never split or interleaved. Internal to
// src/gateway/server.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace llmauth::gateway::server {

class LogWriter {
 public:
  explicit LogWriter(int fd = 2);
  ~LogWriter();  // writes what is buffered
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Appends `line` and a newline.
  void line(std::string_view line);
  // Writes what is buffered now (before an exit that skips destructors).
  void flush();

 private:
  void run();
  void write_all(const std::string& data) const;

  int fd_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;
  bool stopping_ = false;
  std::mutex write_mutex_;  // flush() and the thread never write at once
  std::thread thread_;
};

}  // namespace llmauth::gateway::server
