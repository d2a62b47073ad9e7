// Sealed secrets: what opens, what does not (another place, another key id, a wrong key, any
// edited byte), and that no error ever holds the value or the key. (That the format is
// AES-256-GCM as documented is checked against node's crypto in
// tests/integration/store/sealing_node_test.cpp.)
#include "llmauth/store/sealing.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::store {
namespace {

using crypto::base64;
using crypto::base64_decode;

constexpr const char* kValue = "azure-client-secret~Q8x_9.ZZtopsecret";
const SealedPlace kPlace{"providers", "p-17", "/auth/client_secret"};

std::string key32(char fill) { return std::string(32, fill); }

Keyring ring(const std::string& id = "k1", char fill = 'a') {
  Keyring k;
  k.add(id, Secret(key32(fill)), true);
  return k;
}

// The message of the Error `f` throws; fails the test when it throws none.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    const std::string m = e.what();
    // (The message is not printed when it leaks: the test's output must not hold it either.)
    EXPECT_TRUE(m.find(kValue) == std::string::npos) << "the value leaked into an error";
    EXPECT_TRUE(m.find(key32('a')) == std::string::npos) << "the key leaked into an error";
    return m;
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(Sealing, SealedValue_OpensAtItsPlaceAndHoldsNothingReadable) {
  const auto keys = ring();
  const Sealer s(keys);
  const std::string sealed = s.seal(Secret(kValue), kPlace);
  EXPECT_EQ(sealed.rfind("v1.k1.", 0), 0u) << sealed;
  EXPECT_EQ(sealed.find("topsecret"), std::string::npos);
  EXPECT_TRUE(s.open(sealed, kPlace).reveal() == kValue);  // (no value printed on failure)
  EXPECT_EQ(Sealer::key_id_of(sealed), "k1");
  EXPECT_EQ(s.open(s.seal(Secret(""), kPlace), kPlace).reveal(), "");
}

TEST(Sealing, EverySealing_HasFreshKeysAndNonces) {
  const auto keys = ring();
  const Sealer s(keys);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) seen.insert(s.seal(Secret(kValue), kPlace));
  EXPECT_EQ(seen.size(), 50u);
}

TEST(Sealing, CopiedToAnotherRowOrField_DoesNotOpen) {
  const auto keys = ring();
  const Sealer s(keys);
  const std::string sealed = s.seal(Secret(kValue), kPlace);
  for (const SealedPlace& other :
       {SealedPlace{"keys", "p-17", "/auth/client_secret"},
        SealedPlace{"providers", "p-18", "/auth/client_secret"},
        SealedPlace{"providers", "p-17", "/auth/api_key"},
        // Moving bytes between the parts of a place does not help either.
        SealedPlace{"providers", "p-17/auth", "/client_secret"}}) {
    const auto m = error_of([&] { (void)s.open(sealed, other); });
    EXPECT_NE(m.find("copied from another row or field"), std::string::npos) << m;
    EXPECT_NE(m.find(other.table + "/" + other.row_id + other.field), std::string::npos) << m;
  }
}

TEST(Sealing, UnknownKeyId_IsNamed) {
  const auto old_keys = ring("2026-01");
  const std::string sealed = Sealer(old_keys).seal(Secret(kValue), kPlace);
  const auto keys = ring("2026-06", 'b');
  const auto m = error_of([&] { (void)Sealer(keys).open(sealed, kPlace); });
  EXPECT_NE(m.find("master key '2026-01', which is not configured"), std::string::npos) << m;
}

TEST(Sealing, WrongKeyUnderTheSameId_IsAClearErrorNotGarbage) {
  const auto keys = ring("k1", 'a');
  const std::string sealed = Sealer(keys).seal(Secret(kValue), kPlace);
  const auto wrong = ring("k1", 'b');
  const auto m = error_of([&] { (void)Sealer(wrong).open(sealed, kPlace); });
  EXPECT_NE(m.find("does not open with master key 'k1'"), std::string::npos) << m;
}

TEST(Sealing, RelabelledWithAnotherKeyId_DoesNotOpen) {
  Keyring keys;
  keys.add("k1", Secret(key32('a')), true);
  keys.add("k2", Secret(key32('a')), false);  // the same bytes under another id
  const Sealer s(keys);
  std::string sealed = s.seal(Secret(kValue), kPlace);
  sealed.replace(0, 5, "v1.k2");
  const auto m = error_of([&] { (void)s.open(sealed, kPlace); });
  EXPECT_NE(m.find("'k2'"), std::string::npos) << m;
}

