// One test that ties together every implementation of von Oswald et al.'s linear self-attention
// layer and of its Prop. 1 and GD++ weights (von Oswald et al. 2023, Prop. 1 / App. A.1 and
// App. A.10; the table "The code, once" in docs/papers/von_oswald.md lists them). Each engine's
// own tests check it against itself; here the same random instances run through all of them:
//
//   icl      lib/include/icgd/icl (the template the compile-time proofs use), in Rational —
//            THE REFERENCE, exact — and in double;
//   dimfree  the dimension-free engine's weights and normal forms (claims::vo1, vo2, vo_stack —
//            behind vo3<K>/vo3b/vo4<K> —, vo5 — behind vo5_layers<L>), evaluated exactly at the
//            instance (tests/dimfree/dense_eval.hpp);
//   eigen    lib/include/icgd/claims/eigen_engine.hpp (eigen_prop1_head, eigen_prop1_tokens,
//            eigen_lsa_forward);
//   train    lib/include/icgd/train: set_prop1_layer, set_gd_plus_plus_layer, make_gd_model,
//            make_gd_plus_plus_model, the structured `gd` / `gd_plus_plus` parametrisations, run
//            by Model::forward_block (attention_forward with num_kv), several tasks side by side;
//   fast     lib/include/icgd/train/fast_lsa.hpp: fast_lsa_predict on explicit tasks, double
//            lanes (the fast path has a double mode, so no float tolerance is needed).
//
// Exact implementations must agree exactly; double ones must be within 1e-12 of the exact
// result, relative to the largest entry of the compared matrix (not entrywise: an entry that
// cancels to nearly 0 carries the rounding of the large terms it cancelled).
//
// What each engine can run (the cases say which check ran; nothing is skipped silently):
//   - dimfree states GD++ only with the query masked and without damping (VO-5);
//   - train's make_gd_model fixes the query masked and λ = 1, make_gd_plus_plus_model also
//     W_0 = 0, and the structured parametrisations have W_0 = 0 built in; set_*_layer on a
//     model with our own ModelConfig covers the rest;
//   - fast implements Ny = 1, the query masked and the query's y-slot starting at 0 (it builds
//     the tokens (x_q, 0) itself), so it is compared with the reference run on those tokens.
#include <doctest/doctest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "../dimfree/dense_eval.hpp"
#include "icgd/claims/eigen_engine.hpp"
#include "icgd/dimfree/claims.hpp"
#include "icgd/icl/gd_emulation.hpp"
#include "icgd/icl/instances.hpp"
#include "icgd/train/construct.hpp"
#include "icgd/train/fast_lsa.hpp"

namespace {

using icgd::Dynamic;
using icgd::Rational;
using icgd::icl::QueryInKeys;
using icgd::dimfree::testing::Dense;
using icgd::dimfree::testing::ExactMat;
using icgd::dimfree::testing::to_double_matrix;
namespace icl = icgd::icl;
namespace train = icgd::train;
namespace dimfree = icgd::dimfree;
namespace vo = icgd::dimfree::claims;

template <class T>
using DynMat = icgd::Mat<T, Dynamic, Dynamic>;
template <class T>
using Instance = icl::RegressionInstance<T, Dynamic, Dynamic, Dynamic>;
template <class T>
using Head = icl::LsaHead<T, Dynamic>;

constexpr double kRelativeTolerance = 1e-12;
constexpr int kTasks = 5;  // > 4 double lanes of the fast path: a full and a partial lane group

enum class Weights { prop1, gd_plus_plus };

struct Case {
  int nx, ny, n, layers;
  Weights weights;
  QueryInKeys mode;
  bool zero_w0;
  Rational damping;  // λ in E ← E + λ·LSA(E); 1 is the plain layer
  std::uint64_t seed;

