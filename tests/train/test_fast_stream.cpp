// The fast path's task stream and lane arithmetic (lib/src/train/fast/stream.hpp, kernel.hpp,
// simd.hpp): the lane log / sin / cos must be accurate to a few ulp against long double; the
// stream's numbers must have the stated laws; every ARS implementation must give the very same
// tasks (the generator itself is checked against Random123 in test_rng_ars.cpp).
#include "icgd/train/fast_lsa.hpp"
#include "icgd/train/rng.hpp"
#include "fast/kernel.hpp"  // private: lib/src/train (tests/train/CMakeLists.txt)
#include "fast/simd.hpp"
#include "fast/stream.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

using namespace icgd::train;
using namespace icgd::train::fast;

template <class T>
void check_log_accuracy() {
  using V = typename Lanes<T>::V;
  constexpr int W = Lanes<T>::width;
  const long double eps = std::numeric_limits<T>::epsilon();
  long double worst = 0;
  // Box–Muller's inputs (k/2^24, k ≥ 1) and a spread of other magnitudes.
  std::vector<T> xs;
  for (std::uint32_t k = 1; k < (1u << 24); k = k * 3 + 1) xs.push_back(static_cast<T>(k) * T(0x1.0p-24));
  for (int i = 0; i < 4000; ++i) xs.push_back(static_cast<T>(std::ldexp(1.0 + i / 4000.0, i % 40 - 20)));
  xs.push_back(T(1));
  xs.push_back(T(0x1.0p-24));
  xs.push_back(std::nextafter(T(1), T(0)));
  while (xs.size() % W != 0) xs.push_back(T(0.5));
  for (std::size_t i = 0; i < xs.size(); i += W) {
    V v;
    for (int l = 0; l < W; ++l) v[l] = xs[i + static_cast<std::size_t>(l)];
    const V r = lane_log<T>(v);
    for (int l = 0; l < W; ++l) {
      const long double ref = std::log(static_cast<long double>(v[l]));
      // error in units of eps·max(|ln x|, 1): absolute near x = 1, relative elsewhere
      const long double err = std::fabs(static_cast<long double>(r[l]) - ref) /
                              (eps * std::max(std::fabs(ref), 1.0L));
      worst = std::max(worst, err);
    }
  }
  INFO("worst log error (eps units) = " << static_cast<double>(worst));
  CHECK(worst < 4);
}

TEST_CASE("lane log is accurate to a few ulp (float and double)") {
  check_log_accuracy<float>();
  check_log_accuracy<double>();
}

template <class T>
void check_cos_sin_accuracy() {
  using V = typename Lanes<T>::V;
  constexpr int W = Lanes<T>::width;
  const long double eps = std::numeric_limits<T>::epsilon();
  const long double two_pi = 6.283185307179586476925286766559005768L;
  long double worst = 0;
  // All u = k/2^24 on a stride that visits every octant and its edges.
  std::vector<T> us;
  for (std::uint32_t k = 0; k < (1u << 24); k += 4093) us.push_back(static_cast<T>(k) * T(0x1.0p-24));
  for (std::uint32_t k : {0u, 1u, (1u << 21), (1u << 21) - 1, (1u << 22), (1u << 23), (3u << 22),
                          (1u << 24) - 1, (1u << 21) + 1})
    us.push_back(static_cast<T>(k) * T(0x1.0p-24));
  while (us.size() % W != 0) us.push_back(T(0));
  for (std::size_t i = 0; i < us.size(); i += W) {
    V u;
    for (int l = 0; l < W; ++l) u[l] = us[i + static_cast<std::size_t>(l)];
    V c, s;
    lane_cos_sin_2pi<T>(u, c, s);
    for (int l = 0; l < W; ++l) {
      const long double a = two_pi * static_cast<long double>(u[l]);
      worst = std::max(worst, std::fabs(static_cast<long double>(c[l]) - std::cos(a)) / eps);
      worst = std::max(worst, std::fabs(static_cast<long double>(s[l]) - std::sin(a)) / eps);
    }
  }
  INFO("worst sin/cos error (eps units) = " << static_cast<double>(worst));
  CHECK(worst < 4);
}

TEST_CASE("lane cos/sin of 2πu are accurate to a few ulp (float and double)") {
  check_cos_sin_accuracy<float>();
  check_cos_sin_accuracy<double>();
}

