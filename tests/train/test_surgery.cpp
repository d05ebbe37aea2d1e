// Model surgery (icgd/train/surgery.hpp) and the typed attention accessors of Model<T>
// (docs/papers/von_oswald.md, "Proposition 1", "Several layers and the damped recurrence").
#include "icgd/train/surgery.hpp"

#include "icgd/train/baselines.hpp"
#include "icgd/train/construct.hpp"
#include "icgd/train/model.hpp"

#include "linear_tasks.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <utility>

using namespace icgd::train;

namespace {

/// The model's parameter name for (layer prefix, matrix), e.g. ("layer1", "W_Q"): what the
/// accessors must hide, spelled out here to check them against.
std::string attn_name(const std::string& prefix, const char* matrix) {
  std::string s = prefix;
  s.append(".attn.").append(matrix);
  return s;
}

std::string layer_prefix(int l) {
  std::string s = "layer";
  s.append(std::to_string(l));
  return s;
}

/// A recurrent Prop. 1 stack of K layers with damping λ, built with make_gd_model.
Model<double> damped_gd(int d, int ny, int n, double eta, int K, double lambda, const Eigen::MatrixXd& W0 = {}) {
  const Model<double> rec = make_gd_model<double>(d, ny, n, std::vector<double>(static_cast<std::size_t>(K), eta), true, W0);
  ModelConfig c = rec.config();
  c.damping = lambda;
  Model<double> damped(c);
  damped.params() = rec.params();
  return damped;
}

}  // namespace

TEST_CASE("attention accessors: per-layer model views layer<l>.attn.*") {
  ModelConfig c = ModelConfig::for_von_oswald(3, 1, 5, 3, false);
  Model<double> m(c);
  m.init_params(7);
  const Model<double>& cm = m;
  for (int l = 0; l < 3; ++l) {
    const std::string prefix = layer_prefix(l);
    auto a = m.attention(l);
    const auto ca = cm.attention(l);
    CHECK(a.W_Q.data() == m.params().mat(attn_name(prefix, "W_Q")).data());
    CHECK(a.W_K.data() == m.params().mat(attn_name(prefix, "W_K")).data());
    CHECK(a.W_V.data() == m.params().mat(attn_name(prefix, "W_V")).data());
    CHECK(a.P.data() == m.params().mat(attn_name(prefix, "P")).data());
    CHECK(ca.W_Q.data() == a.W_Q.data());
    CHECK(ca.P.data() == a.P.data());
    CHECK(a.W_Q.rows() == 4);
    CHECK(a.W_Q.cols() == 4);
    CHECK(a.P.rows() == 4);
  }
  CHECK(m.attention(0).W_V.data() != m.attention(1).W_V.data());
  // Writes land in the named parameter, and only there.
  const std::vector<double> before = m.params().values();
  m.attention(1).W_V(2, 3) = 42.0;
  CHECK(m.params().mat("layer1.attn.W_V")(2, 3) == 42.0);
  std::size_t changed = 0;
  for (std::size_t i = 0; i < before.size(); ++i) changed += before[i] != m.params().values()[i];
  CHECK(changed == 1);
  CHECK_THROWS_AS(m.attention(3), std::out_of_range);
  CHECK_THROWS_AS(cm.attention(-1), std::out_of_range);
}

TEST_CASE("attention accessors: every layer of a recurrent model views shared.attn.*") {
  Model<double> m(ModelConfig::for_von_oswald(3, 1, 5, 4, true));
  m.init_params(8);
  for (int l = 0; l < 4; ++l) {
    const auto a = std::as_const(m).attention(l);
    CHECK(a.W_Q.data() == m.params().mat("shared.attn.W_Q").data());
    CHECK(a.W_K.data() == m.params().mat("shared.attn.W_K").data());
    CHECK(a.W_V.data() == m.params().mat("shared.attn.W_V").data());
    CHECK(a.P.data() == m.params().mat("shared.attn.P").data());
  }
  m.attention(3).P(0, 1) = -3.5;
  CHECK(m.attention(0).P(0, 1) == -3.5);
  CHECK(m.params().mat("shared.attn.P")(0, 1) == -3.5);
  CHECK_THROWS_AS(m.attention(4), std::out_of_range);
}