  [[nodiscard]] bool masked() const { return mode == QueryInKeys::excluded; }
  [[nodiscard]] bool damped() const { return !(damping == Rational(1)); }
  [[nodiscard]] std::string name() const {
    std::ostringstream s;
    s << (weights == Weights::prop1 ? "Prop. 1" : "GD++") << " Nx=" << nx << " Ny=" << ny << " N=" << n
      << " K=" << layers << (masked() ? " query masked" : " query among keys") << (zero_w0 ? " W0=0" : " W0!=0")
      << " lambda=" << damping.to_double() << " seed=" << seed;
    return s.str();
  }
};

// The sweep: several sizes (up to the paper's d = 10, N = 10, whose token width 11 is the fast
// path's specialised kernel), Ny = 1 and Ny > 1, the query masked (the paper) and among the keys
// (VO-3b's setting), W_0 = 0 (the trained models' setting) and W_0 ≠ 0 (Prop. 1 in general),
// one and several layers, with and without damping.
const std::vector<Case>& cases() {
  using enum Weights;
  constexpr auto ex = QueryInKeys::excluded;
  constexpr auto in = QueryInKeys::included;
  static const std::vector<Case> all = {
      // Every size 1: a transposed 1×1 block or an N-vs-N+1 column count still shows.
      {1, 1, 1, 1, prop1, ex, false, 1, 11},
      // W_0 = 0: the training engine's own tokens (x_q, 0) and its structured `gd` weights.
      {2, 1, 3, 1, prop1, ex, true, 1, 12},
      // W_0 = 0 needs K ≥ 2 to see the query among keys/values: in layer 1 the query's value
      // W_V e_q = (0, W_0 x_q − y_q) is 0, so such a bug only shows from layer 2 on.
      {3, 1, 4, 3, prop1, ex, true, 1, 22},
      {3, 2, 4, 1, prop1, ex, false, 1, 13},
      // Ny > Nx with W_0 ≠ 0: W_0 placed transposed, or Nx and Ny swapped, changes a shape.
      {2, 3, 2, 2, prop1, ex, false, 1, 14},
      {3, 1, 5, 3, prop1, ex, false, 1, 15},
      // The query among keys/values (VO-3b's setting): a mask that is ignored, or applied
      // where it should not be, changes every token from layer 1 (W_0 ≠ 0) or layer 2 on.
      {2, 1, 4, 2, prop1, in, false, 1, 16},
      {3, 2, 3, 2, prop1, in, true, 1, 17},
      // Damping λ ≠ 1 (VO-4): λ forgotten, or applied to the residual too.
      {2, 1, 3, 3, prop1, ex, false, Rational(3, 4), 18},
      {2, 2, 4, 2, prop1, in, false, Rational(1, 2), 19},
      // Token width 11 = the paper's d = 10: the fast path's specialised kernel (D = 11), which
      // the other sizes (its generic kernel) never reach.
      {10, 1, 10, 2, prop1, ex, false, 1, 20},
      {10, 1, 10, 1, prop1, ex, true, 1, 21},
      {2, 1, 3, 1, gd_plus_plus, ex, true, 1, 31},
      // GD++ with W_0 ≠ 0: set_gd_plus_plus_layer's W_0 block (make_gd_plus_plus_model has none).
      {3, 1, 4, 2, gd_plus_plus, ex, false, 1, 32},
      {2, 2, 3, 2, gd_plus_plus, ex, true, 1, 33},
      {2, 1, 3, 2, gd_plus_plus, in, false, 1, 34},
      {3, 1, 2, 2, gd_plus_plus, ex, true, Rational(3, 4), 35},
      {10, 1, 10, 2, gd_plus_plus, ex, true, 1, 36},
  };
  return all;
}

// --- instances ---------------------------------------------------------------------------------

/// kTasks regression problems sharing the weights' parameters W_0, η, γ (one weight set serves
/// every task, as in a trained model); X, Y, x_q differ per task. Entries k/4 with |k| ≤ 4 and
/// η = k/8, γ = k/32: dyadic, so the double engines see exactly the exact engine's inputs, and
/// small enough that three layers at N = 10 stay inside int64 rationals (an overflow would
/// throw, never round).
struct Problem {
  std::vector<Instance<Rational>> tasks;
  Rational gamma;
};

Problem draw_problem(const Case& c) {
  icl::SplitMix64 rng{c.seed};
  auto entry = [&rng] { return Rational(rng.uniform(-4, 4), 4); };
  auto matrix = [&entry](int rows, int cols) {
    ExactMat m(rows, cols);
    for (auto& v : m.data()) v = entry();
    return m;
  };
  const ExactMat W0 = c.zero_w0 ? ExactMat(c.ny, c.nx) : matrix(c.ny, c.nx);
  const Rational eta(rng.uniform(1, 4), 8);
  Problem p{{}, Rational(rng.uniform(1, 4), 32)};
  for (int t = 0; t < kTasks; ++t)
    p.tasks.push_back(Instance<Rational>{matrix(c.nx, c.n), matrix(c.ny, c.n),
                                         icgd::Mat<Rational, Dynamic, 1>(matrix(c.nx, 1)), W0, eta});
  return p;
}

// --- conversions ---------------------------------------------------------------------------------

template <int R, int C>
icgd::Mat<double, R, C> to_double_mat(const icgd::Mat<Rational, R, C>& m) {
  icgd::Mat<double, R, C> r(m.rows(), m.cols());
  for (int i = 0; i < m.rows(); ++i)
    for (int j = 0; j < m.cols(); ++j) r(i, j) = m(i, j).to_double();
  return r;
}
Dense to_dense(const DynMat<double>& m) {
  Dense r(m.rows(), m.cols());
  for (int i = 0; i < m.rows(); ++i)
    for (int j = 0; j < m.cols(); ++j) r(i, j) = m(i, j);
  return r;
}
Instance<double> to_double(const Instance<Rational>& p) {
  return {to_double_mat(p.X), to_double_mat(p.Y), to_double_mat(p.xq), to_double_mat(p.W0), p.eta.to_double()};
}

/// max |actual − exact| / max |exact| (+inf when the shapes differ).
template <int R, int C>
double relative_error(const Dense& actual, const icgd::Mat<Rational, R, C>& exact) {
  const Dense expected = to_double_matrix(exact);
  if (actual.rows() != expected.rows() || actual.cols() != expected.cols()) return INFINITY;
  const double scale = expected.cwiseAbs().maxCoeff();
  const double error = (actual - expected).cwiseAbs().maxCoeff();
  return scale > 0 ? error / scale : error;
}

#define CHECK_CLOSE(what, actual, exact)                                          \
  do {                                                                            \
    const double rel_ = relative_error((actual), (exact));                        \
    CHECK_MESSAGE(rel_ <= kRelativeTolerance, (what) << ": relative error " << rel_); \
  } while (false)
#define CHECK_EXACT(what, actual, exact) CHECK_MESSAGE((actual) == (exact), (what) << ": not exactly equal")

// --- the reference ---------------------------------------------------------------------------------

/// GD++ has no icl construction ("—" in docs/papers/von_oswald.md, "The code, once"); this is
/// VO-5's statement there, written for any scalar: W_K = W_Q = [[I, 0], [0, 0]],
/// W_V = [[I, 0], [W_0, −I]], P = diag(−γ I, (η/N) I).
template <class T>
Head<T> gd_plus_plus_head(const DynMat<T>& W0, const T& eta, const T& gamma, int n_context) {
  using tr = icgd::scalar_traits<T>;
  const int nx = W0.cols(), ny = W0.rows(), d = nx + ny;
  Head<T> h{DynMat<T>(d, d), DynMat<T>(d, d), DynMat<T>(d, d), DynMat<T>(d, d)};
  for (int a = 0; a < nx; ++a) {
    h.W_K(a, a) = tr::one();
    h.W_V(a, a) = tr::one();
    h.P(a, a) = -gamma;
  }
  h.W_Q = h.W_K;
  h.W_V.set_block(nx, 0, W0);
  for (int b = 0; b < ny; ++b) {
    h.W_V(nx + b, nx + b) = -tr::one();
    h.P(nx + b, nx + b) = eta * tr::from_rational(Rational(1, n_context));
  }
  return h;
}

template <class T>
Head<T> reference_head(const Case& c, const Instance<T>& p, const T& gamma) {
  return c.weights == Weights::prop1 ? icl::prop1_head(p.W0, p.eta, p.n())
                                     : gd_plus_plus_head(p.W0, p.eta, gamma, p.n());
}

/// `layers` applications of the head (shared weights) with damping: what every engine must give.
template <class T>
DynMat<T> run_layers(const Case& c, const DynMat<T>& E, const Head<T>& h, const T& damping) {
  return icl::apply_layers(E, {h}, c.mode, c.layers, damping);
}

/// The Prop. 1 tokens [[X, x_q], [Y, −W_0 x_q]], or (query_label_zero) the training engine's and
/// the fast path's [[X, x_q], [Y, 0]].
template <class T>
DynMat<T> tokens(const Instance<T>& p, bool query_label_zero = false) {
  DynMat<T> E = icl::prop1_tokens(p);
  if (query_label_zero)
    for (int b = 0; b < p.ny(); ++b) E(p.nx() + b, p.n()) = icgd::scalar_traits<T>::zero();
  return E;
}

void check_head(const std::string& who, const Dense& W_Q, const Dense& W_K, const Dense& W_V, const Dense& P,
                const Head<Rational>& ref) {
  CHECK_CLOSE(who + " W_Q", W_Q, ref.W_Q);
  CHECK_CLOSE(who + " W_K", W_K, ref.W_K);
  CHECK_CLOSE(who + " W_V", W_V, ref.W_V);
  CHECK_CLOSE(who + " P", P, ref.P);
}

// --- the engines -------------------------------------------------------------------------------------

/// icl in double: the same template instantiated over double, construction and layer.
void check_icl_double(const Case& c, const Problem& pr, const Head<Rational>& ref,
                      const std::vector<ExactMat>& exact_out) {
  for (int t = 0; t < kTasks; ++t) {
    const Instance<double> p = to_double(pr.tasks[static_cast<std::size_t>(t)]);
    const Head<double> h = reference_head(c, p, pr.gamma.to_double());
    if (t == 0) check_head("icl<double>", to_dense(h.W_Q), to_dense(h.W_K), to_dense(h.W_V), to_dense(h.P), ref);
    CHECK_CLOSE("icl<double> tokens", to_dense(tokens(p)), tokens(pr.tasks[static_cast<std::size_t>(t)]));
    CHECK_CLOSE("icl<double> layers", to_dense(run_layers(c, tokens(p), h, c.damping.to_double())),
                exact_out[static_cast<std::size_t>(t)]);
  }
}

/// The dimension-free engine: its weight constructions and the normal form of its layers,
/// evaluated at each task in exact arithmetic — equal to the reference, not merely close.
void check_dimfree(const Case& c, const Problem& pr, const Head<Rational>& ref,
                   const std::vector<ExactMat>& exact_out) {
  using dimfree::scalar_info;
  using dimfree::symbol_info;
  const vo::VonOswaldData v;
  const auto weights = c.weights == Weights::prop1
                           ? dimfree::layers::prop1_weights(v.W0, v.eta, v.inv_N)
                           : dimfree::layers::gdpp_weights(v.W0, dimfree::scalar<"gamma">(), v.eta, v.inv_N);
  // The layers' side of the claim the dimension-free engine proves for this setting. It has no
  // GD++ statement with the query among the keys or with damping (VO-5 is neither).
  const bool has_layers = c.weights == Weights::prop1 || (c.masked() && !c.damped());
  dimfree::ClaimSides sides;
  if (c.weights == Weights::prop1)
    sides = vo::vo_stack(c.layers, c.damped(), !c.masked());
  else if (has_layers)
    sides = vo::vo5(c.layers);
  // K = 1, masked, λ = 1: also the two one-layer claims as registered (VO-1: the context
  // columns; VO-2: the query's x-slot and the read-out −(y-slot)).
  const bool one_layer_claims = c.weights == Weights::prop1 && c.layers == 1 && c.masked() && !c.damped();
  for (int t = 0; t < kTasks; ++t) {
    const Instance<Rational>& p = pr.tasks[static_cast<std::size_t>(t)];
    dimfree::testing::Valuation val({{"Nx", c.nx}, {"Ny", c.ny}, {"N", c.n}}, 0);
    val.assign(symbol_info<"X", vo::Nx, vo::N, false>, p.X);
    val.assign(symbol_info<"Y", vo::Ny, vo::N, false>, p.Y);
    val.assign(symbol_info<"W0", vo::Ny, vo::Nx, false>, p.W0);
    val.assign(symbol_info<"x_q", vo::Nx, dimfree::one, false>, ExactMat(p.xq));
    val.assign(scalar_info<"eta", false>, p.eta);
    // The engine keeps 1/N an opaque scalar (docs/dimension_free.md); at an instance it is 1/N.
    val.assign(scalar_info<"1/N", false>, Rational(1, c.n));
    val.assign(scalar_info<"gamma", false>, pr.gamma);
    val.assign(scalar_info<"lambda", false>, c.damping);
    if (t == 0) {
      CHECK_EXACT("dimfree W_K", evaluate_exact(weights.W_K.value(), val), ref.W_K);
      CHECK_EXACT("dimfree W_Q", evaluate_exact(weights.W_Q.value(), val), ref.W_Q);
      CHECK_EXACT("dimfree W_V", evaluate_exact(weights.W_V.value(), val), ref.W_V);
      CHECK_EXACT("dimfree P", evaluate_exact(weights.P.value(), val), ref.P);
    }
    const ExactMat& out = exact_out[static_cast<std::size_t>(t)];
    if (has_layers) CHECK_EXACT("dimfree layers", evaluate_exact(sides.lhs, val), out);
    if (one_layer_claims) {
      const ExactMat context = out.block<Dynamic, Dynamic>(0, 0, out.rows(), c.n);
      CHECK_EXACT("dimfree vo1 (context columns)", evaluate_exact(vo::vo1().lhs, val), context);
      ExactMat query_readout = out.block<Dynamic, Dynamic>(0, c.n, out.rows(), 1);
      for (int b = 0; b < c.ny; ++b) query_readout(c.nx + b, 0) = -query_readout(c.nx + b, 0);
      CHECK_EXACT("dimfree vo2 (query, read-out)", evaluate_exact(vo::vo2().lhs, val), query_readout);
    }
    // Prop. 1 with the query masked is the paper's claim: the layers ARE K GD steps of size λη
    // (VO-1..VO-4), exactly, in the icl template and in the dimension-free engine's right side.
    if (c.weights == Weights::prop1 && c.masked()) {
      const ExactMat gd = icl::gd_prediction(p, c.damping * p.eta, c.layers);
      CHECK_EXACT("icl layers = GD", out, gd);
      CHECK_EXACT("dimfree GD side", evaluate_exact(sides.rhs, val), gd);
    }
  }
}

/// The Eigen engine: eigen_prop1_head and eigen_prop1_tokens (its constructions) and
/// eigen_lsa_forward (its layer). It has no GD++ construction: GD++ runs the reference weights.
void check_eigen(const Case& c, const Problem& pr, const Head<Rational>& ref, const std::vector<ExactMat>& exact_out) {
  icgd::claims::EigenHead head{to_double_matrix(ref.W_K), to_double_matrix(ref.W_Q), to_double_matrix(ref.W_V),
                               to_double_matrix(ref.P)};
  if (c.weights == Weights::prop1) {
    const Instance<Rational>& p0 = pr.tasks[0];
    head = icgd::claims::eigen_prop1_head(to_double_matrix(p0.W0), p0.eta.to_double(), c.n);
    check_head("eigen_prop1_head", head.W_Q, head.W_K, head.W_V, head.P, ref);
  }
  for (int t = 0; t < kTasks; ++t) {
    const Instance<Rational>& p = pr.tasks[static_cast<std::size_t>(t)];
    const icgd::claims::EigenInstance q{to_double_matrix(p.X), to_double_matrix(p.Y), to_double_matrix(p.xq),
                                        to_double_matrix(p.W0), p.eta.to_double()};
    Dense E = icgd::claims::eigen_prop1_tokens(q);
    CHECK_CLOSE("eigen_prop1_tokens", E, tokens(p));
    for (int k = 0; k < c.layers; ++k) E = icgd::claims::eigen_lsa_forward(E, {head}, c.mode, c.damping.to_double());
    CHECK_CLOSE("eigen_lsa_forward", E, exact_out[static_cast<std::size_t>(t)]);
  }
}

/// The tasks as the training engine stores them (the query's y column holds the target, which
/// no engine may read as an input: it is set to a value that would show if one did).
train::TaskBatch task_batch(const Case& c, const Problem& pr) {
  train::TaskBatch tb;
  tb.batch = kTasks;
  tb.x_dim = c.nx;
  tb.y_dim = c.ny;
  tb.num_context = c.n;
  tb.x.resize(c.nx, kTasks * (c.n + 1));
  tb.y.resize(c.ny, kTasks * (c.n + 1));
  for (int t = 0; t < kTasks; ++t) {
    const Instance<Rational>& p = pr.tasks[static_cast<std::size_t>(t)];
    tb.x.middleCols(t * (c.n + 1), c.n) = to_double_matrix(p.X);
    tb.x.col(t * (c.n + 1) + c.n) = to_double_matrix(p.xq);
    tb.y.middleCols(t * (c.n + 1), c.n) = to_double_matrix(p.Y);
    tb.y.col(t * (c.n + 1) + c.n).setConstant(1e6);
  }
  return tb;
}

/// One constructed training model: its weights against the reference head, then one forward of
/// all tasks side by side (tasks must not attend to each other) against the reference tokens and
/// the read-out ŷ = −(query y-slot).
void check_model(const std::string& who, const train::Model<double>& model, const Case& c,
                 const Head<Rational>& ref, const std::vector<ExactMat>& inputs,
                 const std::vector<ExactMat>& exact_out) {
  INFO(who);
  const train::ModelConfig& mc = model.config();
  const auto& store = model.expanded_params();  // the matrices the layers run on
  for (int s = 0; s < (mc.recurrent ? 1 : mc.num_layers); ++s) {
    const std::string prefix = mc.recurrent ? std::string("shared") : "layer" + std::to_string(s);
    check_head(who + " " + prefix, store.mat(prefix + ".attn.W_Q"), store.mat(prefix + ".attn.W_K"),
               store.mat(prefix + ".attn.W_V"), store.mat(prefix + ".attn.P"), ref);
  }
  const int L = c.n + 1;
  Dense E(c.nx + c.ny, kTasks * L);
  for (int t = 0; t < kTasks; ++t) E.middleCols(t * L, L) = to_double_matrix(inputs[static_cast<std::size_t>(t)]);
  train::ModelWorkspace<double> ws;
  const Dense y_hat = model.forward_block(E, L, ws);
  const Dense& out = ws.hidden.back();
  for (int t = 0; t < kTasks; ++t) {
    const ExactMat& expected = exact_out[static_cast<std::size_t>(t)];
    CHECK_CLOSE(who + " forward", Dense(out.middleCols(t * L, L)), expected);
    ExactMat readout(c.ny, 1);
    for (int b = 0; b < c.ny; ++b) readout(b, 0) = -expected(c.nx + b, c.n);
    CHECK_CLOSE(who + " read-out", Dense(y_hat.col(t)), readout);
  }
}

train::ModelConfig model_config(const Case& c, bool recurrent, train::AttentionParam param) {
  train::ModelConfig mc = train::ModelConfig::for_von_oswald(c.nx, c.ny, c.n, c.layers, recurrent);
  mc.include_query_in_kv = !c.masked();
  mc.damping = c.damping.to_double();
  mc.attention = param;
  return mc;
}

/// The training engine: its four constructions (set_*_layer, make_*_model, the structured
/// parametrisations) and its layer (attention_forward inside Model::forward_block), each with one
/// weight set per layer and with one shared set (recurrent).
void check_train(const Case& c, const Problem& pr, const Head<Rational>& ref,
                 const std::vector<ExactMat>& exact_out) {
  const Instance<Rational>& p0 = pr.tasks[0];
  const Dense W0 = to_double_matrix(p0.W0);
  const double eta = p0.eta.to_double(), gamma = pr.gamma.to_double();
  const bool prop1 = c.weights == Weights::prop1;
  std::vector<ExactMat> inputs;
  for (const auto& p : pr.tasks) inputs.push_back(tokens(p));
  for (const bool recurrent : {false, true}) {
    const std::string kind = recurrent ? " (recurrent)" : " (one set per layer)";
    train::Model<double> set_layers(model_config(c, recurrent, train::AttentionParam::full));
    for (int l = 0; l < (recurrent ? 1 : c.layers); ++l) {
      if (prop1)
        train::set_prop1_layer(set_layers, l, eta, c.n, W0);
      else
        train::set_gd_plus_plus_layer(set_layers, l, gamma, eta, c.n, W0);
    }
    check_model(prop1 ? "set_prop1_layer" + kind : "set_gd_plus_plus_layer" + kind, set_layers, c, ref, inputs,
                exact_out);
    // make_gd_model / make_gd_plus_plus_model build their own ModelConfig: query masked, λ = 1
    // (and W_0 = 0 for GD++).
    if (c.masked() && !c.damped()) {
      const std::vector<double> etas(static_cast<std::size_t>(c.layers), eta);
      const std::vector<double> gammas(static_cast<std::size_t>(c.layers), gamma);
      if (prop1)
        check_model("make_gd_model" + kind, train::make_gd_model<double>(c.nx, c.ny, c.n, etas, recurrent, W0), c,
                    ref, inputs, exact_out);
      else if (c.zero_w0)
        check_model("make_gd_plus_plus_model" + kind,
                    train::make_gd_plus_plus_model<double>(c.nx, c.ny, c.n, gammas, etas, recurrent), c, ref,
                    inputs, exact_out);
    }
    // The structured parametrisations (trained scalars η, γ per layer) expand to these weights
    // with W_0 = 0 (Model::refresh).
    if (c.zero_w0) {
      train::Model<double> structured(model_config(
          c, recurrent, prop1 ? train::AttentionParam::gd : train::AttentionParam::gd_plus_plus));
      for (int l = 0; l < (recurrent ? 1 : c.layers); ++l) {
        const std::string prefix = recurrent ? std::string("shared") : "layer" + std::to_string(l);
        structured.params().mat(prefix + ".gd.eta")(0, 0) = eta;
        if (!prop1) structured.params().mat(prefix + ".gd.gamma")(0, 0) = gamma;
      }
      structured.refresh();
      check_model(std::string(prop1 ? "AttentionParam::gd" : "AttentionParam::gd_plus_plus") + kind, structured, c,
                  ref, inputs, exact_out);
    }
  }
  // The training engine's own tokens are (x_i, y_i) and (x_q, 0): the Prop. 1 tokens when W_0 = 0.
  if (c.zero_w0) {
    const train::TokenBatch<double> tb = train::make_tokens<double>(task_batch(c, pr), train::TokenConfig{});
    for (int t = 0; t < kTasks; ++t)
      CHECK_CLOSE("train::make_tokens", Dense(tb.task(t)), inputs[static_cast<std::size_t>(t)]);
  }
}

/// The fast path on explicit tasks, in double, with the reference weights in its parameter
/// layout (the training engine's), against the reference run on the fast path's tokens (x_q, 0).
void check_fast(const Case& c, const Problem& pr, const Head<Rational>& ref) {
  const train::TaskBatch tb = task_batch(c, pr);
  for (const bool recurrent : {false, true}) {
    const std::string where = recurrent ? "fast path (recurrent)" : "fast path (one set per layer)";
    INFO(where);
    train::FastLsaConfig fc;
    fc.x_dim = c.nx;
    fc.num_context = c.n;
    fc.num_layers = c.layers;
    fc.recurrent = recurrent;
    fc.damping = c.damping.to_double();
    fc.threads = 1;
    train::ParamStore<double> params = train::fast_lsa_param_layout<double>(fc);
    for (int s = 0; s < fc.weight_sets(); ++s) {
      const std::string prefix = recurrent ? std::string("shared") : "layer" + std::to_string(s);
      params.mat(prefix + ".attn.W_Q") = to_double_matrix(ref.W_Q);
      params.mat(prefix + ".attn.W_K") = to_double_matrix(ref.W_K);
      params.mat(prefix + ".attn.W_V") = to_double_matrix(ref.W_V);
      params.mat(prefix + ".attn.P") = to_double_matrix(ref.P);
    }
    const std::vector<double> y_hat = train::fast_lsa_predict<double>(fc, params, tb, 1);
    REQUIRE(y_hat.size() == static_cast<std::size_t>(kTasks));
    for (int t = 0; t < kTasks; ++t) {
      const Instance<Rational>& p = pr.tasks[static_cast<std::size_t>(t)];
      const ExactMat out = run_layers(c, tokens(p, /*query_label_zero=*/true), ref, c.damping);
      ExactMat readout(1, 1);
      readout(0, 0) = -out(c.nx, c.n);
      CHECK_CLOSE("fast_lsa_predict", Dense::Constant(1, 1, y_hat[static_cast<std::size_t>(t)]), readout);
    }
  }
}

/// Every engine on one case.
void check_case(const Case& c) {
  INFO(c.name());
  const Problem pr = draw_problem(c);
  const Head<Rational> ref = reference_head(c, pr.tasks[0], pr.gamma);
  std::vector<ExactMat> exact_out;
  for (const auto& p : pr.tasks) exact_out.push_back(run_layers(c, tokens(p), ref, c.damping));
  check_icl_double(c, pr, ref, exact_out);
  check_dimfree(c, pr, ref, exact_out);
  check_eigen(c, pr, ref, exact_out);
  check_train(c, pr, ref, exact_out);
  if (c.ny == 1 && c.masked()) check_fast(c, pr, ref);
}

}  // namespace

TEST_CASE("engines agree: Prop. 1 weights and layers, every implementation (VO-1 .. VO-4, VO-3b setting)") {
  int checked = 0;
  for (const Case& c : cases())
    if (c.weights == Weights::prop1) {
      check_case(c);
      ++checked;
    }
  CHECK(checked == 12);
}

TEST_CASE("engines agree: GD++ weights and layers, every implementation (VO-5)") {
  int checked = 0;
  for (const Case& c : cases())
    if (c.weights == Weights::gd_plus_plus) {
      check_case(c);
      ++checked;
    }
  CHECK(checked == 6);
}