TEST(Sealing, AnyEditedByte_DoesNotOpen) {
  const auto keys = ring();
  const Sealer s(keys);
  const std::string sealed = s.seal(Secret(kValue), kPlace);
  // Flip one bit of every decoded byte of each binary part, re-encoded: never opens.
  std::size_t start = sealed.find('.', 3) + 1;  // after "v1.k1."
  for (int part = 0; part < 3; ++part) {
    const std::size_t end = sealed.find('.', start);
    const std::string b64 = sealed.substr(start, end == std::string::npos ? end : end - start);
    const auto raw = base64_decode(b64);
    ASSERT_TRUE(raw);
    for (std::size_t i = 0; i < raw->size(); ++i) {
      std::string bytes = *raw;
      bytes[i] = static_cast<char>(bytes[i] ^ 0x01);
      std::string edited = sealed;
      edited.replace(start, b64.size(), base64(bytes));
      EXPECT_THROW((void)s.open(edited, kPlace), Error) << "part " << part << " byte " << i;
    }
    start = end + 1;
  }
}

TEST(Sealing, MalformedTexts_AreErrorsThatSayWhere) {
  const auto keys = ring();
  const Sealer s(keys);
  const std::string good = s.seal(Secret(kValue), kPlace);
  for (const std::string& bad :
       {std::string(), std::string("plaintext-secret"), std::string("v2") + good.substr(2),
        good.substr(0, good.size() - 30), good + ".x", std::string("v1.k 1.AA.AA.AA"),
        std::string("v1.k1.!!!.AA.AA"), std::string(2u << 20, 'v')}) {
    const auto m = error_of([&] { (void)s.open(bad, kPlace); });
    EXPECT_NE(m.find("providers/p-17/auth/client_secret"), std::string::npos) << m;
  }
  EXPECT_EQ(Sealer::key_id_of("plaintext"), "");
}

TEST(Sealing, Rotation_OldValuesOpenAndResealMovesThemToTheActiveKey) {
  Keyring before;
  before.add("old", Secret(key32('a')), true);
  const std::string sealed = Sealer(before).seal(Secret(kValue), kPlace);

  Keyring after;
  after.add("new", Secret(key32('b')), true);
  after.add("old", Secret(key32('a')), false);  // decrypt-only
  const Sealer s(after);
  EXPECT_EQ(after.active_id(), "new");
  EXPECT_TRUE(s.open(sealed, kPlace).reveal() == kValue);
  const std::string moved = s.reseal(sealed, kPlace);
  EXPECT_EQ(Sealer::key_id_of(moved), "new");

  Keyring only_new;
  only_new.add("new", Secret(key32('b')), true);
  EXPECT_TRUE(Sealer(only_new).open(moved, kPlace).reveal() == kValue);
  EXPECT_THROW((void)Sealer(only_new).open(sealed, kPlace), Error);
}

TEST(Sealing, KeyringRefusesBadKeys) {
  Keyring k;
  EXPECT_NE(error_of([&] { (void)k.active_id(); }).find("LLMAUTH_MASTER_KEY"), std::string::npos);
  EXPECT_NE(error_of([&] { k.add("k1", Secret(std::string(16, 'a')), true); }).find("must be 32"),
            std::string::npos);
  EXPECT_NE(error_of([&] { k.add("bad id", Secret(key32('a')), true); }).find("not valid"),
            std::string::npos);
  EXPECT_NE(error_of([&] { k.add_base64("k1", "not base64!", true); }).find("base64"),
            std::string::npos);
  k.add("k1", Secret(key32('a')), true);
  EXPECT_NE(error_of([&] { k.add("k1", Secret(key32('a')), false); }).find("twice"),
            std::string::npos);
}

TEST(Sealing, GeneratedMasterKeys_Are32RandomBytesInBase64) {
  const Secret a = Keyring::generate_base64();
  const Secret b = Keyring::generate_base64();
  EXPECT_NE(a.reveal(), b.reveal());
  const auto raw = base64_decode(a.reveal());
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 32u);
  Keyring k;
  k.add_base64("k1", a.reveal(), true);
  EXPECT_TRUE(Sealer(k).open(Sealer(k).seal(Secret(kValue), kPlace), kPlace).reveal() == kValue);
}

}  // namespace
}  // namespace llmauth::store