TEST_CASE("attention accessors: shapes with several heads; GD-structured models are read-only") {
  ModelConfig c = ModelConfig::for_von_oswald(3, 1, 5, 2, false);
  c.num_heads = 2;
  c.key_size = 3;
  Model<double> m(c);
  const auto a = m.attention(1);
  CHECK(a.W_Q.rows() == 6);
  CHECK(a.W_V.cols() == 4);
  CHECK(a.P.rows() == 4);
  CHECK(a.P.cols() == 6);

  ModelConfig g = ModelConfig::for_von_oswald(3, 1, 5, 2, false);
  g.attention = AttentionParam::gd;
  g.gd_eta_init = 0.6;
  Model<double> gd(g);
  gd.init_params(0);
  CHECK_THROWS_AS(gd.attention(0), std::logic_error);
  const auto ga = std::as_const(gd).attention(1);
  CHECK(ga.P.data() == gd.expanded_params().mat("layer1.attn.P").data());
  CHECK(ga.P(0, 0) == doctest::Approx(0.6 / 5));
  CHECK(ga.W_V(3, 3) == -1.0);
}

TEST_CASE("iterate_layer of a Prop. 1 layer = the damped recurrent GD model (VO-4)") {
  const int d = 5, n = 8, K = 6;
  const double eta = 0.9, lambda = 0.75;
  const TaskBatch tasks = test::linear_tasks(d, n, 40, 11);
  const Batch<double> batch = make_batch<double>(tasks, {});
  const Model<double> one = make_gd_model<double>(d, 1, n, {eta});
  const Model<double> iterated = iterate_layer(one, K, lambda);
  CHECK(iterated.config().recurrent);
  CHECK(iterated.config().num_layers == K);
  CHECK(iterated.config().damping == lambda);
  const Model<double> reference = damped_gd(d, 1, n, eta, K, lambda);
  CHECK((iterated.predict(batch.tokens) - reference.predict(batch.tokens)).norm() < 1e-12);
  CHECK((iterated.predict_per_layer(batch.tokens) - reference.predict_per_layer(batch.tokens)).norm() < 1e-12);
  // The demo's baseline: undamped recurrent GD at step λη; and K GD steps at λη directly.
  const Model<double> at_lambda_eta =
      make_gd_model<double>(d, 1, n, std::vector<double>(static_cast<std::size_t>(K), lambda * eta), true);
  CHECK((iterated.predict(batch.tokens) - at_lambda_eta.predict(batch.tokens)).norm() < 1e-12);
  CHECK((iterated.predict(batch.tokens) - gd_predictions(tasks, lambda * eta, K)).norm() < 1e-12);

  // With W_0 ≠ 0 and two outputs.
  const int ny = 2;
  const TaskBatch tasks2 = test::linear_tasks(4, 6, 20, 12, ny);
  const Batch<double> batch2 = make_batch<double>(tasks2, {});
  const Eigen::MatrixXd W0 = Eigen::MatrixXd::Random(ny, 4);
  const Model<double> one2 = make_gd_model<double>(4, ny, 6, {0.7}, false, W0);
  CHECK((iterate_layer(one2, 4, 0.5).predict(batch2.tokens) - damped_gd(4, ny, 6, 0.7, 4, 0.5, W0).predict(batch2.tokens)).norm() <
        1e-12);
}

