// The fast LSA path (fast_lsa.hpp) against independent references:
//  * a naive long-double implementation written from docs/papers/von_oswald.md, "The linear self-attention layer" with the four weight
//    matrices kept separate (no merging, no lanes, no hand-written backward): same loss, and
//    its exact directional derivatives (forward-mode dual numbers) equal the fast gradient;
//  * central finite differences of the fast loss itself;
//  * the general layer-by-layer engine (Model<T>::loss_and_grad, model.hpp): same loss and
//    gradient on the same tasks (docs/training.md: "A test shows that both give the same loss and gradients");
//  * reproducibility: same seed → same bits, for every thread count.
#include "icgd/train/fast_lsa.hpp"
#include "icgd/train/model.hpp"
#include "icgd/train/rng.hpp"
#include "icgd/train/tokens.hpp"
#include "icgd/train/trainer.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

using namespace icgd::train;

namespace {

/// Forward-mode dual number: value and derivative along one direction, in long double.
struct Dual {
  long double v = 0, d = 0;
  Dual() = default;
  Dual(long double value, long double deriv = 0) : v(value), d(deriv) {}
  friend Dual operator+(Dual a, Dual b) { return {a.v + b.v, a.d + b.d}; }
  friend Dual operator-(Dual a, Dual b) { return {a.v - b.v, a.d - b.d}; }
  friend Dual operator*(Dual a, Dual b) { return {a.v * b.v, a.v * b.d + a.d * b.v}; }
  Dual& operator+=(Dual b) { return *this = *this + b; }
};

/// The model exactly as docs/papers/von_oswald.md, "The linear self-attention layer", "Proposition 1", "Several layers and the damped recurrence" writes it, one task at a time, weights unmerged:
///   q_j = W_Q e_j, k_i = W_K e_i, v_i = W_V e_i (context i < N only),
///   e_j ← e_j + λ P Σ_i v_i (k_iᵀ q_j) for every token j, K times; ŷ = −e_q[d];
///   loss = 0.5 · mean (ŷ − y)².
/// `p` holds the parameters in the canonical layout (column-major arrays, fast_lsa.hpp).
template <class S>
S naive_loss(const FastLsaConfig& c, const std::vector<S>& p, const TaskBatch& tb) {
  const int D = c.width(), k = c.keys(), N = c.num_context, d = c.x_dim;
  const std::size_t set_size = static_cast<std::size_t>(4 * k * D);
  S total = 0;
  for (int b = 0; b < tb.batch; ++b) {
    std::vector<std::vector<S>> e(static_cast<std::size_t>(N + 1), std::vector<S>(static_cast<std::size_t>(D)));
    for (int j = 0; j <= N; ++j) {
      for (int r = 0; r < d; ++r) e[j][r] = S(static_cast<long double>(tb.x(r, b * (N + 1) + j)));
      e[j][d] = j < N ? S(static_cast<long double>(tb.y(0, b * (N + 1) + j))) : S(0);
    }
    for (int l = 0; l < c.num_layers; ++l) {
      const S* base = p.data() + (c.recurrent ? 0 : static_cast<std::size_t>(l) * set_size);
      auto WQ = [&](int a, int col) { return base[a + col * k]; };
      auto WK = [&](int a, int col) { return base[k * D + a + col * k]; };
      auto WV = [&](int a, int col) { return base[2 * k * D + a + col * k]; };
      auto P = [&](int r, int a) { return base[3 * k * D + r + a * D]; };
      auto apply = [&](auto W, const std::vector<S>& x) {
        std::vector<S> out(static_cast<std::size_t>(k));
        for (int a = 0; a < k; ++a)
          for (int col = 0; col < D; ++col) out[a] += W(a, col) * x[col];
        return out;
      };
      std::vector<std::vector<S>> keys, values;
      for (int i = 0; i < N; ++i) {
        keys.push_back(apply(WK, e[i]));
        values.push_back(apply(WV, e[i]));
      }
      auto next = e;
      for (int j = 0; j <= N; ++j) {
        const auto q = apply(WQ, e[j]);
        std::vector<S> heads(static_cast<std::size_t>(k));
        for (int i = 0; i < N; ++i) {
          S score = 0;
          for (int a = 0; a < k; ++a) score += keys[i][a] * q[a];
          for (int a = 0; a < k; ++a) heads[a] += values[i][a] * score;
        }
        for (int r = 0; r < D; ++r) {
          S upd = 0;
          for (int a = 0; a < k; ++a) upd += P(r, a) * heads[a];
          next[j][r] += S(static_cast<long double>(c.damping)) * upd;
        }
      }
      e = std::move(next);
    }
    const S pred = S(0) - e[N][d];
    const S r = pred - S(static_cast<long double>(tb.y(0, b * (N + 1) + N)));
    total += S(0.5L) * r * r;
  }
  return total * S(1.0L / tb.batch);
}

/// Random parameters large enough that every term of every layer matters (the reference's
/// init is tiny; a tiny-weight test would hide errors in the higher-order terms).
template <class T>
ParamStore<T> random_params(const FastLsaConfig& c, std::uint64_t seed, double scale) {
  ParamStore<T> p = fast_lsa_param_layout<T>(c);
  TaskRng rng(seed, Stream::user, 0, 0);
  for (T& v : p.values()) v = static_cast<T>(scale * rng.normal());
  return p;
}

struct Case {
  const char* name;
  FastLsaConfig config;
  int tasks;
  double scale;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  FastLsaConfig one;  // the paper's 1-layer configuration (d = N = 10, compile-time width)
  one.seed = 5;
  out.push_back({"1 layer d=N=10", one, 37, 0.3});
  FastLsaConfig rec = one;
  rec.num_layers = 3;
  rec.recurrent = true;
  out.push_back({"3 recurrent layers d=N=10", rec, 21, 0.25});
  FastLsaConfig sep = one;
  sep.num_layers = 2;
  sep.damping = 0.75;
  sep.input_half_width = 1.0;
  out.push_back({"2 separate layers, damping 0.75, U(-1,1)", sep, 13, 0.25});
  FastLsaConfig small;  // runtime width, key size ≠ width, N ≠ d
  small.x_dim = 3;
  small.num_context = 5;
  small.num_layers = 3;
  small.key_size = 2;
  small.seed = 9;
  out.push_back({"3 separate layers d=3 N=5 key=2 (runtime width)", small, 11, 0.5});
  FastLsaConfig small_rec = small;
  small_rec.recurrent = true;
  small_rec.num_context = 1;
  small_rec.x_dim = 1;
  out.push_back({"3 recurrent layers d=1 N=1", small_rec, 9, 0.5});
  return out;
}

std::vector<long double> to_long_double(const std::vector<double>& v) {
  return std::vector<long double>(v.begin(), v.end());
}

/// Exact derivative of the naive loss along `direction` (dual numbers).
long double naive_directional(const FastLsaConfig& c, const std::vector<double>& p,
                              const std::vector<double>& direction, const TaskBatch& tb) {
  std::vector<Dual> dp(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) dp[i] = Dual(p[i], direction[i]);
  return naive_loss(c, dp, tb).d;
}

}  // namespace

