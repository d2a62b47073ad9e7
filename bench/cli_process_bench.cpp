// `llmauth aws sign` as a whole process: wall time per run and the child's peak RSS.
// Targets (issue #2): ≤ 10 ms wall, ≤ 15 MB peak RSS. Beside it, two floors: spawning /bin/true,
// and a minimal program that maps libcrypto and initialises OpenSSL (floor/startup_floor.cpp).
// On a VM the spread between runs is large: compare numbers from the same run only.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <spawn.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace {

// Spawns argv with envp, waits, returns the child's max RSS in KiB.
long run_child(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::vector<char*> a, e;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  for (const auto& s : env) e.push_back(const_cast<char*>(s.c_str()));
  e.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 1 /*O_WRONLY*/, 0);
  pid_t pid = 0;
  if (posix_spawn(&pid, a[0], &actions, nullptr, a.data(), e.data()) != 0) return -1;
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return usage.ru_maxrss;
}

const std::vector<std::string> kEnv = {
    "PATH=/usr/bin:/bin", "HOME=/nonexistent", "AWS_EC2_METADATA_DISABLED=true",
    "LLMAUTH_LOOPBACK_ONLY=1", "AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};

void BM_CliAwsSign(benchmark::State& state) {
  const std::vector<std::string> argv = {
      LLMAUTH_CLI_PATH, "aws", "sign", "--region", "us-east-1", "--service", "bedrock",
      "--method", "POST", "--url",
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku/converse",
      "-H", "content-type: application/json", "--data", std::string(1024, 'x')};
  long peak = 0;
  for (auto _ : state) {
    const long rss = run_child(argv, kEnv);
    if (rss < 0) {
      state.SkipWithError("llmauth aws sign failed");
      return;
    }
    peak = std::max(peak, rss);
  }
  state.counters["peak_rss_MB"] = static_cast<double>(peak) / 1024.0;
}
BENCHMARK(BM_CliAwsSign)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(200);

void BM_SpawnTrue_Floor(benchmark::State& state) {
  long peak = 0;
  for (auto _ : state) peak = std::max(peak, run_child({"/bin/true"}, kEnv));
  state.counters["peak_rss_MB"] = static_cast<double>(peak) / 1024.0;
}
BENCHMARK(BM_SpawnTrue_Floor)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(200);

// Runs `program` (no arguments) as many times as the benchmark asks, reporting its peak RSS.
void run_floor(benchmark::State& state, const char* program) {
  long peak = 0;
  for (auto _ : state) {
    const long rss = run_child({program}, kEnv);
    if (rss < 0) {
      state.SkipWithError("startup floor program failed");
      return;
    }
    peak = std::max(peak, rss);
  }
  state.counters["peak_rss_MB"] = static_cast<double>(peak) / 1024.0;
}

// A process that maps libcrypto, initialises OpenSSL and computes one HMAC: what any native SigV4
// signer linked against the system OpenSSL pays before doing anything.
void BM_OpenSslProcess_Floor(benchmark::State& state) {
  run_floor(state, LLMAUTH_STARTUP_FLOOR_PATH);
}
BENCHMARK(BM_OpenSslProcess_Floor)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(200);

// The same program printing through std::cout with libstdc++ as a shared library: not a floor but
// the reason the llmauth executable links its C++ runtime statically.
void BM_OpenSslProcessSharedCxxRuntime(benchmark::State& state) {
  run_floor(state, LLMAUTH_STARTUP_FLOOR_SHARED_CXX_PATH);
}
BENCHMARK(BM_OpenSslProcessSharedCxxRuntime)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(200);

}  // namespace
