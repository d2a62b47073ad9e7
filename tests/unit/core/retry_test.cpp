#include "llmauth/core/retry.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <deque>
#include <functional>
#include <variant>

#include "llmauth/core/error.hpp"

namespace llmauth::http {
namespace {

using std::chrono::milliseconds;

// Answers from a script: a status (with headers) or a transport Error per call.
class ScriptedTransport final : public Transport {
 public:
  using Step = std::variant<Response, Error>;
  explicit ScriptedTransport(std::deque<Step> steps) : steps_(std::move(steps)) {}

  Response send(const Request&) override {
    ++calls;
    if (steps_.empty()) throw std::logic_error("no more scripted answers");
    Step step = std::move(steps_.front());
    steps_.pop_front();
    if (auto* e = std::get_if<Error>(&step)) throw *e;
    return std::get<Response>(step);
  }
  Response send_streaming(const Request& r, const BodySink&) override { return send(r); }

  int calls = 0;

 private:
  std::deque<Step> steps_;
};

Response status(int code, Headers headers = {}) {
  Response r;
  r.status = code;
  r.headers = std::move(headers);
  return r;
}

struct FakeSleeper {
  std::vector<milliseconds> slept;
  Sleeper fn() {
    return [this](milliseconds d) { slept.push_back(d); };
  }
};

TEST(Retry, SuccessFirstTime_NoSleep) {
  ScriptedTransport t({status(200)});
  FakeSleeper s;
  EXPECT_EQ(send_with_retries(t, {}, {}, s.fn()).status, 200);
  EXPECT_EQ(t.calls, 1);
  EXPECT_TRUE(s.slept.empty());
}

TEST(Retry, ServerErrors_RetriedWithGrowingJitteredBackoff) {
  ScriptedTransport t({status(500), status(503), status(502), status(200)});
  FakeSleeper s;
  RetryPolicy p;  // 800 ms initial
  EXPECT_EQ(send_with_retries(t, {}, p, s.fn()).status, 200);
  EXPECT_EQ(t.calls, 4);
  ASSERT_EQ(s.slept.size(), 3u);
  // jitter in [0.8, 1.3] around 800, 1600, 3200 ms
  EXPECT_GE(s.slept[0].count(), 640);
  EXPECT_LE(s.slept[0].count(), 1040);
  EXPECT_GE(s.slept[1].count(), 1280);
  EXPECT_LE(s.slept[1].count(), 2080);
  EXPECT_GE(s.slept[2].count(), 2560);
  EXPECT_LE(s.slept[2].count(), 4160);
}

TEST(Retry, BackoffIsCappedAtMaxDelay) {
  ScriptedTransport t({status(500), status(500), status(200)});
  FakeSleeper s;
  RetryPolicy p;
  p.initial_delay = milliseconds(10000);
  p.max_delay = milliseconds(1500);
  send_with_retries(t, {}, p, s.fn());
  for (auto d : s.slept) EXPECT_LE(d.count(), 1500);
}

TEST(Retry, AttemptsRunOut_ReturnsLastResponse) {
  ScriptedTransport t({status(503), status(503), status(503), status(504)});
  FakeSleeper s;
  EXPECT_EQ(send_with_retries(t, {}, {}, s.fn()).status, 504);
  EXPECT_EQ(t.calls, 4);
  EXPECT_EQ(s.slept.size(), 3u);
}

TEST(Retry, BadRequestAndUnauthorized_NeverRetried) {
  for (int code : {400, 401}) {
    ScriptedTransport t({status(code), status(200)});
    FakeSleeper s;
    RetryPolicy p;
    p.retry_statuses.push_back(code);  // even when a caller lists them
    EXPECT_EQ(send_with_retries(t, {}, p, s.fn()).status, code);
    EXPECT_EQ(t.calls, 1);
    EXPECT_TRUE(s.slept.empty());
  }
}

TEST(Retry, UnlistedStatus_NotRetried) {
  ScriptedTransport t({status(403), status(200)});
  FakeSleeper s;
  EXPECT_EQ(send_with_retries(t, {}, {}, s.fn()).status, 403);
  EXPECT_EQ(t.calls, 1);
}

TEST(Retry, TooManyRequests_HonoursRetryAfterSeconds) {
  ScriptedTransport t({status(429, {{"Retry-After", "2"}}), status(200)});
  FakeSleeper s;
  EXPECT_EQ(send_with_retries(t, {}, {}, s.fn()).status, 200);
  ASSERT_EQ(s.slept.size(), 1u);
  EXPECT_EQ(s.slept[0], milliseconds(2000));
}

TEST(Retry, RetryAfterMs_WinsOverRetryAfter) {
  ScriptedTransport t({status(429, {{"retry-after", "9"}, {"retry-after-ms", "250"}}),
                       status(503, {{"x-ms-retry-after-ms", "75"}}), status(200)});
  FakeSleeper s;
  send_with_retries(t, {}, {}, s.fn());
  ASSERT_EQ(s.slept.size(), 2u);
  EXPECT_EQ(s.slept[0], milliseconds(250));
  EXPECT_EQ(s.slept[1], milliseconds(75));
}

TEST(Retry, RetryAfter_CappedAtMaxDelay) {
  ScriptedTransport t({status(429, {{"Retry-After", "3600"}}), status(200)});
  FakeSleeper s;
  RetryPolicy p;
  p.max_delay = milliseconds(5000);
  send_with_retries(t, {}, p, s.fn());
  ASSERT_EQ(s.slept.size(), 1u);
  EXPECT_EQ(s.slept[0], milliseconds(5000));
}

TEST(Retry, TransportErrors_RetriedThenRethrown) {
  ScriptedTransport t({Error("connect refused", ErrorCode::kNetwork),
                       Error("timed out", ErrorCode::kTimeout), status(200)});
  FakeSleeper s;
  EXPECT_EQ(send_with_retries(t, {}, {}, s.fn()).status, 200);
  EXPECT_EQ(t.calls, 3);

  ScriptedTransport all({Error("a", ErrorCode::kNetwork), Error("b", ErrorCode::kNetwork),
                         Error("c", ErrorCode::kNetwork), Error("last", ErrorCode::kTimeout)});
  try {
    send_with_retries(all, {}, {}, s.fn());
    FAIL() << "expected a throw";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("last", 0), 0u) << what;  // the last error, saying how many were made
    EXPECT_NE(what.find("after 4 attempts in"), std::string::npos) << what;
    EXPECT_EQ(e.code(), ErrorCode::kTimeout);
  }
  EXPECT_EQ(all.calls, 4);
}

TEST(Retry, PermanentTransportErrors_NotRetried) {
  // A TLS verification failure or a refused loopback port does not get better by asking again.
  ScriptedTransport t({Error("TLS verification failed", ErrorCode::kNetwork, false), status(200)});
  FakeSleeper s;
  EXPECT_THROW(send_with_retries(t, {}, {}, s.fn()), Error);
  EXPECT_EQ(t.calls, 1);
  EXPECT_TRUE(s.slept.empty());
}

TEST(Call, Deadline_NoPauseThatWouldOutlastIt) {
  // 503s forever, 800 ms initial backoff, a 2 s deadline: the fake sleeps count as time passed.
  ScriptedTransport t({status(503), status(503), status(503), status(503)});
  FakeSleeper s;
  CallOptions o;
  o.deadline = milliseconds(2000);
  o.sleep = s.fn();
  const Response r = call(t, {}, o);
  EXPECT_EQ(r.status, 503);
  EXPECT_LT(t.calls, 4);  // gave up before the attempts ran out
  milliseconds total{0};
  for (auto d : s.slept) total += d;
  EXPECT_LT(total.count(), 2000);
  EXPECT_EQ(r.attempts, t.calls);
  EXPECT_NE(attempts_note(r).find(std::to_string(t.calls) + " attempts"), std::string::npos);
}

TEST(Call, Deadline_ShrinksEachAttemptsTimeouts) {
  struct Recording final : Transport {
    std::vector<Request> seen;
    Response send(const Request& r) override {
      seen.push_back(r);
      Response out;
      out.status = 200;
      return out;
    }
    Response send_streaming(const Request& r, const BodySink&) override { return send(r); }
  } t;
  Request req;
  req.timeout = std::chrono::seconds(30);
  req.connect_timeout = std::chrono::seconds(10);
  CallOptions o;
  o.deadline = milliseconds(3000);
  call(t, req, o);
  ASSERT_EQ(t.seen.size(), 1u);
  EXPECT_LE(t.seen[0].timeout.count(), 3000);
  EXPECT_LE(t.seen[0].connect_timeout.count(), 3000);
  ASSERT_TRUE(t.seen[0].first_byte_timeout.has_value());
  EXPECT_LE(t.seen[0].first_byte_timeout->count(), 3000);
}

TEST(Call, RefreshVerdict_RetriesOnceAtOnceWithoutCountingAgainstTheBudget) {
  ScriptedTransport t({status(401), status(401), status(200)});
  FakeSleeper s;
  CallOptions o;
  o.sleep = s.fn();
  int prepared = 0;
  o.prepare = [&](Request&) { ++prepared; };
  o.judge = [](const Response& r) {
    return r.status == 401 ? Verdict::kRetryAfterRefresh : Verdict::kDone;
  };
  EXPECT_EQ(call(t, {}, o).status, 401);  // a second 401 after the refresh is the answer
  EXPECT_EQ(t.calls, 2);
  EXPECT_EQ(prepared, 2);  // authorized again for the retry
  EXPECT_TRUE(s.slept.empty());
}

TEST(Call, StreamNeverRetriedOnceItsBodyReachedTheSink) {
  struct HalfStream final : Transport {
    int calls = 0;
    Response send(const Request&) override { throw Error("unused"); }
    Response send_streaming(const Request&, const BodySink& sink) override {
      ++calls;
      sink("data: partial\n\n");
      throw Error("connection reset", ErrorCode::kNetwork);
    }
  } t;
  FakeSleeper s;
  CallOptions o;
  o.sleep = s.fn();
  const BodySink sink = [](std::string_view) { return true; };
  o.sink = &sink;
  EXPECT_THROW(call(t, {}, o), Error);
  EXPECT_EQ(t.calls, 1);
}

TEST(Call, TransportErrorMessage_IsScrubbedOfTheRequestsSecrets) {
  ScriptedTransport t({Error("proxy said: bad key key-0123456789", ErrorCode::kNetwork, false)});
  Request r;
  r.headers = {{"api-key", "key-0123456789"}};
  try {
    call(t, r, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("key-0123456789"), std::string::npos) << e.what();
  }
}

TEST(Retry, RefusedDestinationAndOtherErrors_NotRetried) {
  ScriptedTransport t({Error("not loopback", ErrorCode::kRefused), status(200)});
  FakeSleeper s;
  EXPECT_THROW(send_with_retries(t, {}, {}, s.fn()), Error);
  EXPECT_EQ(t.calls, 1);
}

TEST(Retry, TransportRetriesCanBeTurnedOff) {
  ScriptedTransport t({Error("down", ErrorCode::kNetwork), status(200)});
  FakeSleeper s;
  RetryPolicy p;
  p.retry_transport_errors = false;
  EXPECT_THROW(send_with_retries(t, {}, p, s.fn()), Error);
  EXPECT_EQ(t.calls, 1);
}

TEST(Retry, SingleAttemptPolicy_NeverSleeps) {
  ScriptedTransport t({status(503), status(200)});
  FakeSleeper s;
  RetryPolicy p;
  p.max_attempts = 1;
  EXPECT_EQ(send_with_retries(t, {}, p, s.fn()).status, 503);
  EXPECT_TRUE(s.slept.empty());
}

std::string http_date(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

TEST(RetryAfter, HttpDate_IsADelayFromNow) {
  const auto when = std::chrono::system_clock::now() + std::chrono::seconds(30);
  const auto d = retry_after(status(503, {{"Retry-After", http_date(when)}}));
  ASSERT_TRUE(d.has_value());
  EXPECT_GE(d->count(), 28000);
  EXPECT_LE(d->count(), 30000);
}

TEST(RetryAfter, PastHttpDate_IsZero) {
  EXPECT_EQ(retry_after(status(503, {{"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"}})),
            milliseconds(0));
}

TEST(RetryAfter, FractionsAndGarbage) {
  EXPECT_EQ(retry_after(status(429, {{"Retry-After", "1.5"}})), milliseconds(1500));
  EXPECT_EQ(retry_after(status(429, {{"Retry-After", "soon"}})), std::nullopt);
  EXPECT_EQ(retry_after(status(429, {{"Retry-After", "-3"}})), std::nullopt);
  EXPECT_EQ(retry_after(status(429, {{"retry-after-ms", "x"}, {"Retry-After", "1"}})),
            milliseconds(1000));
  EXPECT_EQ(retry_after(status(429)), std::nullopt);
}

TEST(Retry, GarbageRetryAfter_FallsBackToBackoff) {
  ScriptedTransport t({status(429, {{"Retry-After", "later"}}), status(200)});
  FakeSleeper s;
  RetryPolicy p;
  p.initial_delay = milliseconds(100);
  send_with_retries(t, {}, p, s.fn());
  ASSERT_EQ(s.slept.size(), 1u);
  EXPECT_GE(s.slept[0].count(), 80);
  EXPECT_LE(s.slept[0].count(), 130);
}

}  // namespace
}  // namespace llmauth::http