TEST_CASE("fast LSA loss and gradient equal the naive long-double model (exact derivatives)") {
  for (const Case& cs : cases()) {
    INFO(cs.name);
    const FastLsaConfig& c = cs.config;
    const TaskBatch tb = fast_generate_tasks<double>(c, 11, cs.tasks);
    const ParamStore<double> params = random_params<double>(c, 1000 + c.x_dim, cs.scale);
    std::vector<double> grad;
    const double loss = fast_lsa_loss_and_grad(c, params, tb, &grad, 2);
    const long double ref = naive_loss(c, to_long_double(params.values()), tb);
    CHECK(loss == doctest::Approx(static_cast<double>(ref)).epsilon(1e-12));
    REQUIRE(grad.size() == params.total_size());
    double gmax = 0;
    for (double g : grad) gmax = std::max(gmax, std::fabs(g));
    CHECK(gmax > 0);
    // Random directions (a wrong component is caught with probability 1) and single coordinates
    // spread over all four matrices of every set.
    TaskRng rng(77, Stream::user, 1, 0);
    std::vector<std::vector<double>> directions;
    for (int k = 0; k < 4; ++k) {
      std::vector<double> v(grad.size());
      for (double& x : v) x = rng.normal();
      directions.push_back(v);
    }
    for (std::size_t i = 0; i < grad.size(); i += std::max<std::size_t>(1, grad.size() / 23)) {
      std::vector<double> v(grad.size(), 0.0);
      v[i] = 1;
      directions.push_back(v);
    }
    for (const auto& v : directions) {
      long double fast_dd = 0, norm = 0;
      for (std::size_t i = 0; i < v.size(); ++i) {
        fast_dd += static_cast<long double>(grad[i]) * v[i];
        norm += std::fabs(static_cast<long double>(grad[i]) * v[i]);
      }
      const long double exact = naive_directional(c, params.values(), v, tb);
      CHECK(std::fabs(static_cast<double>(fast_dd - exact)) <= 1e-11 * static_cast<double>(norm) + 1e-300);
    }
  }
}

