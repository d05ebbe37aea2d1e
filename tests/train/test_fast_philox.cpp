// The fast path's random numbers and lane arithmetic (lib/src/train/fast/philox.hpp, simd.hpp):
// the Philox words must be Random123's, bit for bit; the lane log / sin / cos must be accurate
// to a few ulp against long double; the stream's numbers must have the stated laws.
#include "icgd/train/fast_lsa.hpp"
#include "fast/philox.hpp"  // private: lib/src/train (tests/train/CMakeLists.txt)
#include "fast/simd.hpp"

#include <Random123/philox.h>
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace icgd::train;
using namespace icgd::train::fast;

namespace {

std::array<std::uint32_t, 4> reference_philox(const FastCounter& fc) {
  r123::Philox4x32::ctr_type ctr = {{fc.ctr[0], fc.ctr[1], fc.ctr[2], fc.ctr[3]}};
  r123::Philox4x32::key_type key = {{fc.key[0], fc.key[1]}};
  const auto out = r123::Philox4x32{}(ctr, key);
  return {out[0], out[1], out[2], out[3]};
}

}  // namespace

TEST_CASE("fast Philox lanes reproduce Random123 philox4x32-10 word for word") {
  // Seeds/steps with high halves set (the counter splits them), task indices near 2^32
  // (lane offsets must wrap like the scalar counter), both domains, several blocks.
  const std::uint64_t seeds[] = {0, 1, 0x123456789abcdefULL, ~0ULL};
  const std::uint64_t steps[] = {0, 7, 4999, 0x100000003ULL};
  const std::uint32_t firsts[] = {0, 8, 2040, 0xfffffffcu};
  const std::uint32_t blocks[] = {0, 1, 27, kDomainWeights | 2};
  int compared = 0;
  for (auto seed : seeds)
    for (auto step : steps) {
      const PhiloxLanes lanes(seed, step);
      for (auto first : firsts) {
        const auto group = lanes.group(first);
        for (auto block : blocks) {
          U32x8 out[4];
          lanes.block(group, kFastStreamTag | block, out);
          for (int lane = 0; lane < 8; ++lane) {
            const std::uint32_t task = first + static_cast<std::uint32_t>(lane);
            const auto ref = reference_philox(fast_counter(seed, step, task, block & 0xfff00000u,
                                                           block & 0x000fffffu));
            for (int w = 0; w < 4; ++w) {
              CHECK(out[w][lane] == ref[static_cast<std::size_t>(w)]);
              ++compared;
            }
          }
        }
      }
    }
  CHECK(compared == 4 * 4 * 4 * 4 * 8 * 4);
}

TEST_CASE("the fast stream is kept apart from TaskRng's counters") {
  // rng.hpp puts a small stream id (< 2^8 ^ step_hi << 8) in c3; ours always has bit 30 set.
  const FastCounter fc = fast_counter(3, 5, 7, kDomainInputs, 0);
  CHECK((fc.ctr[3] & kFastStreamTag) != 0);
  CHECK(fc.ctr[2] == kFastStepTag);
}

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

TEST_CASE("fast task stream: laws of x and w, y = wᵀx, float and double see the same tasks") {
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
  // w ~ N(0, I): same in both types up to float rounding.
  CHECK((tf.weights - td.weights).cwiseAbs().maxCoeff() < 1e-5);
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