TEST_CASE("fast task stream: laws of x and w, y = wᵀx, float and double see the same x and w") {
  FastLsaConfig c;  // d = N = 10, a = 0.5
  c.seed = 42;
  const int B = 4096;
  const TaskBatch tf = fast_generate_tasks<float>(c, 3, B);
  const TaskBatch td = fast_generate_tasks<double>(c, 3, B);
  const int d = c.x_dim, N = c.num_context;
  // x: exactly the same numbers in both types (power-of-two a), inside (−a, a).
  CHECK(tf.x == td.x);
  CHECK(td.x.maxCoeff() < 0.5);
  CHECK(td.x.minCoeff() > -0.5);
  const double n = static_cast<double>(td.x.size());
  const double mean_x = td.x.mean();
  const double var_x = td.x.array().square().mean() - mean_x * mean_x;
  // U(−a, a): mean 0, variance a²/3; tolerances ≈ 5 standard errors.
  CHECK(std::fabs(mean_x) < 5 * std::sqrt(0.25 / 3 / n));
  CHECK(std::fabs(var_x - 0.25 / 3) < 5 * std::sqrt((0.0625 / 5 - std::pow(0.25 / 3, 2)) / n));
  // w ~ N(0, I): Box–Muller runs in float for both types, so w is exactly the same too.
  CHECK(tf.weights == td.weights);
  const double nw = static_cast<double>(td.weights.size());
  const double mean_w = td.weights.mean();
  const double m2 = td.weights.array().square().mean();
  const double m4 = td.weights.array().pow(4).mean();
  CHECK(std::fabs(mean_w) < 5 / std::sqrt(nw));
  CHECK(std::fabs(m2 - 1) < 5 * std::sqrt(2 / nw));
  CHECK(std::fabs(m4 - 3) < 5 * std::sqrt(96 / nw));
  // y = wᵀx for every token (the query's label is the target).
  for (int b = 0; b < B; b += 97)
    for (int j = 0; j <= N; ++j) {
      double y = 0;
      for (int k = 0; k < d; ++k) y += td.weights(k, b) * td.x(k, b * (N + 1) + j);
      CHECK(td.y(0, b * (N + 1) + j) == doctest::Approx(y).epsilon(1e-13));
    }
  // A different step or seed gives different tasks; first_task offsets select the same tasks.
  CHECK(fast_generate_tasks<double>(c, 4, 8).x != fast_generate_tasks<double>(c, 3, 8).x);
  const TaskBatch shifted = fast_generate_tasks<double>(c, 3, 8, 16);
  CHECK(shifted.x == td.x.middleCols(16 * (N + 1), 8 * (N + 1)));
  // The paper text's U(−1, 1).
  c.input_half_width = 1.0;
  const TaskBatch wide = fast_generate_tasks<double>(c, 3, B);
  CHECK(wide.x == 2.0 * td.x);
}

TEST_CASE("the fast stream is kept apart from TaskRng's counters") {
  // rng.hpp puts a small stream id in c3 of its Philox counters; ours use another generator
  // and carry bit 30 in the word that holds the domain.
  const Block ctr = stream_counter(5, 7, kDomainInputs, 0);
  CHECK((ctr[1] & kFastStreamTag) != 0);
  CHECK(ctr[3] == kFastStepTag);
}

template <class T>
void check_backends_give_the_same_tasks() {
  using V = typename Lanes<T>::V;
  constexpr int kHalves = sizeof(T) == 4 ? 1 : 2;
  const int d = 10, D = d + 1, N = 10;
  std::vector<V> ref_stage(static_cast<std::size_t>(kHalves * (N + 1) * D)), stage(ref_stage.size());
  std::vector<V> ref_w(static_cast<std::size_t>(kHalves * d)), w(ref_w.size());
  std::vector<V> scratch(static_cast<std::size_t>(generate_scratch_size(D, N)));
  V ref_targets[2], targets[2];
  const TaskStream portable(99, 12, ArsBackend::portable);
  int compared = 0;
  for (ArsBackend b : {ArsBackend::aesni, ArsBackend::vaes}) {
    if (!ars_backend_available(b)) continue;
    const TaskStream hw(99, 12, b);
    for (std::uint32_t first : {0u, 8u, 4092u}) {
      V* E_ref[2] = {ref_stage.data(), ref_stage.data() + (kHalves - 1) * (N + 1) * D};
      V* w_ref[2] = {ref_w.data(), ref_w.data() + (kHalves - 1) * d};
      V* E[2] = {stage.data(), stage.data() + (kHalves - 1) * (N + 1) * D};
      V* wo[2] = {w.data(), w.data() + (kHalves - 1) * d};
      generate_group<T>(portable, first, D, N, T(0.5), T(1), E_ref, ref_targets, w_ref, scratch.data());
      generate_group<T>(hw, first, D, N, T(0.5), T(1), E, targets, wo, scratch.data());
      for (std::size_t i = 0; i < stage.size(); ++i)
        for (int l = 0; l < Lanes<T>::width; ++l) CHECK(stage[i][l] == ref_stage[i][l]);
      for (std::size_t i = 0; i < w.size(); ++i)
        for (int l = 0; l < Lanes<T>::width; ++l) CHECK(w[i][l] == ref_w[i][l]);
      for (int h = 0; h < kHalves; ++h)
        for (int l = 0; l < Lanes<T>::width; ++l) CHECK(targets[h][l] == ref_targets[h][l]);
      ++compared;
    }
  }
  MESSAGE("hardware backends compared with the portable one: " << compared / 3);
}