TEST_CASE("fast LSA in float agrees with the double path to float accuracy") {
  for (const Case& cs : cases()) {
    INFO(cs.name);
    const FastLsaConfig& c = cs.config;
    const TaskBatch tb = fast_generate_tasks<float>(c, 2, cs.tasks);  // tasks exact in float
    const ParamStore<double> pd = random_params<double>(c, 5, cs.scale);
    const ParamStore<float> pf = pd.cast<float>();
    const ParamStore<double> pf_as_double = pf.cast<double>();
    std::vector<double> gd;
    std::vector<float> gf;
    const double ld = fast_lsa_loss_and_grad(c, pf_as_double, tb, &gd, 1);
    const double lf = fast_lsa_loss_and_grad(c, pf, tb, &gf, 1);
    CHECK(lf == doctest::Approx(ld).epsilon(2e-5));
    double gmax = 0, err = 0;
    for (std::size_t i = 0; i < gd.size(); ++i) {
      gmax = std::max(gmax, std::fabs(gd[i]));
      err = std::max(err, std::fabs(gd[i] - static_cast<double>(gf[i])));
    }
    CHECK(err <= 1e-4 * gmax);
  }
}

TEST_CASE("fast LSA gradient matches central finite differences of its own loss") {
  FastLsaConfig c;
  c.num_layers = 3;
  c.recurrent = true;
  const TaskBatch tb = fast_generate_tasks<double>(c, 1, 24);
  ParamStore<double> params = random_params<double>(c, 8, 0.25);
  std::vector<double> grad;
  fast_lsa_loss_and_grad(c, params, tb, &grad);
  for (std::size_t i = 3; i < grad.size(); i += 37) {
    const double x0 = params.values()[i];
    const double h = 1e-5;
    params.values()[i] = x0 + h;
    const double up = fast_lsa_loss_and_grad<double>(c, params, tb, nullptr);
    params.values()[i] = x0 - h;
    const double down = fast_lsa_loss_and_grad<double>(c, params, tb, nullptr);
    params.values()[i] = x0;
    INFO("parameter " << i);
    CHECK(grad[i] == doctest::Approx((up - down) / (2 * h)).epsilon(1e-6).scale(1e-9));
  }
}

TEST_CASE("fast path and general layer-by-layer engine: same loss and gradients on the same tasks") {
  for (const Case& cs : cases()) {
    INFO(cs.name);
    const FastLsaConfig& c = cs.config;
    ModelConfig mc = ModelConfig::for_von_oswald(c.x_dim, 1, c.num_context, c.num_layers, c.recurrent);
    mc.key_size = c.key_size;
    mc.damping = c.damping;
    Model<double> model(mc);
    const ParamStore<double> params = random_params<double>(c, 31, cs.scale);
    REQUIRE(model.params().same_layout(params));
    model.params() = params;
    model.refresh();
    // Tasks from the general engine's own generator (rng.hpp stream), fed to both paths.
    TaskConfig task = TaskConfig::code_linear(c.x_dim, c.num_context);
    task.input_half_width = c.input_half_width;
    const TaskBatch tb = generate_tasks(task, 17, Stream::eval_tasks, 0, cs.tasks);
    const Batch<double> batch = make_batch<double>(tb, TokenConfig{});
    std::vector<double> g_general, g_fast;
    const double l_general = model.loss_and_grad(batch.tokens, batch.targets, g_general, 2);
    const double l_fast = fast_lsa_loss_and_grad(c, params, tb, &g_fast, 2);
    CHECK(l_fast == doctest::Approx(l_general).epsilon(1e-12));
    REQUIRE(g_fast.size() == g_general.size());
    double gmax = 0, err = 0;
    for (std::size_t i = 0; i < g_fast.size(); ++i) {
      gmax = std::max(gmax, std::fabs(g_general[i]));
      err = std::max(err, std::fabs(g_general[i] - g_fast[i]));
    }
    CHECK(gmax > 0);
    CHECK(err <= 1e-11 * gmax);
    // Predictions too.
    const auto pred_fast = fast_lsa_predict(c, params, tb);
    const auto pred_general = model.predict(batch.tokens);
    for (int b = 0; b < tb.batch; ++b) CHECK(pred_fast[b] == doctest::Approx(pred_general(0, b)).epsilon(1e-12));
  }
}

TEST_CASE("fast path configuration maps from the general TrainConfig and refuses what it lacks") {
  TrainConfig tc = TrainConfig::von_oswald(3, true);
  tc.finalize();
  std::string why;
  REQUIRE(fast_lsa_supports(tc, &why));
  const FastLsaConfig f = FastLsaConfig::from_train_config(tc);
  CHECK(f.num_layers == 3);
  CHECK(f.recurrent);
  CHECK(f.keys() == 11);
  CHECK(fast_lsa_param_layout<float>(f).same_layout(Model<float>(tc.model).params()));
  TrainConfig soft = tc;
  soft.model.softmax = true;
  CHECK_FALSE(fast_lsa_supports(soft, &why));
  CHECK(why.find("linear attention") != std::string::npos);
  CHECK_THROWS_AS(FastLsaConfig::from_train_config(soft), std::invalid_argument);
  TrainConfig noisy = tc;
  noisy.task.label_noise = 0.1;
  CHECK_FALSE(fast_lsa_supports(noisy));
}