TEST_CASE("iterate_layer copies the weights exactly and checks its input") {
  Model<float> one(ModelConfig::for_von_oswald(3, 1, 5, 1, false));
  one.init_params(3);
  const Model<float> it = iterate_layer(one, 5, 0.75);
  const auto from = one.attention(0);
  for (int l = 0; l < 5; ++l) {
    const auto to = it.attention(l);
    CHECK((to.W_Q.array() == from.W_Q.array()).all());
    CHECK((to.W_K.array() == from.W_K.array()).all());
    CHECK((to.W_V.array() == from.W_V.array()).all());
    CHECK((to.P.array() == from.P.array()).all());
  }
  // A recurrent one-layer model iterates the same way.
  Model<float> shared(ModelConfig::for_von_oswald(3, 1, 5, 1, true));
  shared.params().values() = one.params().values();
  CHECK(iterate_layer(shared, 5, 0.75).params().values() == it.params().values());

  CHECK_THROWS_AS(iterate_layer(make_gd_model<double>(3, 1, 5, {0.5, 0.5}), 3, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(iterate_layer(one, 0, 1.0), std::invalid_argument);
  ModelConfig g = ModelConfig::for_von_oswald(3, 1, 5, 1, false);
  g.attention = AttentionParam::gd;
  CHECK_THROWS_AS(iterate_layer(Model<double>(g), 3, 1.0), std::invalid_argument);
  ModelConfig mlp = ModelConfig::for_von_oswald(3, 1, 5, 1, false);
  mlp.mlp_blocks = true;
  CHECK_THROWS_AS(iterate_layer(Model<double>(mlp), 3, 1.0), std::invalid_argument);
}

TEST_CASE("project_on_gd_structure leaves an exact GD layer's function unchanged") {
  const int d = 4, n = 6, ny = 2;
  const TaskBatch tasks = test::linear_tasks(d, n, 30, 13, ny);
  const Batch<double> batch = make_batch<double>(tasks, {});
  const Eigen::MatrixXd W0 = Eigen::MatrixXd::Random(ny, d);
  const Model<double> gd = make_gd_model<double>(d, ny, n, {0.8}, false, W0);
  const Model<double> projected = project_on_gd_structure(gd);
  CHECK((projected.predict(batch.tokens) - gd.predict(batch.tokens)).norm() < 1e-12);
  // Every token, not only the read-out: the x-slots stay, the y-slots take the GD step.
  ModelWorkspace<double> ws_gd, ws_proj;
  const Eigen::MatrixXd E = batch.tokens.task(0);
  gd.forward_task(E, ws_gd);
  projected.forward_task(E, ws_proj);
  CHECK((ws_proj.hidden[1] - ws_gd.hidden[1]).norm() < 1e-12);
  // The written form: W_K = I, P = I, W_Q = W_KQ, W_V = W_PV.
  const auto a = projected.attention(0);
  CHECK(a.W_K.isIdentity(0.0));
  CHECK(a.P.isIdentity(0.0));
  Eigen::MatrixXd kq, pv, kq_p, pv_p;
  attention_products(gd, 0, kq, pv);
  attention_products(projected, 0, kq_p, pv_p);
  CHECK((kq_p - kq).norm() < 1e-15);
  CHECK((pv_p - pv).norm() < 1e-15);

  // Several layers, and a damped recurrent stack.
  const Model<double> stack = make_gd_model<double>(d, ny, n, {0.9, 0.4, 1.1}, false, W0);
  CHECK((project_on_gd_structure(stack).predict(batch.tokens) - stack.predict(batch.tokens)).norm() < 1e-12);
  const Model<double> rec = damped_gd(d, ny, n, 0.8, 5, 0.75, W0);
  CHECK((project_on_gd_structure(rec).predict(batch.tokens) - rec.predict(batch.tokens)).norm() < 1e-12);
}

TEST_CASE("project_on_gd_structure removes writes into the x-slots, and only those") {
  const int d = 4, n = 6;
  const TaskBatch tasks = test::linear_tasks(d, n, 30, 14);
  const Batch<double> batch = make_batch<double>(tasks, {});
  const Model<double> gd = make_gd_model<double>(d, 1, n, {0.8});
  Model<double> perturbed = gd;
  perturbed.attention(0).W_V.topRows(d) = 0.3 * Eigen::MatrixXd::Random(d, d + 1);  // x-rows of W_PV ≠ 0
  // One application reads only the y-slot, but iterated the x-writes matter ...
  const Model<double> iterated_gd = iterate_layer(gd, 3, 0.75);
  CHECK((iterate_layer(perturbed, 3, 0.75).predict(batch.tokens) - iterated_gd.predict(batch.tokens)).norm() > 1e-3);
  // ... and the projection removes exactly them.
  const Model<double> projected = project_on_gd_structure(perturbed);
  CHECK((iterate_layer(projected, 3, 0.75).predict(batch.tokens) - iterated_gd.predict(batch.tokens)).norm() < 1e-12);
  Eigen::MatrixXd kq, pv;
  attention_products(projected, 0, kq, pv);
  CHECK(pv.topRows(d).norm() == 0.0);

  ModelConfig heads = ModelConfig::for_von_oswald(d, 1, n, 1, false);
  heads.num_heads = 2;
  CHECK_THROWS_AS(project_on_gd_structure(Model<double>(heads)), std::invalid_argument);
}

TEST_CASE("gd_preconditioner of the GD layer is −(η/N)·I; the shape reports its spread") {
  const int d = 3, n = 8;
  const double eta = 0.9;
  Model<double> gd = make_gd_model<double>(d, 1, n, {eta});
  const Eigen::MatrixXd A = gd_preconditioner(gd);
  CHECK((A + (eta / n) * Eigen::MatrixXd::Identity(d, d)).norm() < 1e-15);
  const PreconditionerShape flat = preconditioner_shape(gd);
  CHECK(flat.min_over_mean == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(flat.max_over_mean == doctest::Approx(1.0).epsilon(1e-12));
  // W_KQ[x, x] = diag(1, 2, 3): eigenvalues / mean = 0.5, 1, 1.5.
  gd.attention(0).W_Q.topLeftCorner(d, d).diagonal() << 1.0, 2.0, 3.0;
  const PreconditionerShape spread = preconditioner_shape(gd);
  CHECK(spread.min_over_mean == doctest::Approx(0.5).epsilon(1e-12));
  CHECK(spread.max_over_mean == doctest::Approx(1.5).epsilon(1e-12));
  CHECK_THROWS_AS(gd_preconditioner(make_gd_model<double>(d, 2, n, {eta})), std::invalid_argument);
}