TEST_CASE("every ARS backend gives bit-identical tasks (float and double)") {
  check_backends_give_the_same_tasks<float>();
  check_backends_give_the_same_tasks<double>();
}

TEST_CASE("fast_generate_tasks: any first task, including unaligned and wrapping ones") {
  FastLsaConfig c;
  c.seed = 5;
  const int N = c.num_context;
  const TaskBatch all = fast_generate_tasks<double>(c, 2, 40);
  for (std::uint32_t first : {1u, 3u, 5u, 13u}) {
    const TaskBatch part = fast_generate_tasks<double>(c, 2, 11, first);
    CHECK(part.x == all.x.middleCols(first * (N + 1), 11 * (N + 1)));
    CHECK(part.y == all.y.middleCols(first * (N + 1), 11 * (N + 1)));
    CHECK(part.weights == all.weights.middleCols(first, 11));
  }
  // Tasks 2^32 − 3 .. 2^32 − 1 and then 0, 1: the indices wrap like the counter.
  const TaskBatch wrap = fast_generate_tasks<double>(c, 2, 5, 0xfffffffdu);
  CHECK(wrap.x.middleCols(3 * (N + 1), 2 * (N + 1)) == all.x.leftCols(2 * (N + 1)));
  CHECK(wrap.x.leftCols(N + 1) != all.x.leftCols(N + 1));
}

// context_gram sums only S's upper triangle and mirrors it. It must give the bits of the full
// product lane_gemm(Eᵀ E) — same products, same order — at the compile-time width (D = 11, the
// register-accumulator rows) and at a runtime width. A wrong row offset or a row summed from
// the wrong token slot would differ in value; a changed summation order would differ in bits.
template <int kD>
static void check_gram_bits(int D, int N) {
  using V = Lanes<float>::V;
  std::vector<V> E(static_cast<std::size_t>(N + 1) * D), full(D * D), upper(D * D);
  TaskRng rng(321, Stream::user, static_cast<std::uint64_t>(D), 0);
  for (V& v : E)
    for (int l = 0; l < 8; ++l) v[l] = static_cast<float>(rng.normal());
  lane_gemm<kD>(D, N, D, E.data(), 1, D, E.data(), D, 1, full.data(), D, 1, Init::zero);
  context_gram<kD>(D, N, E.data(), upper.data());
  CHECK(std::memcmp(full.data(), upper.data(), full.size() * sizeof(V)) == 0);
}

TEST_CASE("the Gram matrix from its upper triangle is bit-identical to the full product") {
  check_gram_bits<11>(11, 10);
  check_gram_bits<0>(11, 10);
  check_gram_bits<0>(4, 5);
  check_gram_bits<0>(1, 1);
}

TEST_CASE("the words-only draw that icgd bench times takes exactly the words generate_group uses") {
  // draw_group_words returns the XOR of the words of 8 tasks, lane by lane; each must be the
  // XOR of that task's input words (three per four inputs, rounded up to whole triples) and its
  // Box–Muller words, by the scalar definition of the stream. N = 30 spills the inputs over two
  // stream calls (kGenerateChunkTriples), d = 9 leaves half a Box–Muller pair unused.
  const TaskStream stream(7, 3);
  for (const auto& [D, N] : {std::pair{11, 10}, std::pair{11, 30}, std::pair{10, 4}}) {
    const int d = D - 1;
    const U32x8 all = draw_group_words(stream, 16, D, N);
    const int input_words = 3 * (((N + 1) * d + 3) / 4), weight_words = 2 * ((d + 1) / 2);
    for (std::uint32_t lane = 0; lane < 8; ++lane) {
      std::uint32_t expected = 0;
      for (int i = 0; i < input_words; ++i)
        expected ^= stream.word(16 + lane, kDomainInputs, static_cast<std::uint32_t>(i));
      for (int i = 0; i < weight_words; ++i)
        expected ^= stream.word(16 + lane, kDomainWeights, static_cast<std::uint32_t>(i));
      CHECK(all[lane] == expected);
    }
  }
}