template <class T>
void check_reproducible() {
  FastLsaConfig c;
  c.num_layers = 2;
  c.recurrent = true;
  c.batch_size = 300;  // the last chunk has 12 tasks (not a multiple of 8): padding lanes must not leak
  c.seed = 123;
  const ParamStore<T> params = random_params<T>(c, 3, 0.2);
  std::vector<T> g1, g2, g3;
  c.threads = 1;
  FastLsaObjective<T> one(c);
  c.threads = 2;
  FastLsaObjective<T> two(c);
  c.threads = 3;
  FastLsaObjective<T> three(c);
  const double l1 = one(7, params, g1);
  const double l2 = two(7, params, g2);
  const double l3 = three(7, params, g3);
  // Bit for bit, whatever the thread count, and on a second call.
  CHECK(std::memcmp(&l1, &l2, sizeof l1) == 0);
  CHECK(std::memcmp(&l1, &l3, sizeof l1) == 0);
  CHECK(g1 == g2);
  CHECK(g1 == g3);
  std::vector<T> again;
  CHECK(two(7, params, again) == l1);
  CHECK(again == g1);
  // The step's tasks are exactly fast_generate_tasks(step): same loss and gradient bits.
  std::vector<T> gx;
  const double lx = fast_lsa_loss_and_grad(c, params, fast_generate_tasks<T>(c, 7, c.batch_size), &gx, 2);
  CHECK(lx == l1);
  CHECK(gx == g1);
  // Another step or seed: other tasks.
  std::vector<T> g_other;
  CHECK(two(8, params, g_other) != l1);
  c.seed = 124;
  FastLsaObjective<T> other_seed(c);
  CHECK(other_seed(7, params, g_other) != l1);
}

TEST_CASE("fast path is bit-for-bit reproducible for a seed, for any thread count") {
  check_reproducible<float>();
  check_reproducible<double>();
}

TEST_CASE("fast trainer: Adam steps reproduce, and training lowers the loss") {
  FastLsaConfig c;
  c.batch_size = 256;
  c.seed = 2;
  c.threads = 2;
  AdamConfig adam;
  adam.learning_rate = 1e-2;
  const ParamStore<float> init = random_params<float>(c, 4, 0.05);
  FastLsaTrainer<float> a(c, init, adam), b(c, init, adam);
  double first = 0, last = 0;
  for (int s = 0; s < 200; ++s) {
    const double la = a.train_step();
    const double lb = b.train_step();
    REQUIRE(la == lb);
    if (s < 10) first += la / 10;
    if (s >= 190) last += la / 10;
  }
  CHECK(a.params().values() == b.params().values());
  CHECK(a.step() == 200);
  // The zero predictor's loss is 0.5·d·a²/3 ≈ 0.417; a trained 1-layer model gets well below.
  CHECK(last < 0.8 * first);
}

TEST_CASE("fast objective inside the general Trainer reproduces FastLsaTrainer step for step") {
  // What the demos do (set_objective): the general loop (Adam, clipping, bookkeeping) with the
  // fast path's loss and gradient. Same initial parameters and optimiser ⇒ the same run. Not
  // demanded bit for bit: the two Adam instances are compiled in different translation units
  // (trainer.cpp, fast/trainer.cpp), and a compiler may fuse a·b + c differently in each.
  TrainConfig tc = TrainConfig::von_oswald(2, true);
  tc.batch_size = 200;
  tc.eval_tasks = 8;
  tc.eval_every = 0;
  tc.seed = 6;
  tc.threads = 2;
  tc.finalize();
  Trainer<float> general(tc);
  const ParamStore<float> initial = general.model().params();
  const FastLsaConfig fc = FastLsaConfig::from_train_config(tc);
  auto objective = std::make_shared<FastLsaObjective<float>>(fc);
  general.set_objective([objective](std::int64_t step, const ParamStore<float>& p, std::vector<float>& g) {
    return (*objective)(step, p, g);
  });
  FastLsaTrainer<float> fast(fc, initial, tc.optimizer);
  for (int s = 0; s < 5; ++s) {
    const double lg = general.train_step();
    const double lf = fast.train_step();
    CHECK(lg == doctest::Approx(lf).epsilon(1e-5));
  }
  const auto& pg = general.model().params().values();
  const auto& pf = fast.params().values();
  REQUIRE(pg.size() == pf.size());
  double err = 0, scale = 0;
  for (std::size_t i = 0; i < pg.size(); ++i) {
    err = std::max(err, std::fabs(static_cast<double>(pg[i]) - pf[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(pf[i] - initial.values()[i])));
  }
  CHECK(scale > 0);           // the steps moved the parameters
  CHECK(err <= 1e-4 * scale); // and both loops moved them the same way
}
